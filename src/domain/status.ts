/**
 * The alarm and the status line: pure functions of (policy, backups, state, now, time zone).
 * Alarms, each with a stable code and a plain message:
 * - NO_BACKUP: there is no backup at all;
 * - NO_VERIFIED_BACKUP: the newest verified-good backup is older than the threshold (the
 *   policy's, or 2 days or 3 schedule intervals, whichever is longer), or there is none and
 *   the oldest backup is that old. Data found unchanged since the verified backup by a
 *   scheduled run counts as protected as of that run;
 * - DRILL_FAILED: a stored backup failed its last verification (one alarm per backup);
 * - BACKUP_FAILED: the last scheduled backup failed;
 * - LIVE_DATABASE_CORRUPT: the last check of the app's own database failed;
 * - DRILLS_BEHIND: a backup waited more than two drill periods for re-verification;
 * - DRILL_NEEDS_KEY: encrypted backups were left unverified by a scheduled run or a drill
 *   that had no password or recovery key (one alarm for all of them: they are not
 *   verified, and must not look it);
 * - COPY_FAILED: copies to a destination keep failing (its retry 15 minutes later failed too);
 * - POLICY_INVALID, STATE_CORRUPT: a file beside the backups cannot be read (readStatus),
 *   so nothing runs by itself until it is fixed.
 * `readStatus` gathers the inputs and never rejects for a damaged policy or state: a status
 * that cannot be shown is the worst alarm of all.
 */
import type { BackupConfig, BackupDeps } from './deps.ts';
import { EMPTY_STATE, lastVerifiedGood, readState, recordOf, type BackupState } from './backupState.ts';
import { copyDue, readDestinations, type DestinationEntry } from './destinations.ts';
import { isBackupError } from './errors.ts';
import { listBackups, type BackupListing } from './listBackups.ts';
import { localDateTime, localTimeOfDay, timeZoneOf } from './localTime.ts';
import { DEFAULT_POLICY, intervalMs, readPolicy, scheduleIsOn, type Policy } from './policy.ts';
import { newestFirst } from './retention.ts';
import { backupDue, describeNext, drillDue, type Due } from './schedule.ts';

export type AlarmCode = 'NO_BACKUP' | 'NO_VERIFIED_BACKUP' | 'DRILL_FAILED' | 'DRILL_NEEDS_KEY' | 'BACKUP_FAILED' | 'LIVE_DATABASE_CORRUPT' | 'DRILLS_BEHIND' | 'COPY_FAILED' | 'POLICY_INVALID' | 'STATE_CORRUPT';

export interface Alarm {
  readonly code: AlarmCode;
  readonly message: string;
  /** The backup it is about, if any. */
  readonly fileName: string | null;
  /** Since when it holds, ISO 8601, where known. */
  readonly since: string | null;
}

export interface StatusInput {
  readonly policy: Policy;
  readonly backups: readonly { readonly fileName: string; readonly createdAt: string }[];
  readonly state: BackupState;
  readonly now: Date;
  readonly timeZone: string;
  /** The copy destinations (issue 14); none if absent. */
  readonly destinations?: readonly Pick<DestinationEntry, 'name' | 'enabled'>[];
}

export interface ProtectionStatus {
  readonly lastBackup: { readonly fileName: string; readonly createdAt: string } | null;
  readonly lastVerifiedGood: { readonly fileName: string; readonly createdAt: string; readonly verifiedAt: string } | null;
  readonly nextBackup: Due & { readonly text: string };
  readonly nextDrill: { readonly due: boolean; readonly nextDueAt: string | null; readonly text: string };
  /** Copies to destinations: due now (after a new backup, or a failed copy's retry), or when the next retry is. */
  readonly nextCopy: { readonly due: boolean; readonly nextDueAt: string | null; readonly destinations: readonly string[] };
  readonly alarms: readonly Alarm[];
}

const DAY_MS = 86_400_000;

/** How old the newest verified backup may be before the alarm: the policy's, or max(2 days, 3 schedule intervals). */
export function staleAfterMs(policy: Policy): number {
  if (policy.alarm.noVerifiedBackupAfter) return intervalMs(policy.alarm.noVerifiedBackupAfter);
  const { every, dailyAt } = policy.schedule;
  const interval = Math.max(every ? intervalMs(every) : 0, dailyAt ? DAY_MS : 0);
  return Math.max(2 * DAY_MS, 3 * interval);
}

function when(iso: string, timeZone: string): string {
  const l = localDateTime(Date.parse(iso), timeZone);
  return `${l.year}-${String(l.month).padStart(2, '0')}-${String(l.day).padStart(2, '0')} ${localTimeOfDay(Date.parse(iso), timeZone)}`;
}

const age = (ms: number) => (ms >= 2 * DAY_MS ? `${Math.floor(ms / DAY_MS)} days` : `${Math.max(1, Math.floor(ms / 3_600_000))} hours`);

export function computeAlarms(input: StatusInput): Alarm[] {
  const { policy, state, now, timeZone } = input;
  const backups = newestFirst(input.backups);
  const alarms: Alarm[] = [];
  const alarm = (code: AlarmCode, message: string, fileName: string | null = null, since: string | null = null) => alarms.push({ code, message, fileName, since });
  const threshold = staleAfterMs(policy);

  if (backups.length === 0) {
    alarm('NO_BACKUP', scheduleIsOn(policy) ? 'There is no backup yet.' : 'There is no backup, and automatic backups are off.');
  } else {
    const goodName = lastVerifiedGood(backups, state);
    const good = backups.find((b) => b.fileName === goodName);
    const run = state.lastBackupRun;
    // Unchanged data found by a scheduled run is as protected as the backup it matched.
    const confirmed = good && run?.outcome === 'skipped-unchanged' && run.fileName === good.fileName ? Math.max(Date.parse(run.at), Date.parse(good.createdAt)) : null;
    const asOf = confirmed ?? (good ? Date.parse(good.createdAt) : Date.parse(backups.at(-1)!.createdAt));
    if (now.getTime() - asOf > threshold) {
      const message = good
        ? `No backup has been verified for ${age(now.getTime() - asOf)}: the newest verified backup is from ${when(good.createdAt, timeZone)}.`
        : `None of the backups has been verified; the oldest is from ${when(backups.at(-1)!.createdAt, timeZone)}.`;
      alarm('NO_VERIFIED_BACKUP', message, good?.fileName ?? null, new Date(asOf + threshold).toISOString());
    }
  }
  for (const b of backups) {
    const v = recordOf(state, b.fileName).verification;
    if (v?.result === 'failed') alarm('DRILL_FAILED', `The backup from ${when(b.createdAt, timeZone)} failed its check (${v.code}): ${v.message}`, b.fileName, v.at);
  }
  // Left unverified for want of the key (and not verified since): one alarm, newest first.
  const locked = backups.filter((b) => recordOf(state, b.fileName).needsKey !== null);
  if (locked.length > 0) {
    const since = locked.map((b) => recordOf(state, b.fileName).needsKey!).sort()[0]!;
    const what = locked.length === 1 ? 'An encrypted backup has' : `${locked.length} encrypted backups have`;
    alarm(
      'DRILL_NEEDS_KEY',
      `${what} not been checked: encrypted backups cannot be checked without the password (only their .sha256 was). Give run-due --password-file F (or --recovery-key-file F), or set CASEVAULT_PASSWORD, for scheduled runs and drills; or run casevault drill --password-file F now.`,
      locked[0]!.fileName,
      since,
    );
  }
  const run = state.lastBackupRun;
  if (run?.outcome === 'failed') alarm('BACKUP_FAILED', `The scheduled backup at ${when(run.at, timeZone)} failed (${run.code ?? 'INTERNAL'}): ${run.message ?? 'no detail'}`, null, run.at);
  const live = state.liveDatabase;
  if (live && live.integrity !== 'ok') alarm('LIVE_DATABASE_CORRUPT', `The app's database failed its integrity check on ${when(live.checkedAt, timeZone)}: ${live.integrity}. Run \`casevault check\`, and restore from a verified backup if it is damaged.`, null, live.checkedAt);
  const behind = drillDue({ policy, backups, state, now }).behind;
  for (const d of input.destinations ?? []) {
    const copy = state.copies[d.name];
    if (!d.enabled || !copy?.failingSince || copy.outcome !== 'failed' || Date.parse(copy.at) <= Date.parse(copy.failingSince)) continue;
    alarm('COPY_FAILED', `Copies to ${d.name} have failed since ${when(copy.failingSince, timeZone)} (${copy.code ?? 'INTERNAL'}): ${copy.message ?? 'no detail'}`, null, copy.failingSince);
  }
  if (behind.length > 0) alarm('DRILLS_BEHIND', `${behind.length} backup${behind.length === 1 ? ' has' : 's have'} waited more than two drill periods to be re-checked: give drills a longer time budget, or keep fewer backups.`, behind[0]!, null);
  return alarms;
}

export function protectionStatus(input: StatusInput): ProtectionStatus {
  const { policy, state, now, timeZone } = input;
  const backups = newestFirst(input.backups);
  const newest = backups[0] ?? null;
  const goodName = lastVerifiedGood(backups, state);
  const good = backups.find((b) => b.fileName === goodName) ?? null;
  const verification = good ? recordOf(state, good.fileName).verification : null;
  const nextBackup = backupDue({ policy, lastBackupAt: newest?.createdAt ?? null, lastRun: state.lastBackupRun, now, timeZone });
  const drill = drillDue({ policy, backups, state, now });
  const copy = copyDue({ destinations: input.destinations ?? [], newestBackup: newest?.fileName ?? null, state, now });
  return {
    lastBackup: newest && { fileName: newest.fileName, createdAt: newest.createdAt },
    lastVerifiedGood: good && verification ? { fileName: good.fileName, createdAt: good.createdAt, verifiedAt: verification.at } : null,
    nextBackup: { ...nextBackup, text: describeNext(nextBackup.nextDueAt, now, timeZone) },
    nextDrill: { due: drill.due, nextDueAt: drill.nextDueAt, text: describeNext(drill.nextDueAt, now, timeZone) },
    nextCopy: { due: copy.due.length > 0, nextDueAt: copy.nextDueAt, destinations: copy.due },
    alarms: computeAlarms(input),
  };
}

export interface StatusReport extends ProtectionStatus {
  readonly backups: readonly BackupListing[];
  readonly policy: Policy;
  readonly timeZone: string;
}

/** `casevault status` and the page: the status of the backup dir. A damaged policy or state is an alarm here, not a rejection. */
export async function readStatus(deps: BackupDeps, config: BackupConfig, options: { timeZone?: string } = {}): Promise<StatusReport> {
  const timeZone = options.timeZone ?? timeZoneOf(deps.clock);
  const extra: Alarm[] = [];
  const attempt = async <T>(read: () => Promise<T>, fallback: T, code: 'POLICY_INVALID' | 'STATE_CORRUPT'): Promise<T> => {
    try {
      return await read();
    } catch (error) {
      if (!isBackupError(error) || error.code !== code) throw error;
      extra.push({ code, message: error.message, fileName: null, since: null });
      return fallback;
    }
  };
  const policy = await attempt(async () => (await readPolicy(deps, config)).policy, DEFAULT_POLICY, 'POLICY_INVALID');
  const state = await attempt(() => readState(deps, config), EMPTY_STATE, 'STATE_CORRUPT');
  const backups = await listBackups(deps, config);
  const destinations = await attempt(() => readDestinations(deps, config), [], 'POLICY_INVALID');
  const status = protectionStatus({ policy, backups, state, now: deps.clock.now(), timeZone, destinations });
  const unreadable = extra.length > 0;
  return {
    ...status,
    // With a file unreadable nothing runs by itself: no "next" to promise.
    nextBackup: unreadable ? { due: false, nextDueAt: null, reason: 'off', text: 'Stopped: see the alarm' } : status.nextBackup,
    nextDrill: unreadable ? { due: false, nextDueAt: null, text: 'Stopped: see the alarm' } : status.nextDrill,
    nextCopy: unreadable ? { due: false, nextDueAt: null, destinations: [] } : status.nextCopy,
    alarms: [...extra, ...status.alarms],
    backups,
    policy,
    timeZone,
  };
}
