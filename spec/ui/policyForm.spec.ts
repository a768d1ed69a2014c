/**
 * The "Automatic backups" form: the policy as fields a person edits (text in inputs), back
 * to a policy change, and every mistake said in words next to its field.
 */
import { describe, expect, it } from 'vitest';
import { formFromPolicy, validatePolicyForm, type PolicyForm } from '../../src/ui/settings/policyForm.ts';
import { DEFAULT_POLICY, type Policy } from '../../src/domain/policy.ts';

const form = (change: Partial<PolicyForm> = {}): PolicyForm => ({ ...formFromPolicy(DEFAULT_POLICY), ...change });

describe('the policy form', () => {
  it('shows the defaults: on, every 4 hours, no daily time, restic-style counts, weekly checks', () => {
    expect(formFromPolicy(DEFAULT_POLICY)).toMatchObject({
      enabled: true,
      everyEnabled: true,
      everyValue: '4',
      everyUnit: 'hours',
      dailyEnabled: false,
      keepLast: '3',
      keepHourly: '24',
      keepDaily: '7',
      keepWeekly: '4',
      keepMonthly: '12',
      keepYearly: '0',
      drillEnabled: true,
      drillValue: '7',
      drillUnit: 'days',
      drillBudget: '10',
    });
  });

  it('turns the schedule off as a policy with neither an interval nor a daily time, keeping what was typed', () => {
    const off = validatePolicyForm(form({ enabled: false, dailyEnabled: true, dailyAt: '17:00' }));
    expect(off).toMatchObject({ ok: true, patch: { schedule: { every: null, dailyAt: null } } });
    const policy: Policy = { ...DEFAULT_POLICY, schedule: { ...DEFAULT_POLICY.schedule, every: null, dailyAt: null } };
    expect(formFromPolicy(policy)).toMatchObject({ enabled: false, everyValue: '4', everyUnit: 'hours' });
  });

  it('makes the whole change a policy needs: schedule, retention and drills', () => {
    const result = validatePolicyForm(form({ everyValue: '30', everyUnit: 'minutes', dailyEnabled: true, dailyAt: '17:00', skipUnchanged: false, keepDaily: '10', drillValue: '12', drillUnit: 'hours', drillBudget: '5' }));
    expect(result).toEqual({
      ok: true,
      patch: {
        schedule: { every: { value: 30, unit: 'minutes' }, dailyAt: '17:00', onAppQuit: false, skipUnchanged: false },
        retention: { keepLast: 3, keepHourly: 24, keepDaily: 10, keepWeekly: 4, keepMonthly: 12, keepYearly: 0, pruneAfterBackup: true },
        drill: { every: { value: 12, unit: 'hours' }, budgetMinutes: 5 },
      },
    });
    expect(validatePolicyForm(form({ everyEnabled: false, dailyEnabled: true, dailyAt: '07:30' }))).toMatchObject({ ok: true, patch: { schedule: { every: null, dailyAt: '07:30' } } });
    expect(validatePolicyForm(form({ drillEnabled: false }))).toMatchObject({ ok: true, patch: { drill: { every: null } } });
  });

  it('says in words what is wrong with each field', () => {
    const errors = (change: Partial<PolicyForm>) => {
      const result = validatePolicyForm(form(change));
      return result.ok ? {} : result.errors;
    };
    expect(errors({ everyValue: 'four' })).toEqual({ everyValue: 'Enter a whole number, such as 4.' });
    expect(errors({ everyValue: '2', everyUnit: 'minutes' })).toEqual({ everyValue: 'Leave at least 5 minutes between backups.' });
    expect(errors({ everyValue: '400', everyUnit: 'days' })).toEqual({ everyValue: 'Back up at least once a year (366 days at most).' });
    expect(errors({ dailyEnabled: true, dailyAt: '25:00' })).toEqual({ dailyAt: 'Enter a time of day like 17:00.' });
    expect(errors({ everyEnabled: false, dailyEnabled: false })).toEqual({ schedule: 'Choose when: every so many hours, a time each day, or both; or turn automatic backups off.' });
    expect(errors({ keepDaily: '-1' })).toEqual({ keepDaily: 'Enter a whole number, 0 or more.' });
    expect(errors({ keepLast: '0', keepHourly: '0', keepDaily: '0', keepWeekly: '0', keepMonthly: '0', keepYearly: '0' })).toEqual({ retention: 'Keep something: set at least one of the counts above 0.' });
    expect(errors({ drillValue: '30', drillUnit: 'minutes' as PolicyForm['drillUnit'] })).toEqual({ drillValue: 'Leave at least 1 hour between checks.' });
    expect(errors({ drillBudget: '0' })).toEqual({ drillBudget: 'Enter 1 to 1440 minutes.' });
    // A schedule that is off is not checked: what is typed there is kept, not refused.
    expect(validatePolicyForm(form({ enabled: false, everyValue: 'x' })).ok).toBe(true);
  });
});
