/**
 * `npm run bench`: casevault against Info-ZIP on the same generated data, in the same run,
 * interleaved (the order alternates each round, so a noisy neighbour hurts both sides).
 *
 *   npm run bench -- [--scale=1] [--runs=3] [--scaling=1,2,4 | --no-scaling] [--quick]
 *                    [--out=bench/results.json] [--keep]
 *
 * --scale    what "1×" means: 1 is ~20,000 cases and ~2,000 documents (~590 MB in all).
 * --quick    scale 0.25 and 2 rounds: a smoke run of the whole bench in about a minute.
 * --scaling  the multiples of --scale for the scaling run (casevault only, one round each).
 * Every casevault command runs in its own process under /usr/bin/time, so its max RSS is
 * its own; "wall" is that process's whole life (node start-up included), "cmd" the time
 * inside it. The temp data is removed at the end unless --keep is given.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, freemem, tmpdir, totalmem } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { generateDataDir, type GeneratedData } from './generate.ts';

interface Options {
  scale: number;
  runs: number;
  scaling: number[];
  out: string;
  keep: boolean;
}

function parseArgs(argv: readonly string[]): Options {
  const options: Options = { scale: 1, runs: 3, scaling: [1, 2, 4], out: 'bench/results.json', keep: false };
  for (const arg of argv) {
    const [key, value = ''] = arg.replace(/^--/, '').split('=');
    if (key === 'quick') Object.assign(options, { scale: 0.25, runs: 2 });
    else if (key === 'scale') options.scale = Number(value);
    else if (key === 'runs') options.runs = Number(value);
    else if (key === 'scaling') options.scaling = value.split(',').map(Number);
    else if (key === 'no-scaling') options.scaling = [];
    else if (key === 'out') options.out = value;
    else if (key === 'keep') options.keep = true;
    else throw new Error(`bench: unknown option ${arg}`);
  }
  if (!(options.scale > 0) || !(options.runs >= 1)) throw new Error('bench: --scale must be > 0 and --runs >= 1');
  return options;
}

interface Measured {
  readonly wallMs: number;
  readonly maxRssMB: number;
  readonly cmdMs?: number;
  readonly result?: Record<string, unknown>;
}

const ROOT = resolve(import.meta.dirname, '..');

/** Runs a command under /usr/bin/time; throws with its stderr if it fails. */
function timed(command: string, args: readonly string[], cwd = ROOT): Measured & { stdout: string } {
  const timeFile = join(tmpdir(), `casevault-bench-time-${process.pid}`);
  const started = performance.now();
  const child = spawnSync('/usr/bin/time', ['-f', '%M', '-o', timeFile, command, ...args], { cwd, encoding: 'utf8', maxBuffer: 64 << 20 });
  const wallMs = performance.now() - started;
  if (child.status !== 0) throw new Error(`bench: ${command} ${args.join(' ')} failed (${child.status}):\n${child.stderr}`);
  const maxRssMB = Number(readFileSync(timeFile, 'utf8').trim().split('\n').pop()) / 1024;
  rmSync(timeFile, { force: true });
  return { wallMs, maxRssMB, stdout: child.stdout };
}

/**
 * The command as the shipped app runs it: compiled to one JS file (esbuild, which tsx
 * brings), so the numbers are casevault's and not the TypeScript loader's (tsx adds ~0.8 s
 * and ~40 MB to every process). Falls back to tsx if esbuild is not installed.
 */
let commandLine: string[] | undefined;
function commandArgs(work: string): string[] {
  if (commandLine) return commandLine;
  // Inside the repository (in the ignored .tmp/), so bare imports resolve from its node_modules.
  const outfile = join(ROOT, '.tmp', `bench-command-${basename(work)}.mjs`);
  const built = spawnSync(
    join(ROOT, 'node_modules/.bin/esbuild'),
    [join(ROOT, 'bench/command.ts'), '--bundle', '--platform=node', '--format=esm', '--target=node20', '--packages=external', `--outfile=${outfile}`, '--log-level=warning'],
    { cwd: ROOT, encoding: 'utf8' },
  );
  if (built.status === 0) {
    commandLine = [outfile];
  } else {
    console.log(`bench: esbuild unavailable (${built.stderr || built.error?.message}); running the commands through tsx`);
    commandLine = ['--import', 'tsx', join(ROOT, 'bench/command.ts')];
  }
  return commandLine;
}

let workDir = '';
function casevault(op: string, args: Record<string, unknown>): Measured {
  const run = timed(process.execPath, [...commandArgs(workDir), op, JSON.stringify(args)]);
  const line = run.stdout.trim().split('\n').pop() ?? '{}';
  const result = JSON.parse(line) as Record<string, unknown>;
  return { wallMs: run.wallMs, maxRssMB: run.maxRssMB, cmdMs: Number(result.ms), result };
}

const median = (xs: readonly number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

function onlyZip(dir: string): string {
  const zips = readdirSync(dir).filter((n) => n.endsWith('.zip'));
  if (zips.length !== 1) throw new Error(`bench: expected one backup in ${dir}, found ${zips.length}`);
  return join(dir, zips[0]!);
}

/** Runs both, the Info-ZIP side first or second; returns [Info-ZIP, casevault]. */
function inOrder<T>(zipFirst: boolean, zip: () => T, ours: () => T): [T, T] {
  if (zipFirst) {
    const a = zip();
    return [a, ours()];
  }
  const b = ours();
  return [zip(), b];
}

interface Round {
  zip: Measured & { size: number };
  export: Measured & { size: number };
  unzipTest: Measured;
  verify: Measured;
  unzip: Measured;
  restore: Measured;
}

function round(work: string, data: GeneratedData, i: number): Round {
  const zipPath = join(work, `info-zip-${i}.zip`);
  const backupDir = join(work, `backups-${i}`);
  const zipFirst = i % 2 === 0;
  const runZip = () => ({ ...timed('zip', ['-r', '-6', '-q', zipPath, '.'], data.dataDir), size: statSync(zipPath).size });
  const runExport = () => {
    const m = casevault('export', { dataDir: data.dataDir, backupDir, level: 6 });
    return { ...m, size: Number(m.result?.size) };
  };
  let zip: Round['zip'];
  let exported: Round['export'];
  if (zipFirst) {
    zip = runZip();
    exported = runExport();
  } else {
    exported = runExport();
    zip = runZip();
  }
  rmSync(zipPath, { force: true });
  const archive = onlyZip(backupDir);

  const runUnzipTest = () => timed('unzip', ['-t', '-q', archive]);
  const runVerify = () => casevault('verify', { dataDir: join(work, 'unused-data'), backupDir, path: archive });
  const [unzipTest, verify] = inOrder(zipFirst, runUnzipTest, runVerify);

  const unzipDir = join(work, `unzip-${i}`);
  const restoreParent = join(work, `restore-${i}`);
  mkdirSync(restoreParent);
  const runUnzip = () => timed('unzip', ['-q', '-d', unzipDir, archive]);
  const runRestore = () => casevault('restore', { dataDir: join(restoreParent, 'data'), backupDir, path: archive });
  const [unzip, restore] = inOrder(zipFirst, runUnzip, runRestore);
  rmSync(unzipDir, { recursive: true, force: true });
  rmSync(restoreParent, { recursive: true, force: true });
  rmSync(backupDir, { recursive: true, force: true });
  return { zip, export: exported, unzipTest, verify, unzip, restore };
}

interface ScalePoint {
  scale: number;
  inputMB: number;
  export: Measured & { size: number };
  verify: Measured;
  restore: Measured;
}

function scalePoint(work: string, data: GeneratedData, multiple: number): ScalePoint {
  const backupDir = join(work, `scaling-backups-${multiple}`);
  const e = casevault('export', { dataDir: data.dataDir, backupDir, level: 6 });
  const archive = onlyZip(backupDir);
  const verify = casevault('verify', { dataDir: join(work, 'unused-data'), backupDir, path: archive });
  const restoreParent = join(work, `scaling-restore-${multiple}`);
  mkdirSync(restoreParent);
  const restore = casevault('restore', { dataDir: join(restoreParent, 'data'), backupDir, path: archive });
  rmSync(restoreParent, { recursive: true, force: true });
  rmSync(backupDir, { recursive: true, force: true });
  return { scale: multiple, inputMB: (data.databaseBytes + data.documentBytes) / 1e6, export: { ...e, size: Number(e.result?.size) }, verify, restore };
}

function listing(work: string): { listMs: number; statsMs: number; count: number } {
  const backupDir = join(work, 'many-backups');
  mkdirSync(backupDir, { recursive: true });
  const body = Buffer.alloc(4096, 1);
  for (let i = 0; i < 1000; i += 1) {
    const when = new Date(Date.UTC(2024, 0, 1) + i * 3_600_000).toISOString().replace(/[-:]/g, '').replace('.', '');
    const name = `casevault-backup-${when}.zip`;
    writeFileSync(join(backupDir, name), body);
    writeFileSync(join(backupDir, `${name}.sha256`), `${'0'.repeat(64)}  ${name}\n`);
  }
  const m = casevault('list', { dataDir: join(work, 'unused-data'), backupDir, repeat: 7 });
  const r = m.result as { count: number; listMs: number[]; statsMs: number[] };
  return { count: r.count, listMs: median(r.listMs), statsMs: median(r.statsMs) };
}

const fmtS = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
const fmtMB = (bytes: number) => `${(bytes / 1e6).toFixed(1)} MB`;

/** The tools the bench compares against and measures with; a clear message if one is missing. */
function requireTools(): void {
  const missing = [
    ['zip', ['-v']],
    ['unzip', ['-v']],
    ['/usr/bin/time', ['-f', '%M', 'true']],
  ].filter(([cmd, args]) => spawnSync(cmd as string, args as string[], { stdio: 'ignore' }).status !== 0).map(([cmd]) => cmd);
  if (missing.length > 0) {
    console.error(`bench: missing ${missing.join(', ')}; on Debian: apt-get install -y zip unzip time`);
    process.exit(2);
  }
}

function main(): void {
  const options = parseArgs(process.argv.slice(2));
  requireTools();
  const work = mkdtempSync(join(tmpdir(), 'casevault-bench-'));
  workDir = work;
  const machine = {
    nproc: cpus().length,
    cpu: cpus()[0]?.model ?? 'unknown',
    memoryGiB: Math.round(totalmem() / 1024 ** 3),
    freeGiB: Math.round(freemem() / 1024 ** 3),
    node: process.version,
    zip: spawnSync('zip', ['-v'], { encoding: 'utf8' }).stdout.split('\n')[1]?.trim() ?? 'unknown',
  };
  try {
    console.log(`bench: generating data at scale ${options.scale} in ${work}`);
    let t = performance.now();
    const data = generateDataDir(join(work, 'data-1'), options.scale);
    console.log(
      `bench: ${data.cases} cases, database ${fmtMB(data.databaseBytes)}, ${data.documents} documents ${fmtMB(data.documentBytes)} (${data.textDocuments} text-like, ${fmtMB(data.textBytes)}) in ${fmtS(performance.now() - t)}`,
    );
    const rounds: Round[] = [];
    for (let i = 0; i < options.runs; i += 1) {
      t = performance.now();
      rounds.push(round(work, data, i));
      const r = rounds[i]!;
      console.log(
        `bench: round ${i + 1}/${options.runs}: zip ${fmtS(r.zip.wallMs)} export ${fmtS(r.export.wallMs)} | unzip -t ${fmtS(r.unzipTest.wallMs)} verify ${fmtS(r.verify.wallMs)} | unzip ${fmtS(r.unzip.wallMs)} restore ${fmtS(r.restore.wallMs)}`,
      );
    }
    const med = (pick: (r: Round) => number) => median(rounds.map(pick));
    const summary = {
      zipMs: med((r) => r.zip.wallMs),
      exportMs: med((r) => r.export.wallMs),
      exportCmdMs: med((r) => r.export.cmdMs ?? 0),
      zipSize: med((r) => r.zip.size),
      exportSize: med((r) => r.export.size),
      unzipTestMs: med((r) => r.unzipTest.wallMs),
      verifyMs: med((r) => r.verify.wallMs),
      verifyCmdMs: med((r) => r.verify.cmdMs ?? 0),
      unzipMs: med((r) => r.unzip.wallMs),
      restoreMs: med((r) => r.restore.wallMs),
      restoreCmdMs: med((r) => r.restore.cmdMs ?? 0),
      exportRssMB: Math.max(...rounds.map((r) => r.export.maxRssMB)),
      verifyRssMB: Math.max(...rounds.map((r) => r.verify.maxRssMB)),
      restoreRssMB: Math.max(...rounds.map((r) => r.restore.maxRssMB)),
    };

    const scaling: ScalePoint[] = [];
    for (const multiple of options.scaling) {
      let scaled = data;
      if (multiple !== 1) {
        t = performance.now();
        scaled = generateDataDir(join(work, `data-${multiple}`), options.scale * multiple);
        console.log(`bench: generated ${multiple}× (${fmtMB(scaled.databaseBytes + scaled.documentBytes)}) in ${fmtS(performance.now() - t)}`);
      }
      scaling.push(scalePoint(work, scaled, multiple));
      if (multiple !== 1) rmSync(scaled.dataDir, { recursive: true, force: true });
      const p = scaling[scaling.length - 1]!;
      console.log(`bench: scaling ${multiple}×: export ${fmtS(p.export.wallMs)} ${p.export.maxRssMB.toFixed(0)} MB, verify ${fmtS(p.verify.wallMs)} ${p.verify.maxRssMB.toFixed(0)} MB, restore ${fmtS(p.restore.wallMs)} ${p.restore.maxRssMB.toFixed(0)} MB`);
    }
    const list = listing(work);

    const ratio = (a: number, b: number) => (a / b).toFixed(2);
    // Per round, casevault and Info-ZIP ran back to back: the median of those ratios is the
    // steadier number when the machine's load changes between rounds.
    const roundRatio = (ours: (r: Round) => number, theirs: (r: Round) => number) => median(rounds.map((r) => ours(r) / theirs(r))).toFixed(2);
    const rows: [string, string, string, string, string, string][] = [
      ['export (level 6) wall', fmtS(summary.exportMs), `zip -r -6: ${fmtS(summary.zipMs)}`, ratio(summary.exportMs, summary.zipMs), roundRatio((r) => r.export.wallMs, (r) => r.zip.wallMs), '≤ 0.35'],
      ['archive size', fmtMB(summary.exportSize), `zip -r -6: ${fmtMB(summary.zipSize)}`, ratio(summary.exportSize, summary.zipSize), roundRatio((r) => r.export.size, (r) => r.zip.size), '≤ 1.01'],
      ['verify wall', fmtS(summary.verifyMs), `unzip -t: ${fmtS(summary.unzipTestMs)}`, ratio(summary.verifyMs, summary.unzipTestMs), roundRatio((r) => r.verify.wallMs, (r) => r.unzipTest.wallMs), '≤ 0.5'],
      ['restore wall (verified, swapped)', fmtS(summary.restoreMs), `unzip -q: ${fmtS(summary.unzipMs)}`, ratio(summary.restoreMs, summary.unzipMs), roundRatio((r) => r.restore.wallMs, (r) => r.unzip.wallMs), '≤ 1.0'],
      ['peak RSS export / verify / restore', `${summary.exportRssMB.toFixed(0)} / ${summary.verifyRssMB.toFixed(0)} / ${summary.restoreRssMB.toFixed(0)} MB`, '', '', '', '≤ 150 MB'],
      ['listBackups / getStatistics, 1,000 backups', `${list.listMs.toFixed(0)} / ${list.statsMs.toFixed(0)} ms`, '', '', '', '≤ 300 ms'],
    ];
    const table = [
      `| what | casevault (median of ${options.runs}) | Info-ZIP (median) | ratio of medians | median of per-round ratios | target |`,
      '|---|---|---|---|---|---|',
      ...rows.map((r) => `| ${r.join(' | ')} |`),
      '',
      `Time inside the casevault process (without node start-up): export ${fmtS(summary.exportCmdMs)}, verify ${fmtS(summary.verifyCmdMs)}, restore ${fmtS(summary.restoreCmdMs)}.`,
      '',
      '| scale | data | export | archive | verify | restore | max RSS export / verify / restore |',
      '|---|---|---|---|---|---|---|',
      ...scaling.map(
        (p) =>
          `| ${p.scale}× | ${p.inputMB.toFixed(0)} MB | ${fmtS(p.export.wallMs)} | ${fmtMB(p.export.size)} | ${fmtS(p.verify.wallMs)} | ${fmtS(p.restore.wallMs)} | ${p.export.maxRssMB.toFixed(0)} / ${p.verify.maxRssMB.toFixed(0)} / ${p.restore.maxRssMB.toFixed(0)} MB |`,
      ),
      '',
      `Machine: ${machine.nproc} × ${machine.cpu}, ${machine.memoryGiB} GiB, node ${machine.node}, ${machine.zip}. Data: scale ${options.scale}, ${data.cases} cases, database ${fmtMB(data.databaseBytes)}, ${data.documents} documents of ${fmtMB(data.documentBytes)} (${fmtMB(data.textBytes)} text-like).`,
    ].join('\n');
    console.log(`\n${table}\n`);
    mkdirSync(join(ROOT, options.out, '..'), { recursive: true });
    writeFileSync(resolve(ROOT, options.out), JSON.stringify({ date: new Date().toISOString(), machine, options, data, rounds, summary, scaling, list, table }, null, 2));
    console.log(`bench: results in ${options.out}`);
  } finally {
    if (commandLine?.[0]?.endsWith('.mjs')) rmSync(commandLine[0], { force: true });
    if (options.keep) console.log(`bench: kept ${work}`);
    else rmSync(work, { recursive: true, force: true });
  }
}

main();
