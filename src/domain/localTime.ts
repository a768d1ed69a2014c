/**
 * Local time in an IANA time zone with nothing but Intl.DateTimeFormat (no dependency):
 * - `localDateTime`: the wall-clock fields of an instant in a zone (retention's buckets,
 *   the schedule's daily time, "Next at 17:00");
 * - `zonedInstant`: the first instant at which a zone's clock shows a wall-clock date and
 *   time or later. A time that exists twice (the fall-back overlap) is its first occurrence;
 *   a time that does not exist (the spring-forward gap) is the moment the clock jumps over
 *   it (02:30 in Berlin on 2026-03-29 is 03:00 CEST). So a daily 02:30 runs once on both
 *   DST days, as soon as the clock allows.
 * The offset at an instant is what formatting it in the zone says; to find the instant of
 * a wall-clock time, both offsets a day either side are tried (no zone changes its offset
 * twice within two days), and the candidates that format back to that time are kept; in a
 * gap, the jump is found by bisection between the two readings.
 * Bucket labels (hour, day, ISO week, month, year) are strings that sort as they read.
 */
import { BackupError } from './errors.ts';

export interface LocalDateTime {
  readonly year: number;
  /** 1–12 */
  readonly month: number;
  readonly day: number;
  /** 0–23 */
  readonly hour: number;
  readonly minute: number;
  readonly second: number;
}

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/** Whether `timeZone` is an IANA zone this runtime knows ("Europe/Berlin", "UTC"). */
export function isTimeZone(timeZone: unknown): timeZone is string {
  if (typeof timeZone !== 'string' || timeZone.length === 0) return false;
  try {
    formatter(timeZone);
    return true;
  } catch {
    return false;
  }
}

/** Throws INVALID_INPUT naming the operation unless `timeZone` is a known IANA zone. */
export function requireTimeZone(timeZone: unknown, operation: string): string {
  if (!isTimeZone(timeZone)) throw new BackupError('INVALID_INPUT', `${operation}: "${String(timeZone)}" is not a time zone this system knows (an IANA name such as Europe/Berlin)`);
  return timeZone;
}

/** The zone of the clock, or the system's. */
export function timeZoneOf(clock: { timeZone?(): string }): string {
  return clock.timeZone?.() ?? new Intl.DateTimeFormat().resolvedOptions().timeZone;
}

export function localDateTime(instant: Date | number, timeZone: string): LocalDateTime {
  const fields: Record<string, number> = {};
  for (const part of formatter(timeZone).formatToParts(instant)) {
    if (part.type !== 'literal') fields[part.type] = Number(part.value);
  }
  return { year: fields.year!, month: fields.month!, day: fields.day!, hour: fields.hour!, minute: fields.minute!, second: fields.second! };
}

/** The zone's offset from UTC at an instant, in ms (Berlin in summer: +7,200,000). */
export function offsetAt(instant: number, timeZone: string): number {
  const whole = Math.floor(instant / 1000) * 1000; // the fields carry no milliseconds
  const l = localDateTime(whole, timeZone);
  return Date.UTC(l.year, l.month - 1, l.day, l.hour, l.minute, l.second) - whole;
}

/** The first instant (ms) at which the zone's clock shows this wall-clock time or later; see the module comment for gaps and overlaps. */
export function zonedInstant(local: { year: number; month: number; day: number; hour: number; minute: number }, timeZone: string): number {
  const wall = Date.UTC(local.year, local.month - 1, local.day, local.hour, local.minute);
  const before = offsetAt(wall - DAY_MS, timeZone);
  const after = offsetAt(wall + DAY_MS, timeZone);
  const candidates = [wall - before, wall - after].filter((t) => t + offsetAt(t, timeZone) === wall);
  if (candidates.length > 0) return Math.min(...candidates);
  // In the gap: the clock reads before it at `wall - after` and past it at `wall - before`;
  // the jump is the first whole second in between with the new offset.
  let lo = Math.floor((wall - after) / 1000);
  let hi = Math.ceil((wall - before) / 1000);
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (offsetAt(mid * 1000, timeZone) === before) lo = mid;
    else hi = mid;
  }
  return hi * 1000;
}

/** The calendar date `days` after (or before) a date; a plain calendar, no zone involved. */
export function addDays(date: { year: number; month: number; day: number }, days: number): { year: number; month: number; day: number } {
  const d = new Date(Date.UTC(date.year, date.month - 1, date.day) + days * DAY_MS);
  return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() };
}

/** ISO 8601 week: weeks start on Monday; week 1 holds the year's first Thursday. */
export function isoWeek(date: { year: number; month: number; day: number }): { year: number; week: number } {
  const day = Date.UTC(date.year, date.month - 1, date.day);
  const weekday = ((new Date(day).getUTCDay() + 6) % 7) + 1; // Monday 1 … Sunday 7
  const thursday = new Date(day + (4 - weekday) * DAY_MS);
  const year = thursday.getUTCFullYear();
  return { year, week: 1 + Math.floor((thursday.getTime() - Date.UTC(year, 0, 1)) / (7 * DAY_MS)) };
}

export type BucketUnit = 'hourly' | 'daily' | 'weekly' | 'monthly' | 'yearly';

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

/**
 * The local bucket of an instant, as a label that sorts as it reads: hourly
 * "2026-11-27 14:00", daily "2026-11-27", weekly "2026-W48" (ISO week and week-year),
 * monthly "2026-11", yearly "2026" (the calendar year, as restic's --keep-yearly).
 */
export function bucketOf(instant: Date | number, unit: BucketUnit, timeZone: string): string {
  const l = localDateTime(instant, timeZone);
  const date = `${pad(l.year, 4)}-${pad(l.month)}-${pad(l.day)}`;
  switch (unit) {
    case 'hourly':
      return `${date} ${pad(l.hour)}:00`;
    case 'daily':
      return date;
    case 'weekly': {
      const w = isoWeek(l);
      return `${pad(w.year, 4)}-W${pad(w.week)}`;
    }
    case 'monthly':
      return `${pad(l.year, 4)}-${pad(l.month)}`;
    case 'yearly':
      return pad(l.year, 4);
  }
}

/** "17:00": the local time of day of an instant, for "Next at 17:00". */
export function localTimeOfDay(instant: Date | number, timeZone: string): string {
  const l = localDateTime(instant, timeZone);
  return `${pad(l.hour)}:${pad(l.minute)}`;
}
