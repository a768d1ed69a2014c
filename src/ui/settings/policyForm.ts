/**
 * The "Automatic backups" form, without JSX: the policy as the fields a person edits (the
 * text of each input), and back to a policy change with every mistake said in words next to
 * its field. The main process checks the whole policy again (its refusal is shown too); the
 * bounds here are the policy's (src/domain/policy.ts), said the way a person sets them.
 */
import type { Interval, IntervalUnit, Policy, PolicyPatch } from '../../contract/channels.ts';

export interface PolicyForm {
  /** Back up automatically at all. Off: neither an interval nor a daily time. */
  readonly enabled: boolean;
  readonly everyEnabled: boolean;
  readonly everyValue: string;
  readonly everyUnit: IntervalUnit;
  readonly dailyEnabled: boolean;
  /** "HH:MM" (an <input type="time">). */
  readonly dailyAt: string;
  readonly onAppQuit: boolean;
  readonly skipUnchanged: boolean;
  readonly keepLast: string;
  readonly keepHourly: string;
  readonly keepDaily: string;
  readonly keepWeekly: string;
  readonly keepMonthly: string;
  readonly keepYearly: string;
  readonly pruneAfterBackup: boolean;
  readonly drillEnabled: boolean;
  readonly drillValue: string;
  readonly drillUnit: 'hours' | 'days';
  readonly drillBudget: string;
}

/** A field's name, or a group's ('schedule', 'retention') for a mistake no single field makes. */
export type PolicyField = keyof PolicyForm | 'schedule' | 'retention';
export type PolicyErrors = Partial<Record<PolicyField, string>>;

export const KEEP_FIELDS = [
  ['keepLast', 'Last', 'the newest backups'],
  ['keepHourly', 'Hourly', 'the newest of each hour'],
  ['keepDaily', 'Daily', 'the newest of each day'],
  ['keepWeekly', 'Weekly', 'the newest of each week'],
  ['keepMonthly', 'Monthly', 'the newest of each month'],
  ['keepYearly', 'Yearly', 'the newest of each year'],
] as const;

const FALLBACK_EVERY: Interval = { value: 4, unit: 'hours' };
const FALLBACK_DRILL: Interval = { value: 7, unit: 'days' };
const MINUTES: Record<IntervalUnit, number> = { minutes: 1, hours: 60, days: 1440 };

export function formFromPolicy(policy: Policy): PolicyForm {
  const { schedule, retention, drill } = policy;
  const every = schedule.every ?? FALLBACK_EVERY;
  // A drill period in minutes is not offered: shown in hours (rounded up), as the policy requires at least one.
  const drillEvery = drill.every ?? FALLBACK_DRILL;
  const drillInHours = drillEvery.unit === 'minutes' ? { value: Math.ceil(drillEvery.value / 60), unit: 'hours' as const } : { value: drillEvery.value, unit: drillEvery.unit };
  return {
    enabled: schedule.every !== null || schedule.dailyAt !== null,
    everyEnabled: schedule.every !== null || schedule.dailyAt === null,
    everyValue: String(every.value),
    everyUnit: every.unit,
    dailyEnabled: schedule.dailyAt !== null,
    dailyAt: schedule.dailyAt ?? '17:00',
    onAppQuit: schedule.onAppQuit,
    skipUnchanged: schedule.skipUnchanged,
    keepLast: String(retention.keepLast),
    keepHourly: String(retention.keepHourly),
    keepDaily: String(retention.keepDaily),
    keepWeekly: String(retention.keepWeekly),
    keepMonthly: String(retention.keepMonthly),
    keepYearly: String(retention.keepYearly),
    pruneAfterBackup: retention.pruneAfterBackup,
    drillEnabled: drill.every !== null,
    drillValue: String(drillInHours.value),
    drillUnit: drillInHours.unit,
    drillBudget: String(drill.budgetMinutes),
  };
}

const wholeNumber = (text: string): number | null => (/^\s*\d{1,7}\s*$/.test(text) ? Number(text) : null);

export type PolicyFormResult = { readonly ok: true; readonly patch: PolicyPatch } | { readonly ok: false; readonly errors: PolicyErrors };

export function validatePolicyForm(form: PolicyForm): PolicyFormResult {
  const errors: PolicyErrors = {};
  let every: Interval | null = null;
  let dailyAt: string | null = null;
  if (form.enabled) {
    if (!form.everyEnabled && !form.dailyEnabled) errors.schedule = 'Choose when: every so many hours, a time each day, or both; or turn automatic backups off.';
    if (form.everyEnabled) {
      const value = wholeNumber(form.everyValue);
      const minutes = value === null ? null : value * MINUTES[form.everyUnit];
      if (value === null || value < 1) errors.everyValue = 'Enter a whole number, such as 4.';
      else if (minutes! < 5) errors.everyValue = 'Leave at least 5 minutes between backups.';
      else if (minutes! > 366 * 1440) errors.everyValue = 'Back up at least once a year (366 days at most).';
      else every = { value, unit: form.everyUnit };
    }
    if (form.dailyEnabled) {
      if (/^([01]\d|2[0-3]):[0-5]\d$/.test(form.dailyAt)) dailyAt = form.dailyAt;
      else errors.dailyAt = 'Enter a time of day like 17:00.';
    }
  }

  const counts: Record<string, number> = {};
  for (const [key] of KEEP_FIELDS) {
    const value = wholeNumber(form[key]);
    if (value === null || value > 100_000) errors[key] = 'Enter a whole number, 0 or more.';
    else counts[key] = value;
  }
  if (KEEP_FIELDS.every(([key]) => counts[key] === 0)) errors.retention = 'Keep something: set at least one of the counts above 0.';

  let drillEvery: Interval | null = null;
  if (form.drillEnabled) {
    const value = wholeNumber(form.drillValue);
    const hours = value === null ? null : value * (MINUTES[form.drillUnit] / 60);
    if (value === null || value < 1) errors.drillValue = 'Enter a whole number, such as 7.';
    else if (hours! < 1) errors.drillValue = 'Leave at least 1 hour between checks.';
    else if (hours! > 366 * 24) errors.drillValue = 'Check at least once a year (366 days at most).';
    else drillEvery = { value, unit: form.drillUnit };
  }
  const budget = wholeNumber(form.drillBudget);
  if (budget === null || budget < 1 || budget > 1440) errors.drillBudget = 'Enter 1 to 1440 minutes.';

  if (Object.keys(errors).length > 0) return { ok: false, errors };
  return {
    ok: true,
    patch: {
      schedule: { every, dailyAt, onAppQuit: form.onAppQuit, skipUnchanged: form.skipUnchanged },
      retention: {
        keepLast: counts.keepLast!,
        keepHourly: counts.keepHourly!,
        keepDaily: counts.keepDaily!,
        keepWeekly: counts.keepWeekly!,
        keepMonthly: counts.keepMonthly!,
        keepYearly: counts.keepYearly!,
        pruneAfterBackup: form.pruneAfterBackup,
      },
      drill: { every: drillEvery, budgetMinutes: budget! },
    },
  };
}
