/**
 * The backup policy: one per backup dir, stored in it as `casevault-policy.json`. It says
 * when backups run (an interval and/or a daily local time, on app quit, skipping unchanged
 * data), what they include (as a manual export), what retention keeps (restic's keep-last,
 * -hourly, -daily, -weekly, -monthly, -yearly), how often and how long drills re-verify
 * stored backups, and when the alarm for a stale verified backup sounds.
 *
 * Reading: no file is the defaults (every 4 h, 3/24/7/4/12/0, weekly drills); a file that
 * is not valid is POLICY_INVALID naming the file, the setting and the problem, never a
 * silent "off". Unknown keys are refused rather than dropped, and `version` is checked, so
 * a later format (destinations, encryption) is refused by this one instead of rewritten
 * without its keys. Writing validates first (INVALID_INPUT) and replaces the file
 * crash-safely (atomicFile.ts).
 */
import type { BackupConfig, BackupDeps } from './deps.ts';
import { BackupError } from './errors.ts';
import { writeFileAtomic } from './atomicFile.ts';
import { ShapeError, boolean, integer, matching, nullable, object, oneOf, parseJsonText, withDefault, type Shape } from './jsonShape.ts';
import { DEFAULT_EXPORT_OPTIONS, type ExportOptions } from './options.ts';

export const POLICY_FILE = 'casevault-policy.json';
export const POLICY_VERSION = 1;

export type IntervalUnit = 'minutes' | 'hours' | 'days';
export interface Interval {
  readonly value: number;
  readonly unit: IntervalUnit;
}

export interface SchedulePolicy {
  /** A backup this long after the last one (or the last scheduled run); null: no interval. */
  readonly every: Interval | null;
  /** Also (or instead) once a day at this local time, "HH:MM"; null: none. Both null: off. */
  readonly dailyAt: string | null;
  /** The desktop app backs up when it quits. */
  readonly onAppQuit: boolean;
  /** No new backup when neither the database, the documents nor the settings changed since the last complete one. */
  readonly skipUnchanged: boolean;
}

export interface RetentionPolicy {
  readonly keepLast: number;
  readonly keepHourly: number;
  readonly keepDaily: number;
  readonly keepWeekly: number;
  readonly keepMonthly: number;
  readonly keepYearly: number;
  /** A scheduled run prunes after each backup it makes. */
  readonly pruneAfterBackup: boolean;
}

export interface DrillPolicy {
  /** Every stored backup is re-verified at least this often; null: no drills. */
  readonly every: Interval | null;
  /** How long one drill may run; it stops starting verifications after this. */
  readonly budgetMinutes: number;
}

export interface AlarmPolicy {
  /** Alarm when the newest verified-good backup is older than this; null: 2 days or 3 schedule intervals, whichever is longer. */
  readonly noVerifiedBackupAfter: Interval | null;
}

export interface Policy {
  readonly version: typeof POLICY_VERSION;
  readonly schedule: SchedulePolicy;
  readonly export: ExportOptions;
  readonly retention: RetentionPolicy;
  readonly drill: DrillPolicy;
  readonly alarm: AlarmPolicy;
}

export const DEFAULT_POLICY: Policy = {
  version: POLICY_VERSION,
  schedule: { every: { value: 4, unit: 'hours' }, dailyAt: null, onAppQuit: false, skipUnchanged: true },
  export: DEFAULT_EXPORT_OPTIONS,
  retention: { keepLast: 3, keepHourly: 24, keepDaily: 7, keepWeekly: 4, keepMonthly: 12, keepYearly: 0, pruneAfterBackup: true },
  drill: { every: { value: 7, unit: 'days' }, budgetMinutes: 10 },
  alarm: { noVerifiedBackupAfter: null },
};

const UNIT_MS: Record<IntervalUnit, number> = { minutes: 60_000, hours: 3_600_000, days: 86_400_000 };
export const intervalMs = (interval: Interval): number => interval.value * UNIT_MS[interval.unit];

function interval(minMs: number, what: string): Shape<Interval> {
  const shape = object<Interval>({ value: { shape: integer(1, 527_040) }, unit: { shape: oneOf(['minutes', 'hours', 'days']) } });
  return (value, path) => {
    const parsed = shape(value, path);
    const ms = intervalMs(parsed);
    if (ms < minMs || ms > 366 * UNIT_MS.days) throw new ShapeError(path, `must be from ${what} to 366 days, not ${parsed.value} ${parsed.unit}`);
    return parsed;
  };
}

const count = integer(0, 100_000);
const exportShape = object<ExportOptions>({
  includeDatabase: withDefault(boolean, () => true),
  includeFiles: withDefault(boolean, () => true),
  includeMetadata: withDefault(boolean, () => true),
  compressionLevel: withDefault(integer(0, 9), () => DEFAULT_EXPORT_OPTIONS.compressionLevel),
});
const d = DEFAULT_POLICY;

const shapeOfPolicy: Shape<Policy> = object<Policy>({
  version: withDefault((value, path) => {
    if (value === POLICY_VERSION) return POLICY_VERSION;
    if (typeof value === 'number' && Number.isInteger(value) && value > POLICY_VERSION) {
      throw new ShapeError(path, `is ${value}: the file was written by a newer casevault (this one reads version ${POLICY_VERSION})`);
    }
    throw new ShapeError(path, `must be ${POLICY_VERSION}`);
  }, () => POLICY_VERSION),
  schedule: withDefault(
    object<SchedulePolicy>({
      every: withDefault(nullable(interval(5 * UNIT_MS.minutes, '5 minutes')), () => d.schedule.every),
      dailyAt: withDefault(nullable(matching(/^([01]\d|2[0-3]):[0-5]\d$/, 'a local time like "17:00"')), () => d.schedule.dailyAt),
      onAppQuit: withDefault(boolean, () => d.schedule.onAppQuit),
      skipUnchanged: withDefault(boolean, () => d.schedule.skipUnchanged),
    }),
    () => d.schedule,
  ),
  export: withDefault((value, path) => {
    const parsed = exportShape(value, path);
    if (!parsed.includeDatabase && !parsed.includeFiles && !parsed.includeMetadata) throw new ShapeError(path, 'must include at least one of database, files and metadata');
    return parsed;
  }, () => d.export),
  retention: withDefault((value, path) => {
    const r = d.retention;
    const parsed = object<RetentionPolicy>({
      keepLast: withDefault(count, () => r.keepLast),
      keepHourly: withDefault(count, () => r.keepHourly),
      keepDaily: withDefault(count, () => r.keepDaily),
      keepWeekly: withDefault(count, () => r.keepWeekly),
      keepMonthly: withDefault(count, () => r.keepMonthly),
      keepYearly: withDefault(count, () => r.keepYearly),
      pruneAfterBackup: withDefault(boolean, () => r.pruneAfterBackup),
    })(value, path);
    const { keepLast, keepHourly, keepDaily, keepWeekly, keepMonthly, keepYearly } = parsed;
    if (keepLast + keepHourly + keepDaily + keepWeekly + keepMonthly + keepYearly === 0) {
      throw new ShapeError(path, 'keeps nothing: set at least one of keepLast, keepHourly, keepDaily, keepWeekly, keepMonthly and keepYearly above 0');
    }
    return parsed;
  }, () => d.retention),
  drill: withDefault(
    object<DrillPolicy>({
      every: withDefault(nullable(interval(UNIT_MS.hours, '1 hour')), () => d.drill.every),
      budgetMinutes: withDefault(integer(1, 24 * 60), () => d.drill.budgetMinutes),
    }),
    () => d.drill,
  ),
  alarm: withDefault(object<AlarmPolicy>({ noVerifiedBackupAfter: withDefault(nullable(interval(UNIT_MS.hours, '1 hour')), () => null) }), () => d.alarm),
});

/**
 * Validates a policy; missing keys take their defaults. Throws INVALID_INPUT (a policy from
 * a person or a caller) or POLICY_INVALID (`source: 'file'`, the stored file), naming the setting.
 */
export function parsePolicy(input: unknown, source: 'input' | 'file' = 'input'): Policy {
  try {
    return shapeOfPolicy(input, '');
  } catch (error) {
    if (!(error instanceof ShapeError)) throw error;
    if (source === 'file') throw policyFileError(error);
    throw new BackupError('INVALID_INPUT', `policy: ${error.message}`);
  }
}

function policyFileError(error: ShapeError): BackupError {
  const where = error.path ? `the setting ${error.path} ${error.problem}` : error.problem;
  return new BackupError('POLICY_INVALID', `policy: ${POLICY_FILE} in the backup dir is damaged or was edited by hand: ${where}; fix it or set the policy again (nothing runs on a policy that cannot be read)`, { cause: error });
}

export interface StoredPolicy {
  readonly policy: Policy;
  /** False when there is no policy file and the defaults apply. */
  readonly stored: boolean;
}

/** The backup dir's policy, or the defaults if it has none. Rejects with POLICY_INVALID if the file is damaged. */
export async function readPolicy(deps: BackupDeps, config: BackupConfig): Promise<StoredPolicy> {
  const path = deps.fs.join(config.backupDir, POLICY_FILE);
  if (!(await deps.fs.exists(path))) return { policy: DEFAULT_POLICY, stored: false };
  const text = new TextDecoder('utf-8', { fatal: false }).decode(await deps.fs.readFile(path));
  let json: unknown;
  try {
    json = parseJsonText(text);
  } catch (error) {
    throw policyFileError(error as ShapeError);
  }
  return { policy: parsePolicy(json, 'file'), stored: true };
}

/** Validates `input` (INVALID_INPUT) and stores it as the backup dir's policy. */
export async function writePolicy(deps: BackupDeps, config: BackupConfig, input: unknown): Promise<Policy> {
  const policy = parsePolicy(input);
  await writeFileAtomic(deps.fs, config.backupDir, POLICY_FILE, new TextEncoder().encode(`${JSON.stringify(policy, null, 2)}\n`));
  return policy;
}

/**
 * `policy set`: merges a partial policy into the stored one (objects key by key; a value,
 * null or a list replaces) and stores the result. Rejects with INVALID_INPUT if the result
 * is not valid, POLICY_INVALID if the stored file is damaged (write a whole policy instead).
 */
export async function updatePolicy(deps: BackupDeps, config: BackupConfig, patch: unknown): Promise<Policy> {
  const { policy } = await readPolicy(deps, config);
  return writePolicy(deps, config, mergePolicy(policy, patch));
}

export function mergePolicy(base: unknown, patch: unknown): unknown {
  const plain = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
  if (!plain(base) || !plain(patch)) return patch === undefined ? base : patch;
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(patch)) {
    Object.defineProperty(out, key, { value: mergePolicy(base[key], value), enumerable: true, writable: true, configurable: true });
  }
  return out;
}

/** The schedule's interval in ms, or null without one. */
export function scheduleIntervalMs(policy: Policy): number | null {
  return policy.schedule.every ? intervalMs(policy.schedule.every) : null;
}

/** Whether the schedule runs at all (an interval or a daily time). */
export function scheduleIsOn(policy: Policy): boolean {
  return policy.schedule.every !== null || policy.schedule.dailyAt !== null;
}
