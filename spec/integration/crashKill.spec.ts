/**
 * kill -9 of the real CLI at seeded instants of a restore and of an export. After each kill
 * the next start recovers (every fifth trial through `casevault check` / `casevault list`,
 * the others through composeNodeBackupService, which runs the same recovery), and then:
 * the data dir is exactly the old state or the new one, nothing of the restore is left
 * beside it, and the backup dir holds only complete backups.
 * The seed is printed; CASEVAULT_CRASH_SEED=<n> replays a run.
 */
import { promises as fsp } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCrashWorld, expectNoRestoreLeftovers, oldOrNew, worldData, type CrashWorld } from '../support/crashWorld.ts';
import { collect, compose, readDiskState, runCli, spawnCli } from '../support/nodeHarness.ts';

const SEED = Number(process.env.CASEVAULT_CRASH_SEED ?? 20261125);
const TRIALS = 20;

function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Killed {
  /** Whether the kill landed before the CLI finished by itself. */
  readonly killed: boolean;
  /** The phase of the last progress line before the kill. */
  readonly phase: string;
  readonly code: number | null;
  readonly stderr: string;
}

/** Spawns the CLI; `delayMs` after its first progress line (the work has begun), SIGKILL. Null: let it finish. */
async function runAndKill(args: string[], delayMs: number | null): Promise<Killed & { workMs: number }> {
  const child = spawnCli(args, { CASEVAULT_PROGRESS: 'plain' });
  let startedAt = 0;
  let phase = 'start';
  let timer: ReturnType<typeof setTimeout> | undefined;
  child.stderr!.on('data', (chunk: Buffer) => {
    const phases = [...chunk.toString('utf8').matchAll(/progress (\w+) /g)];
    if (phases.length > 0) phase = phases[phases.length - 1]![1]!;
    if (startedAt === 0 && chunk.toString('utf8').includes('progress ')) {
      startedAt = performance.now();
      if (delayMs !== null) timer = setTimeout(() => child.kill('SIGKILL'), delayMs);
    }
  });
  const run = await collect(child);
  clearTimeout(timer);
  return { killed: run.signal === 'SIGKILL', phase, code: run.code, stderr: run.stderr, workMs: performance.now() - startedAt };
}

/** The median of three uninterrupted runs' work time (first progress line to exit). */
async function calibrate(run: () => Promise<number>): Promise<{ workMs: number }> {
  const times = [await run(), await run(), await run()].sort((a, b) => a - b);
  return { workMs: times[1]! };
}

describe('kill -9 of `casevault restore`', () => {
  let w: CrashWorld;
  beforeAll(async () => {
    w = await buildCrashWorld('kill-restore', worldData(12, 1_000_000));
  });
  afterAll(async () => w.cleanup());

  it(`leaves the old or the new data dir at ${TRIALS} seeded instants (seed ${SEED})`, async () => {
    const full = await calibrate(async () => {
      await w.reset();
      const run = await runAndKill(['restore', w.backupPath, '--data-dir', w.dataDir], null);
      expect(run.code, run.stderr).toBe(0);
      expect(oldOrNew(await readDiskState(w.dataDir), w, 'uninterrupted')).toBe('new');
      return run.workMs;
    });
    const random = prng(SEED);
    const outcomes = { old: 0, new: 0, killed: 0 };
    const phases: Record<string, number> = {};
    for (let i = 0; i < TRIALS; i += 1) {
      await w.reset();
      const delay = Math.round(random() * full.workMs);
      const run = await runAndKill(['restore', w.backupPath, '--data-dir', w.dataDir], delay);
      const context = `trial ${i}: kill ${delay} ms into a ${Math.round(full.workMs)} ms restore`;
      if (run.killed) {
        outcomes.killed += 1;
        phases[run.phase] = (phases[run.phase] ?? 0) + 1;
      }
      else expect(run.code, `${context}: ${run.stderr}`).toBe(0);
      if (i % 5 === 0) {
        const check = await runCli(['check', '--data-dir', w.dataDir, '--json']);
        expect(check.code, `${context}: ${check.stdout}${check.stderr}`).toBe(0);
        expect(JSON.parse(check.stdout)).toMatchObject({ success: true, integrity: 'ok', damaged: [] });
      } else {
        const next = await compose(w.dataDir, w.backupDir, { openDatabase: true });
        await next.dispose();
      }
      outcomes[oldOrNew(await readDiskState(w.dataDir), w, context)] += 1;
      await expectNoRestoreLeftovers(w.dataDir, context);
    }
    console.log(`kill -9 restore (seed ${SEED}): ${outcomes.killed}/${TRIALS} killed mid-run (last phase: ${JSON.stringify(phases)}); ${outcomes.old} old, ${outcomes.new} new`);
    expect(outcomes.killed).toBeGreaterThanOrEqual(TRIALS / 4);
    expect(outcomes.old).toBeGreaterThan(0);
  });
});

describe('kill -9 of `casevault export`', () => {
  let w: CrashWorld;
  beforeAll(async () => {
    w = await buildCrashWorld('kill-export', worldData(12, 1_000_000));
  });
  afterAll(async () => w.cleanup());

  it(`never leaves a listed partial backup at ${TRIALS} seeded instants (seed ${SEED})`, async () => {
    const args = ['export', '--data-dir', w.dataDir, '--backup-dir', w.backupDir, '--level', '1'];
    const full = await calibrate(async () => {
      const run = await runAndKill(args, null);
      expect(run.code, run.stderr).toBe(0);
      return run.workMs;
    });
    const random = prng(SEED + 1);
    let killed = 0;
    const phases: Record<string, number> = {};
    for (let i = 0; i < TRIALS; i += 1) {
      const delay = Math.round(random() * full.workMs);
      const run = await runAndKill(args, delay);
      const context = `trial ${i}: kill ${delay} ms into a ${Math.round(full.workMs)} ms export`;
      if (run.killed) {
        killed += 1;
        phases[run.phase] = (phases[run.phase] ?? 0) + 1;
      }
      else expect(run.code, `${context}: ${run.stderr}`).toBe(0);
      if (i % 5 === 0) {
        const list = await runCli(['list', '--backup-dir', w.backupDir, '--json']);
        expect(list.code, `${context}: ${list.stderr}`).toBe(0);
      } else {
        const next = await compose(w.dataDir, w.backupDir, { dataDirLock: 'none', openDatabase: false });
        await next.dispose();
      }
      const names = (await fsp.readdir(w.backupDir)).filter((n) => n !== '.tmp' && n !== '.export.lock');
      for (const name of names) expect(name, context).toMatch(/^(casevault-backup-[0-9TZ-]+\.zip(\.sha256)?|casevault-audit\.jsonl)$/);
      expect(oldOrNew(await readDiskState(w.dataDir), w, context)).toBe('old');
    }
    const checker = await compose(w.dataDir, w.backupDir, { dataDirLock: 'none', openDatabase: false });
    try {
      const listed = await checker.service.listBackups();
      for (const b of listed) {
        const verified = await checker.service.verifyBackup(b.filePath);
        expect(verified.sidecarChecked, b.fileName).toBe(true);
      }
      console.log(`kill -9 export (seed ${SEED}): ${killed}/${TRIALS} killed mid-run (last phase: ${JSON.stringify(phases)}); ${listed.length} complete backups listed, all verified`);
    } finally {
      await checker.dispose();
    }
    expect(killed).toBeGreaterThanOrEqual(TRIALS / 4);
  });
});
