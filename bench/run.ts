/**
 * `npm run bench`: casevault against Info-ZIP and 7-Zip on the same generated data, in the
 * same run, interleaved (the order rotates each round, so a noisy neighbour hurts every side),
 * on several data profiles (bench/generate.ts) that differ in what changes the ratios.
 *
 *   npm run bench -- [--profiles=mixed,repetitive,…] [--scale=1] [--runs=3] [--quick]
 *                    [--scaling=1,2,4 | --no-scaling] [--scaling-profiles=mixed]
 *                    [--no-phases] [--cpu-prof[=DIR]] [--out=bench/results] [--tmp=DIR]
 *                    [--no-copy | --copy-only] [--copy-parts=16x3,5x4]
 *                    [--no-incremental | --incremental-only] [--prune-profiles=mixed] [--daily-backups=30]
 *                    [--scale-run] [--scale-only] [--scale-docs=100000] [--keep] [--plan] [--help]
 *
 * --profiles  which data profiles, in that order (default: all; `--plan` lists them).
 * --scale     what "1×" means for every profile (1: the sizes `--plan` prints).
 * --quick     scale 0.25, 2 rounds, no scaling run: a smoke run of every profile.
 * --scaling   the multiples of --scale for the scaling run (casevault only, one round
 *             each), on the --scaling-profiles (default mixed, the original data).
 * --no-phases skips the instrumented run per profile that shows where casevault's time
 *             goes (bench/phases.ts); it is never one of the measured rounds.
 * --cpu-prof  one more casevault export, verify and restore per profile under
 *             `node --cpu-prof --cpu-prof-dir=DIR/<profile>-<command>` (default DIR
 *             .tmp/bench-cpu-prof), main thread and worker threads, summarised
 *             (bench/cpuSummary.ts); the profiles are kept.
 * --out       a directory: <profile>.json per profile and summary.json.
 * --no-copy   skips the copy row (bench/copy.ts, issue 14): each profile's backup uploaded to a
 *             local S3-compatible server (scripts/s3server, Swift's s3api) by
 *             `casevault copy` and by `rclone copyto`, rotated, --runs rounds; on by default,
 *             also in --quick. Needs rclone and swift-proxy (Debian's packages).
 * --copy-only only the copy row: per profile one export, then its copy rounds (no Info-ZIP,
 *             7-Zip, encrypted rows, phases or scaling).
 * --copy-parts the S3 adapter's upload alone at these settings beside the CLI's copy:
 *             MiBxQUEUE (part size, parts in flight), `r` for checksum mode when-required
 *             (default 16x3,5x4: the adapter's default and rclone's).
 * --no-incremental skips the incremental row (bench/incremental.ts, issue 12): per profile, on a
 *             copy of its data, a first full and a first incremental backup, a 1 % change (new
 *             documents, rewritten rows), then per round the next `export --incremental` against
 *             a full export of the same data (time, bytes written), and verify and restore of
 *             both; through the installed command (`node bin/casevault.mjs`). On by default.
 * --incremental-only only the incremental row (and the daily backups' prune), no other rows.
 * --prune-profiles the profiles whose changed data also gets --daily-backups daily incremental
 *             backups (under faketime, Debian's package), a 7-daily retention policy and a timed
 *             `prune` with its pool collection (default: the first of --profiles).
 * --daily-backups how many (default 30; 0 skips the prune row).
 * --scale-run the scale run (bench/scale.ts): --scale-docs documents of ~20 KB (default 100,000,
 *             ~2 GB, and a quarter of it first, for memory per entry), every command once; off
 *             by default (~10-20 min, ~8 GB of temp disk at 100,000).
 * --scale-only only the scale run.
 * --plan      prints the profiles and their sizes at --scale and exits (generates nothing).
 * --help      prints this and exits.
 * Every command runs in its own process under /usr/bin/time, so its max RSS and CPU time
 * (user + system) are its own; "wall" is that process's whole life (node start-up
 * included), "cmd" the time inside it.
 * Each round also exports, verifies and restores with encryption on (bench/encrypted.ts:
 * keys set up once by `node bin/casevault.mjs key init`, backups opened with the recovery
 * key), rotated among the others, each divided by the plain row of the same round.
 * The temp data is removed as each profile ends, unless --keep is given.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, freemem, loadavg, tmpdir, totalmem } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { formatCpuSummary, summariseCpuProfiles, type ThreadSummary } from './cpuSummary.ts';
import { addDestination, copyOverview, copyRound, copyTable, parseCopyParts, startCopyServer, stopCopyServer, summariseCopy, type CopyRound, type CopyServer, type CopySummary, type CopyVariant } from './copy.ts';
import { encryptedOverview, encryptedTable, setUpEncryption, summariseEncrypted, type EncryptedSummary, type EncryptionSetup } from './encrypted.ts';
import { PROFILES, PROFILE_NAMES, SCALE_AVERAGE_BYTES, generateProfile, planProfile, type GeneratedData, type ProfileName } from './generate.ts';
import { cli, hasFaketime, incrementalDataDir, incrementalOverview, incrementalRow, incrementalTable, pruneRow, pruneTable, removeIncrementalData, type CliDeps, type IncrementalResult, type PruneResult } from './incremental.ts';
import { scaleRun, scaleTable, type ScaleResult } from './scale.ts';
import type { PhaseReport } from './phases.ts';

interface Options {
  profiles: ProfileName[];
  scale: number;
  runs: number;
  scaling: number[];
  scalingProfiles: ProfileName[];
  phases: boolean;
  cpuProf: string | null;
  out: string;
  tmp: string;
  copy: boolean;
  copyOnly: boolean;
  copyParts: CopyVariant[];
  incremental: boolean;
  incrementalOnly: boolean;
  /** null: the first of `profiles`. */
  pruneProfiles: ProfileName[] | null;
  dailyBackups: number;
  scaleRun: boolean;
  scaleOnly: boolean;
  scaleDocs: number;
  keep: boolean;
  plan: boolean;
  help: boolean;
}

function profileList(value: string): ProfileName[] {
  if (value === 'all' || value === '') return [...PROFILE_NAMES];
  const names = value.split(',').map((s) => s.trim());
  for (const n of names) if (!(PROFILE_NAMES as readonly string[]).includes(n)) throw new Error(`bench: unknown profile ${n}; the profiles: ${PROFILE_NAMES.join(', ')}`);
  return names as ProfileName[];
}

function parseArgs(argv: readonly string[]): Options {
  const options: Options = {
    profiles: [...PROFILE_NAMES],
    scale: 1,
    runs: 3,
    scaling: [1, 2, 4],
    scalingProfiles: ['mixed'],
    phases: true,
    cpuProf: null,
    out: 'bench/results',
    tmp: tmpdir(),
    copy: true,
    copyOnly: false,
    copyParts: parseCopyParts('16x3,5x4'),
    incremental: true,
    incrementalOnly: false,
    pruneProfiles: null,
    dailyBackups: 30,
    scaleRun: false,
    scaleOnly: false,
    scaleDocs: 100_000,
    keep: false,
    plan: false,
    help: false,
  };
  for (const arg of argv) {
    const [key, ...rest] = arg.replace(/^--/, '').split('=');
    const value = rest.join('=');
    if (key === 'quick') Object.assign(options, { scale: 0.25, runs: 2, scaling: [] });
    else if (key === 'profiles') options.profiles = profileList(value);
    else if (key === 'scale') options.scale = Number(value);
    else if (key === 'runs') options.runs = Number(value);
    else if (key === 'scaling') options.scaling = value.split(',').map(Number);
    else if (key === 'no-scaling') options.scaling = [];
    else if (key === 'scaling-profiles') options.scalingProfiles = profileList(value);
    else if (key === 'no-phases') options.phases = false;
    else if (key === 'cpu-prof') options.cpuProf = resolve(value || '.tmp/bench-cpu-prof');
    else if (key === 'out') options.out = value;
    else if (key === 'tmp') options.tmp = resolve(value);
    else if (key === 'no-copy') options.copy = false;
    else if (key === 'copy-only') Object.assign(options, { copy: true, copyOnly: true });
    else if (key === 'copy-parts') options.copyParts = parseCopyParts(value);
    else if (key === 'no-incremental') options.incremental = false;
    else if (key === 'incremental-only') Object.assign(options, { incremental: true, incrementalOnly: true });
    else if (key === 'prune-profiles') options.pruneProfiles = value === '' ? [] : profileList(value);
    else if (key === 'daily-backups') options.dailyBackups = Number(value);
    else if (key === 'scale-run') options.scaleRun = true;
    else if (key === 'scale-only') Object.assign(options, { scaleRun: true, scaleOnly: true });
    else if (key === 'scale-docs') options.scaleDocs = Number(value);
    else if (key === 'keep') options.keep = true;
    else if (key === 'plan') options.plan = true;
    else if (key === 'help') options.help = true;
    else throw new Error(`bench: unknown option ${arg}`);
  }
  if (!(options.scale > 0) || !(options.runs >= 1)) throw new Error('bench: --scale must be > 0 and --runs >= 1');
  if (options.out.endsWith('.json')) throw new Error('bench: --out is a directory now (one JSON per profile and summary.json)');
  if (!(options.scaleDocs >= 8) || !Number.isInteger(options.scaleDocs)) throw new Error('bench: --scale-docs must be a whole number ≥ 8');
  if (!(options.dailyBackups >= 0) || !Number.isInteger(options.dailyBackups)) throw new Error('bench: --daily-backups must be a whole number ≥ 0 (0 skips the prune row)');
  if ([options.copyOnly, options.incrementalOnly, options.scaleOnly].filter(Boolean).length > 1) throw new Error('bench: --copy-only, --incremental-only and --scale-only exclude each other');
  // The other rows' own tools (zip, 7-Zip, rclone, the S3 server) are not needed by these.
  if (options.incrementalOnly || options.scaleOnly) options.copy = false;
  if (options.scaleOnly) options.incremental = false;
  return options;
}

interface Measured {
  readonly wallMs: number;
  readonly maxRssMB: number;
  /** User + system CPU time of the process, every thread. */
  readonly cpuMs: number;
  readonly cmdMs?: number;
  readonly result?: Record<string, unknown>;
}

const ROOT = resolve(import.meta.dirname, '..');

/** Runs a command under /usr/bin/time; throws with its stderr if it fails. */
function timed(command: string, args: readonly string[], cwd = ROOT, env?: NodeJS.ProcessEnv): Measured & { stdout: string; stderr: string } {
  const timeFile = join(tmpdir(), `casevault-bench-time-${process.pid}`);
  const started = performance.now();
  const child = spawnSync('/usr/bin/time', ['-f', '%M %U %S', '-o', timeFile, command, ...args], { cwd, encoding: 'utf8', maxBuffer: 64 << 20, ...(env ? { env } : {}) });
  const wallMs = performance.now() - started;
  if (child.status !== 0) throw new Error(`bench: ${command} ${args.join(' ')} failed (${child.status}):\n${child.stderr}`);
  const [rssKB, user, system] = (readFileSync(timeFile, 'utf8').trim().split('\n').pop() ?? '').split(' ').map(Number);
  rmSync(timeFile, { force: true });
  return { wallMs, maxRssMB: rssKB! / 1024, cpuMs: (user! + system!) * 1000, stdout: child.stdout, stderr: child.stderr };
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
function casevault(op: string, args: Record<string, unknown>, nodeFlags: readonly string[] = [], env?: NodeJS.ProcessEnv): Measured & { phases?: PhaseReport } {
  const run = timed(process.execPath, [...nodeFlags, ...commandArgs(workDir), op, JSON.stringify(args)], ROOT, env);
  const line = run.stdout.trim().split('\n').pop() ?? '{}';
  const result = JSON.parse(line) as Record<string, unknown> & { phases?: PhaseReport };
  const { phases, ...rest } = result;
  return { wallMs: run.wallMs, maxRssMB: run.maxRssMB, cpuMs: run.cpuMs, cmdMs: Number(result.ms), result: rest, ...(phases ? { phases } : {}) };
}

const median = (xs: readonly number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

function onlyZip(dir: string, suffix = '.zip'): string {
  const zips = readdirSync(dir).filter((n) => n.endsWith(suffix));
  if (zips.length !== 1) throw new Error(`bench: expected one backup (${suffix}) in ${dir}, found ${zips.length}`);
  return join(dir, zips[0]!);
}

/** Runs the steps in an order rotated by `round`, so none always goes first; results in the steps' own order. */
function rotated<T extends readonly (() => unknown)[]>(round: number, steps: T): { -readonly [K in keyof T]: T[K] extends () => infer R ? R : never } {
  const out: unknown[] = new Array(steps.length);
  for (let k = 0; k < steps.length; k += 1) {
    const j = (k + round) % steps.length;
    out[j] = steps[j]!();
  }
  return out as { -readonly [K in keyof T]: T[K] extends () => infer R ? R : never };
}

type Sized = Measured & { size: number };

/** The installed command, for the incremental and scale rows (bench/incremental.ts). */
const cliDeps: CliDeps = {
  root: ROOT,
  timed: (command, args, cwd, env) => timed(command, args, cwd ?? ROOT, env),
  rotated: <T>(i: number, steps: readonly (() => T)[]) => rotated(i, steps) as T[],
};

/** The profiles that get the daily backups and the prune row. */
function pruneProfilesOf(options: Options): ProfileName[] {
  return options.pruneProfiles ?? options.profiles.slice(0, 1);
}

/** The first command of a run builds bin/casevault.mjs's bundle if src changed: not in a measured one. */
let cliWarm = false;
function warmCli(work: string): void {
  if (cliWarm) return;
  cli(cliDeps, ['list', '--backup-dir', join(work, 'warm-up-backups')]);
  rmSync(join(work, 'warm-up-backups'), { recursive: true, force: true });
  cliWarm = true;
}

/** The incremental row of a profile and, if it is one of --prune-profiles, the daily backups' prune; tables to print. */
function incrementalRows(options: Options, work: string, name: ProfileName, data: GeneratedData): { incremental: IncrementalResult; prune: PruneResult | null; tables: string[] } {
  const tag = `bench [${name}]`;
  warmCli(work);
  const log = (line: string) => console.log(`${tag}: ${line}`);
  const incremental = incrementalRow(cliDeps, work, data, options.runs, log);
  let prune: PruneResult | null = null;
  try {
    if (options.dailyBackups > 0 && pruneProfilesOf(options).includes(name)) {
      if (!hasFaketime(cliDeps)) throw new Error('bench: the daily backups need faketime (apt-get install -y faketime), or --daily-backups=0');
      prune = pruneRow(cliDeps, work, data, incrementalDataDir(work), options.runs, log, options.dailyBackups);
    }
  } finally {
    removeIncrementalData(work);
  }
  return { incremental, prune, tables: [incrementalTable(incremental, options.runs), '', ...(prune ? [pruneTable(prune, options.runs), ''] : [])] };
}

/** --incremental-only: the profile's data, its incremental row (and prune row). */
function runIncrementalOnly(options: Options, work: string, name: ProfileName, machine: Record<string, unknown>): { profile: ProfileName; data: GeneratedData; incremental: IncrementalResult; prune: PruneResult | null } {
  const tag = `bench [${name}]`;
  const t = performance.now();
  const data = generateProfile(name, join(work, `${name}-1`), options.scale);
  console.log(`${tag}: generated ${dataLine(data)}, in ${fmtS(performance.now() - t)}`);
  try {
    const { incremental, prune, tables } = incrementalRows(options, work, name, data);
    const table = [`### ${name}: ${PROFILES[name].title}`, '', `Data (scale ${options.scale}): ${dataLine(data)}.`, '', ...tables].join('\n');
    console.log(`\n${table}\n`);
    mkdirSync(resolve(ROOT, options.out), { recursive: true });
    writeFileSync(resolve(ROOT, options.out, `${name}-incremental.json`), JSON.stringify({ date: new Date().toISOString(), machine, options, profile: name, data, incremental, prune, table }, null, 2));
    return { profile: name, data, incremental, prune };
  } finally {
    if (!options.keep) rmSync(data.dataDir, { recursive: true, force: true });
  }
}

/** --scale-run: bench/scale.ts, its table and scale.json. */
function runScale(options: Options, work: string, machine: Record<string, unknown>): { result: ScaleResult; table: string } {
  warmCli(work);
  console.log(`bench [scale]: ${Math.round(options.scaleDocs / 4).toLocaleString('en')} then ${options.scaleDocs.toLocaleString('en')} documents of ~${SCALE_AVERAGE_BYTES / 1000} KB; free in ${work}: ${spawnSync('df', ['-h', '--output=avail', work], { encoding: 'utf8' }).stdout.trim().split('\n').pop()?.trim()}`);
  const result = scaleRun(cliDeps, work, options.scaleDocs, options.keep, (line) => console.log(`bench [scale]: ${line}`), () => loadavg().map((x) => Number(x.toFixed(1))));
  const table = scaleTable(result);
  console.log(`\n${table}\n`);
  mkdirSync(resolve(ROOT, options.out), { recursive: true });
  writeFileSync(resolve(ROOT, options.out, 'scale.json'), JSON.stringify({ date: new Date().toISOString(), machine, options, ...result, table }, null, 2));
  return { result, table };
}

interface Round {
  zip: Sized;
  sevenMx1: Sized;
  sevenMx5: Sized;
  export: Sized;
  unzipTest: Measured;
  sevenTest: Measured;
  verify: Measured;
  unzip: Measured;
  sevenExtract: Measured;
  restore: Measured;
  encExport: Sized;
  encVerify: Measured;
  encRestore: Measured;
}

const SEVEN_QUIET = ['-bso0', '-bsp0'];

/** One round; the last (`keepBackup`) leaves its plain backup in <work>/backups-<i> for the copy row. */
function round(work: string, data: GeneratedData, i: number, keys: EncryptionSetup, keepBackup = false): Round {
  const backupDir = join(work, `backups-${i}`);
  const unlock = { recoveryKeyFile: keys.recoveryKeyFile };
  const foreign = (name: string, command: string, args: (path: string) => string[]) => () => {
    const path = join(work, `${name}-${i}.zip`);
    const m = timed(command, args(path), data.dataDir);
    const size = statSync(path).size;
    rmSync(path, { force: true });
    return { ...m, size };
  };
  const [zip, sevenMx1, sevenMx5, exported, encExport] = rotated(i, [
    foreign('info-zip', 'zip', (p) => ['-r', '-6', '-q', p, '.']),
    foreign('7zz-mx1', '7zz', (p) => ['a', '-tzip', '-mx1', '-mmt2', ...SEVEN_QUIET, p, '.']),
    foreign('7zz-mx5', '7zz', (p) => ['a', '-tzip', '-mx5', '-mmt2', ...SEVEN_QUIET, p, '.']),
    () => {
      const m = casevault('export', { dataDir: data.dataDir, backupDir, level: 6 });
      return { ...m, size: Number(m.result?.size) } as Sized;
    },
    () => {
      const m = casevault('export', { dataDir: data.dataDir, backupDir: keys.backupDir, level: 6 });
      if (m.result?.encrypted !== true) throw new Error(`bench: the export into ${keys.backupDir} was not encrypted`);
      return { ...m, size: Number(m.result?.size) } as Sized;
    },
  ] as const);
  const archive = onlyZip(backupDir);
  const encrypted = onlyZip(keys.backupDir, '.zip.age');

  const [unzipTest, sevenTest, verify, encVerify] = rotated(i, [
    () => timed('unzip', ['-t', '-q', archive]),
    () => timed('7zz', ['t', ...SEVEN_QUIET, archive]),
    () => casevault('verify', { dataDir: join(work, 'unused-data'), backupDir, path: archive }) as Measured,
    () => casevault('verify', { dataDir: join(work, 'unused-data'), backupDir: keys.backupDir, path: encrypted, ...unlock }) as Measured,
  ] as const);

  const extractTo = (name: string, fn: (dir: string) => Measured) => () => {
    const dir = join(work, `${name}-${i}`);
    try {
      return fn(dir);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
  const [unzip, sevenExtract, restore, encRestore] = rotated(i, [
    extractTo('unzip', (dir) => timed('unzip', ['-q', '-d', dir, archive])),
    extractTo('7zz-x', (dir) => timed('7zz', ['x', `-o${dir}`, '-y', ...SEVEN_QUIET, archive])),
    extractTo('restore', (dir) => {
      mkdirSync(dir);
      return casevault('restore', { dataDir: join(dir, 'data'), backupDir, path: archive });
    }),
    extractTo('encrypted-restore', (dir) => {
      mkdirSync(dir);
      return casevault('restore', { dataDir: join(dir, 'data'), backupDir: keys.backupDir, path: encrypted, ...unlock });
    }),
  ] as const);
  if (!keepBackup) rmSync(backupDir, { recursive: true, force: true });
  rmSync(encrypted, { force: true });
  rmSync(`${encrypted}.sha256`, { force: true });
  return { zip, sevenMx1, sevenMx5, export: exported, unzipTest, sevenTest, verify, unzip, sevenExtract, restore, encExport, encVerify, encRestore };
}

interface Diagnosis {
  phases?: { export: PhaseReport; verify: PhaseReport; restore: PhaseReport };
  cpu?: { dir: string; export: ThreadSummary[]; verify: ThreadSummary[]; restore: ThreadSummary[] };
}

/** One export, verify and restore, instrumented (phases) or profiled (cpu): never a measured round. */
function diagnosticRun(work: string, data: GeneratedData, label: string, extra: Record<string, unknown>, flags: (op: string) => string[]) {
  const backupDir = join(work, `${label}-backups`);
  const out: Record<string, Measured & { phases?: PhaseReport }> = {};
  out.export = casevault('export', { dataDir: data.dataDir, backupDir, level: 6, ...extra }, flags('export'));
  const archive = onlyZip(backupDir);
  out.verify = casevault('verify', { dataDir: join(work, 'unused-data'), backupDir, path: archive, ...extra }, flags('verify'));
  const parent = join(work, `${label}-restore`);
  mkdirSync(parent);
  out.restore = casevault('restore', { dataDir: join(parent, 'data'), backupDir, path: archive, ...extra }, flags('restore'));
  rmSync(parent, { recursive: true, force: true });
  rmSync(backupDir, { recursive: true, force: true });
  return out as Record<'export' | 'verify' | 'restore', Measured & { phases?: PhaseReport }>;
}

interface ScalePoint {
  scale: number;
  inputMB: number;
  export: Sized;
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
  rmSync(backupDir, { recursive: true, force: true });
  return { count: r.count, listMs: median(r.listMs), statsMs: median(r.statsMs) };
}

const fmtS = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
const fmtMB = (bytes: number) => `${(bytes / 1e6).toFixed(1)} MB`;
const fmtRss = (mb: number) => mb.toFixed(0);

/** The tools the bench compares against and measures with; a clear message if one is missing. */
function requireTools(options: Options): void {
  const tools: [string, string[]][] = [['/usr/bin/time', ['-f', '%M', 'true']]];
  if (options.incrementalOnly || options.scaleOnly) tools.push(['unzip', ['-v']]);
  else if (!options.copyOnly) tools.push(['zip', ['-v']], ['unzip', ['-v']], ['7zz', ['i']]);
  if (options.incremental && !options.copyOnly && options.dailyBackups > 0 && pruneProfilesOf(options).length > 0) tools.push(['faketime', ['2026-01-05 12:00:00', 'true']]);
  if (options.copy) tools.push(['rclone', ['version']], ['swift-proxy-server', ['--help']]);
  const missing = tools.filter(([cmd, args]) => spawnSync(cmd as string, args as string[], { stdio: 'ignore' }).status !== 0).map(([cmd]) => cmd);
  if (missing.length > 0) {
    console.error(`bench: missing ${missing.join(', ')}; on Debian: apt-get install -y zip unzip 7zip time faketime rclone swift-proxy swift-account swift-container swift-object (or --no-copy; --daily-backups=0 for no faketime)`);
    process.exit(2);
  }
}

/** A ratio: the median of the per-round ratios (the steadier one under a changing load) and the ratio of the medians. */
interface Ratio {
  readonly perRound: number;
  readonly ofMedians: number;
}

/** The targets of issue 15, on every profile. */
const TARGETS = [
  { key: 'export', what: 'export ÷ zip -r -6', limit: 0.35 },
  { key: 'size', what: 'size ÷ zip -r -6', limit: 1.01 },
  { key: 'verify', what: 'verify ÷ 7zz t', limit: 1.0 },
  { key: 'restore', what: 'restore ÷ 7zz x', limit: 1.0 },
  { key: 'rss', what: 'peak RSS, MB', limit: 150 },
] as const;
type TargetKey = (typeof TARGETS)[number]['key'];

function summarise(rounds: readonly Round[]) {
  const med = (pick: (r: Round) => number) => median(rounds.map(pick));
  const ratio = (ours: (r: Round) => number, theirs: (r: Round) => number): Ratio => ({
    perRound: median(rounds.map((r) => ours(r) / theirs(r))),
    ofMedians: med(ours) / med(theirs),
  });
  const worst = (pick: (r: Round) => number) => Math.max(...rounds.map(pick));
  const wall = (k: keyof Round) => (r: Round) => r[k].wallMs;
  const size = (k: 'zip' | 'sevenMx1' | 'sevenMx5' | 'export') => (r: Round) => r[k].size;
  const ms = Object.fromEntries((['zip', 'sevenMx1', 'sevenMx5', 'export', 'unzipTest', 'sevenTest', 'verify', 'unzip', 'sevenExtract', 'restore'] as const).map((k) => [k, med(wall(k))])) as Record<keyof Round, number>;
  const rss = Object.fromEntries((['zip', 'sevenMx1', 'sevenMx5', 'export', 'unzipTest', 'sevenTest', 'verify', 'unzip', 'sevenExtract', 'restore'] as const).map((k) => [k, worst((r) => r[k].maxRssMB)])) as Record<keyof Round, number>;
  const sizes = { zip: med(size('zip')), sevenMx1: med(size('sevenMx1')), sevenMx5: med(size('sevenMx5')), export: med(size('export')) };
  const cmdMs = { export: med((r) => r.export.cmdMs ?? 0), verify: med((r) => r.verify.cmdMs ?? 0), restore: med((r) => r.restore.cmdMs ?? 0) };
  const ratios = {
    exportZip: ratio(wall('export'), wall('zip')),
    exportMx1: ratio(wall('export'), wall('sevenMx1')),
    exportMx5: ratio(wall('export'), wall('sevenMx5')),
    sizeZip: ratio(size('export'), size('zip')),
    sizeMx1: ratio(size('export'), size('sevenMx1')),
    sizeMx5: ratio(size('export'), size('sevenMx5')),
    verifyUnzip: ratio(wall('verify'), wall('unzipTest')),
    verifySeven: ratio(wall('verify'), wall('sevenTest')),
    restoreUnzip: ratio(wall('restore'), wall('unzip')),
    restoreSeven: ratio(wall('restore'), wall('sevenExtract')),
  };
  const peakRss = Math.max(rss.export, rss.verify, rss.restore);
  const values: Record<TargetKey, number> = {
    export: ratios.exportZip.perRound,
    size: ratios.sizeZip.perRound,
    verify: ratios.verifySeven.perRound,
    restore: ratios.restoreSeven.perRound,
    rss: peakRss,
  };
  const targets = TARGETS.map((t) => ({ ...t, value: values[t.key], pass: values[t.key] <= t.limit }));
  return { ms, cmdMs, sizes, rss, ratios, targets };
}
type Summary = ReturnType<typeof summarise>;

const r2 = (x: Ratio) => `${x.perRound.toFixed(2)} (${x.ofMedians.toFixed(2)})`;
const verdict = (pass: boolean) => (pass ? 'PASS' : '**FAIL**');

function profileTable(s: Summary, runs: number): string {
  const t = Object.fromEntries(s.targets.map((x) => [x.key, x])) as Record<TargetKey, (typeof s.targets)[number]>;
  const rows: string[][] = [
    ['export (level 6) wall', fmtS(s.ms.export), `zip -r -6: ${fmtS(s.ms.zip)}`, r2(s.ratios.exportZip), `-mx1: ${fmtS(s.ms.sevenMx1)}, -mx5: ${fmtS(s.ms.sevenMx5)}`, `${r2(s.ratios.exportMx1)}, ${r2(s.ratios.exportMx5)}`, '≤ 0.35 × zip', verdict(t.export.pass)],
    ['archive size', fmtMB(s.sizes.export), `zip -r -6: ${fmtMB(s.sizes.zip)}`, r2(s.ratios.sizeZip), `-mx1: ${fmtMB(s.sizes.sevenMx1)}, -mx5: ${fmtMB(s.sizes.sevenMx5)}`, `${r2(s.ratios.sizeMx1)}, ${r2(s.ratios.sizeMx5)}`, '≤ 1.01 × zip', verdict(t.size.pass)],
    ['verify wall', fmtS(s.ms.verify), `unzip -t: ${fmtS(s.ms.unzipTest)}`, r2(s.ratios.verifyUnzip), `7zz t: ${fmtS(s.ms.sevenTest)}`, r2(s.ratios.verifySeven), '≤ 1.0 × 7zz t', verdict(t.verify.pass)],
    ['restore wall (verified, durable, swapped)', fmtS(s.ms.restore), `unzip -q: ${fmtS(s.ms.unzip)}`, r2(s.ratios.restoreUnzip), `7zz x: ${fmtS(s.ms.sevenExtract)}`, r2(s.ratios.restoreSeven), '≤ 1.0 × 7zz x', verdict(t.restore.pass)],
    [
      'peak RSS export / verify / restore',
      `${fmtRss(s.rss.export)} / ${fmtRss(s.rss.verify)} / ${fmtRss(s.rss.restore)} MB`,
      `zip ${fmtRss(s.rss.zip)}, unzip -t ${fmtRss(s.rss.unzipTest)}, unzip ${fmtRss(s.rss.unzip)} MB`,
      '',
      `a -mx1 ${fmtRss(s.rss.sevenMx1)}, a -mx5 ${fmtRss(s.rss.sevenMx5)}, t ${fmtRss(s.rss.sevenTest)}, x ${fmtRss(s.rss.sevenExtract)} MB`,
      '',
      '≤ 150 MB',
      verdict(t.rss.pass),
    ],
  ];
  return [
    `| what | casevault (median of ${runs}) | Info-ZIP | ÷ Info-ZIP | 7-Zip (-mmt2) | ÷ 7-Zip | target (issue 15) | |`,
    '|---|---|---|---|---|---|---|---|',
    ...rows.map((r) => `| ${r.join(' | ')} |`),
    '',
    'Ratios: the median of the per-round ratios (ratio of the medians in brackets); PASS/FAIL is on the first.',
    `Time inside the casevault process (without node start-up): export ${fmtS(s.cmdMs.export)}, verify ${fmtS(s.cmdMs.verify)}, restore ${fmtS(s.cmdMs.restore)}.`,
  ].join('\n');
}

function phaseTable(report: PhaseReport, wallMs: number): string {
  const pct = (x: number | null) => (x === null ? '' : `${(100 * x).toFixed(0)} %`);
  const cores = (x: number | null) => (x === null ? '' : x.toFixed(2));
  return [
    `${report.op}: ${fmtS(report.totalMs)} in the process (${fmtS(wallMs)} wall), ${report.cores.toFixed(2)} cores busy on average, main thread ${pct(report.main)} busy${report.warnings.length ? `; ${report.warnings.join('; ')}` : ''}`,
    '',
    '| phase | from | takes | cores busy | main thread busy | calls |',
    '|---|---|---|---|---|---|',
    ...report.rows.map((r) => `| ${r.phase} | ${fmtS(r.startMs)} | ${fmtS(r.ms)} | ${cores(r.cores)} | ${pct(r.main)} | ${r.note ?? ''} |`),
  ].join('\n');
}

function dataLine(data: GeneratedData): string {
  const kinds = Object.entries(data.kinds)
    .map(([k, v]) => `${v.count} ${k} ${fmtMB(v.bytes)}`)
    .join(', ');
  return `${data.cases} cases, database ${fmtMB(data.databaseBytes)}; ${data.documents} documents ${fmtMB(data.documentBytes)} (${kinds}); its text deflates to ${(100 * data.textDeflateRatio).toFixed(0)} % at level 6; in all ${fmtMB(data.databaseBytes + data.documentBytes)}`;
}

function printPlan(options: Options): void {
  console.log(`Profiles at scale ${options.scale} (nominal: the database from ~4.6 KB per case; generated sizes differ by a few %):\n`);
  console.log('| profile | what | cases | database | documents | data | temp disk, peak |');
  console.log('|---|---|---|---|---|---|---|');
  let peak = 0;
  let total = 0;
  for (const name of options.profiles) {
    const p = planProfile(PROFILES[name], options.scale);
    const data = p.databaseBytes + p.documentBytes;
    // The data, casevault's backup (≤ the data) and one extraction of it at a time.
    let disk = 3 * data;
    if (options.scalingProfiles.includes(name) && options.scaling.length > 0) disk = data + 3 * data * Math.max(...options.scaling);
    peak = Math.max(peak, disk);
    total += data;
    console.log(`| ${name} | ${PROFILES[name].title} | ${p.cases.toLocaleString('en')} | ${fmtMB(p.databaseBytes)} | ${p.documents.toLocaleString('en')}, ${fmtMB(p.documentBytes)} | ${fmtMB(data)} | ≤ ${(disk / 1e9).toFixed(1)} GB |`);
  }
  console.log(`\nIn all ${(total / 1e9).toFixed(2)} GB of data, generated one profile at a time; temp disk at most ~${(peak / 1e9).toFixed(1)} GB at once.`);
  if (options.incremental && !options.copyOnly && !options.scaleOnly) {
    console.log(
      `Incremental row (issue 12) on each profile: a first full and incremental backup, a 1 % change, then ${options.runs} rounds of the next incremental export against a full one (with verify and restore); its temp disk is within the profile's. ` +
        (options.dailyBackups > 0 ? `${options.dailyBackups} daily incremental backups and a timed prune on ${pruneProfilesOf(options).join(', ') || 'no profile'} (faketime).` : 'No daily backups (--daily-backups=0).'),
    );
  }
  if (options.scaleRun) {
    const docs = [Math.round(options.scaleDocs / 4), options.scaleDocs];
    console.log(`Scale run: ${docs.map((n) => `${n.toLocaleString('en')} documents (~${((n * SCALE_AVERAGE_BYTES) / 1e9).toFixed(1)} GB)`).join(', then ')}, every command once; temp disk ~${((options.scaleDocs * SCALE_AVERAGE_BYTES * 4.5) / 1e9).toFixed(0)} GB at most.`);
  }
}

interface ProfileResult {
  profile: ProfileName;
  data: GeneratedData;
  generateMs: number;
  rounds: Round[];
  summary: Summary;
  diagnosis: Diagnosis;
  scaling: ScalePoint[];
  encrypted: EncryptedSummary;
  copy: (CopySummary & { rounds: CopyRound[] }) | null;
  incremental: IncrementalResult | null;
  prune: PruneResult | null;
  table: string;
}

/** The copy row's rounds on the one backup in `backupDir` (bench/copy.ts). */
function copyRows(options: Options, name: ProfileName, server: CopyServer, backupDir: string): CopySummary & { rounds: CopyRound[] } {
  const tag = `bench [${name}]`;
  const file = onlyZip(backupDir);
  addDestination(ROOT, server, backupDir);
  const deps = {
    root: ROOT,
    server,
    variants: options.copyParts,
    timed: (command: string, args: readonly string[], env: NodeJS.ProcessEnv) => timed(command, args, ROOT, env),
    command: (op: string, args: Record<string, unknown>, env: NodeJS.ProcessEnv) => casevault(op, args, [], env),
    rotated: <T>(i: number, steps: readonly (() => T)[]) => rotated(i, steps) as T[],
  };
  const rounds: CopyRound[] = [];
  for (let i = 0; i < options.runs; i += 1) {
    const r = copyRound(deps, backupDir, file, basename(file), i);
    rounds.push(r);
    const puts = options.copyParts.map((v, k) => `put ${v.label} ${fmtS(r.puts[k]!.wallMs)}/${fmtS(r.puts[k]!.cpuMs)}`).join(' ');
    console.log(`${tag}: copy round ${i + 1}/${options.runs} (wall/CPU): casevault copy ${fmtS(r.cli.wallMs)}/${fmtS(r.cli.cpuMs)} ${puts} rclone ${fmtS(r.rclone.wallMs)}/${fmtS(r.rclone.cpuMs)}`);
  }
  return { ...summariseCopy(rounds, options.copyParts, statSync(file).size), rounds };
}

/** --copy-only: the profile's data, one export, its copy rounds. */
function runCopyOnly(options: Options, work: string, name: ProfileName, server: CopyServer): { profile: ProfileName; data: GeneratedData; copy: CopySummary & { rounds: CopyRound[] } } {
  const tag = `bench [${name}]`;
  const t = performance.now();
  const data = generateProfile(name, join(work, `${name}-1`), options.scale);
  console.log(`${tag}: generated ${dataLine(data)}, in ${fmtS(performance.now() - t)}`);
  const backupDir = join(work, 'copy-backups');
  casevault('export', { dataDir: data.dataDir, backupDir, level: 6 });
  if (!options.keep) rmSync(data.dataDir, { recursive: true, force: true });
  const copy = copyRows(options, name, server, backupDir);
  rmSync(backupDir, { recursive: true, force: true });
  console.log(`\n### ${name}\n\n${copyTable(copy, options.runs)}\n`);
  return { profile: name, data, copy };
}

function runProfile(options: Options, work: string, name: ProfileName, machine: Record<string, unknown>, keys: EncryptionSetup, server: CopyServer | null): ProfileResult {
  const tag = `bench [${name}]`;
  let t = performance.now();
  const data = generateProfile(name, join(work, `${name}-1`), options.scale);
  const generateMs = performance.now() - t;
  console.log(`${tag}: ${PROFILES[name].title}`);
  console.log(`${tag}: generated ${dataLine(data)}, in ${fmtS(generateMs)}`);
  const rounds: Round[] = [];
  for (let i = 0; i < options.runs; i += 1) {
    rounds.push(round(work, data, i, keys, server !== null && i === options.runs - 1));
    const r = rounds[i]!;
    console.log(
      `${tag}: round ${i + 1}/${options.runs}: zip ${fmtS(r.zip.wallMs)} 7zz-mx1 ${fmtS(r.sevenMx1.wallMs)} 7zz-mx5 ${fmtS(r.sevenMx5.wallMs)} export ${fmtS(r.export.wallMs)} encrypted ${fmtS(r.encExport.wallMs)} | unzip -t ${fmtS(r.unzipTest.wallMs)} 7zz t ${fmtS(r.sevenTest.wallMs)} verify ${fmtS(r.verify.wallMs)} encrypted ${fmtS(r.encVerify.wallMs)} | unzip ${fmtS(r.unzip.wallMs)} 7zz x ${fmtS(r.sevenExtract.wallMs)} restore ${fmtS(r.restore.wallMs)} encrypted ${fmtS(r.encRestore.wallMs)}`,
    );
  }
  const summary = summarise(rounds);
  const encrypted = summariseEncrypted(
    rounds.map((r) => ({ plain: { export: r.export, verify: r.verify, restore: r.restore }, encrypted: { export: r.encExport, verify: r.encVerify, restore: r.encRestore } })),
  );

  let copy: ProfileResult['copy'] = null;
  if (server) {
    const backupDir = join(work, `backups-${options.runs - 1}`);
    copy = copyRows(options, name, server, backupDir);
    rmSync(backupDir, { recursive: true, force: true });
  }

  let incremental: IncrementalResult | null = null;
  let prune: PruneResult | null = null;
  const incrementalSections: string[] = [];
  if (options.incremental) {
    const rows = incrementalRows(options, work, name, data);
    ({ incremental, prune } = rows);
    incrementalSections.push(...rows.tables);
  }

  const diagnosis: Diagnosis = {};
  const sections: string[] = [];
  if (options.phases) {
    t = performance.now();
    const d = diagnosticRun(work, data, 'phases', { phases: true }, () => []);
    diagnosis.phases = { export: d.export.phases!, verify: d.verify.phases!, restore: d.restore.phases! };
    console.log(`${tag}: instrumented run (phases) in ${fmtS(performance.now() - t)}`);
    sections.push(
      'Where casevault\'s time goes (one instrumented run, not a measured round; "cores busy" is the whole process\'s CPU time over the wall time, workers and the threadpool included; "main thread busy" its event loop):',
      '',
      ...(['export', 'verify', 'restore'] as const).flatMap((op) => [phaseTable(d[op].phases!, d[op].wallMs), '']),
    );
  }
  if (options.cpuProf) {
    t = performance.now();
    const dir = join(options.cpuProf, name);
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    const bundle = commandArgs(workDir).find((a) => a.endsWith('.mjs'));
    if (bundle) copyFileSync(bundle, join(options.cpuProf, basename(bundle)));
    diagnosticRun(work, data, 'cpu-prof', {}, (op) => ['--cpu-prof', `--cpu-prof-dir=${join(dir, op)}`]);
    const cpu = { dir, export: summariseCpuProfiles([join(dir, 'export')], 12), verify: summariseCpuProfiles([join(dir, 'verify')], 12), restore: summariseCpuProfiles([join(dir, 'restore')], 12) };
    diagnosis.cpu = cpu;
    console.log(`${tag}: profiled run (--cpu-prof) in ${fmtS(performance.now() - t)}, profiles in ${dir}`);
    sections.push(`CPU profiles (one more run, \`node --cpu-prof\`; ${dir}): top self time per thread.`, '');
    for (const op of ['export', 'verify', 'restore'] as const) sections.push(`#### ${op}`, '', formatCpuSummary(cpu[op], 12), '');
  }

  const scaling: ScalePoint[] = [];
  if (options.scalingProfiles.includes(name)) {
    for (const multiple of options.scaling) {
      let scaled = data;
      if (multiple !== 1) {
        t = performance.now();
        scaled = generateProfile(name, join(work, `${name}-${multiple}`), options.scale * multiple);
        console.log(`${tag}: generated ${multiple}× (${fmtMB(scaled.databaseBytes + scaled.documentBytes)}) in ${fmtS(performance.now() - t)}`);
      }
      scaling.push(scalePoint(work, scaled, multiple));
      if (multiple !== 1 && !options.keep) rmSync(scaled.dataDir, { recursive: true, force: true });
      const p = scaling[scaling.length - 1]!;
      console.log(`${tag}: scaling ${multiple}×: export ${fmtS(p.export.wallMs)} ${fmtRss(p.export.maxRssMB)} MB, verify ${fmtS(p.verify.wallMs)} ${fmtRss(p.verify.maxRssMB)} MB, restore ${fmtS(p.restore.wallMs)} ${fmtRss(p.restore.maxRssMB)} MB`);
    }
  }
  if (scaling.length > 0) {
    sections.push(
      'Scaling (one round each, casevault only):',
      '',
      '| scale | data | export | archive | verify | restore | max RSS export / verify / restore |',
      '|---|---|---|---|---|---|---|',
      ...scaling.map((p) => `| ${p.scale}× | ${p.inputMB.toFixed(0)} MB | ${fmtS(p.export.wallMs)} | ${fmtMB(p.export.size)} | ${fmtS(p.verify.wallMs)} | ${fmtS(p.restore.wallMs)} | ${fmtRss(p.export.maxRssMB)} / ${fmtRss(p.verify.maxRssMB)} / ${fmtRss(p.restore.maxRssMB)} MB |`),
      '',
    );
  }
  if (!options.keep) rmSync(data.dataDir, { recursive: true, force: true });

  const table = [`### ${name}: ${PROFILES[name].title}`, '', `Data (scale ${options.scale}): ${dataLine(data)}.`, '', profileTable(summary, options.runs), '', encryptedTable(encrypted, options.runs), '', ...(copy ? [copyTable(copy, options.runs), ''] : []), ...incrementalSections, ...sections].join('\n');
  console.log(`\n${table}\n`);
  const result: ProfileResult = { profile: name, data, generateMs, rounds, summary, diagnosis, scaling, encrypted, copy, incremental, prune, table };
  mkdirSync(resolve(ROOT, options.out), { recursive: true });
  writeFileSync(resolve(ROOT, options.out, `${name}.json`), JSON.stringify({ date: new Date().toISOString(), machine, options, ...result }, null, 2));
  return result;
}

function overview(results: readonly ProfileResult[]): string {
  const cell = (r: ProfileResult, key: TargetKey) => {
    const t = r.summary.targets.find((x) => x.key === key)!;
    return `${key === 'rss' ? `${t.value.toFixed(0)} MB` : t.value.toFixed(2)} ${verdict(t.pass)}`;
  };
  return [
    '| profile | data | export ÷ zip -r -6 (≤ 0.35) | size ÷ zip -r -6 (≤ 1.01) | verify ÷ 7zz t (≤ 1.0) | restore ÷ 7zz x (≤ 1.0) | peak RSS (≤ 150 MB) | targets met |',
    '|---|---|---|---|---|---|---|---|',
    ...results.map(
      (r) =>
        `| ${r.profile} | ${fmtMB(r.data.databaseBytes + r.data.documentBytes)} | ${cell(r, 'export')} | ${cell(r, 'size')} | ${cell(r, 'verify')} | ${cell(r, 'restore')} | ${cell(r, 'rss')} | ${r.summary.targets.filter((t) => t.pass).length} of ${r.summary.targets.length} |`,
    ),
  ].join('\n');
}

function main(): void {
  const options = parseArgs(process.argv.slice(2));
  if (options.help) {
    // This file's opening comment is the usage.
    const source = readFileSync(new URL(import.meta.url), 'utf8');
    console.log(source.slice(source.indexOf('/**') + 3, source.indexOf('*/')).replace(/^ ?\* ?/gm, '').trim());
    return;
  }
  if (options.plan) {
    printPlan(options);
    return;
  }
  requireTools(options);
  mkdirSync(options.tmp, { recursive: true });
  const work = mkdtempSync(join(options.tmp, 'casevault-bench-'));
  workDir = work;
  const machine = {
    nproc: cpus().length,
    cpu: cpus()[0]?.model ?? 'unknown',
    memoryGiB: Math.round(totalmem() / 1024 ** 3),
    freeGiB: Math.round(freemem() / 1024 ** 3),
    node: process.version,
    zip: spawnSync('zip', ['-v'], { encoding: 'utf8' }).stdout.split('\n')[1]?.trim() ?? 'unknown',
    sevenZip: spawnSync('7zz', ['i'], { encoding: 'utf8' }).stdout?.split('\n').find((l) => l.startsWith('7-Zip'))?.trim() ?? 'unknown',
    rclone: options.copy ? (spawnSync('rclone', ['version'], { encoding: 'utf8' }).stdout.split('\n')[0]?.trim() ?? 'unknown') : null,
    loadAverage: loadavg().map((x) => Number(x.toFixed(1))),
  };
  // The S3 server outlives a killed bench only until its watchdog sees this process gone; Ctrl-C stops it now.
  let server: CopyServer | null = null;
  const stopServer = () => {
    if (server) stopCopyServer(ROOT, server);
    server = null;
  };
  const interrupted = () => {
    stopServer();
    process.exit(130);
  };
  process.once('SIGINT', interrupted);
  process.once('SIGTERM', interrupted);
  try {
    if (options.scaleOnly) console.log(`bench: the scale run only (${options.scaleDocs.toLocaleString('en')} documents), in ${work}`);
    else console.log(`bench: profiles ${options.profiles.join(', ')} at scale ${options.scale}, ${options.runs} rounds${options.incrementalOnly ? ', the incremental row only' : ''}${options.scaleRun ? ', then the scale run' : ''}, in ${work}`);
    if (options.copy) {
      const t = performance.now();
      server = startCopyServer(ROOT);
      console.log(`bench: S3 server (Swift's s3api) at ${server.endpoint}, started in ${fmtS(performance.now() - t)}`);
    }
    if (options.incrementalOnly || options.scaleOnly) {
      const rows = options.incrementalOnly ? options.profiles.map((name) => runIncrementalOnly(options, work, name, machine)) : [];
      const scale = options.scaleRun ? runScale(options, work, machine) : null;
      const summary = [
        options.incrementalOnly ? `## Incremental backups${options.scaleRun ? ' and scale' : ''} (issue 12; scale ${options.scale}, median of ${options.runs} rounds' ratios)` : '## Scale run (issue 12)',
        '',
        ...(rows.length ? [incrementalOverview(rows.map((r) => r.incremental)), ''] : []),
        ...rows.flatMap((r) => (r.prune ? [pruneTable(r.prune, options.runs), ''] : [])),
        ...(scale ? [scale.table, ''] : []),
        `Machine: ${machine.nproc} × ${machine.cpu}, ${machine.memoryGiB} GiB, node ${machine.node}; load average at the start ${machine.loadAverage.join(', ')}, at the end ${loadavg().map((x) => x.toFixed(1)).join(', ')}.`,
      ].join('\n');
      console.log(`\n${summary}\n`);
      mkdirSync(resolve(ROOT, options.out), { recursive: true });
      writeFileSync(resolve(ROOT, options.out, 'incremental.json'), JSON.stringify({ date: new Date().toISOString(), machine, options, profiles: rows, scale: scale?.result ?? null, table: summary }, null, 2));
      console.log(`bench: results in ${options.out}/incremental.json${rows.length ? ` (and ${rows.map((r) => `${r.profile}-incremental.json`).join(', ')})` : ''}${scale ? ', scale.json' : ''}`);
      return;
    }
    if (options.copyOnly) {
      const copies = options.profiles.map((name) => runCopyOnly(options, work, name, server!));
      const summary = [
        `## Copy to a local S3-compatible server against rclone copyto (issue 14: ≤ 1.0 × rclone; scale ${options.scale}, median of ${options.runs} rounds' ratios, CPU in brackets)`,
        '',
        copyOverview(copies.map((c) => ({ profile: c.profile, summary: c.copy }))),
        '',
        `Machine: ${machine.nproc} × ${machine.cpu}, ${machine.memoryGiB} GiB, node ${machine.node}, ${machine.rclone}; load average at the start ${machine.loadAverage.join(', ')}, at the end ${loadavg().map((x) => x.toFixed(1)).join(', ')}.`,
      ].join('\n');
      console.log(`\n${summary}\n`);
      mkdirSync(resolve(ROOT, options.out), { recursive: true });
      writeFileSync(resolve(ROOT, options.out, 'copy.json'), JSON.stringify({ date: new Date().toISOString(), machine, options, copies, table: summary }, null, 2));
      console.log(`bench: results in ${options.out}/copy.json`);
      return;
    }
    const keys = setUpEncryption(ROOT, work);
    const results: ProfileResult[] = [];
    for (const name of options.profiles) results.push(runProfile(options, work, name, machine, keys, server));
    const scale = options.scaleRun ? runScale(options, work, machine) : null;
    const list = listing(work);
    const unlock = casevault('unlock', { dataDir: join(work, 'unused-data'), backupDir: keys.backupDir, passwordFile: keys.passwordFile });
    const summary = [
      `## Every profile against the targets of issue 15 (scale ${options.scale}, median of ${options.runs} rounds' ratios)`,
      '',
      overview(results),
      '',
      `listBackups / getStatistics over 1,000 backups: ${list.listMs.toFixed(0)} / ${list.statsMs.toFixed(0)} ms (≤ 300 ms).`,
      '',
      `## Encrypted against plain, every profile (issue 13: ≤ 1.10 × plain, same rounds; verify and restore with the recovery key)`,
      '',
      encryptedOverview(results.map((r) => ({ profile: r.profile, summary: r.encrypted })), unlock),
      '',
      ...(options.copy
        ? [
            `## Copy to a local S3-compatible server against rclone copyto (issue 14: ≤ 1.0 × rclone; median of ${options.runs} rounds' ratios, CPU in brackets)`,
            '',
            copyOverview(results.map((r) => ({ profile: r.profile, summary: r.copy! }))),
            '',
          ]
        : []),
      ...(options.incremental
        ? [
            `## Incremental backups (issue 12; median of ${options.runs} rounds' ratios)`,
            '',
            incrementalOverview(results.map((r) => r.incremental!)),
            '',
            ...results.flatMap((r) => (r.prune ? [pruneTable(r.prune, options.runs), ''] : [])),
          ]
        : []),
      ...(scale ? [scale.table, ''] : []),
      `Machine: ${machine.nproc} × ${machine.cpu}, ${machine.memoryGiB} GiB, node ${machine.node}, ${machine.zip}, ${machine.sevenZip}${machine.rclone ? `, ${machine.rclone}` : ''}; load average at the start ${machine.loadAverage.join(', ')}, at the end ${loadavg().map((x) => x.toFixed(1)).join(', ')}.`,
    ].join('\n');
    console.log(`\n${summary}\n`);
    writeFileSync(
      resolve(ROOT, options.out, 'summary.json'),
      JSON.stringify(
        {
          date: new Date().toISOString(),
          machine,
          options,
          list,
          profiles: results.map((r) => ({ profile: r.profile, data: r.data, targets: r.summary.targets, ratios: r.summary.ratios, encrypted: r.encrypted, copy: r.copy, incremental: r.incremental && { change: r.incremental.change, first: r.incremental.first, summary: r.incremental.summary }, prune: r.prune })),
          scale: scale?.result ?? null,
          unlock: { ms: unlock.result?.unlockMs, cpuMs: unlock.cpuMs, maxRssMB: unlock.maxRssMB },
          table: summary,
        },
        null,
        2,
      ),
    );
    console.log(`bench: results in ${options.out}/ (${results.map((r) => `${r.profile}.json`).join(', ')}, summary.json)`);
  } finally {
    stopServer();
    process.off('SIGINT', interrupted);
    process.off('SIGTERM', interrupted);
    if (commandLine?.[0]?.endsWith('.mjs')) rmSync(commandLine[0], { force: true });
    if (options.keep) console.log(`bench: kept ${work}`);
    else rmSync(work, { recursive: true, force: true });
  }
}

main();
