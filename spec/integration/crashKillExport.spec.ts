/**
 * kill -9 of `casevault export` at seeded instants. After each kill `casevault list` (every
 * fifth trial) shows only complete backups, and the next start of the app
 * (composeNodeBackupService) cleans the backup dir; then only complete backups (each
 * verifies) and their sidecars remain, and the data dir is untouched. CASEVAULT_CRASH_SEED=<n> replays a run.
 */
import { promises as fsp } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCrashWorld, oldOrNew, worldData, type CrashWorld } from '../support/crashWorld.ts';
import { SEED, TRIALS, calibrate, prng, runAndKill } from '../support/killTrials.ts';
import { compose, readDiskState, runCli } from '../support/nodeHarness.ts';

describe('kill -9 of `casevault export`', () => {
  let w: CrashWorld;
  beforeAll(async () => {
    w = await buildCrashWorld('kill-export', worldData(12, 500_000));
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
        // `casevault list` only reads: it shows complete backups and leaves the leftovers to the next export.
        const list = await runCli(['list', '--backup-dir', w.backupDir, '--json']);
        expect(list.code, `${context}: ${list.stderr}`).toBe(0);
        for (const b of (JSON.parse(list.stdout) as { backups: { fileName: string }[] }).backups) expect(b.fileName, context).toMatch(/^casevault-backup-[0-9TZ-]+\.zip$/);
      }
      const next = await compose(w.dataDir, w.backupDir, { dataDirLock: 'none', openDatabase: false });
      await next.dispose();
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
  }, 300_000);
});
