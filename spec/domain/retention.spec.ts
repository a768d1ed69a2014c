import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decideRetention, describeDecision, type RetentionBackup, type RetentionInput } from '../../src/domain/retention.ts';
import { DEFAULT_POLICY } from '../../src/domain/policy.ts';
import { propertyRuns } from '../support/arbitraries.ts';
import { resticModel } from '../support/resticModel.ts';

type Counts = RetentionInput['retention'];
const NONE: Counts = { keepLast: 0, keepHourly: 0, keepDaily: 0, keepWeekly: 0, keepMonthly: 0, keepYearly: 0 };

const backup = (iso: string): RetentionBackup => ({ fileName: `b-${iso}.zip`, createdAt: new Date(iso).toISOString() });

function reasonsOf(times: string[], counts: Partial<Counts>, timeZone: string, extra: Partial<RetentionInput> = {}) {
  const decision = decideRetention({ backups: times.map(backup), retention: { ...NONE, ...counts }, pinned: new Set(), lastVerifiedGood: null, timeZone, ...extra });
  return Object.fromEntries(decision.verdicts.map((v) => [new Date(v.createdAt).toISOString().replace(':00.000Z', 'Z'), v.keep ? v.reasons.map((r) => r.text).join(', ') : 'drop']));
}

describe('decideRetention on real calendars', () => {
  it('Europe/Berlin, fall back (2026-10-25): the repeated 02:00 hour is one hourly bucket', () => {
    expect(reasonsOf(['2026-10-25T00:15Z', '2026-10-25T00:45Z', '2026-10-25T01:15Z', '2026-10-25T01:45Z', '2026-10-25T02:15Z'], { keepHourly: 24 }, 'Europe/Berlin')).toEqual({
      '2026-10-25T02:15Z': 'hourly 2026-10-25 03:00', // 03:15 CET
      '2026-10-25T01:45Z': 'hourly 2026-10-25 02:00', // 02:45 CET, the second 02:45 of the night
      '2026-10-25T01:15Z': 'drop', // 02:15 CET
      '2026-10-25T00:45Z': 'drop', // 02:45 CEST
      '2026-10-25T00:15Z': 'oldest hourly (fewer than 24)', // 02:15 CEST
    });
  });

  it('Europe/Berlin, spring forward (2026-03-29): days are local, whatever UTC says', () => {
    expect(reasonsOf(['2026-03-28T22:30Z', '2026-03-28T23:30Z', '2026-03-29T21:30Z', '2026-03-29T22:30Z'], { keepDaily: 2 }, 'Europe/Berlin')).toEqual({
      '2026-03-29T22:30Z': 'daily 2026-03-30', // 00:30 CEST on the 30th
      '2026-03-29T21:30Z': 'daily 2026-03-29', // 23:30 CEST
      '2026-03-28T23:30Z': 'drop', // 00:30 CET on the 29th
      '2026-03-28T22:30Z': 'drop', // 23:30 CET on the 28th: a third day, beyond keep-daily 2
    });
  });

  it('America/New_York, fall back (2026-11-01) at a month end: local days and months', () => {
    expect(reasonsOf(['2026-11-01T03:30Z', '2026-11-01T05:30Z', '2026-11-01T06:30Z', '2026-11-02T03:30Z'], { keepDaily: 2, keepMonthly: 2 }, 'America/New_York')).toEqual({
      '2026-11-02T03:30Z': 'daily 2026-11-01, monthly 2026-11', // 22:30 EST on Nov 1
      '2026-11-01T06:30Z': 'drop', // 01:30 EST, the second 01:30
      '2026-11-01T05:30Z': 'drop', // 01:30 EDT
      '2026-11-01T03:30Z': 'daily 2026-10-31, monthly 2026-10', // 23:30 EDT on Oct 31
    });
  });

  it('America/New_York, spring forward (2026-03-08): hours skip 02:00', () => {
    expect(reasonsOf(['2026-03-08T06:30Z', '2026-03-08T06:59Z', '2026-03-08T07:10Z', '2026-03-08T07:50Z'], { keepHourly: 2 }, 'America/New_York')).toEqual({
      '2026-03-08T07:50Z': 'hourly 2026-03-08 03:00', // 03:50 EDT
      '2026-03-08T07:10Z': 'drop', // 03:10 EDT
      '2026-03-08T06:59Z': 'hourly 2026-03-08 01:00', // 01:59 EST, the hour before the gap
      '2026-03-08T06:30Z': 'drop',
    });
  });

  it('ISO week 53 of 2026 runs to Sunday 2027-01-03; yearly is the calendar year', () => {
    expect(reasonsOf(['2026-12-28T09:00Z', '2026-12-31T09:00Z', '2027-01-03T22:30Z', '2027-01-03T23:30Z'], { keepWeekly: 2, keepYearly: 2 }, 'Europe/Berlin')).toEqual({
      '2027-01-03T23:30Z': 'weekly 2027-W01, yearly 2027', // Monday 00:30 in Berlin
      '2027-01-03T22:30Z': 'weekly 2026-W53', // Sunday 23:30
      '2026-12-31T09:00Z': 'yearly 2026',
      '2026-12-28T09:00Z': 'drop',
    });
  });

  it('ISO week 53 of 2020 holds New Year 2021', () => {
    expect(reasonsOf(['2020-12-27T12:00Z', '2020-12-28T12:00Z', '2021-01-01T12:00Z', '2021-01-03T12:00Z', '2021-01-04T12:00Z'], { keepWeekly: 3 }, 'UTC')).toEqual({
      '2021-01-04T12:00Z': 'weekly 2021-W01',
      '2021-01-03T12:00Z': 'weekly 2020-W53',
      '2021-01-01T12:00Z': 'drop',
      '2020-12-28T12:00Z': 'drop',
      '2020-12-27T12:00Z': 'weekly 2020-W52',
    });
  });

  it('a leap day is its own day in February (2024-02-29 in New York is 2024-03-01 in UTC)', () => {
    expect(reasonsOf(['2024-02-29T15:00Z', '2024-03-01T04:30Z', '2024-03-01T17:00Z', '2028-02-29T12:00Z'], { keepDaily: 3, keepMonthly: 3 }, 'America/New_York')).toEqual({
      '2028-02-29T12:00Z': 'daily 2028-02-29, monthly 2028-02',
      '2024-03-01T17:00Z': 'daily 2024-03-01, monthly 2024-03',
      '2024-03-01T04:30Z': 'daily 2024-02-29, monthly 2024-02', // 23:30 EST on the leap day
      '2024-02-29T15:00Z': 'drop',
    });
  });

  it('gives restic-style reasons in a dry run: last N, buckets, pinned, last verified good, only backup', () => {
    const times = ['2026-11-27T16:00Z', '2026-11-27T12:00Z', '2026-11-27T08:00Z', '2026-11-26T20:00Z', '2026-11-26T08:00Z', '2026-11-20T08:00Z'];
    const decision = decideRetention({
      backups: times.map(backup),
      retention: { ...DEFAULT_POLICY.retention, keepHourly: 0, keepDaily: 2, keepMonthly: 0 },
      pinned: new Set([backup('2026-11-20T08:00Z').fileName]),
      lastVerifiedGood: backup('2026-11-26T08:00Z').fileName,
      timeZone: 'Europe/Berlin',
    });
    expect(describeDecision(decision).map((line) => line.replace(/b-(\S+)\.zip/, '$1'))).toEqual([
      'keep  2026-11-27T16:00Z  last 3, daily 2026-11-27, weekly 2026-W48',
      'keep  2026-11-27T12:00Z  last 3',
      'keep  2026-11-27T08:00Z  last 3',
      'keep  2026-11-26T20:00Z  daily 2026-11-26',
      'keep  2026-11-26T08:00Z  last verified good',
      'keep  2026-11-20T08:00Z  weekly 2026-W47, pinned',
    ]);
    expect(reasonsOf(['2026-11-27T16:00Z'], { keepDaily: 1 }, 'UTC')).toEqual({ '2026-11-27T16:00Z': 'daily 2026-11-27, only backup' });
  });
});

// ---- properties ----------------------------------------------------------------------------

const ZONES = ['Europe/Berlin', 'America/New_York', 'UTC', 'Asia/Kolkata', 'Australia/Lord_Howe', 'Pacific/Chatham', 'America/Santiago', 'Asia/Kathmandu'];
const START = Date.parse('2019-12-20T00:00:00Z');

/** Backups minutes to weeks apart (so that hours, days and weeks collide), each with a verification result. */
const arbBackups = fc
  .array(fc.record({ gapMinutes: fc.oneof(fc.integer({ min: 1, max: 90 }), fc.integer({ min: 60, max: 3 * 1440 }), fc.integer({ min: 1440, max: 60 * 1440 })), verified: fc.boolean(), pinned: fc.boolean() }), { minLength: 1, maxLength: 40 })
  .map((items) => {
    let t = START;
    return items.map((item) => {
      t += item.gapMinutes * 60_000;
      return { backup: backup(new Date(t).toISOString()), verified: item.verified, pinned: item.pinned && item.gapMinutes % 7 === 0 };
    });
  });
const arbCount = fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 6 }));
const arbCounts: fc.Arbitrary<Counts> = fc
  .record({ keepLast: arbCount, keepHourly: arbCount, keepDaily: arbCount, keepWeekly: arbCount, keepMonthly: arbCount, keepYearly: arbCount })
  .filter((c) => Object.values(c).some((n) => n > 0)); // what the policy reader accepts

type World = { backups: { backup: RetentionBackup; verified: boolean; pinned: boolean }[]; retention: Counts; timeZone: string };
const arbWorld: fc.Arbitrary<World> = fc.record({ backups: arbBackups, retention: arbCounts, timeZone: fc.constantFrom(...ZONES) });

const newestVerified = (items: World['backups']) => [...items].filter((i) => i.verified).sort((a, b) => b.backup.createdAt.localeCompare(a.backup.createdAt))[0]?.backup.fileName ?? null;
const decide = (w: World) =>
  decideRetention({ backups: w.backups.map((i) => i.backup), retention: w.retention, pinned: new Set(w.backups.filter((i) => i.pinned).map((i) => i.backup.fileName)), lastVerifiedGood: newestVerified(w.backups), timeZone: w.timeZone });
const runs = { numRuns: propertyRuns() };

describe('decideRetention', () => {
  it('always keeps the newest backup', () => {
    fc.assert(
      fc.property(arbWorld, (w) => {
        expect(decide(w).verdicts[0]!.keep).toBe(true);
      }),
      runs,
    );
  });

  it('always keeps pinned backups and the newest verified-good one', () => {
    fc.assert(
      fc.property(arbWorld, (w) => {
        const kept = new Set(decide(w).keep);
        for (const i of w.backups.filter((x) => x.pinned)) expect(kept.has(i.backup.fileName)).toBe(true);
        const good = newestVerified(w.backups);
        if (good) expect(kept.has(good)).toBe(true);
      }),
      runs,
    );
  });

  it('removes nothing more when applied to what it kept', () => {
    fc.assert(
      fc.property(arbWorld, (w) => {
        const kept = new Set(decide(w).keep);
        const again = decide({ ...w, backups: w.backups.filter((i) => kept.has(i.backup.fileName)) });
        expect(again.drop).toEqual([]);
      }),
      runs,
    );
  });

  it('still drops what it dropped once another backup is added, whatever that backup is (pins and earlier results unchanged)', () => {
    // The added backup may be newer or older than any, verified good or not, pinned or not.
    const arbAdded = fc.record({ minutes: fc.integer({ min: -60 * 1440, max: 400 * 1440 }), verified: fc.boolean(), pinned: fc.boolean() });
    fc.assert(
      fc.property(arbWorld, arbAdded, (w, add) => {
        const added = { backup: backup(new Date(START + add.minutes * 60_000 + 7_000).toISOString()), verified: add.verified, pinned: add.pinned };
        const before = decide(w);
        const after = new Set(decide({ ...w, backups: [...w.backups, added] }).drop);
        for (const name of before.drop) expect(after.has(name)).toBe(true);
      }),
      runs,
    );
  });

  it('can keep again what it dropped when an earlier verification result changes (the precise limit of the property above)', () => {
    // If the newest verified-good backup fails a drill, "last verified good" moves to an older
    // backup, which the counted rules may have dropped. A prune in between has deleted it: that
    // is why a failed drill raises an alarm rather than relying on an older backup being there.
    const result = fc.check(
      fc.property(arbWorld, fc.nat(), (w, pick) => {
        const good = w.backups.filter((i) => i.verified);
        if (good.length === 0) return true;
        const failed = good[pick % good.length]!.backup.fileName;
        const before = decide(w);
        const after = new Set(decide({ ...w, backups: w.backups.map((i) => (i.backup.fileName === failed ? { ...i, verified: false } : i)) }).keep);
        return before.drop.every((name) => !after.has(name));
      }),
      { numRuns: 1000 },
    );
    expect(result.failed).toBe(true);
  });

  it("matches restic's ApplyPolicy walk (newest first, a new bucket value keeps, the oldest kept while counts remain)", () => {
    fc.assert(
      fc.property(arbWorld, (w) => {
        const ours = decideRetention({ backups: w.backups.map((i) => i.backup), retention: w.retention, pinned: new Set(), lastVerifiedGood: null, timeZone: w.timeZone });
        const counted = (rs: readonly { rule: string }[]) => rs.filter((r) => !['pinned', 'last-verified-good', 'only-backup'].includes(r.rule)).map((r) => r.rule);
        const model = resticModel(w.backups.map((i) => i.backup), w.retention, w.timeZone);
        expect(ours.verdicts.map((v) => [v.fileName, counted(v.reasons)])).toEqual(model);
      }),
      runs,
    );
  });
});
