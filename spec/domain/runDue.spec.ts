import { describe, expect, it } from 'vitest';
import { readState, recordOf } from '../../src/domain/backupState.ts';
import type { BackupDeps } from '../../src/domain/deps.ts';
import { BackupError } from '../../src/domain/errors.ts';
import { writePolicy } from '../../src/domain/policy.ts';
import { runDue } from '../../src/domain/runDue.ts';
import { createBackupService } from '../../src/domain/service.ts';
import { readStatus } from '../../src/domain/status.ts';
import { createMemoryHarness } from '../support/memoryHarness.ts';

/** The memory harness with a clock the test moves (it ticks a second per reading, as the harness's does). */
async function world() {
  const h = await createMemoryHarness();
  let t = Date.parse('2026-11-27T08:00:00.000Z');
  const deps: BackupDeps = { ...h.deps, clock: { now: () => new Date((t += 1000)), timeZone: () => 'Europe/Berlin' } };
  const service = createBackupService(deps, h.config);
  const advance = (ms: number) => void (t += ms);
  const exportNow = (options: object) => service.exportNow(options);
  return { h, deps, service, advance, exportNow, tick: () => runDue(deps, h.config, { exportNow }) };
}

const HOUR = 3_600_000;

describe('runDue', () => {
  it('backs up when due, verifies the new backup in a drill, then waits for the interval', async () => {
    const w = await world();
    const first = await w.tick();
    expect(first.backup).toMatchObject({ outcome: 'ok', failure: null, due: { reason: 'first' } });
    expect(first.drill?.report?.results.map((r) => [r.fileName, r.result])).toEqual([[first.backup.fileName, 'ok']]);
    const state = await readState(w.deps, w.h.config);
    expect(recordOf(state, first.backup.fileName!).fingerprint).toMatch(/^[0-9a-f]{64}$/);
    expect(state.lastBackupRun).toMatchObject({ trigger: 'schedule', outcome: 'ok', fileName: first.backup.fileName });

    w.advance(HOUR);
    const second = await w.tick();
    expect(second.backup.outcome).toBe('not-due');
    expect(second.drill).toBeNull();
    const status = await readStatus(w.deps, w.h.config);
    expect(status.lastVerifiedGood?.fileName).toBe(first.backup.fileName);
    expect(status.alarms).toEqual([]);
    expect(status.nextBackup.text).toMatch(/^Next at \d\d:\d\d$/);
  });

  it('skips a backup when the data is unchanged, and makes one when it changed', async () => {
    const w = await world();
    const first = await w.tick();
    w.advance(5 * HOUR);
    const same = await w.tick();
    expect(same.backup).toMatchObject({ outcome: 'skipped-unchanged', fileName: first.backup.fileName });
    expect(await w.service.listBackups()).toHaveLength(1);
    w.advance(HOUR);
    expect((await w.tick()).backup.outcome).toBe('not-due'); // the skip counts as a run: no check every tick
    await w.h.db.write(`INSERT INTO users (name) VALUES ('Ana')`);
    w.advance(4 * HOUR);
    const changed = await w.tick();
    expect(changed.backup.outcome).toBe('ok');
    expect(changed.prune?.result?.deleted).toEqual([]);
    expect(await w.service.listBackups()).toHaveLength(2);
    await writePolicy(w.deps, w.h.config, { schedule: { skipUnchanged: false } });
    w.advance(5 * HOUR);
    expect((await w.tick()).backup.outcome).toBe('ok');
  });

  it('records a failed scheduled backup, raises the alarm, retries 15 minutes later', async () => {
    const w = await world();
    const failing = () => Promise.reject(new BackupError('NO_SPACE', 'export: 2 GB needed, 1 GB free'));
    const report = await runDue(w.deps, w.h.config, { exportNow: failing });
    expect(report.backup).toMatchObject({ outcome: 'failed', failure: { code: 'NO_SPACE' } });
    const status = await readStatus(w.deps, w.h.config);
    expect(status.alarms.map((a) => a.code)).toEqual(['NO_BACKUP', 'BACKUP_FAILED']);
    expect(status.nextBackup.reason).toBe('retry');
    w.advance(16 * 60_000);
    expect((await w.tick()).backup.outcome).toBe('ok');
    expect((await readStatus(w.deps, w.h.config)).alarms).toEqual([]);
  });

  it('backs up on app quit only where the policy says so, and runs no drill then', async () => {
    const w = await world();
    await w.tick();
    await w.h.db.write(`INSERT INTO users (name) VALUES ('Li')`);
    const quit = () => runDue(w.deps, w.h.config, { exportNow: w.exportNow, trigger: 'quit' });
    expect((await quit()).backup.outcome).toBe('not-due');
    await writePolicy(w.deps, w.h.config, { schedule: { onAppQuit: true } });
    const report = await quit();
    expect(report.backup.outcome).toBe('ok');
    expect(report.drill).toBeNull();
  });
});
