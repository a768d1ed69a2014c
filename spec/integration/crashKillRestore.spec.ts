/**
 * kill -9 of `casevault restore` at seeded instants. After each kill the next start recovers
 * (every fifth trial through `casevault check`, the others through composeNodeBackupService,
 * which runs the same recovery); then the data dir is exactly the old state or the new one
 * and nothing of the restore is left beside it. CASEVAULT_CRASH_SEED=<n> replays a run.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCrashWorld, expectNoRestoreLeftovers, oldOrNew, worldData, type CrashWorld } from '../support/crashWorld.ts';
import { SEED, TRIALS, calibrate, prng, runAndKill } from '../support/killTrials.ts';
import { compose, readDiskState, runCli } from '../support/nodeHarness.ts';

describe('kill -9 of `casevault restore`', () => {
  let w: CrashWorld;
  beforeAll(async () => {
    w = await buildCrashWorld('kill-restore', worldData(12, 500_000));
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
  }, 300_000);
});
