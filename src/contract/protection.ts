/**
 * The IPC contract's part for protection that runs by itself (issue 11): the policy as the
 * page edits it, the status (last backup, last verified-good, what runs next, the alarms),
 * what retention keeps and why, drills, undo of a restore, and the scheduler's events.
 * Types only, plus the zod schema of a policy change: the handler table validates every
 * payload with it, the domain then validates the policy as a whole (INVALID_INPUT naming
 * the setting). No path is ever sent by the page; the main process may name one to it.
 */
import { z } from 'zod';
import type { Alarm, AlarmCode } from '../domain/status.ts';
import type { ErrorCode } from '../domain/errors.ts';
import type { Interval, IntervalUnit, Policy } from '../domain/policy.ts';

export type { Alarm, AlarmCode, Interval, IntervalUnit, Policy };

const interval = z.strictObject({ value: z.number().int().min(1).max(527_040), unit: z.enum(['minutes', 'hours', 'days']) });
const count = z.number().int().min(0).max(100_000);

/**
 * A change to the backup dir's policy: any part of it, merged key by key into the stored
 * one (a value or null replaces). Shapes and bounds here; the domain checks the whole
 * (at least 5 minutes between backups, something kept, something included).
 */
export const policyPatchSchema = z.strictObject({
  schedule: z
    .strictObject({
      every: interval.nullable().optional(),
      dailyAt: z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be a local time like "17:00"').nullable().optional(),
      onAppQuit: z.boolean().optional(),
      skipUnchanged: z.boolean().optional(),
    })
    .optional(),
  export: z
    .strictObject({
      includeDatabase: z.boolean().optional(),
      includeFiles: z.boolean().optional(),
      includeMetadata: z.boolean().optional(),
      compressionLevel: z.number().int().min(0).max(9).optional(),
    })
    .optional(),
  retention: z
    .strictObject({
      keepLast: count.optional(),
      keepHourly: count.optional(),
      keepDaily: count.optional(),
      keepWeekly: count.optional(),
      keepMonthly: count.optional(),
      keepYearly: count.optional(),
      pruneAfterBackup: z.boolean().optional(),
    })
    .optional(),
  drill: z.strictObject({ every: interval.nullable().optional(), budgetMinutes: z.number().int().min(1).max(1440).optional() }).optional(),
  alarm: z.strictObject({ noVerifiedBackupAfter: interval.nullable().optional() }).optional(),
});

export type PolicyPatch = z.input<typeof policyPatchSchema>;

/** What the scheduler of this host is doing. */
export type SchedulerState =
  /** Waiting for the next due run. */
  | 'idle'
  /** A scheduled backup or drill is running. */
  | 'running'
  /** A manual operation was running when a run was due: it runs when that has finished. */
  | 'waiting'
  /** Stopped for a restore (or while the app quits). */
  | 'stopped';

export interface StatusView {
  readonly lastBackup: { readonly fileName: string; readonly createdAt: string } | null;
  readonly lastVerifiedGood: { readonly fileName: string; readonly createdAt: string; readonly verifiedAt: string } | null;
  /** `text`: "Next at 17:00", "Next on 2026-11-28 at 17:00", "Due now", "Off", or why nothing runs. */
  readonly nextBackup: { readonly due: boolean; readonly nextDueAt: string | null; readonly text: string };
  readonly nextDrill: { readonly due: boolean; readonly nextDueAt: string | null; readonly text: string };
  /** Until resolved: the page's banner, the desktop notification. */
  readonly alarms: readonly Alarm[];
  readonly timeZone: string;
  /** What "Undo the last restore" would put back, while its safety copy exists; null otherwise. */
  readonly undo: { readonly restoredAt: string | null; readonly safetyCopy: string } | null;
  readonly scheduler: SchedulerState;
}

/** What the backup list says of each backup beyond the seed's fields. */
export interface BackupAnnotations {
  /** Pinned backups are never pruned; null when the state file cannot be read. */
  readonly pinned: boolean | null;
  /** When it was last verified (by a drill, a scheduled run or Verify), or null. */
  readonly verifiedAt: string | null;
  /** That verification's result: true, false (failed: see verificationCode), null (never, or unknown). */
  readonly verified: boolean | null;
  readonly verificationCode: ErrorCode | null;
  /** What retention decides for it now, with restic's reasons ("last 3", "daily 2026-11-27", "pinned"); null if the policy or state cannot be read. */
  readonly retention: { readonly keep: boolean; readonly reasons: readonly string[] } | null;
}

export interface RetentionVerdictView {
  readonly fileName: string;
  readonly createdAt: string;
  readonly keep: boolean;
  readonly reasons: readonly string[];
}

export interface DrillResultView {
  readonly fileName: string;
  /** 'needs-key': an encrypted backup left unverified (not failed) for want of its password; its sidecar matched. */
  readonly result: 'ok' | 'failed' | 'needs-key';
  readonly code: ErrorCode | null;
  readonly message: string | null;
}

/** Pushed as `backup:scheduler` to every page of the app. */
export type SchedulerEvent =
  | { readonly type: 'state'; readonly state: SchedulerState }
  | {
      readonly type: 'run-finished';
      readonly trigger: 'schedule' | 'quit';
      readonly at: string;
      readonly backup: 'ok' | 'skipped-unchanged' | 'failed' | 'not-due' | 'busy';
      readonly fileName: string | null;
      readonly failure: { readonly code: ErrorCode; readonly message: string } | null;
      readonly pruned: readonly string[];
      readonly drill: { readonly outcome: 'ok' | 'failed' | 'cancelled'; readonly verified: number; readonly failed: number } | null;
    }
  | { readonly type: 'alarms'; readonly alarms: readonly Alarm[]; readonly raised: readonly Alarm[] };
