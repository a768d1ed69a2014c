import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bucketOf, isoWeek, localDateTime, zonedInstant } from '../../src/domain/localTime.ts';
import { propertyRuns } from '../support/arbitraries.ts';

const ZONES = ['Europe/Berlin', 'America/New_York', 'Australia/Lord_Howe', 'Pacific/Chatham', 'America/Santiago', 'Asia/Kathmandu', 'UTC'];

describe('zonedInstant', () => {
  it('is the first instant showing a wall-clock time: the same instant, or the first of a repeated hour', () => {
    fc.assert(
      fc.property(fc.integer({ min: Date.parse('2019-01-01'), max: Date.parse('2031-01-01') }), fc.constantFrom(...ZONES), (ms, timeZone) => {
        const t = Math.floor(ms / 60_000) * 60_000;
        const wall = localDateTime(t, timeZone);
        const z = zonedInstant(wall, timeZone);
        expect(localDateTime(z, timeZone)).toEqual({ ...wall, second: 0 });
        expect(z).toBeLessThanOrEqual(t);
        expect(t - z).toBeLessThanOrEqual(60 * 60_000); // at most the length of a repeated hour
      }),
      { numRuns: propertyRuns(300) },
    );
  });

  it('puts a time in a spring-forward gap at the jump', () => {
    expect(new Date(zonedInstant({ year: 2026, month: 3, day: 29, hour: 2, minute: 30 }, 'Europe/Berlin')).toISOString()).toBe('2026-03-29T01:00:00.000Z');
    expect(new Date(zonedInstant({ year: 2026, month: 3, day: 8, hour: 2, minute: 0 }, 'America/New_York')).toISOString()).toBe('2026-03-08T07:00:00.000Z');
  });
});

describe('isoWeek and bucketOf', () => {
  it.each([
    ['2026-12-28', '2026-W53'],
    ['2027-01-03', '2026-W53'],
    ['2027-01-04', '2027-W01'],
    ['2020-12-31', '2020-W53'],
    ['2021-01-03', '2020-W53'],
    ['2019-12-30', '2020-W01'],
    ['2024-02-29', '2024-W09'],
    ['2026-11-27', '2026-W48'],
  ])('%s is in %s', (date, week) => {
    expect(bucketOf(Date.parse(`${date}T12:00:00Z`), 'weekly', 'UTC')).toBe(week);
  });

  it('has 53 weeks in exactly the years whose 28 December is in week 53 (a Thursday year, or a leap year starting on Wednesday)', () => {
    for (let year = 2000; year <= 2040; year += 1) {
      const jan1 = new Date(Date.UTC(year, 0, 1)).getUTCDay();
      const leap = new Date(Date.UTC(year, 1, 29)).getUTCMonth() === 1;
      expect(isoWeek({ year, month: 12, day: 28 }).week === 53).toBe(jan1 === 4 || (leap && jan1 === 3));
    }
  });
});
