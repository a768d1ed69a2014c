import { describe, expect, it } from 'vitest';
import { EMPTY_STATE, STATE_FILE, recordBackupRun, recordLiveCheck, recordVerification, type BackupState } from '../../src/domain/backupState.ts';
import { DEFAULT_POLICY, POLICY_FILE, type Policy } from '../../src/domain/policy.ts';
import { computeAlarms, protectionStatus, readStatus, staleAfterMs } from '../../src/domain/status.ts';
import { BACKUP_DIR, createBackupDirWorld } from '../support/backupDirWorld.ts';

const TZ = 'Europe/Berlin';
const NOW = new Date('2026-11-27T12:00:00.000Z');
const iso = (s: string) => new Date(s).toISOString();
const backup = (fileName: string, createdAt: string) => ({ fileName, createdAt: iso(createdAt) });
const BACKUPS = [backup('c.zip', '2026-11-27T08:00Z'), backup('b.zip', '2026-11-26T08:00Z'), backup('a.zip', '2026-11-24T09:00Z')];
const verified = (state: BackupState, name: string, at = '2026-11-27T09:00Z') => recordVerification(state, name, { at: iso(at), result: 'ok' });
const codes = (state: BackupState, backups = BACKUPS, policy: Policy = DEFAULT_POLICY) => computeAlarms({ policy, backups, state, now: NOW, timeZone: TZ }).map((a) => a.code);
const every = (value: number, unit: 'hours' | 'days'): Policy => ({ ...DEFAULT_POLICY, schedule: { ...DEFAULT_POLICY.schedule, every: { value, unit } } });

describe('computeAlarms', () => {
  it('says there is no backup, and whether automatic backups are off', () => {
    expect(computeAlarms({ policy: DEFAULT_POLICY, backups: [], state: EMPTY_STATE, now: NOW, timeZone: TZ })).toEqual([{ code: 'NO_BACKUP', message: 'There is no backup yet.', fileName: null, since: null }]);
    const off: Policy = { ...DEFAULT_POLICY, schedule: { ...DEFAULT_POLICY.schedule, every: null } };
    expect(computeAlarms({ policy: off, backups: [], state: EMPTY_STATE, now: NOW, timeZone: TZ })[0]!.message).toMatch(/automatic backups are off/);
  });

  it('sounds when the newest verified backup is older than 2 days or 3 schedule intervals, whichever is longer', () => {
    expect(staleAfterMs(DEFAULT_POLICY)).toBe(2 * 86_400_000); // 3 × 4 h is shorter
    expect(staleAfterMs(every(1, 'days'))).toBe(3 * 86_400_000);
    const old = verified(EMPTY_STATE, 'a.zip');
    const [alarm] = computeAlarms({ policy: DEFAULT_POLICY, backups: BACKUPS, state: old, now: NOW, timeZone: TZ });
    expect(alarm).toEqual({ code: 'NO_VERIFIED_BACKUP', message: 'No backup has been verified for 3 days: the newest verified backup is from 2026-11-24 10:00.', fileName: 'a.zip', since: iso('2026-11-26T09:00Z') });
    expect(codes(old, BACKUPS, every(1, 'days'))).toEqual(['NO_VERIFIED_BACKUP']); // 3 days and 3 hours: past 3 days
    expect(codes(old, BACKUPS, every(2, 'days'))).toEqual([]); // 6 days
    expect(codes(verified(EMPTY_STATE, 'b.zip'))).toEqual([]);
    expect(codes(old, BACKUPS, { ...DEFAULT_POLICY, alarm: { noVerifiedBackupAfter: { value: 4, unit: 'days' } } })).toEqual([]);
  });

  it('counts data a scheduled run found unchanged as protected by the verified backup it matched', () => {
    const state = recordBackupRun(verified(EMPTY_STATE, 'a.zip'), { at: iso('2026-11-27T11:00Z'), trigger: 'schedule', outcome: 'skipped-unchanged', fileName: 'a.zip', code: null, message: null });
    expect(codes(state, [BACKUPS[2]!])).toEqual([]);
  });

  it('sounds when no backup was ever verified and the oldest is past the threshold', () => {
    expect(computeAlarms({ policy: DEFAULT_POLICY, backups: BACKUPS, state: EMPTY_STATE, now: NOW, timeZone: TZ })[0]!.message).toBe('None of the backups has been verified; the oldest is from 2026-11-24 10:00.');
    expect(codes(EMPTY_STATE, [BACKUPS[0]!])).toEqual([]); // a new backup waits for its first drill
  });

  it('names a failed drill, a failed scheduled backup and a damaged live database, each with its code', () => {
    let state = verified(EMPTY_STATE, 'c.zip');
    state = recordVerification(state, 'b.zip', { at: iso('2026-11-27T10:00Z'), result: 'failed', code: 'CHECKSUM_MISMATCH', message: 'verify: the file does not match its sidecar' });
    state = recordBackupRun(state, { at: iso('2026-11-27T11:00Z'), trigger: 'schedule', outcome: 'failed', fileName: null, code: 'NO_SPACE', message: 'export: 2 GB needed, 1 GB free' });
    state = recordLiveCheck(state, iso('2026-11-27T11:30Z'), 'database disk image is malformed');
    const alarms = computeAlarms({ policy: DEFAULT_POLICY, backups: BACKUPS, state, now: NOW, timeZone: TZ });
    expect(alarms.map((a) => [a.code, a.fileName])).toEqual([['DRILL_FAILED', 'b.zip'], ['BACKUP_FAILED', null], ['LIVE_DATABASE_CORRUPT', null]]);
    expect(alarms[0]!.message).toBe('The backup from 2026-11-26 09:00 failed its check (CHECKSUM_MISMATCH): verify: the file does not match its sidecar');
    expect(alarms[1]!.message).toBe('The scheduled backup at 2026-11-27 12:00 failed (NO_SPACE): export: 2 GB needed, 1 GB free');
    expect(codes(recordLiveCheck(state, iso('2026-11-27T11:45Z'), 'ok'))).not.toContain('LIVE_DATABASE_CORRUPT');
  });

  it('says when drills do not keep up', () => {
    const state = verified(verified(verified(EMPTY_STATE, 'c.zip', '2026-11-27T08:30Z'), 'b.zip', '2026-11-10T00:00Z'), 'a.zip', '2026-11-12T00:00Z');
    expect(codes(state)).toEqual(['DRILLS_BEHIND']);
  });
});

describe('protectionStatus', () => {
  it('gives the last backup, the last verified-good one, the next run in local time, and the alarms', () => {
    const state = verified(EMPTY_STATE, 'b.zip');
    const s = protectionStatus({ policy: DEFAULT_POLICY, backups: BACKUPS, state, now: NOW, timeZone: TZ });
    expect(s.lastBackup).toEqual(BACKUPS[0]);
    expect(s.lastVerifiedGood).toEqual({ ...BACKUPS[1], verifiedAt: iso('2026-11-27T09:00Z') });
    expect(s.nextBackup).toMatchObject({ due: true, nextDueAt: iso('2026-11-27T12:00Z') }); // 4 h after c.zip
    expect(s.nextBackup.text).toBe('Due now');
    expect(s.nextDrill).toMatchObject({ due: true, text: 'Due now' }); // c.zip and a.zip were never verified
    expect(s.alarms).toEqual([]);
  });
});

describe('readStatus', () => {
  it('reports a damaged policy or state as an alarm, and promises no next run', async () => {
    for (const [file, code] of [[POLICY_FILE, 'POLICY_INVALID'], [STATE_FILE, 'STATE_CORRUPT']] as const) {
      const w = await createBackupDirWorld({ timeZone: TZ, now: NOW.toISOString() });
      await w.addBackup('2026-11-27T08:00:00Z');
      await w.memfs.writeFile(`${BACKUP_DIR}/${file}`, new TextEncoder().encode('{'));
      const status = await readStatus(w.deps, w.config);
      expect(status.alarms[0]).toMatchObject({ code });
      expect(status.nextBackup).toMatchObject({ due: false, nextDueAt: null, text: 'Stopped: see the alarm' });
      expect(status.timeZone).toBe(TZ);
    }
  });
});
