/**
 * "Is a backup due?" and "is a drill due?": pure functions of the policy, the last backup,
 * the last runs, the current time and the time zone. The driving side (the desktop app's
 * timer, the browser shell, `casevault run-due`) asks on every tick and runs what is due.
 *
 * Backups: the schedule's rhythm is anchored on the last backup or scheduled run, never on
 * a fixed grid, so however many intervals or daily times were missed (a machine asleep for
 * three days, an app closed over the weekend) there is one catch-up run, and the next is an
 * interval (or the next daily time) after it: never a burst.
 * - every N: due N after the anchor;
 * - daily at HH:MM: due at the first local HH:MM after the anchor (a repeated time is its
 *   first occurrence; a time in the spring-forward gap is the moment the clock jumps over
 *   it: see localTime.ts). A catch-up shortly before the daily time does not replace it;
 * - both: whichever comes first; a failed run is retried 15 minutes later (or sooner with a
 *   shorter interval), once per retry;
 * - no backup and no run yet: due now. A time in the future (the clock was set back) is not
 *   an anchor: it would hold the schedule back until that time.
 * Drills: each backup is due for (re-)verification a drill period after its last
 * verification, or at once if it was never verified; drills start at least an hour apart.
 */
import type { BackupRun, BackupState } from './backupState.ts';
import { recordOf } from './backupState.ts';
import { addDays, localDateTime, localTimeOfDay, zonedInstant } from './localTime.ts';
import { intervalMs, type Policy } from './policy.ts';

export const RETRY_AFTER_FAILURE_MS = 15 * 60_000;
export const DRILL_SPACING_MS = 60 * 60_000;

export type DueReason = 'first' | 'interval' | 'daily' | 'retry' | 'quit' | 'off';

export interface Due {
  readonly due: boolean;
  /** When it is (or became) due, ISO 8601; null when nothing is scheduled. */
  readonly nextDueAt: string | null;
  /** What makes it due at nextDueAt: the first backup, the interval, the daily time, a retry, app quit; 'off' if nothing. */
  readonly reason: DueReason;
}

export interface BackupDueInput {
  readonly policy: Policy;
  /** createdAt of the newest complete backup (manual ones too), or null. */
  readonly lastBackupAt: string | null;
  /** The last scheduled run (state.lastBackupRun), or null. */
  readonly lastRun: Pick<BackupRun, 'at' | 'outcome'> | null;
  readonly now: Date;
  readonly timeZone: string;
  /** 'quit': the desktop app is quitting. */
  readonly trigger?: 'schedule' | 'quit';
}

/** The first local `hh:mm` strictly after `after` (ms), in the zone. */
export function nextOccurrence(dailyAt: string, after: number, timeZone: string): number {
  const [hour, minute] = dailyAt.split(':').map(Number) as [number, number];
  const today = localDateTime(after, timeZone);
  for (let days = 0; days <= 2; days += 1) {
    const t = zonedInstant({ ...addDays(today, days), hour, minute }, timeZone);
    if (t > after) return t;
  }
  throw new Error(`nextOccurrence: no ${dailyAt} within two days of ${new Date(after).toISOString()} in ${timeZone}`);
}

export function backupDue(input: BackupDueInput): Due {
  const { policy, now, timeZone } = input;
  const { every, dailyAt, onAppQuit } = policy.schedule;
  const nowMs = now.getTime();
  if (input.trigger === 'quit') return { due: onAppQuit, nextDueAt: onAppQuit ? now.toISOString() : null, reason: onAppQuit ? 'quit' : 'off' };
  if (every === null && dailyAt === null) return { due: false, nextDueAt: null, reason: 'off' };

  const past = (iso: string | null | undefined) => {
    const t = iso ? Date.parse(iso) : Number.NaN;
    return Number.isFinite(t) && t <= nowMs ? t : null;
  };
  const runAt = past(input.lastRun?.at);
  const backupAt = past(input.lastBackupAt);
  const anchor = runAt === null ? backupAt : backupAt === null ? runAt : Math.max(runAt, backupAt);
  if (anchor === null) return { due: true, nextDueAt: now.toISOString(), reason: 'first' };

  const candidates: [number, DueReason][] = [];
  if (every) candidates.push([anchor + intervalMs(every), 'interval']);
  if (dailyAt) candidates.push([nextOccurrence(dailyAt, anchor, timeZone), 'daily']);
  if (input.lastRun?.outcome === 'failed' && runAt === anchor) {
    candidates.push([runAt + Math.min(RETRY_AFTER_FAILURE_MS, every ? intervalMs(every) : RETRY_AFTER_FAILURE_MS), 'retry']);
  }
  const [at, reason] = candidates.reduce((a, b) => (b[0] < a[0] ? b : a));
  return { due: at <= nowMs, nextDueAt: new Date(at).toISOString(), reason };
}

export interface DrillDueInput {
  readonly policy: Policy;
  readonly backups: readonly { readonly fileName: string; readonly createdAt: string }[];
  readonly state: BackupState;
  readonly now: Date;
}

export interface DrillDue extends Omit<Due, 'reason'> {
  /** Backups due for (re-)verification now, the longest-waiting first. */
  readonly waiting: readonly string[];
  /** Backups not verified for more than two drill periods: drills are not keeping up. */
  readonly behind: readonly string[];
}

/** When a backup is due for (re-)verification: a drill period after its last verification; at once if never verified. */
export function verificationDueAt(policy: Policy, backup: { fileName: string; createdAt: string }, state: BackupState): number {
  const last = recordOf(state, backup.fileName).verification;
  return last && policy.drill.every ? Date.parse(last.at) + intervalMs(policy.drill.every) : Date.parse(backup.createdAt);
}

export function drillDue(input: DrillDueInput): DrillDue {
  const { policy, state, now } = input;
  const nowMs = now.getTime();
  if (policy.drill.every === null || input.backups.length === 0) return { due: false, nextDueAt: null, waiting: [], behind: [] };
  const period = intervalMs(policy.drill.every);
  const dueAt = input.backups.map((b) => ({ name: b.fileName, at: verificationDueAt(policy, b, state) })).sort((a, b) => a.at - b.at);
  const started = state.lastDrill ? Date.parse(state.lastDrill.startedAt) : Number.NaN;
  const spacedUntil = Number.isFinite(started) && started <= nowMs ? started + DRILL_SPACING_MS : -Infinity;
  const at = Math.max(dueAt[0]!.at, spacedUntil);
  return {
    due: at <= nowMs,
    nextDueAt: new Date(at).toISOString(),
    waiting: dueAt.filter((d) => d.at <= nowMs).map((d) => d.name),
    behind: dueAt.filter((d) => d.at + period < nowMs).map((d) => d.name),
  };
}

/** "Due now", "Next at 17:00" (today, local), "Next on 2026-11-28 at 17:00", or "Off". */
export function describeNext(nextDueAt: string | null, now: Date, timeZone: string): string {
  if (nextDueAt === null) return 'Off';
  const at = Date.parse(nextDueAt);
  if (at <= now.getTime()) return 'Due now';
  const day = (t: number) => {
    const l = localDateTime(t, timeZone);
    return `${l.year}-${String(l.month).padStart(2, '0')}-${String(l.day).padStart(2, '0')}`;
  };
  return day(at) === day(now.getTime()) ? `Next at ${localTimeOfDay(at, timeZone)}` : `Next on ${day(at)} at ${localTimeOfDay(at, timeZone)}`;
}
