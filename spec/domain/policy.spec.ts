import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { BackupError } from '../../src/domain/errors.ts';
import { DEFAULT_POLICY, POLICY_FILE, parsePolicy, readPolicy, updatePolicy, writePolicy } from '../../src/domain/policy.ts';
import { propertyRuns } from '../support/arbitraries.ts';
import { BACKUP_DIR, createBackupDirWorld } from '../support/backupDirWorld.ts';
import { codeOf } from '../support/codeOf.ts';

const PATH = `${BACKUP_DIR}/${POLICY_FILE}`;
const text = (s: string) => new TextEncoder().encode(s);

describe('readPolicy', () => {
  it('gives the defaults when the backup dir has no policy: every 4 h, 3/24/7/4/12/0, weekly drills', async () => {
    const w = await createBackupDirWorld();
    const { policy, stored } = await readPolicy(w.deps, w.config);
    expect(stored).toBe(false);
    expect(policy).toEqual(DEFAULT_POLICY);
    expect(policy.schedule.every).toEqual({ value: 4, unit: 'hours' });
    expect(policy.retention).toMatchObject({ keepLast: 3, keepHourly: 24, keepDaily: 7, keepWeekly: 4, keepMonthly: 12, keepYearly: 0 });
    expect(policy.drill.every).toEqual({ value: 7, unit: 'days' });
  });

  it.each([
    ['not JSON', '{"schedule": {', /is not valid JSON/],
    ['empty', '', /is not valid JSON/],
    ['a list', '[]', /must be an object/],
    ['a wrong type', '{"retention": {"keepDaily": "seven"}}', /retention\.keepDaily must be a whole number/],
    ['a negative count', '{"retention": {"keepDaily": -1}}', /retention\.keepDaily/],
    ['an unknown key (a later format)', '{"version": 1, "destinations": []}', /destinations is not a known setting/],
    ['an unknown nested key', '{"schedule": {"every": {"value": 4, "unit": "hours", "jitter": 5}}}', /schedule\.every\.jitter/],
    ['a newer version', '{"version": 2}', /written by a newer casevault/],
    ['a bad daily time', '{"schedule": {"dailyAt": "25:00"}}', /schedule\.dailyAt must be a local time/],
    ['an interval under 5 minutes', '{"schedule": {"every": {"value": 2, "unit": "minutes"}}}', /schedule\.every must be from 5 minutes/],
    ['retention that keeps nothing', '{"retention": {"keepLast": 0, "keepHourly": 0, "keepDaily": 0, "keepWeekly": 0, "keepMonthly": 0, "keepYearly": 0}}', /keeps nothing/],
    ['nothing to export', '{"export": {"includeDatabase": false, "includeFiles": false, "includeMetadata": false}}', /at least one/],
  ])('refuses a damaged file (%s) with POLICY_INVALID naming the file and the setting, never the defaults', async (_what, content, message) => {
    const w = await createBackupDirWorld();
    await w.memfs.writeFile(PATH, text(content));
    const error = await readPolicy(w.deps, w.config).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BackupError);
    expect((error as BackupError).code).toBe('POLICY_INVALID');
    expect((error as BackupError).message).toMatch(message);
    expect((error as BackupError).message).toContain(POLICY_FILE);
  });

  it('fills settings a hand-written file leaves out with their defaults', async () => {
    const w = await createBackupDirWorld();
    await w.memfs.writeFile(PATH, text('{"schedule": {"dailyAt": "17:00"}}'));
    const { policy } = await readPolicy(w.deps, w.config);
    expect(policy.schedule).toEqual({ ...DEFAULT_POLICY.schedule, dailyAt: '17:00' });
    expect(policy.retention).toEqual(DEFAULT_POLICY.retention);
  });
});

describe('writePolicy and updatePolicy', () => {
  it('store what they validated, crash-safely and private (0600), and read back the same', async () => {
    const w = await createBackupDirWorld();
    const written = await writePolicy(w.deps, w.config, { schedule: { every: { value: 30, unit: 'minutes' }, dailyAt: '17:00' } });
    expect(written.schedule).toMatchObject({ every: { value: 30, unit: 'minutes' }, dailyAt: '17:00' });
    expect((await readPolicy(w.deps, w.config)).policy).toEqual(written);
    expect(w.memfs.volume.statSync(PATH).mode & 0o777).toBe(0o600);
    expect((await w.names()).filter((n) => n.endsWith('.tmp'))).toEqual([]);
  });

  it('merge a partial policy into the stored one; null turns a part off', async () => {
    const w = await createBackupDirWorld();
    await updatePolicy(w.deps, w.config, { retention: { keepDaily: 14 } });
    const off = await updatePolicy(w.deps, w.config, { schedule: { every: null } });
    expect(off.retention.keepDaily).toBe(14);
    expect(off.retention.keepLast).toBe(3);
    expect(off.schedule.every).toBeNull();
    const hours = await updatePolicy(w.deps, w.config, { schedule: { every: { value: 2, unit: 'hours' } } });
    expect(hours.schedule.every).toEqual({ value: 2, unit: 'hours' });
  });

  it('refuse invalid input with INVALID_INPUT and leave the stored policy as it was', async () => {
    const w = await createBackupDirWorld();
    await writePolicy(w.deps, w.config, { retention: { keepDaily: 10 } });
    const before = await w.memfs.readFile(PATH);
    expect(await codeOf(updatePolicy(w.deps, w.config, { retention: { keepDaily: 1.5 } }))).toBe('INVALID_INPUT');
    expect(await codeOf(updatePolicy(w.deps, w.config, { sheduel: {} }))).toBe('INVALID_INPUT');
    expect(await codeOf(writePolicy(w.deps, w.config, null))).toBe('INVALID_INPUT');
    expect(await w.memfs.readFile(PATH)).toEqual(before);
  });

  it('refuse to merge into a damaged file (POLICY_INVALID); a whole policy replaces it', async () => {
    const w = await createBackupDirWorld();
    await w.memfs.writeFile(PATH, text('{"version": 1, "schedule": 7}'));
    expect(await codeOf(updatePolicy(w.deps, w.config, { retention: { keepDaily: 3 } }))).toBe('POLICY_INVALID');
    await writePolicy(w.deps, w.config, DEFAULT_POLICY);
    expect((await readPolicy(w.deps, w.config)).policy).toEqual(DEFAULT_POLICY);
  });
});

/** The same rules as a zod schema: the domain's reader (no packages allowed there) must agree with it. */
const interval = (minMs: number) =>
  z
    .strictObject({ value: z.int().min(1).max(527_040), unit: z.enum(['minutes', 'hours', 'days']) })
    .refine((i) => {
      const ms = i.value * { minutes: 60_000, hours: 3_600_000, days: 86_400_000 }[i.unit];
      return ms >= minMs && ms <= 366 * 86_400_000;
    });
const count = z.int().min(0).max(100_000);
const zodPolicy = z.strictObject({
  version: z.literal(1).default(1),
  schedule: z
    .strictObject({
      every: interval(300_000).nullable().default({ value: 4, unit: 'hours' }),
      dailyAt: z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/).nullable().default(null),
      onAppQuit: z.boolean().default(false),
      skipUnchanged: z.boolean().default(true),
    })
    .default(DEFAULT_POLICY.schedule),
  export: z
    .strictObject({ includeDatabase: z.boolean().default(true), includeFiles: z.boolean().default(true), includeMetadata: z.boolean().default(true), compressionLevel: z.int().min(0).max(9).default(6) })
    .refine((e) => e.includeDatabase || e.includeFiles || e.includeMetadata)
    .default(DEFAULT_POLICY.export),
  retention: z
    .strictObject({ keepLast: count.default(3), keepHourly: count.default(24), keepDaily: count.default(7), keepWeekly: count.default(4), keepMonthly: count.default(12), keepYearly: count.default(0), pruneAfterBackup: z.boolean().default(true) })
    .refine((r) => r.keepLast + r.keepHourly + r.keepDaily + r.keepWeekly + r.keepMonthly + r.keepYearly > 0)
    .default(DEFAULT_POLICY.retention),
  drill: z.strictObject({ every: interval(3_600_000).nullable().default({ value: 7, unit: 'days' }), budgetMinutes: z.int().min(1).max(1440).default(10) }).default(DEFAULT_POLICY.drill),
  alarm: z.strictObject({ noVerifiedBackupAfter: interval(3_600_000).nullable().default(null) }).default(DEFAULT_POLICY.alarm),
});

/** A value for a setting: usually a plausible one, sometimes missing, of a wrong type or out of range. */
const anything = fc.oneof(fc.constant(undefined), fc.constant(null), fc.string({ maxLength: 3 }), fc.double(), fc.boolean(), fc.constant({}), fc.constant([]));
const maybe = <T>(valid: fc.Arbitrary<T>) => fc.oneof({ weight: 40, arbitrary: valid }, { weight: 1, arbitrary: anything });
/** Mostly in range, sometimes just outside it. */
const edgy = (min: number, max: number) => fc.oneof({ weight: 16, arbitrary: fc.integer({ min, max }) }, { weight: 1, arbitrary: fc.constantFrom(min - 1, max + 1, min + 0.5) });
const arbInterval = fc.oneof(
  fc.record({ value: maybe(edgy(5, 600)), unit: maybe(fc.constantFrom('minutes', 'hours')) }),
  fc.record({ value: maybe(edgy(1, 366)), unit: maybe(fc.constantFrom('hours', 'days', 'weeks')) }),
);
const arbCount = maybe(edgy(0, 30));
const withExtra = <T extends object>(arb: fc.Arbitrary<T>) => fc.tuple(arb, fc.oneof({ weight: 12, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: fc.constantFrom('destinations', 'jitter', 'toString', '__proto__') })).map(([o, extra]) => (extra ? JSON.parse(JSON.stringify({ ...o, [extra]: 1 })) : o) as unknown);
const arbPolicyish = withExtra(
  fc.record(
    {
      version: maybe(fc.oneof({ weight: 8, arbitrary: fc.constant(1) }, { weight: 1, arbitrary: fc.constantFrom(0, 2) })),
      schedule: maybe(withExtra(fc.record({ every: maybe(fc.option(arbInterval, { nil: null })), dailyAt: maybe(fc.option(fc.constantFrom('17:00', '00:00', '23:59', '09:30', '24:00', '7:00', '12:60'), { nil: null })), onAppQuit: maybe(fc.boolean()), skipUnchanged: maybe(fc.boolean()) }, { requiredKeys: [] }))),
      export: maybe(fc.record({ includeDatabase: maybe(fc.boolean()), includeFiles: maybe(fc.boolean()), includeMetadata: maybe(fc.boolean()), compressionLevel: maybe(edgy(0, 9)) }, { requiredKeys: [] })),
      retention: maybe(fc.record({ keepLast: arbCount, keepHourly: arbCount, keepDaily: arbCount, keepWeekly: arbCount, keepMonthly: arbCount, keepYearly: arbCount, pruneAfterBackup: maybe(fc.boolean()) }, { requiredKeys: [] })),
      drill: maybe(fc.record({ every: maybe(fc.option(arbInterval, { nil: null })), budgetMinutes: maybe(edgy(1, 1440)) }, { requiredKeys: [] })),
      alarm: maybe(fc.record({ noVerifiedBackupAfter: maybe(fc.option(arbInterval, { nil: null })) }, { requiredKeys: [] })),
    },
    { requiredKeys: [] },
  ),
);

describe('parsePolicy', () => {
  it('accepts exactly what the zod schema accepts, with the same defaults', () => {
    let accepted = 0;
    fc.assert(
      fc.property(arbPolicyish, (input) => {
        const json = JSON.parse(JSON.stringify(input ?? null)) as unknown; // what a file can hold
        const expected = zodPolicy.safeParse(json);
        let actual: unknown;
        try {
          actual = parsePolicy(json);
        } catch (error) {
          expect((error as BackupError).code).toBe('INVALID_INPUT');
          actual = undefined;
        }
        accepted += expected.success ? 1 : 0;
        expect(actual === undefined ? 'refused' : 'accepted').toBe(expected.success ? 'accepted' : 'refused');
        if (expected.success) expect(actual).toEqual(expected.data);
      }),
      { numRuns: propertyRuns(300) },
    );
    // Both outcomes are common, or the comparison would say little.
    expect(accepted).toBeGreaterThan(propertyRuns(300) / 8);
    expect(accepted).toBeLessThan(propertyRuns(300) * 0.8);
  });
});
