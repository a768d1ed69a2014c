/**
 * `casevault run-due` driven day by day from the outside, as cron or a systemd timer would:
 * the real CLI as a child process under libfaketime (Debian's `faketime` wrapper sets
 * LD_PRELOAD and FAKETIME for the process it starts; time then runs on from the date given),
 * TZ=Europe/Berlin across the spring-forward night of 2027-03-28 and the end of March, 40
 * simulated days with 0 to 3 runs a day at varying hours (days the machine was off too), a
 * row changed before every run so "skip unchanged" does not skip.
 * Checked: a backup is made exactly when the policy's interval has passed since the last
 * one; after every run the backups kept are exactly what restic's rules predict, computed
 * here from the backup times alone (spec/support/resticModel.ts, a transcription of restic's
 * walk, applied after each backup as run-due prunes after each backup); every new backup
 * is verified at once. Then one byte of a kept backup is flipped: the next `drill` catches it.
 */
import BetterSqlite3 from 'better-sqlite3';
import { spawn } from 'node:child_process';
import { promises as fsp } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dateFromFileName } from '../../src/domain/backupFiles.ts';
import { worldData } from '../support/crashWorld.ts';
import { prng } from '../support/killTrials.ts';
import { CLI, REPO, collect, compose, populate, tempRoot, type CliRun } from '../support/nodeHarness.ts';
import { resticModel, type RetentionCounts } from '../support/resticModel.ts';

const TZ = 'Europe/Berlin';
const START = Date.parse('2027-03-10T00:00:00Z');
const DAYS = 40;
const HOUR = 3_600_000;
const EVERY_HOURS = 5;
const RETENTION: RetentionCounts = { keepLast: 2, keepHourly: 3, keepDaily: 5, keepWeekly: 3, keepMonthly: 2, keepYearly: 0 };

/** The CLI as a child process whose clock reads `at` when it starts (and runs on from there). */
function cliAt(at: number, args: readonly string[], env: NodeJS.ProcessEnv): Promise<CliRun> {
  const stamp = `${new Date(at).toISOString().slice(0, 19).replace('T', ' ')} UTC`;
  const child = spawn('faketime', [stamp, process.execPath, CLI, ...args], {
    cwd: REPO,
    env: { ...process.env, NO_COLOR: '1', CASEVAULT_PROGRESS: 'none', TZ, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return collect(child);
}

/** When the runs happen: per day none (the machine was off), one, or three (one of them 2 h after another: not due). */
function schedule(seed: number): number[] {
  const random = prng(seed);
  const runs: number[] = [];
  for (let day = 0; day < DAYS; day += 1) {
    const dayStart = START + day * 24 * HOUR;
    const minute = (lo: number, hi: number) => Math.floor(lo * 60 + random() * (hi - lo) * 60) * 60_000;
    const r = random();
    if (dayStart === Date.parse('2027-03-28T00:00:00Z')) {
      // The spring-forward night in Berlin: 01:40 CET, then 07:50 and 23:40 CEST.
      runs.push(dayStart + 40 * 60_000, dayStart + 5 * HOUR + 50 * 60_000, dayStart + 21 * HOUR + 40 * 60_000);
      continue;
    }
    if (r < 0.25) continue;
    if (r < 0.75) runs.push(dayStart + minute(0, 24));
    else {
      const first = dayStart + minute(0, 6);
      runs.push(first, first + 2 * HOUR + minute(0, 0.5), dayStart + minute(15, 23.5));
    }
  }
  return runs;
}

interface RunJson {
  readonly backup: { outcome: string; fileName: string | null };
  readonly verify: { result: string } | null;
  readonly prune: { kept: string[]; deleted: string[] } | null;
}

describe('casevault run-due, day by day under faketime', () => {
  let t: Awaited<ReturnType<typeof tempRoot>>;
  let env: NodeJS.ProcessEnv;
  let end = 0;
  beforeAll(async () => {
    t = await tempRoot('run-due-days');
    env = { CASEVAULT_DATA_DIR: t.dataDir, CASEVAULT_BACKUP_DIR: t.backupDir };
    const a = await compose(t.dataDir, t.backupDir);
    await populate(a, worldData(1, 400));
    await a.dispose();
    // Bundle the CLI now, in real time: a bundle built under a clock in 2027 would take every other bundle for an old one.
    const warm = await collect(spawn(process.execPath, [CLI, '--version'], { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] }));
    expect(warm.code, warm.stderr).toBe(0);
  });
  afterAll(async () => t.cleanup());

  it('backs up when the interval has passed and keeps exactly the backups restic’s rules predict, across DST and a month end', async () => {
    const set = await cliAt(START - HOUR, ['policy', 'set', '--every', `${EVERY_HOURS}h`, '--keep-last', '2', '--keep-hourly', '3', '--keep-daily', '5', '--keep-weekly', '3', '--keep-monthly', '2', '--keep-yearly', '0'], env);
    expect(set.code, set.stderr).toBe(0);
    const runs = schedule(20270328);
    expect(runs.length).toBeGreaterThan(35);
    expect(runs.some((at) => new Date(at).toISOString().startsWith('2027-03-28'))).toBe(true); // the spring-forward day
    const started = performance.now();
    let predicted: { fileName: string; createdAt: string }[] = [];
    const made: { fileName: string; createdAt: string }[] = [];
    let lastBackupAt: number | null = null;
    const outcomes: Record<string, number> = {};
    for (const [i, at] of runs.entries()) {
      // The app wrote something since the last run.
      const db = new BetterSqlite3(join(t.dataDir, 'database.sqlite'));
      db.prepare('UPDATE cases SET notes = ? WHERE id = 1').run(`run ${i}`);
      db.close();

      const run = await cliAt(at, ['run-due', '--json'], env);
      const context = `run ${i} at ${new Date(at).toISOString()}`;
      expect(run.code, `${context}: ${run.stdout}${run.stderr}`).toBe(0);
      const report = JSON.parse(run.stdout) as RunJson;
      outcomes[report.backup.outcome] = (outcomes[report.backup.outcome] ?? 0) + 1;
      const due = lastBackupAt === null || at - lastBackupAt >= EVERY_HOURS * HOUR;
      expect(report.backup.outcome, context).toBe(due ? 'ok' : 'not-due');
      if (!due) continue;
      const fileName = report.backup.fileName!;
      const createdAt = dateFromFileName(fileName)!.toISOString();
      expect(Date.parse(createdAt) - at, `${context}: the backup is named by the fake clock`).toBeLessThan(60_000);
      expect(report.verify?.result, context).toBe('ok');
      lastBackupAt = Date.parse(createdAt);
      made.push({ fileName, createdAt });
      // restic forget after each backup: keep what any rule keeps.
      const kept = new Set(resticModel([...predicted, { fileName, createdAt }], RETENTION, TZ).filter(([, reasons]) => reasons.length > 0).map(([name]) => name));
      predicted = [...predicted, { fileName, createdAt }].filter((b) => kept.has(b.fileName));
      expect([...report.prune!.kept].sort(), context).toEqual(predicted.map((b) => b.fileName).sort());
    }
    end = runs.at(-1)! + HOUR;
    const list = await cliAt(end, ['list', '--json'], env);
    const listed = (JSON.parse(list.stdout) as { backups: { fileName: string; verified: boolean | null }[] }).backups;
    expect(listed.map((b) => b.fileName).sort()).toEqual(predicted.map((b) => b.fileName).sort());
    expect(listed.every((b) => b.verified === true)).toBe(true);
    console.log(`run-due day by day: ${runs.length} runs (${JSON.stringify(outcomes)}), ${made.length} backups made, ${predicted.length} kept, ${Math.round((performance.now() - started) / 1000)} s`);
    // Pruning after each backup keeps what restic keeps of every backup ever made, pruned once at the end.
    const once = resticModel(made, RETENTION, TZ);
    expect(once.filter(([, reasons]) => reasons.length > 0).map(([name]) => name).sort()).toEqual(predicted.map((b) => b.fileName).sort());
    // Every counted rule has its say in what is kept (so a broken rule shows here).
    expect(new Set(once.flatMap(([, reasons]) => reasons))).toEqual(new Set(['last', 'hourly', 'daily', 'weekly', 'monthly']));
    expect(outcomes.ok).toBeGreaterThan(25);
    expect(outcomes['not-due']).toBeGreaterThan(5);
    expect(new Set(predicted.map((b) => b.createdAt.slice(0, 7)))).toEqual(new Set(['2027-03', '2027-04']));
    // ~60 processes of the real CLI: 60-120 s on a quiet machine, 160 s measured at load 10 (2 cores, CI's other suites running).
  }, 360_000);

  it('a stored backup with one byte flipped is caught by the next drill: exit 1, status exits 3 with the alarm, list shows verified false', async () => {
    const listed = JSON.parse((await cliAt(end, ['list', '--json'], env)).stdout) as { backups: { fileName: string }[] };
    const victim = listed.backups[1]!.fileName;
    const path = join(t.backupDir, victim);
    const bytes = await fsp.readFile(path);
    const middle = Math.floor(bytes.length / 2);
    bytes[middle] = bytes[middle]! ^ 0x01;
    await fsp.writeFile(path, bytes);

    const drill = await cliAt(end + HOUR, ['drill', '--all', '--json'], env);
    expect(drill.code, drill.stdout + drill.stderr).toBe(1);
    expect(JSON.parse(drill.stdout)).toMatchObject({ success: false, results: expect.arrayContaining([expect.objectContaining({ fileName: victim, result: 'failed' })]) });
    const status = await cliAt(end + 2 * HOUR, ['status', '--json'], env);
    expect(status.code).toBe(3);
    expect(JSON.parse(status.stdout).alarms).toEqual(expect.arrayContaining([expect.objectContaining({ code: 'DRILL_FAILED', fileName: victim })]));
    const after = JSON.parse((await cliAt(end + 2 * HOUR, ['list', '--json'], env)).stdout) as { backups: { fileName: string; verified: boolean | null }[] };
    expect(after.backups.find((b) => b.fileName === victim)?.verified).toBe(false);
    expect(after.backups.filter((b) => b.fileName !== victim).every((b) => b.verified === true)).toBe(true);
  });
});
