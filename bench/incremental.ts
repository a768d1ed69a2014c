/**
 * The incremental rows of `npm run bench` (issue 12), through the installed command
 * (`node bin/casevault.mjs …`, each command in its own process under /usr/bin/time):
 *
 * Per profile, on a copy of its data dir (documents hard-linked, never changed; database and
 * settings copied):
 * (a) the first backups: a full export (`export`, as the plain row) into one backup dir and
 *     an incremental one (`export --incremental`) into a fresh one (every document goes into
 *     the first pack);
 * (b) a deterministic change (bench/generate.ts mutateDataDir): 1 % new documents (by count and
 *     by bytes, as the profile makes them, each a new file under files/<ab>/<sha256> with its
 *     documents row) and 1 % of the rows of cases, tasks, hearings and orders rewritten;
 * (c) per round, the next `export --incremental` into a copy of the backup dir as (a) left it
 *     (its ZIPs hard-linked: casevault never changes a written ZIP; the rest copied), and a full
 *     `export` of the same changed data into a fresh dir: wall, CPU, peak RSS, and the bytes
 *     the incremental export wrote (the backup dir's growth: the small ZIP, its sidecar, the new
 *     pack, the audit line);
 * (d) verify and restore of that incremental backup against verify and restore of the full
 *     backup of the same data, in the same round.
 * Steps (c) and (d) rotate their order each round. Ratios are the median of the per-round
 * ratios (and of the medians, in brackets). The bytes' yardstick is what the change has to
 * store at the least: the full backup's database.sqlite entry (compressed) and the new
 * documents' entries (compressed), read from its central directory (`unzip -Zl`).
 *
 * And once (the first profile, or --prune-profiles): 30 daily incremental backups of the
 * changed data, on the 30 days up to an hour ago (`faketime` around each export: the command
 * has no clock option; each new file's mtime set to its day), with a small change between
 * them (0.2 % new documents and rows; the documents of odd days deleted again the next day, so
 * their packs become garbage once their backups go), a retention policy of 7 dailies, then
 * `prune` (which also collects the pool) timed on a copy of that backup dir per round. The
 * last round's kept backups are each verified afterwards (untimed): the collector kept what
 * they need.
 */
import { copyFileSync, linkSync, mkdirSync, readdirSync, rmSync, statSync, utimesSync } from 'node:fs';
import { join } from 'node:path';
import { mutateDataDir, mutationFor, type GeneratedData, type MutationResult } from './generate.ts';

export interface Timed {
  readonly wallMs: number;
  readonly cpuMs: number;
  readonly maxRssMB: number;
}

export interface CliDeps {
  readonly root: string;
  /** Runs a command under /usr/bin/time; throws with its stderr if it fails. */
  readonly timed: (command: string, args: readonly string[], cwd?: string, env?: NodeJS.ProcessEnv) => Timed & { stdout: string; stderr: string };
  readonly rotated: <T>(round: number, steps: readonly (() => T)[]) => T[];
}

export type CliRun = Timed & { readonly result: Record<string, unknown> };

/** `node bin/casevault.mjs <args> --json`; its one JSON object parsed. `clock`: run under faketime at that local time. */
export function cli(deps: CliDeps, args: readonly string[], clock?: Date): CliRun {
  const command = [process.execPath, join(deps.root, 'bin/casevault.mjs'), ...args, '--json'];
  const run = clock ? deps.timed('faketime', ['-m', '--exclude-monotonic', fakeStamp(clock), ...command]) : deps.timed(command[0]!, command.slice(1));
  let result: Record<string, unknown>;
  try {
    result = JSON.parse(run.stdout) as Record<string, unknown>;
  } catch {
    throw new Error(`bench: casevault ${args.join(' ')} printed no JSON:\n${run.stdout.slice(0, 2000)}\n${run.stderr.slice(0, 2000)}`);
  }
  if (result.success === false) throw new Error(`bench: casevault ${args.join(' ')} failed: ${JSON.stringify(result).slice(0, 2000)}`);
  return { wallMs: run.wallMs, cpuMs: run.cpuMs, maxRssMB: run.maxRssMB, result };
}

/** faketime's timestamp: the local time, `YYYY-MM-DD HH:MM:SS`. */
function fakeStamp(d: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

/** Whether faketime is there (the 30 daily backups need it). */
export function hasFaketime(deps: CliDeps): boolean {
  try {
    deps.timed('faketime', ['2026-01-05 12:00:00', 'true']);
    return true;
  } catch {
    return false;
  }
}

/** Every file under `dir` and its size (paths relative to `dir`). */
export function filesOf(dir: string, prefix = ''): Map<string, number> {
  const out = new Map<string, number>();
  let names: string[];
  try {
    names = readdirSync(join(dir, prefix));
  } catch {
    return out;
  }
  for (const name of names) {
    const rel = prefix ? join(prefix, name) : name;
    const st = statSync(join(dir, rel));
    if (st.isDirectory()) for (const [k, v] of filesOf(dir, rel)) out.set(k, v);
    else out.set(rel, st.size);
  }
  return out;
}

const total = (m: ReadonlyMap<string, number>) => [...m.values()].reduce((a, b) => a + b, 0);

/** What an export added to a backup dir: new files and grown ones (the audit log), in bytes. */
export function growth(before: ReadonlyMap<string, number>, after: ReadonlyMap<string, number>): { bytes: number; backup: number; packs: number; packFiles: number; other: number } {
  let backup = 0;
  let packs = 0;
  let packFiles = 0;
  let other = 0;
  for (const [path, size] of after) {
    const grew = size - (before.get(path) ?? 0);
    if (grew === 0 && before.has(path)) continue;
    if (/^pool\//.test(path)) {
      packs += grew;
      if (!before.has(path)) packFiles += 1;
    } else if (/^casevault-backup-[^/]*\.zip(\.age)?$/.test(path)) backup += grew;
    else other += grew;
  }
  return { bytes: backup + packs + other, backup, packs, packFiles, other };
}

/**
 * A copy of a backup dir to run a command on: ZIPs (backups and packs) hard-linked, as
 * casevault never rewrites one (it writes a new file and renames it); everything else (the
 * sidecars, the policy, the audit log it appends to) copied, with its mtime.
 */
export function cloneBackupDir(from: string, to: string): void {
  mkdirSync(to, { recursive: true });
  for (const name of readdirSync(from)) {
    const src = join(from, name);
    const dst = join(to, name);
    const st = statSync(src);
    if (st.isDirectory()) cloneBackupDir(src, dst);
    else if (/\.zip(\.age)?$/.test(name)) linkSync(src, dst);
    else {
      copyFileSync(src, dst);
      utimesSync(dst, st.atime, st.mtime);
    }
  }
}

/** A copy of a data dir to change: documents hard-linked (the store never changes a file), the rest copied. */
export function cloneDataDir(from: string, to: string): void {
  mkdirSync(to, { recursive: true });
  for (const name of readdirSync(from)) {
    const src = join(from, name);
    const dst = join(to, name);
    if (name === 'files') {
      mkdirSync(dst);
      for (const ab of readdirSync(src)) {
        if (!statSync(join(src, ab)).isDirectory()) continue;
        mkdirSync(join(dst, ab));
        for (const f of readdirSync(join(src, ab))) linkSync(join(src, ab, f), join(dst, ab, f));
      }
    } else if (statSync(src).isDirectory()) cloneDataDir(src, dst);
    else copyFileSync(src, dst);
  }
}

/** The compressed size of each entry of a ZIP, from its central directory (`unzip -Zl`). */
export function entrySizes(deps: CliDeps, zip: string): Map<string, { size: number; compressed: number }> {
  const out = new Map<string, { size: number; compressed: number }>();
  const listed = deps.timed('unzip', ['-Zl', zip]);
  // -rw-r--r--  2.0 unx   405898 bl   164110 defN 26-Nov-28 08:00 files/04/046f…
  for (const line of listed.stdout.split('\n')) {
    const m = /^\S+\s+\S+\s+\S+\s+(\d+)\s+\S+\s+(\d+)\s+\S+\s+\S+\s+\S+\s(.+)$/.exec(line);
    if (m) out.set(m[3]!, { size: Number(m[1]), compressed: Number(m[2]) });
  }
  return out;
}

/** The backup an export wrote: its JSON's filePath, else the one new casevault-backup-*.zip in the dir. */
export function backupOf(run: CliRun, dir: string, before: ReadonlyMap<string, number>): string {
  const path = run.result.filePath;
  if (typeof path === 'string') return path;
  const fresh = [...filesOf(dir).keys()].filter((p) => /^casevault-backup-[^/]*\.zip(\.age)?$/.test(p) && !before.has(p));
  if (fresh.length !== 1) throw new Error(`bench: expected one new backup in ${dir}, found ${fresh.length}`);
  return join(dir, fresh[0]!);
}

const median = (xs: readonly number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length === 0 ? NaN : s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

type Sized = Timed & { readonly bytes: number };

export interface IncrementalRound {
  /** The next incremental export and what it wrote. */
  readonly incExport: Timed & { readonly bytes: number; readonly backupBytes: number; readonly packBytes: number; readonly packFiles: number; readonly otherBytes: number };
  readonly fullExport: Sized;
  /** Compressed database.sqlite and new documents in the full backup: the least the change costs. */
  readonly yardstick: { readonly database: number; readonly documents: number; readonly found: number };
  readonly incVerify: Timed;
  readonly fullVerify: Timed;
  readonly incRestore: Timed;
  readonly fullRestore: Timed;
}

export const INCREMENTAL_TARGETS = [
  { key: 'exportTime', what: 'incremental export ÷ full export (wall)', limit: 0.35 },
  { key: 'bytes', what: 'bytes written ÷ (database + new documents, compressed)', limit: 1.05 },
  { key: 'restore', what: 'restore incremental ÷ full (wall)', limit: 1.1 },
  { key: 'verify', what: 'verify incremental ÷ full (wall)', limit: 1.1 },
  { key: 'rss', what: 'peak RSS of the incremental commands, MB', limit: 150 },
] as const;
export type IncrementalTargetKey = (typeof INCREMENTAL_TARGETS)[number]['key'];

export interface IncrementalResult {
  readonly profile: string;
  readonly change: MutationResult & { readonly newDocuments: number };
  readonly first: { readonly fullExport: Sized; readonly incExport: Sized & { readonly packBytes: number } };
  readonly rounds: IncrementalRound[];
  readonly summary: ReturnType<typeof summariseIncremental>;
}

/** The incremental row of one profile (steps a–d above). `work` is the profile's scratch space. */
export function incrementalRow(deps: CliDeps, work: string, data: GeneratedData, runs: number, log: (line: string) => void): IncrementalResult {
  const dataDir = incrementalDataDir(work);
  cloneDataDir(data.dataDir, dataDir);
  {
    // (a) the first backups.
    const fullDir0 = join(work, 'inc-first-full');
    const fullExport0 = cli(deps, ['export', '--data-dir', dataDir, '--backup-dir', fullDir0]);
    const fullFirst = { ...pick(fullExport0), bytes: total(filesOf(fullDir0)) };
    rmSync(fullDir0, { recursive: true, force: true });
    const base = join(work, 'inc-base');
    const incExport0 = cli(deps, ['export', '--incremental', '--data-dir', dataDir, '--backup-dir', base]);
    const g0 = growth(new Map(), filesOf(base));
    const first = { fullExport: fullFirst, incExport: { ...pick(incExport0), bytes: g0.bytes, packBytes: g0.packs } };
    log(`first backups: full export ${s(fullFirst.wallMs)} ${mb(fullFirst.bytes)}, incremental ${s(first.incExport.wallMs)} ${mb(g0.bytes)} (pack ${mb(g0.packs)})`);

    // (b) the change.
    const m = mutationFor(data, 0.01, 1201, `inc-${data.profile}`);
    const change = { ...mutateDataDir(dataDir, m), newDocuments: m.newDocuments };
    log(`changed: ${change.added.length} new documents (${mb(change.addedBytes)}), ${change.changedRows} of ${change.rows} rows`);
    const newNames = new Set(change.added.map((d) => `files/${d.sha256.slice(0, 2)}/${d.sha256}`));

    // (c), (d) per round.
    const rounds: IncrementalRound[] = [];
    for (let i = 0; i < runs; i += 1) {
      const incDir = join(work, `inc-${i}`);
      const fullDir = join(work, `inc-full-${i}`);
      cloneBackupDir(base, incDir);
      const before = filesOf(incDir);
      let incBackup = '';
      let fullBackup = '';
      const [incE, fullE] = deps.rotated(i, [
        () => {
          const r = cli(deps, ['export', '--incremental', '--data-dir', dataDir, '--backup-dir', incDir]);
          incBackup = backupOf(r, incDir, before);
          const g = growth(before, filesOf(incDir));
          return { ...pick(r), bytes: g.bytes, backupBytes: g.backup, packBytes: g.packs, packFiles: g.packFiles, otherBytes: g.other };
        },
        () => {
          const r = cli(deps, ['export', '--data-dir', dataDir, '--backup-dir', fullDir]);
          fullBackup = backupOf(r, fullDir, new Map());
          return { ...pick(r), bytes: total(filesOf(fullDir)), backupBytes: 0, packBytes: 0, packFiles: 0, otherBytes: 0 };
        },
      ]);
      const entries = entrySizes(deps, fullBackup);
      let documents = 0;
      let found = 0;
      for (const name of newNames) {
        const e = entries.get(name);
        if (e) {
          documents += e.compressed;
          found += 1;
        }
      }
      const yardstick = { database: entries.get('database.sqlite')?.compressed ?? NaN, documents, found };
      const [incVerify, fullVerify] = deps.rotated(i, [
        () => pick(cli(deps, ['verify', incBackup, '--backup-dir', incDir])),
        () => pick(cli(deps, ['verify', fullBackup, '--backup-dir', fullDir])),
      ]);
      const restoreInto = (name: string, file: string, backupDir: string) => () => {
        const parent = join(work, name);
        mkdirSync(parent, { recursive: true });
        try {
          return pick(cli(deps, ['restore', file, '--data-dir', join(parent, 'data'), '--backup-dir', backupDir]));
        } finally {
          rmSync(parent, { recursive: true, force: true });
        }
      };
      const [incRestore, fullRestore] = deps.rotated(i, [restoreInto(`inc-restore-${i}`, incBackup, incDir), restoreInto(`inc-full-restore-${i}`, fullBackup, fullDir)]);
      const r: IncrementalRound = { incExport: incE!, fullExport: { ...pick(fullE!), bytes: fullE!.bytes }, yardstick, incVerify: incVerify!, fullVerify: fullVerify!, incRestore: incRestore!, fullRestore: fullRestore! };
      rounds.push(r);
      rmSync(incDir, { recursive: true, force: true });
      rmSync(fullDir, { recursive: true, force: true });
      log(
        `incremental round ${i + 1}/${runs}: export incremental ${s(r.incExport.wallMs)} (${mb(r.incExport.bytes)}: backup ${mb(r.incExport.backupBytes)}, ${r.incExport.packFiles} pack ${mb(r.incExport.packBytes)}) full ${s(r.fullExport.wallMs)} | verify ${s(r.incVerify.wallMs)} / ${s(r.fullVerify.wallMs)} | restore ${s(r.incRestore.wallMs)} / ${s(r.fullRestore.wallMs)}` +
          (yardstick.found !== newNames.size ? ` (only ${yardstick.found} of ${newNames.size} new documents found in the full backup)` : ''),
      );
    }
    rmSync(base, { recursive: true, force: true });
    // The changed data stays for the daily backups (pruneRow); removeIncrementalData removes it.
    return { profile: data.profile, change, first, rounds, summary: summariseIncremental(rounds) };
  }
}

/** Where incrementalRow keeps its changed copy of the data. */
export const incrementalDataDir = (work: string) => join(work, 'inc-data');

/** Removes that copy and what casevault keeps beside it (<dataDir>.casevault-scratch, the pool index). */
export function removeIncrementalData(work: string): void {
  const dataDir = incrementalDataDir(work);
  for (const name of readdirSync(work)) if (join(work, name) === dataDir || join(work, name).startsWith(`${dataDir}.`)) rmSync(join(work, name), { recursive: true, force: true });
}

const pick = (t: Timed): Timed => ({ wallMs: t.wallMs, cpuMs: t.cpuMs, maxRssMB: t.maxRssMB });

export function summariseIncremental(rounds: readonly IncrementalRound[]) {
  const med = (f: (r: IncrementalRound) => number) => median(rounds.map(f));
  const ratio = (a: (r: IncrementalRound) => number, b: (r: IncrementalRound) => number) => ({ perRound: med((r) => a(r) / b(r)), ofMedians: med(a) / med(b) });
  const yard = (r: IncrementalRound) => r.yardstick.database + r.yardstick.documents;
  const ratios = {
    exportTime: ratio((r) => r.incExport.wallMs, (r) => r.fullExport.wallMs),
    exportCpu: ratio((r) => r.incExport.cpuMs, (r) => r.fullExport.cpuMs),
    bytes: ratio((r) => r.incExport.bytes, yard),
    bytesOfFull: ratio((r) => r.incExport.bytes, (r) => r.fullExport.bytes),
    verify: ratio((r) => r.incVerify.wallMs, (r) => r.fullVerify.wallMs),
    verifyCpu: ratio((r) => r.incVerify.cpuMs, (r) => r.fullVerify.cpuMs),
    restore: ratio((r) => r.incRestore.wallMs, (r) => r.fullRestore.wallMs),
    restoreCpu: ratio((r) => r.incRestore.cpuMs, (r) => r.fullRestore.cpuMs),
  };
  const ops = ['incExport', 'fullExport', 'incVerify', 'fullVerify', 'incRestore', 'fullRestore'] as const;
  const ms = Object.fromEntries(ops.map((k) => [k, med((r) => r[k].wallMs)])) as Record<(typeof ops)[number], number>;
  const cpuMs = Object.fromEntries(ops.map((k) => [k, med((r) => r[k].cpuMs)])) as Record<(typeof ops)[number], number>;
  const rss = Object.fromEntries(ops.map((k) => [k, Math.max(...rounds.map((r) => r[k].maxRssMB))])) as Record<(typeof ops)[number], number>;
  const bytes = {
    written: med((r) => r.incExport.bytes),
    backup: med((r) => r.incExport.backupBytes),
    packs: med((r) => r.incExport.packBytes),
    other: med((r) => r.incExport.otherBytes),
    full: med((r) => r.fullExport.bytes),
    database: med((r) => r.yardstick.database),
    newDocuments: med((r) => r.yardstick.documents),
  };
  const values: Record<IncrementalTargetKey, number> = {
    exportTime: ratios.exportTime.perRound,
    bytes: ratios.bytes.perRound,
    restore: ratios.restore.perRound,
    verify: ratios.verify.perRound,
    rss: Math.max(rss.incExport, rss.incVerify, rss.incRestore),
  };
  const targets = INCREMENTAL_TARGETS.map((t) => ({ ...t, value: values[t.key], pass: values[t.key] <= t.limit }));
  return { ms, cpuMs, rss, bytes, ratios, targets };
}
export type IncrementalSummary = ReturnType<typeof summariseIncremental>;

const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
const mb = (bytes: number) => `${(bytes / 1e6).toFixed(bytes < 1e7 ? 2 : 1)} MB`;
const verdict = (pass: boolean) => (pass ? 'PASS' : '**FAIL**');
const r2 = (x: { perRound: number; ofMedians: number }) => `${x.perRound.toFixed(2)} (${x.ofMedians.toFixed(2)})`;

export function incrementalTable(r: IncrementalResult, runs: number): string {
  const t = r.summary;
  const v = Object.fromEntries(t.targets.map((x) => [x.key, x])) as Record<IncrementalTargetKey, (typeof t.targets)[number]>;
  return [
    `Incremental (issue 12; \`export --incremental\`), median of ${runs} rounds; the change: ${r.change.added.length} new documents (${mb(r.change.addedBytes)}), ${r.change.changedRows.toLocaleString('en')} of ${r.change.rows.toLocaleString('en')} rows rewritten:`,
    '',
    `First backups (once): full export ${s(r.first.fullExport.wallMs)} (${mb(r.first.fullExport.bytes)}, ${r.first.fullExport.maxRssMB.toFixed(0)} MB RSS), first incremental ${s(r.first.incExport.wallMs)} (${mb(r.first.incExport.bytes)}, pack ${mb(r.first.incExport.packBytes)}, ${r.first.incExport.maxRssMB.toFixed(0)} MB RSS).`,
    '',
    '| what | incremental | full (same data) | incremental ÷ full | CPU incremental / full | ÷ | peak RSS inc / full | target |',
    '|---|---|---|---|---|---|---|---|',
    `| export after the change | ${s(t.ms.incExport)} | ${s(t.ms.fullExport)} | ${r2(t.ratios.exportTime)} ${verdict(v.exportTime.pass)} | ${s(t.cpuMs.incExport)} / ${s(t.cpuMs.fullExport)} | ${r2(t.ratios.exportCpu)} | ${t.rss.incExport.toFixed(0)} / ${t.rss.fullExport.toFixed(0)} MB | ≤ 0.35 × |`,
    `| verify | ${s(t.ms.incVerify)} | ${s(t.ms.fullVerify)} | ${r2(t.ratios.verify)} ${verdict(v.verify.pass)} | ${s(t.cpuMs.incVerify)} / ${s(t.cpuMs.fullVerify)} | ${r2(t.ratios.verifyCpu)} | ${t.rss.incVerify.toFixed(0)} / ${t.rss.fullVerify.toFixed(0)} MB | ≤ 1.1 × |`,
    `| restore | ${s(t.ms.incRestore)} | ${s(t.ms.fullRestore)} | ${r2(t.ratios.restore)} ${verdict(v.restore.pass)} | ${s(t.cpuMs.incRestore)} / ${s(t.cpuMs.fullRestore)} | ${r2(t.ratios.restoreCpu)} | ${t.rss.incRestore.toFixed(0)} / ${t.rss.fullRestore.toFixed(0)} MB | ≤ 1.1 × |`,
    `| bytes written | ${mb(t.bytes.written)} | ${mb(t.bytes.full)} | ${r2(t.ratios.bytesOfFull)} | | | | |`,
    '',
    `Bytes written by the incremental export: ${mb(t.bytes.written)} (small ZIP ${mb(t.bytes.backup)}, new pack ${mb(t.bytes.packs)}, sidecar and audit line ${(t.bytes.other / 1e3).toFixed(1)} KB) ÷ (database.sqlite ${mb(t.bytes.database)} + new documents ${mb(t.bytes.newDocuments)}, compressed, in the full backup) = ${r2(t.ratios.bytes)} ${verdict(v.bytes.pass)} (≤ 1.05). Peak RSS of the incremental commands: ${v.rss.value.toFixed(0)} MB ${verdict(v.rss.pass)} (≤ 150 MB).`,
    '',
    'Ratios: the median of the per-round ratios (the ratio of the medians in brackets); PASS/FAIL on wall time, CPU (user + system, every thread) beside it.',
  ].join('\n');
}

export function incrementalOverview(rows: readonly IncrementalResult[]): string {
  const cell = (r: IncrementalResult, key: IncrementalTargetKey) => {
    const t = r.summary.targets.find((x) => x.key === key)!;
    return `${key === 'rss' ? `${t.value.toFixed(0)} MB` : t.value.toFixed(2)} ${verdict(t.pass)}`;
  };
  return [
    '| profile | incremental export ÷ full (≤ 0.35) | bytes ÷ (db + new docs) (≤ 1.05) | verify inc ÷ full (≤ 1.1) | restore inc ÷ full (≤ 1.1) | peak RSS (≤ 150 MB) |',
    '|---|---|---|---|---|---|',
    ...rows.map((r) => `| ${r.profile} | ${cell(r, 'exportTime')} | ${cell(r, 'bytes')} | ${cell(r, 'verify')} | ${cell(r, 'restore')} | ${cell(r, 'rss')} |`),
  ].join('\n');
}

// ─── 30 daily backups, retention, prune and pool collection ───

export interface PruneResult {
  readonly profile: string;
  readonly days: number;
  readonly policy: string;
  readonly daily: readonly { day: number; at: string; wallMs: number; bytes: number; newDocuments: number; deletedDocuments: number }[];
  readonly before: { backups: number; packs: number; bytes: number };
  readonly rounds: readonly (Timed & { deleted: number; backupsAfter: number; packsAfter: number; bytesAfter: number })[];
  readonly keptVerified: { readonly count: number; readonly ok: number; readonly errors: readonly string[] };
  readonly ms: number;
  readonly cpuMs: number;
  readonly maxRssMB: number;
  readonly pass: boolean;
}

export const PRUNE_LIMIT_MS = 2000;
const DAY = 86_400_000;
const countOf = (m: ReadonlyMap<string, number>, re: RegExp) => [...m.keys()].filter((k) => re.test(k)).length;
const BACKUP_RE = /^casevault-backup-[^/]*\.zip(\.age)?$/;
const PACK_RE = /^pool\/[^/]*\.zip(\.age)?$/;

/** 30 (`days`) daily incremental backups of `dataDir` (changed on), then `prune` on a copy per round. */
export function pruneRow(deps: CliDeps, work: string, data: GeneratedData, dataDir: string, runs: number, log: (line: string) => void, days = 30): PruneResult {
  const dir = join(work, 'daily-backups');
  const policy = ['--keep-last', '0', '--keep-hourly', '0', '--keep-daily', '7', '--keep-weekly', '0', '--keep-monthly', '0', '--keep-yearly', '0'];
  const daily: PruneResult['daily'][number][] = [];
  try {
    mkdirSync(dir, { recursive: true });
    cli(deps, ['policy', 'set', '--backup-dir', dir, ...policy]);
    // Day `days` is an hour ago: every backup is in the past of the real clock prune runs on.
    const last = Date.now() - 3_600_000;
    let temporary: string[] = [];
    for (let day = 1; day <= days; day += 1) {
      const at = new Date(last - (days - day) * DAY);
      let added = 0;
      let deleted = 0;
      if (day > 1) {
        const m = mutationFor(data, 0.002, 3000 + day, `day-${data.profile}-${day}`);
        const r = mutateDataDir(dataDir, { ...m, deleteDocuments: temporary });
        added = r.added.length;
        deleted = r.deleted;
        // An odd day's new documents are gone again the next day: their pack then serves only that day's backup.
        temporary = day % 2 === 1 ? r.added.map((d) => d.sha256) : [];
      }
      const before = filesOf(dir);
      const run = cli(deps, ['export', '--incremental', '--data-dir', dataDir, '--backup-dir', dir], at);
      const after = filesOf(dir);
      for (const path of after.keys()) if (!before.has(path)) utimesSync(join(dir, path), at, at);
      const g = growth(before, after);
      daily.push({ day, at: at.toISOString(), wallMs: run.wallMs, bytes: g.bytes, newDocuments: added, deletedDocuments: deleted });
      if (day === 1 || day === days || day % 10 === 0) log(`daily backup ${day}/${days} (${at.toISOString().slice(0, 10)}): ${s(run.wallMs)}, ${mb(g.bytes)}`);
    }
    const all = filesOf(dir);
    const before = { backups: countOf(all, BACKUP_RE), packs: countOf(all, PACK_RE), bytes: total(all) };
    const rounds: PruneResult['rounds'][number][] = [];
    let keptVerified: PruneResult['keptVerified'] = { count: 0, ok: 0, errors: [] };
    for (let i = 0; i < runs; i += 1) {
      const copy = join(work, `daily-prune-${i}`);
      cloneBackupDir(dir, copy);
      const run = cli(deps, ['prune', '--backup-dir', copy]);
      const left = filesOf(copy);
      const deleted = Array.isArray(run.result.deleted) ? run.result.deleted.length : NaN;
      rounds.push({ ...pick(run), deleted, backupsAfter: countOf(left, BACKUP_RE), packsAfter: countOf(left, PACK_RE), bytesAfter: total(left) });
      log(`prune round ${i + 1}/${runs}: ${s(run.wallMs)} (CPU ${s(run.cpuMs)}, ${run.maxRssMB.toFixed(0)} MB): ${before.backups} -> ${countOf(left, BACKUP_RE)} backups, ${before.packs} -> ${countOf(left, PACK_RE)} packs, ${mb(before.bytes)} -> ${mb(total(left))}`);
      if (i === runs - 1) {
        // The collector's rule from outside: every backup it kept still verifies (untimed).
        const kept = [...left.keys()].filter((k) => BACKUP_RE.test(k));
        const errors: string[] = [];
        for (const k of kept) {
          try {
            cli(deps, ['verify', join(copy, k), '--backup-dir', copy]);
          } catch (e) {
            errors.push(`${k}: ${(e as Error).message.split('\n').slice(0, 3).join(' ')}`);
          }
        }
        keptVerified = { count: kept.length, ok: kept.length - errors.length, errors };
        log(`kept backups verified after the prune: ${keptVerified.ok} of ${keptVerified.count}${errors.length ? `; ${errors.join('; ')}` : ''}`);
      }
      rmSync(copy, { recursive: true, force: true });
    }
    const ms = median(rounds.map((r) => r.wallMs));
    return {
      profile: data.profile,
      days,
      policy: policy.join(' '),
      daily,
      before,
      rounds,
      keptVerified,
      ms,
      cpuMs: median(rounds.map((r) => r.cpuMs)),
      maxRssMB: Math.max(...rounds.map((r) => r.maxRssMB)),
      pass: ms <= PRUNE_LIMIT_MS,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function pruneTable(p: PruneResult, runs: number): string {
  const r = p.rounds[p.rounds.length - 1]!;
  const dailyMs = median(p.daily.slice(1).map((d) => d.wallMs));
  const dailyBytes = median(p.daily.slice(1).map((d) => d.bytes));
  return [
    `Prune and pool collection of ${p.days} daily incremental backups (${p.profile}; policy ${p.policy}; median of ${runs} rounds, each on a copy of the same backup dir):`,
    '',
    '| what | wall | CPU | peak RSS | backups | packs | bytes on disk | target |',
    '|---|---|---|---|---|---|---|---|',
    `| prune | ${s(p.ms)} | ${s(p.cpuMs)} | ${p.maxRssMB.toFixed(0)} MB | ${p.before.backups} -> ${r.backupsAfter} | ${p.before.packs} -> ${r.packsAfter} | ${mb(p.before.bytes)} -> ${mb(r.bytesAfter)} | ≤ 2 s ${verdict(p.pass)} |`,
    '',
    `The ${p.days} backups: the first (all documents) ${s(p.daily[0]!.wallMs)} and ${mb(p.daily[0]!.bytes)}; each later one (0.2 % new documents and rows, an odd day's documents deleted the next day) median ${s(dailyMs)} and ${mb(dailyBytes)} (under faketime). After the prune, ${p.keptVerified.ok} of ${p.keptVerified.count} kept backups verify${p.keptVerified.errors.length ? ` (FAILED: ${p.keptVerified.errors.join('; ')})` : ''}.`,
  ].join('\n');
}
