/**
 * A clock the end-to-end tests set: the browser shell uses it instead of the system clock
 * when started with a test clock (`--test-clock ISO`, or launchBrowserShell's `testClock`),
 * and only then answers POST /api/test-clock to move it. It starts at the given instant and
 * runs on with real time, so the service's timestamps stay distinct; `advance` jumps it (as
 * after a machine's sleep), which the scheduler notices at its next poll.
 */
import type { Clock } from '../ports/clock.ts';

export interface SettableClock extends Clock {
  /** Moves the clock `ms` ahead (or back, if negative); resolves with the new time. */
  advance(ms: number): Date;
  /** Sets the clock to `iso`. */
  set(iso: string): Date;
}

export function createSettableClock(startIso: string, timeZone?: string): SettableClock {
  const start = Date.parse(startIso);
  if (!Number.isFinite(start)) throw new Error(`test clock: "${startIso}" is not an ISO 8601 time`);
  const realStart = Date.now();
  let offset = start - realStart;
  const now = () => new Date(Date.now() + offset);
  return {
    now,
    ...(timeZone === undefined ? {} : { timeZone: () => timeZone }),
    advance(ms) {
      offset += ms;
      return now();
    },
    set(iso) {
      const at = Date.parse(iso);
      if (!Number.isFinite(at)) throw new Error(`test clock: "${iso}" is not an ISO 8601 time`);
      offset = at - Date.now();
      return now();
    },
  };
}
