import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EMPTY_STATE, recordDrill, recordVerification } from '../../src/domain/backupState.ts';
import { DEFAULT_POLICY, type Interval, type Policy } from '../../src/domain/policy.ts';
import { RETRY_AFTER_FAILURE_MS, backupDue, describeNext, drillDue } from '../../src/domain/schedule.ts';
import { propertyRuns } from '../support/arbitraries.ts';

const policy = (schedule: Partial<Policy['schedule']>): Policy => ({ ...DEFAULT_POLICY, schedule: { ...DEFAULT_POLICY.schedule, ...schedule } });
const every4h = policy({});
const dailyAt = (at: string, every: Interval | null = null) => policy({ every, dailyAt: at });
const iso = (s: string) => new Date(s).toISOString();
type Run = { at: string; outcome: 'ok' | 'skipped-unchanged' | 'failed' };

function due(p: Policy, last: { backup?: string; run?: Run }, now: string, timeZone = 'Europe/Berlin') {
  return backupDue({ policy: p, lastBackupAt: last.backup ? iso(last.backup) : null, lastRun: last.run ? { ...last.run, at: iso(last.run.at) } : null, now: new Date(now), timeZone });
}

describe('backupDue', () => {
  it('is due at once with no backup and no run, and never with the schedule off', () => {
    expect(due(every4h, {}, '2026-11-27T12:00Z')).toMatchObject({ due: true, reason: 'first' });
    expect(due(policy({ every: null, dailyAt: null }), {}, '2026-11-27T12:00Z')).toEqual({ due: false, nextDueAt: null, reason: 'off' });
  });

  it('runs every 4 h after the last backup, manual ones included; "Next at" is local', () => {
    const d = due(every4h, { backup: '2026-11-27T09:00Z', run: { at: '2026-11-27T05:00Z', outcome: 'ok' } }, '2026-11-27T12:00Z');
    expect(d).toEqual({ due: false, nextDueAt: iso('2026-11-27T13:00Z'), reason: 'interval' });
    expect(describeNext(d.nextDueAt, new Date('2026-11-27T12:00Z'), 'Europe/Berlin')).toBe('Next at 14:00');
    expect(describeNext(d.nextDueAt, new Date('2026-11-27T12:00Z'), 'America/New_York')).toBe('Next at 08:00');
  });

  it('gives one catch-up run after three days asleep, then the rhythm starts from it', () => {
    const woke = '2026-11-30T10:00Z';
    expect(due(every4h, { run: { at: '2026-11-27T09:00Z', outcome: 'ok' } }, woke)).toMatchObject({ due: true, nextDueAt: iso('2026-11-27T13:00Z') });
    expect(due(every4h, { run: { at: woke, outcome: 'ok' } }, '2026-11-30T10:01Z')).toEqual({ due: false, nextDueAt: iso('2026-11-30T14:00Z'), reason: 'interval' });
    const daily = dailyAt('17:00');
    expect(due(daily, { run: { at: '2026-11-27T16:00Z', outcome: 'ok' } }, woke)).toMatchObject({ due: true });
    expect(due(daily, { run: { at: woke, outcome: 'ok' } }, '2026-11-30T10:01Z')).toEqual({ due: false, nextDueAt: iso('2026-11-30T16:00Z'), reason: 'daily' });
    expect(describeNext(iso('2026-11-30T16:00Z'), new Date('2026-11-30T10:01Z'), 'Europe/Berlin')).toBe('Next at 17:00');
    expect(describeNext(iso('2026-12-01T16:00Z'), new Date('2026-11-30T17:01Z'), 'Europe/Berlin')).toBe('Next on 2026-12-01 at 17:00');
  });

  it.each([
    // zone, daily time, last run, expected next run, what happens
    ['Europe/Berlin', '02:30', '2026-03-28T01:30Z', '2026-03-29T01:00Z', 'spring forward: 02:30 does not exist, runs when the clock jumps to 03:00 CEST'],
    ['Europe/Berlin', '02:30', '2026-10-24T00:30Z', '2026-10-25T00:30Z', 'fall back: the first 02:30 (CEST)'],
    ['Europe/Berlin', '02:30', '2026-10-25T00:30Z', '2026-10-26T01:30Z', 'fall back: not again at the second 02:30 (CET)'],
    ['America/New_York', '02:30', '2026-03-07T07:30Z', '2026-03-08T07:00Z', 'spring forward: at 03:00 EDT'],
    ['America/New_York', '01:30', '2026-10-31T05:30Z', '2026-11-01T05:30Z', 'fall back: the first 01:30 (EDT)'],
    ['America/New_York', '01:30', '2026-11-01T05:31Z', '2026-11-02T06:30Z', 'fall back: the second 01:30 (EST) is skipped'],
    ['America/New_York', '23:30', '2024-02-29T04:30Z', '2024-03-01T04:30Z', 'a leap day: 23:30 on Feb 29 is Mar 1 in UTC'],
    ['Australia/Lord_Howe', '02:15', '2026-10-02T15:45Z', '2026-10-03T15:30Z', 'a 30-minute DST gap: when the clock jumps to 02:30'],
  ])('in %s at %s after %s runs next at %s (%s)', (timeZone, at, last, next) => {
    const d = due(dailyAt(at), { run: { at: last, outcome: 'ok' } }, last, timeZone);
    expect(d.nextDueAt).toBe(iso(next));
  });

  it('retries a failed run after 15 minutes, not after the whole interval', () => {
    expect(due(every4h, { backup: '2026-11-27T08:00Z', run: { at: '2026-11-27T12:00Z', outcome: 'failed' } }, '2026-11-27T12:05Z')).toEqual({ due: false, nextDueAt: iso('2026-11-27T12:15Z'), reason: 'retry' });
    expect(due(every4h, { backup: '2026-11-27T12:10Z', run: { at: '2026-11-27T12:00Z', outcome: 'failed' } }, '2026-11-27T12:20Z')).toMatchObject({ due: false, reason: 'interval' });
  });

  it('is not held back by a run dated in the future (the clock was set back)', () => {
    expect(due(every4h, { run: { at: '2027-06-01T00:00Z', outcome: 'ok' } }, '2026-11-27T12:00Z')).toMatchObject({ due: true, reason: 'first' });
    expect(due(every4h, { backup: '2026-11-27T10:00Z', run: { at: '2027-06-01T00:00Z', outcome: 'ok' } }, '2026-11-27T12:00Z')).toMatchObject({ due: false, nextDueAt: iso('2026-11-27T14:00Z') });
  });

  it('runs on app quit only where the policy says so', () => {
    const now = new Date('2026-11-27T12:00Z');
    expect(backupDue({ policy: every4h, lastBackupAt: null, lastRun: null, now, timeZone: 'UTC', trigger: 'quit' }).due).toBe(false);
    expect(backupDue({ policy: policy({ onAppQuit: true, every: null }), lastBackupAt: iso('2026-11-27T11:59Z'), lastRun: null, now, timeZone: 'UTC', trigger: 'quit' })).toMatchObject({ due: true, reason: 'quit' });
  });
});

// ---- properties ----------------------------------------------------------------------------

const ZONES = ['Europe/Berlin', 'America/New_York', 'Australia/Lord_Howe', 'Asia/Kolkata', 'UTC'];
const arbSchedule = fc.oneof(
  fc.record({ every: fc.record({ value: fc.integer({ min: 5, max: 600 }), unit: fc.constant('minutes' as const) }), dailyAt: fc.constant(null) }),
  fc.record({ every: fc.constant(null), dailyAt: fc.constantFrom('00:00', '01:30', '02:30', '02:15', '17:00', '23:59') }),
  fc.record({ every: fc.record({ value: fc.integer({ min: 1, max: 12 }), unit: fc.constant('hours' as const) }), dailyAt: fc.constantFrom('02:30', '17:00') }),
);
/** Ticks: the app's timer every few minutes, with sleeps of up to five days, around DST changes. */
const arbTicks = fc.array(fc.oneof({ weight: 8, arbitrary: fc.integer({ min: 1, max: 10 }) }, { weight: 1, arbitrary: fc.integer({ min: 60, max: 5 * 1440 }) }), { minLength: 5, maxLength: 60 });
const arbStart = fc.constantFrom('2026-03-27T20:00Z', '2026-10-23T20:00Z', '2026-03-06T20:00Z', '2026-10-30T20:00Z', '2026-11-27T08:00Z', '2026-10-02T10:00Z');
const arbOutcome = fc.constantFrom<Run['outcome']>('ok', 'ok', 'skipped-unchanged', 'failed');

/**
 * The specification, written out independently: the first minute after `r` at which the
 * local clock crosses HH:MM, counting one crossing per local date (minute by minute where a
 * crossing can be, sampled every 15 minutes elsewhere).
 */
const oracleMemo = new Map<string, number>();
function oracleNextDaily(target: string, r: number, timeZone: string): number {
  const key = `${target}|${r}|${timeZone}`;
  const memo = oracleMemo.get(key);
  if (memo !== undefined) return memo;
  const fmt = new Intl.DateTimeFormat('sv-SE', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
  const read = (t: number) => {
    const s = fmt.format(t);
    return { date: s.slice(0, 10), time: s.slice(11, 16) };
  };
  const crosses = (a: { date: string; time: string }, b: { date: string; time: string }) => b.time >= target && (a.date !== b.date || a.time < target);
  const seen = new Set<string>();
  const STEP = 15 * 60_000;
  let m = Math.floor(r / STEP) * STEP - 27 * 3_600_000;
  let prev = read(m - STEP);
  for (; m < r + 52 * 3_600_000; m += STEP) {
    const cur = read(m);
    const plain = prev.date === cur.date && prev.time <= cur.time;
    if (!plain || (prev.time < target && target <= cur.time)) {
      let a = read(m - STEP);
      for (let x = m - STEP + 60_000; x <= m; x += 60_000) {
        const b = read(x);
        if (crosses(a, b) && !seen.has(b.date)) {
          seen.add(b.date);
          if (x > r) {
            oracleMemo.set(key, x);
            return x;
          }
        }
        a = b;
      }
    }
    prev = cur;
  }
  throw new Error('no crossing found');
}

function expectedNext(p: Policy, r: number, outcome: Run['outcome'], timeZone: string): number {
  const every = p.schedule.every ? p.schedule.every.value * (p.schedule.every.unit === 'hours' ? 3_600_000 : 60_000) : Infinity;
  const daily = p.schedule.dailyAt ? oracleNextDaily(p.schedule.dailyAt, r, timeZone) : Infinity;
  const retry = outcome === 'failed' ? r + Math.min(RETRY_AFTER_FAILURE_MS, every) : Infinity;
  return Math.min(r + every, daily, retry);
}

describe('backupDue over time', () => {
  it('after any run, is due again exactly when the schedule says: never a burst, never a missed run', () => {
    fc.assert(
      fc.property(arbSchedule, arbTicks, arbStart, fc.constantFrom(...ZONES), fc.array(arbOutcome, { minLength: 60, maxLength: 60 }), (schedule, gaps, start, timeZone, outcomes) => {
        const p = policy(schedule);
        let now = Date.parse(start);
        let lastBackupAt: number | null = now - 30 * 60_000;
        let lastRun: { at: number; outcome: Run['outcome'] } | null = null;
        let runs = 0;
        for (const [i, gap] of gaps.entries()) {
          now += gap * 60_000;
          const d = backupDue({ policy: p, lastBackupAt: lastBackupAt === null ? null : new Date(lastBackupAt).toISOString(), lastRun: lastRun && { at: new Date(lastRun.at).toISOString(), outcome: lastRun.outcome }, now: new Date(now), timeZone });
          const anchor = Math.max(lastBackupAt ?? -Infinity, lastRun?.at ?? -Infinity);
          const expected = lastRun && lastRun.at >= (lastBackupAt ?? -Infinity) ? expectedNext(p, lastRun.at, lastRun.outcome, timeZone) : expectedNext(p, anchor, 'ok', timeZone);
          expect(d.due).toBe(now >= expected);
          if (d.due) {
            runs += 1;
            const outcome = outcomes[i]!;
            lastRun = { at: now, outcome };
            if (outcome === 'ok') lastBackupAt = now;
          }
        }
        return runs <= gaps.length;
      }),
      { numRuns: propertyRuns() },
    );
  });

  it('runs once on the first tick after a sleep of any length, and not on the next tick', () => {
    fc.assert(
      fc.property(arbSchedule, arbStart, fc.constantFrom(...ZONES), fc.integer({ min: 1, max: 10 * 1440 }), (schedule, start, timeZone, sleepMinutes) => {
        const p = policy(schedule);
        const r = Date.parse(start);
        const woke = r + sleepMinutes * 60_000 + 13 * 60 * 60_000; // past every schedule's next time
        const at = (t: number, runAt: number) => backupDue({ policy: p, lastBackupAt: null, lastRun: { at: new Date(runAt).toISOString(), outcome: 'ok' }, now: new Date(t), timeZone });
        expect(at(woke, r).due || expectedNext(p, r, 'ok', timeZone) > woke).toBe(true);
        if (!at(woke, r).due) return;
        // The catch-up ran at `woke`; one timer tick later nothing is due, unless the daily time falls in between.
        const next = at(woke + 60_000, woke);
        expect(next.due).toBe(expectedNext(p, woke, 'ok', timeZone) <= woke + 60_000);
      }),
      { numRuns: propertyRuns() },
    );
  });
});

describe('drillDue', () => {
  const backups = [
    { fileName: 'new.zip', createdAt: iso('2026-11-27T08:00Z') },
    { fileName: 'old.zip', createdAt: iso('2026-11-01T08:00Z') },
  ];
  it('is due at once for a backup never verified, and a drill period after the last verification', () => {
    let state = recordVerification(EMPTY_STATE, 'old.zip', { at: iso('2026-11-25T08:00Z'), result: 'ok' });
    expect(drillDue({ policy: DEFAULT_POLICY, backups, state, now: new Date('2026-11-27T09:00Z') })).toMatchObject({ due: true, waiting: ['new.zip'], behind: [] });
    state = recordVerification(state, 'new.zip', { at: iso('2026-11-27T09:00Z'), result: 'ok' });
    state = recordDrill(state, { startedAt: iso('2026-11-27T09:00Z'), finishedAt: iso('2026-11-27T09:01Z'), verified: 1, failed: 0, outcome: 'ok' }, 50_000_000);
    expect(drillDue({ policy: DEFAULT_POLICY, backups, state, now: new Date('2026-11-27T10:00Z') })).toEqual({ due: false, nextDueAt: iso('2026-12-02T08:00Z'), waiting: [], behind: [] });
    expect(drillDue({ policy: DEFAULT_POLICY, backups, state, now: new Date('2026-12-10T08:00Z') })).toMatchObject({ due: true, waiting: ['old.zip', 'new.zip'], behind: ['old.zip'] });
  });

  it('starts drills at least an hour apart, and never with drills off', () => {
    const state = recordDrill(EMPTY_STATE, { startedAt: iso('2026-11-27T09:00Z'), finishedAt: iso('2026-11-27T09:10Z'), verified: 0, failed: 0, outcome: 'cancelled' }, null);
    expect(drillDue({ policy: DEFAULT_POLICY, backups, state, now: new Date('2026-11-27T09:30Z') })).toMatchObject({ due: false, nextDueAt: iso('2026-11-27T10:00Z') });
    expect(drillDue({ policy: { ...DEFAULT_POLICY, drill: { every: null, budgetMinutes: 10 } }, backups, state, now: new Date('2026-11-27T12:00Z') }).due).toBe(false);
  });
});
