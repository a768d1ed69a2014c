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
  it('backs up when due, quick-checks the database first, verifies the new backup at once, then waits for the interval', async () => {
    const w = await world();
    const first = await w.tick();
    expect(first.backup).toMatchObject({ outcome: 'ok', failure: null, liveCheck: 'ok', due: { reason: 'first' } });
    expect(first.verify).toEqual({ fileName: first.backup.fileName, result: 'ok', failure: null });
    expect(first.drill).toBeNull(); // the one backup is verified: no drill is due
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

  it('verifies the new backup right after making it, before the prune, so it is the newest verified-good one', async () => {
    const w = await world();
    const verified: string[] = [];
    const verify = async (path: string) => void verified.push(path.slice(path.lastIndexOf('/') + 1));
    const report = await runDue(w.deps, w.h.config, { exportNow: w.exportNow, verify });
    expect(report.verify).toMatchObject({ fileName: report.backup.fileName, result: 'ok', failure: null });
    expect(verified[0]).toBe(report.backup.fileName);
    const state = await readState(w.deps, w.h.config);
    expect(recordOf(state, report.backup.fileName!).verification?.result).toBe('ok');
  });

  it('records a failed verification of the new backup as a failed check (the alarm), keeping the backup', async () => {
    const w = await world();
    const verify = () => Promise.reject(new BackupError('CHECKSUM_MISMATCH', 'verify: entry database.sqlite: SHA-256 differs'));
    const report = await runDue(w.deps, w.h.config, { exportNow: w.exportNow, verify });
    expect(report.backup.outcome).toBe('ok');
    expect(report.verify).toMatchObject({ result: 'failed', failure: { code: 'CHECKSUM_MISMATCH' } });
    const status = await readStatus(w.deps, w.h.config);
    expect(status.alarms.map((a) => a.code)).toContain('DRILL_FAILED');
    expect(await w.service.listBackups()).toHaveLength(1);
  });

  it('quick-checks the live database first: when it fails, makes no backup, prunes nothing, records it and raises the alarm', async () => {
    const w = await world();
    await w.tick();
    await w.h.db.write(`INSERT INTO users (name) VALUES ('Ana')`);
    w.advance(5 * HOUR);
    let exports = 0;
    const damaged = { ...w.h.db, supportedSchemaVersion: w.h.db.supportedSchemaVersion, checkLive: async () => '*** in database main ***\nPage 7: btreeInitPage() returns error code 11' };
    const deps = { ...w.deps, db: damaged };
    const before = await w.h.memfs.readdir(w.h.config.backupDir);
    const report = await runDue(deps, w.h.config, { exportNow: async (o, r) => { exports += 1; return w.exportNow(o); } });
    expect(exports).toBe(0);
    expect(report.backup).toMatchObject({ outcome: 'failed', failure: { code: 'DATABASE_CORRUPT' } });
    expect(report.prune).toBeNull();
    const after = (await w.h.memfs.readdir(w.h.config.backupDir)).filter((n) => !n.startsWith('casevault-state') && !n.startsWith('.casevault-state'));
    expect(after).toEqual(before.filter((n) => !n.startsWith('casevault-state')));
    const status = await readStatus(w.deps, w.h.config);
    expect(status.alarms.map((a) => a.code)).toContain('LIVE_DATABASE_CORRUPT');
    // Repaired: the next run checks again, backs up, and the alarm is gone.
    w.advance(HOUR);
    const repaired = await w.tick();
    expect(repaired.backup.outcome).toBe('ok');
    expect((await readStatus(w.deps, w.h.config)).alarms.map((a) => a.code)).not.toContain('LIVE_DATABASE_CORRUPT');
  });

  it('gives way to another operation (BUSY): not a failure, nothing recorded, still due', async () => {
    const w = await world();
    const busy = () => Promise.reject(new BackupError('BUSY', 'export: another export into the backup dir is running (process 4242)'));
    const report = await runDue(w.deps, w.h.config, { exportNow: busy });
    expect(report.backup).toMatchObject({ outcome: 'busy', failure: { code: 'BUSY' } });
    expect(report.prune).toBeNull();
    expect(report.drill).toBeNull();
    expect((await readState(w.deps, w.h.config)).lastBackupRun).toBeNull();
    expect((await readStatus(w.deps, w.h.config)).alarms.map((a) => a.code)).not.toContain('BACKUP_FAILED');
    expect((await w.tick()).backup.outcome).toBe('ok');
  });
});
