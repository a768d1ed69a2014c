/**
 * The handler table's channels for automatic protection (issue 11), on the spec suite's
 * service (memfs + sql.js): the policy, the status, the list's pins, verifications and
 * retention reasons, prune with its reasons, drills, undo of a restore. Every answer is the
 * seed's envelope; the page names backups by name only.
 */
import { describe, expect, it } from 'vitest';
import { createBackupIpc, type CallContext } from '../../src/app/handlers.ts';
import type { Channel, Envelope, EventPayloads } from '../../src/contract/channels.ts';
import type { BackupDeps } from '../../src/domain/deps.ts';
import { createBackupService } from '../../src/domain/service.ts';
import { populateSmall } from '../support/hostileReplay.ts';
import { createMemoryHarness } from '../support/memoryHarness.ts';

const HOUR = 3_600_000;

async function world() {
  const h = await createMemoryHarness({ jobs: () => [] });
  await populateSmall(h);
  let t = Date.parse('2026-11-27T08:00:00.000Z');
  const deps: BackupDeps = { ...h.deps, clock: { now: () => new Date((t += 1000)), timeZone: () => 'Europe/Berlin' } };
  const service = createBackupService(deps, h.config);
  const woken: string[] = [];
  const ipc = createBackupIpc({
    runtime: { service, deps, config: h.config },
    chooseFile: async () => null,
    log: (message, error) => {
      throw new Error(`logged: ${message} ${String(error)}`);
    },
    scheduler: { state: 'idle', wake: () => void woken.push('wake') },
    backupOnQuit: false,
  });
  const events: { event: string; payload: unknown }[] = [];
  const call: CallContext = { emit: (event, payload) => void events.push({ event, payload }) };
  const invoke = async <C extends Channel>(channel: C, payload?: unknown): Promise<Envelope<C>> => ipc.handlers[channel](payload, call);
  const ok = async <C extends Channel>(channel: C, payload?: unknown) => {
    const response = await invoke(channel, payload);
    if (!response.success) throw new Error(`${channel}: ${response.code} ${response.error}`);
    return response;
  };
  return { h, deps, service, ipc, invoke, ok, woken, events, advance: (ms: number) => void (t += ms) };
}

describe('protection channels', () => {
  it('reads the policy (the defaults until one is stored), changes it, and wakes the scheduler', async () => {
    const w = await world();
    const read = await w.ok('backup:getPolicy');
    expect(read).toMatchObject({ stored: false, backupOnQuit: false, policy: { schedule: { every: { value: 4, unit: 'hours' } } } });
    const set = await w.ok('backup:setPolicy', { schedule: { every: { value: 30, unit: 'minutes' }, dailyAt: '17:00' }, retention: { keepLast: 5 } });
    expect(set.policy.schedule).toMatchObject({ every: { value: 30, unit: 'minutes' }, dailyAt: '17:00' });
    expect(set.policy.retention.keepDaily).toBe(7);
    expect(w.woken).toEqual(['wake']);
    expect(await w.ok('backup:getPolicy')).toMatchObject({ stored: true, policy: { retention: { keepLast: 5 } } });
  });

  it('refuses a policy the domain refuses, naming the setting, and changes nothing', async () => {
    const w = await world();
    const response = await w.invoke('backup:setPolicy', { schedule: { every: { value: 2, unit: 'minutes' } } });
    expect(response).toMatchObject({ success: false, code: 'INVALID_INPUT', message: 'Failed to save the backup policy' });
    expect(response.success === false && response.error).toMatch(/schedule\.every.*5 minutes/);
    expect(await w.ok('backup:getPolicy')).toMatchObject({ stored: false });
    expect(w.woken).toEqual([]);
  });

  it('lists each backup with its pin, its last verification and why retention keeps it', async () => {
    const w = await world();
    const first = await w.service.exportNow({});
    await w.service.drill();
    w.advance(2 * HOUR);
    const second = await w.service.exportNow({});
    await w.ok('backup:pinBackup', { fileName: first.fileName, pinned: true });
    const { backups } = await w.ok('backup:listBackups');
    expect(backups.map((b) => b.fileName)).toEqual([second.fileName, first.fileName]);
    expect(backups[0]).toMatchObject({ pinned: false, verified: null, verifiedAt: null, verificationCode: null, retention: { keep: true } });
    expect(backups[0]!.retention?.reasons).toContain('last 3');
    expect(backups[1]).toMatchObject({ pinned: true, verified: true, verificationCode: null, retention: { keep: true } });
    expect(backups[1]!.verifiedAt).toEqual(expect.any(String));
    expect(backups[1]!.retention?.reasons).toEqual(expect.arrayContaining(['last 3', 'pinned', 'last verified good']));
    expect(await w.ok('backup:pinBackup', { fileName: first.fileName, pinned: false })).toMatchObject({ fileName: first.fileName, pinned: false });
    expect((await w.ok('backup:listBackups')).backups[1]!.pinned).toBe(false);
  });

  it('refuses to pin what is not a listed backup, by name only', async () => {
    const w = await world();
    expect(await w.invoke('backup:pinBackup', { fileName: '../data/database.sqlite', pinned: true })).toMatchObject({ success: false, code: 'INVALID_INPUT' });
    expect(await w.invoke('backup:pinBackup', { fileName: 'casevault-backup-20200101T000000000Z.zip', pinned: true })).toMatchObject({ success: false, code: 'NOT_FOUND' });
  });

  it('prunes: a dry run lists every backup with its reasons and deletes nothing; a run deletes what the policy drops', async () => {
    const w = await world();
    const made: string[] = [];
    for (let i = 0; i < 3; i += 1) {
      made.push((await w.service.exportNow({})).fileName);
      w.advance(HOUR);
    }
    await w.ok('backup:setPolicy', { retention: { keepLast: 1, keepHourly: 0, keepDaily: 0, keepWeekly: 0, keepMonthly: 0, keepYearly: 0 } });
    const plan = await w.ok('backup:prune', { dryRun: true });
    expect(plan.dryRun).toBe(true);
    expect(plan.deleted).toEqual([]);
    expect(plan.verdicts.map((v) => [v.fileName, v.keep, v.reasons])).toEqual([
      [made[2], true, ['last 1']],
      [made[1], false, []],
      [made[0], false, []],
    ]);
    expect((await w.ok('backup:listBackups')).backups).toHaveLength(3);
    const run = await w.ok('backup:prune', { dryRun: false });
    expect([...run.deleted].sort()).toEqual([made[0], made[1]].sort());
    expect((await w.ok('backup:listBackups')).backups.map((b) => b.fileName)).toEqual([made[2]]);
  });

  it('drills now: a flipped byte is a failed check in the list and an alarm in the status', async () => {
    const w = await world();
    const made = await w.service.exportNow({});
    expect(await w.ok('backup:drillNow', { operationId: 'drill-1' })).toMatchObject({ operationId: 'drill-1', outcome: 'ok', results: [{ fileName: made.fileName, result: 'ok' }] });
    const bytes = await w.h.memfs.readFile(made.filePath);
    const middle = Math.floor(bytes.length / 2);
    bytes[middle] = bytes[middle]! ^ 0x01;
    await w.h.memfs.writeFile(made.filePath, bytes);
    const drill = await w.ok('backup:drillNow', { all: true });
    expect(drill).toMatchObject({ outcome: 'failed', results: [{ fileName: made.fileName, result: 'failed', code: 'CHECKSUM_MISMATCH' }] });
    expect((await w.ok('backup:listBackups')).backups[0]).toMatchObject({ verified: false, verificationCode: 'CHECKSUM_MISMATCH' });
    const { status } = await w.ok('backup:getStatus');
    expect(status.alarms.map((a) => a.code)).toContain('DRILL_FAILED');
    expect(status.alarms.find((a) => a.code === 'DRILL_FAILED')?.fileName).toBe(made.fileName);
    const progress = w.events.filter((e) => e.event === 'backup:progress').map((e) => e.payload as EventPayloads['backup:progress']);
    expect(progress.length).toBeGreaterThan(0);
    expect(progress.every((p) => p.operation === 'drill')).toBe(true);
  });

  it('reports the status: last backup, last verified-good, what runs next, the scheduler, no undo before a restore', async () => {
    const w = await world();
    const empty = (await w.ok('backup:getStatus')).status;
    expect(empty).toMatchObject({ lastBackup: null, lastVerifiedGood: null, undo: null, scheduler: 'idle', timeZone: 'Europe/Berlin', nextBackup: { due: true, text: 'Due now' } });
    expect(empty.alarms.map((a) => a.code)).toEqual(['NO_BACKUP']);
    const made = await w.service.exportNow({});
    await w.service.drill();
    const { status } = await w.ok('backup:getStatus');
    expect(status).toMatchObject({ lastBackup: { fileName: made.fileName }, lastVerifiedGood: { fileName: made.fileName }, alarms: [] });
    expect(status.nextBackup.text).toMatch(/^Next at \d\d:\d\d$/);
    expect(JSON.stringify(status)).not.toContain('"policy"');
  });

  it('undoes the last restore, all or nothing, while its safety copy exists; NOT_FOUND when there is none', async () => {
    const w = await world();
    expect(await w.invoke('backup:undoRestore')).toMatchObject({ success: false, code: 'NOT_FOUND', message: 'Failed to undo the restore' });
    const made = await w.service.exportNow({});
    await w.h.db.write(`INSERT INTO cases (user_id, title) VALUES (1, 'Added after the backup')`);
    expect((await w.h.db.counts()).cases).toBe(2);
    expect(await w.invoke('backup:restoreFromZip', { fileName: made.fileName })).toMatchObject({ success: true });
    expect((await w.h.db.counts()).cases).toBe(1);
    const offered = (await w.ok('backup:getStatus')).status.undo;
    expect(offered).toMatchObject({ safetyCopy: expect.stringContaining('.safety-'), restoredAt: expect.any(String) });
    const undone = await w.ok('backup:undoRestore', { operationId: 'undo-1' });
    expect(undone).toMatchObject({ operationId: 'undo-1', message: 'The last restore was undone', safetyCopy: expect.stringContaining('.safety-') });
    expect((await w.h.db.counts()).cases).toBe(2);
  });
});
