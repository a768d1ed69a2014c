/**
 * The backup scheduler, host-neutral: the Electron main process and the browser shell both
 * run it. It asks the service's runDue (which asks the domain's backupDue and drillDue, and
 * acts) and the status, on a Clock port and a timer port, so a fake clock tests all of it.
 *
 * - Polls: every `pollMs` (real time) it reads the clock. A check reads the status (which
 *   only reads) and calls runDue only when a backup or a drill is due, so a check that finds
 *   nothing to do never holds the service against a manual operation. It runs when the
 *   status said the next backup or drill would be due, or `maxIdleMs` after
 *   the last check (a policy changed elsewhere), or at once when the clock jumped: a reading
 *   much later (or earlier) than the poll expected means the machine slept or the clock was
 *   changed. Short polls on the wall clock are what makes up a missed run after a sleep: a
 *   long timer would count only the time the machine was awake. Electron also calls
 *   `resume()` on powerMonitor's 'resume'.
 * - One catch-up, never a burst: the domain anchors the schedule on the last backup or run,
 *   so however long the sleep, the check after it finds one run due.
 * - A run that meets a manual operation (BUSY: here, or another process's export) records
 *   nothing and shows no error: the scheduler says 'waiting' and tries again every
 *   `busyRetryMs` until it runs.
 * - `stop()` (a restore, an undo, the app quitting) cancels a run in flight (it records
 *   nothing, so it is due again) and waits for it; `pausedWhile(fn)` stops, runs fn, starts.
 * - Events: its state, each run that did something, and the alarms when they change (with
 *   those newly raised, for a desktop notification).
 */
import type { Alarm, SchedulerEvent, SchedulerState } from '../contract/channels.ts';
import { isBackupError, toBackupError } from '../domain/errors.ts';
import type { RunDueReport } from '../domain/runDue.ts';
import { ranIntoBusy } from '../domain/runDue.ts';
import type { BackupService } from '../domain/service.ts';
import type { Clock } from '../ports/clock.ts';

export interface SchedulerTimers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const realTimers: SchedulerTimers = {
  setTimeout: (fn, ms) => {
    const handle = setTimeout(fn, ms);
    handle.unref?.(); // never what keeps a process alive
    return handle;
  },
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

export interface BackupSchedulerOptions {
  readonly service: Pick<BackupService, 'runDue' | 'status'>;
  readonly clock: Clock;
  readonly timers?: SchedulerTimers;
  /** How often the clock is read (real time); default 5 s. */
  readonly pollMs?: number;
  /** The longest between two checks when nothing is due; default 10 minutes. */
  readonly maxIdleMs?: number;
  /** How soon a run that met another operation tries again; default 10 s. */
  readonly busyRetryMs?: number;
  /** A reading this far from what the poll expected is a jump of the clock; default 1 minute. */
  readonly jumpMs?: number;
  /** How long the run at quit waits for a running operation; default 30 s. */
  readonly quitWaitMs?: number;
  readonly onEvent?: (event: SchedulerEvent) => void;
  /** Where a failure goes (a status that cannot be read, a run that could not run). */
  readonly log?: (message: string, error?: unknown) => void;
  /** What it noticed (the clock jumped, the machine resumed): not failures. */
  readonly notice?: (message: string) => void;
}

export interface BackupScheduler {
  /** Checks at once (a missed run is made up, once), then polls. Idempotent. */
  start(): void;
  /** Stops polling, cancels a run in flight (nothing is recorded) and waits for it. */
  stop(): Promise<void>;
  /** The machine woke up: check at once. */
  resume(): void;
  /** Something changed (the policy was saved, the test clock moved): check at once. */
  wake(): void;
  /** Stops, runs `fn` (a restore), and starts again after it, on failure too, if it was started. */
  pausedWhile<T>(fn: () => Promise<T>): Promise<T>;
  /** The app quits: stops, then backs up if the policy says so ("on app quit"). */
  atQuit(): Promise<void>;
  readonly state: SchedulerState;
  /** Resolves when no check is running (tests; the quit). */
  settled(): Promise<void>;
}

const DEFAULTS = { pollMs: 5_000, maxIdleMs: 10 * 60_000, busyRetryMs: 10_000, jumpMs: 60_000, quitWaitMs: 30_000 };

const alarmKey = (a: Alarm) => `${a.code} ${a.fileName ?? ''}`;

export function createBackupScheduler(options: BackupSchedulerOptions): BackupScheduler {
  const { service, clock } = options;
  const timers = options.timers ?? realTimers;
  const { pollMs, maxIdleMs, busyRetryMs, jumpMs, quitWaitMs } = { ...DEFAULTS, ...withoutUndefined(options) };
  const log = options.log ?? (() => {});
  const notice = options.notice ?? (() => {});
  const emit = (event: SchedulerEvent) => {
    try {
      options.onEvent?.(event);
    } catch (error) {
      log('scheduler: an event listener failed', error);
    }
  };

  let started = false;
  let state: SchedulerState = 'stopped';
  let poll: unknown = null;
  let lastReading = 0;
  let nextCheckAt = 0;
  let current: Promise<void> | null = null;
  let again = false;
  let controller: AbortController | null = null;
  let alarms: Map<string, Alarm> | null = null;

  const setState = (next: SchedulerState) => {
    if (next === state) return;
    state = next;
    emit({ type: 'state', state });
  };
  const now = () => clock.now().getTime();

  function schedulePoll(): void {
    if (poll !== null) timers.clearTimeout(poll);
    poll = started ? timers.setTimeout(onPoll, pollMs) : null;
  }

  function onPoll(): void {
    poll = null;
    if (!started) return;
    const t = now();
    const drift = t - (lastReading + pollMs);
    lastReading = t;
    if (Math.abs(drift) > jumpMs) {
      notice(`scheduler: the clock jumped ${drift > 0 ? 'ahead' : 'back'} by ${Math.round(Math.abs(drift) / 60_000)} minutes (asleep, or set); checking now`);
      check();
    } else if (t >= nextCheckAt) check();
    schedulePoll();
  }

  /** Runs a check, or one more after the running one. */
  function check(): void {
    if (!started) return;
    if (current) {
      again = true;
      return;
    }
    current = runCheck().finally(() => {
      current = null;
      if (again && started) {
        again = false;
        check();
      }
    });
  }

  async function runCheck(): Promise<void> {
    // The status only reads: a check that finds nothing due never holds the service, so a
    // manual operation (or a policy saved) meanwhile is not refused as BUSY.
    // Alarms are told from the status after the run when one is due (the run may resolve them).
    const due = await readStatus({ alarmsUnlessDue: true });
    if (!started || !due) {
      if (started) setState('idle');
      return;
    }
    controller = new AbortController();
    const signal = controller.signal;
    if (state !== 'waiting') setState('running');
    let busy = false;
    try {
      const report = await service.runDue({ trigger: 'schedule', signal, waitMs: 0 });
      busy = ranIntoBusy(report);
      if (!busy) finished(report, 'schedule');
    } catch (error) {
      if (signal.aborted || (isBackupError(error) && error.code === 'CANCELLED')) return; // stopped: nothing recorded, due again after
      if (isBackupError(error) && error.code === 'BUSY') busy = true;
      // A damaged policy or state stops the runs; the status shows it as an alarm.
      else log(`scheduler: the scheduled run could not run: ${toBackupError(error, 'scheduled run').message}`, error);
    } finally {
      controller = null;
    }
    if (!started) return;
    if (busy) {
      setState('waiting');
      nextCheckAt = now() + busyRetryMs;
      return;
    }
    await readStatus({ alarmsUnlessDue: false });
    if (started) setState('idle');
  }

  function finished(report: RunDueReport, trigger: 'schedule' | 'quit'): void {
    const { backup, prune, drill } = report;
    const pruned = prune?.result?.deleted.map((b) => b.fileName) ?? [];
    if (backup.outcome === 'not-due' && drill === null && pruned.length === 0) return;
    emit({
      type: 'run-finished',
      trigger,
      at: clock.now().toISOString(),
      backup: backup.outcome,
      fileName: backup.fileName,
      failure: backup.failure ?? (drill?.failure && drill.failure.code !== 'BUSY' ? drill.failure : null),
      pruned,
      drill: drill?.report ? { outcome: drill.report.outcome, verified: drill.report.results.filter((r) => r.result === 'ok').length, failed: drill.report.results.filter((r) => r.result === 'failed').length } : null,
    });
  }

  /** The alarms (raised ones told once) and when the next check is due; resolves whether a backup or a drill is due now. */
  async function readStatus(options: { alarmsUnlessDue: boolean }): Promise<boolean> {
    const t = now();
    try {
      const status = await service.status();
      const due = [status.nextBackup.nextDueAt, status.nextDrill.nextDueAt, status.nextCopy.nextDueAt].flatMap((iso) => (iso === null ? [] : [Date.parse(iso)]));
      // At least a poll away: a run due now that did not happen (a failure) is not retried in a loop.
      nextCheckAt = Math.max(t + pollMs, Math.min(t + maxIdleMs, ...due));
      const dueNow = status.nextBackup.due || status.nextDrill.due || status.nextCopy.due;
      if (dueNow && options.alarmsUnlessDue) return true;
      const next = new Map(status.alarms.map((a) => [alarmKey(a), a]));
      const raised = [...next].filter(([key]) => !alarms?.has(key)).map(([, a]) => a);
      const changed = alarms === null ? next.size > 0 : raised.length > 0 || [...alarms.keys()].some((key) => !next.has(key));
      alarms = next;
      if (changed) emit({ type: 'alarms', alarms: status.alarms, raised });
      return dueNow;
    } catch (error) {
      nextCheckAt = t + maxIdleMs;
      log('scheduler: the status could not be read', error);
      return false;
    }
  }

  async function stop(): Promise<void> {
    started = false;
    if (poll !== null) timers.clearTimeout(poll);
    poll = null;
    again = false;
    controller?.abort();
    await current;
    setState('stopped');
  }

  function start(): void {
    if (started) return;
    started = true;
    lastReading = now();
    setState('idle');
    check();
    schedulePoll();
  }

  return {
    start,
    stop,
    resume() {
      if (!started) return;
      notice('scheduler: the machine resumed; checking now');
      lastReading = now();
      check();
    },
    wake() {
      if (!started) return;
      lastReading = now();
      check();
    },
    async pausedWhile<T>(fn: () => Promise<T>): Promise<T> {
      const wasStarted = started;
      await stop();
      try {
        return await fn();
      } finally {
        if (wasStarted) start();
      }
    },
    async atQuit() {
      await stop();
      try {
        const report = await service.runDue({ trigger: 'quit', waitMs: quitWaitMs });
        if (!ranIntoBusy(report)) finished(report, 'quit');
      } catch (error) {
        log(`scheduler: the backup at quit did not run: ${toBackupError(error, 'backup at quit').message}`, error);
      }
    },
    get state() {
      return state;
    },
    async settled() {
      while (current) await current;
    },
  };
}

function withoutUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
