/**
 * The hosts' composition (src/app/compose.ts) on the real machine's adapters: a restore or
 * an undo of one through the composed service stops the scheduler and starts it again, and
 * a test clock given to it is the clock the service stamps its backups with.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { composeBackupService } from '../../src/app/compose.ts';
import { createSettableClock } from '../../src/app/testClock.ts';
import type { SchedulerEvent } from '../../src/contract/channels.ts';
import { writePolicy } from '../../src/domain/policy.ts';
import { worldData } from '../support/crashWorld.ts';
import { compose, populate, tempRoot } from '../support/nodeHarness.ts';

describe('composeBackupService (both hosts)', () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  async function world(options: { clock?: ReturnType<typeof createSettableClock> } = {}) {
    const t = await tempRoot('app-compose');
    cleanups.push(t.cleanup);
    const seeded = await compose(t.dataDir, t.backupDir);
    await populate(seeded, worldData(2, 2000));
    await seeded.dispose();
    const runtime = await composeBackupService({ dataDir: t.dataDir, backupDir: t.backupDir, log: () => {}, ...options });
    cleanups.push(() => runtime.close());
    // Nothing automatic: the scheduler only shows its states here.
    await writePolicy(runtime.deps, runtime.config, { schedule: { every: null, dailyAt: null }, drill: { every: null } });
    const events: SchedulerEvent[] = [];
    runtime.onEvent((event) => void events.push(event));
    runtime.scheduler.start();
    await runtime.scheduler.settled();
    return { t, runtime, events };
  }

  it('stops the scheduler for a restore and for an undo of it, and starts it again after each', async () => {
    const { runtime, events } = await world();
    const made = await runtime.service.exportNow({ compressionLevel: 1 });
    const states = () => events.flatMap((e) => (e.type === 'state' ? [e.state] : []));
    const before = states().length;
    await runtime.service.restoreFromZip(made.filePath);
    await runtime.scheduler.settled();
    expect(states().slice(before)).toEqual(['stopped', 'idle']);
    expect(runtime.scheduler.state).toBe('idle');
    const mid = states().length;
    await runtime.service.undoRestore();
    await runtime.scheduler.settled();
    expect(states().slice(mid)).toEqual(['stopped', 'idle']);
    // The service's state getter still answers through the wrapper.
    expect(runtime.service.activity).toBeNull();
  });

  it('stamps backups with the test clock it is given', async () => {
    const clock = createSettableClock('2026-11-02T08:00:00.000Z', 'UTC');
    const { runtime } = await world({ clock });
    clock.advance(3 * 86_400_000);
    const made = await runtime.service.exportNow({ compressionLevel: 1 });
    expect(made.fileName).toMatch(/^casevault-backup-20261105T0800/);
    expect((await runtime.service.status()).timeZone).toBe('UTC');
  });
});
