/**
 * The scale run of `npm run bench -- --scale-run` (issue 12): a firm with 100,000 documents
 * (`--scale-docs=N`), made deterministically by bench/generate.ts generateScaleData (~20 KB
 * on average, 40 % text-like, 60 % incompressible; one case per five documents, a documents
 * row for each), and every command once through the installed command (`node
 * bin/casevault.mjs …` under /usr/bin/time): export --incremental (the first: every document
 * into the pool), a 1 % change (new documents and rewritten rows, as the incremental row's),
 * export --incremental again, a full export of the same changed data, verify and restore of
 * both, list and stats, prune (retention keep-last 1: the first incremental goes, the pool is
 * marked and swept), check (the data dir, every document re-hashed). Wall time, CPU and peak
 * RSS of each (target: ≤ 150 MB every command), and the incremental export ÷ the full one
 * (target ≤ 0.15 at 100,000 documents).
 *
 * The same commands run first at a quarter of N (25,000): the memory each command grows per
 * entry is (RSS at N − RSS at N/4) ÷ (N − N/4), in bytes per document.
 * Disk: the data (~20 KB × N), the incremental backup dir and the full backup (each ~0.75 of
 * the data) and one restore at a time (the data again): ~4 × 2 GB at 100,000, checked
 * against the free space first. Everything is removed after each size unless --keep.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { generateScaleData, mutateDataDir, mutationFor, SCALE_AVERAGE_BYTES, type GeneratedData } from './generate.ts';
import { backupOf, cli, filesOf, growth, type CliDeps, type Timed } from './incremental.ts';

export const SCALE_COMMANDS = ['incFirst', 'incNext', 'full', 'verifyInc', 'verifyFull', 'restoreInc', 'restoreFull', 'list', 'stats', 'prune', 'check'] as const;
export type ScaleCommand = (typeof SCALE_COMMANDS)[number];
const LABELS: Record<ScaleCommand, string> = {
  incFirst: 'export --incremental (first)',
  incNext: 'export --incremental (after 1 % change)',
  full: 'export (full, same data)',
  verifyInc: 'verify (incremental)',
  verifyFull: 'verify (full)',
  restoreInc: 'restore (incremental)',
  restoreFull: 'restore (full)',
  list: 'list',
  stats: 'stats',
  prune: 'prune (+ pool collection)',
  check: 'check',
};

export interface ScalePointResult {
  readonly documents: number;
  readonly data: GeneratedData;
  readonly generateMs: number;
  readonly change: { added: number; addedBytes: number; changedRows: number; rows: number };
  readonly commands: Record<ScaleCommand, Timed>;
  readonly bytes: { readonly incFirst: number; readonly incNext: number; readonly full: number };
  readonly incrementalRatio: number;
}

export interface ScaleResult {
  readonly points: readonly ScalePointResult[];
  /** Bytes of peak RSS per document, between the two points, per command. */
  readonly perEntry: Record<ScaleCommand, number> | null;
  readonly targets: { readonly rssMB: number; readonly rssPass: boolean; readonly ratio: number; readonly ratioPass: boolean };
  readonly loadAverage: { readonly start: number[]; readonly end: number[] };
}

export const SCALE_LIMITS = { rssMB: 150, ratio: 0.15 } as const;

/** Free bytes under `dir` (df). */
function freeBytes(dir: string): number {
  const df = spawnSync('df', ['-B1', '--output=avail', dir], { encoding: 'utf8' });
  return Number(df.stdout.trim().split('\n').pop());
}

export function scalePointRun(deps: CliDeps, work: string, documents: number, keep: boolean, log: (line: string) => void): ScalePointResult {
  const need = documents * SCALE_AVERAGE_BYTES * 4.5;
  const free = freeBytes(work);
  if (free < need) throw new Error(`bench: the scale run at ${documents} documents needs ~${(need / 1e9).toFixed(1)} GB in ${work}, ${(free / 1e9).toFixed(1)} GB free (--tmp=DIR elsewhere, or --scale-docs smaller)`);
  const root = join(work, `scale-${documents}`);
  const dataDir = join(root, 'data');
  const incDir = join(root, 'incremental-backups');
  const fullDir = join(root, 'full-backups');
  mkdirSync(root, { recursive: true });
  try {
    let t = performance.now();
    const data = generateScaleData(dataDir, documents);
    const generateMs = performance.now() - t;
    log(`generated ${documents.toLocaleString('en')} documents (${(data.documentBytes / 1e9).toFixed(2)} GB), ${data.cases.toLocaleString('en')} cases, database ${(data.databaseBytes / 1e6).toFixed(0)} MB, in ${(generateMs / 1000).toFixed(0)} s`);
    const c: Partial<Record<ScaleCommand, Timed>> = {};
    const note = (k: ScaleCommand, r: Timed) => {
      c[k] = { wallMs: r.wallMs, cpuMs: r.cpuMs, maxRssMB: r.maxRssMB };
      log(`${LABELS[k]}: ${(r.wallMs / 1000).toFixed(2)} s, CPU ${(r.cpuMs / 1000).toFixed(2)} s, ${r.maxRssMB.toFixed(0)} MB`);
    };
    note('incFirst', cli(deps, ['export', '--incremental', '--data-dir', dataDir, '--backup-dir', incDir]));
    const incFirstBytes = [...filesOf(incDir).values()].reduce((a, b) => a + b, 0);
    t = performance.now();
    const r = mutateDataDir(dataDir, mutationFor(data, 0.01, 1201, `scale-${documents}`));
    const change = { added: r.added.length, addedBytes: r.addedBytes, changedRows: r.changedRows, rows: r.rows };
    log(`changed: ${change.added} new documents, ${change.changedRows} of ${change.rows} rows, in ${((performance.now() - t) / 1000).toFixed(1)} s`);
    const before = filesOf(incDir);
    const next = cli(deps, ['export', '--incremental', '--data-dir', dataDir, '--backup-dir', incDir]);
    note('incNext', next);
    const incBackup = backupOf(next, incDir, before);
    const incNextBytes = growth(before, filesOf(incDir)).bytes;
    const full = cli(deps, ['export', '--data-dir', dataDir, '--backup-dir', fullDir]);
    note('full', full);
    const fullBackup = backupOf(full, fullDir, new Map());
    const fullBytes = [...filesOf(fullDir).values()].reduce((a, b) => a + b, 0);
    note('verifyInc', cli(deps, ['verify', incBackup, '--backup-dir', incDir]));
    note('verifyFull', cli(deps, ['verify', fullBackup, '--backup-dir', fullDir]));
    const restore = (k: ScaleCommand, file: string, backupDir: string) => {
      const parent = join(root, `restore-${k}`);
      mkdirSync(parent);
      try {
        note(k, cli(deps, ['restore', file, '--data-dir', join(parent, 'data'), '--backup-dir', backupDir]));
      } finally {
        rmSync(parent, { recursive: true, force: true });
      }
    };
    restore('restoreInc', incBackup, incDir);
    restore('restoreFull', fullBackup, fullDir);
    if (!keep) rmSync(fullDir, { recursive: true, force: true });
    note('list', cli(deps, ['list', '--backup-dir', incDir]));
    note('stats', cli(deps, ['stats', '--backup-dir', incDir]));
    cli(deps, ['policy', 'set', '--backup-dir', incDir, '--keep-last', '1', '--keep-hourly', '0', '--keep-daily', '0', '--keep-weekly', '0', '--keep-monthly', '0', '--keep-yearly', '0']);
    note('prune', cli(deps, ['prune', '--backup-dir', incDir]));
    note('check', cli(deps, ['check', '--data-dir', dataDir, '--backup-dir', incDir]));
    const commands = c as Record<ScaleCommand, Timed>;
    return {
      documents,
      data,
      generateMs,
      change,
      commands,
      bytes: { incFirst: incFirstBytes, incNext: incNextBytes, full: fullBytes },
      incrementalRatio: commands.incNext.wallMs / commands.full.wallMs,
    };
  } finally {
    if (!keep) rmSync(root, { recursive: true, force: true });
  }
}

/** The scale run: the same commands at `documents` ÷ 4 and at `documents`. */
export function scaleRun(deps: CliDeps, work: string, documents: number, keep: boolean, log: (line: string) => void, loadavg: () => number[]): ScaleResult {
  const start = loadavg();
  const sizes = [Math.round(documents / 4), documents];
  const points = sizes.map((n) => scalePointRun(deps, work, n, keep, (line) => log(`[${n.toLocaleString('en')}] ${line}`)));
  const [a, b] = points as [ScalePointResult, ScalePointResult];
  const perEntry = Object.fromEntries(SCALE_COMMANDS.map((k) => [k, ((b.commands[k].maxRssMB - a.commands[k].maxRssMB) * 1024 * 1024) / (b.documents - a.documents)])) as Record<ScaleCommand, number>;
  const rssMB = Math.max(...SCALE_COMMANDS.map((k) => b.commands[k].maxRssMB));
  return {
    points,
    perEntry,
    targets: { rssMB, rssPass: rssMB <= SCALE_LIMITS.rssMB, ratio: b.incrementalRatio, ratioPass: b.incrementalRatio <= SCALE_LIMITS.ratio },
    loadAverage: { start, end: loadavg() },
  };
}

const verdict = (pass: boolean) => (pass ? 'PASS' : '**FAIL**');
const gb = (bytes: number) => (bytes >= 1e9 ? `${(bytes / 1e9).toFixed(2)} GB` : `${(bytes / 1e6).toFixed(1)} MB`);

export function scaleTable(r: ScaleResult): string {
  const [a, b] = r.points as [ScalePointResult, ScalePointResult];
  const n = (p: ScalePointResult) => p.documents.toLocaleString('en');
  const cell = (p: ScalePointResult, k: ScaleCommand) => `${(p.commands[k].wallMs / 1000).toFixed(2)} s / ${(p.commands[k].cpuMs / 1000).toFixed(2)} s / ${p.commands[k].maxRssMB.toFixed(0)} MB`;
  return [
    `Scale run (issue 12), each command once, wall / CPU / peak RSS; data: ${n(a)} documents (${gb(a.data.documentBytes)}, database ${gb(a.data.databaseBytes)}) and ${n(b)} documents (${gb(b.data.documentBytes)}, ${b.data.cases.toLocaleString('en')} cases, database ${gb(b.data.databaseBytes)}):`,
    '',
    `| command | ${n(a)} documents | ${n(b)} documents | RSS growth per document | ≤ 150 MB at ${n(b)} |`,
    '|---|---|---|---|---|',
    ...SCALE_COMMANDS.map((k) => `| ${LABELS[k]} | ${cell(a, k)} | ${cell(b, k)} | ${r.perEntry ? `${r.perEntry[k].toFixed(0)} B` : ''} | ${verdict(b.commands[k].maxRssMB <= SCALE_LIMITS.rssMB)} |`),
    '',
    `Incremental export after the 1 % change ÷ full export of the same data at ${n(b)}: ${b.incrementalRatio.toFixed(2)} ${verdict(r.targets.ratioPass)} (≤ 0.15; at ${n(a)}: ${a.incrementalRatio.toFixed(2)}). Written: first incremental ${gb(b.bytes.incFirst)}, the next ${gb(b.bytes.incNext)}, a full backup ${gb(b.bytes.full)}. The change at ${n(b)}: ${b.change.added.toLocaleString('en')} new documents (${gb(b.change.addedBytes)}), ${b.change.changedRows.toLocaleString('en')} of ${b.change.rows.toLocaleString('en')} rows.`,
    `Peak RSS of any command at ${n(b)}: ${r.targets.rssMB.toFixed(0)} MB ${verdict(r.targets.rssPass)} (≤ 150 MB). RSS growth per document: (RSS at ${n(b)} − RSS at ${n(a)}) ÷ ${(b.documents - a.documents).toLocaleString('en')}. Load average at the start ${r.loadAverage.start.map((x) => x.toFixed(1)).join(', ')}, at the end ${r.loadAverage.end.map((x) => x.toFixed(1)).join(', ')}.`,
  ].join('\n');
}
