/**
 * The background-job scheduler. Jobs run one at a time; `stop` stops new runs and waits
 * for the running one. `createJobScheduler` runs jobs when `tick()` is called (the spec
 * suite drives it); `createIntervalScheduler` ticks on a timer (the app).
 */
import type { Scheduler } from '../../ports/scheduler.ts';
import { BackupError } from '../../domain/errors.ts';

export interface Job {
  readonly name: string;
  run(): Promise<void>;
}

export type SchedulerEvent = 'start' | 'stop-requested' | 'stopped' | `run:${string}` | `done:${string}`;

export interface JobScheduler extends Scheduler {
  /** Runs every job once, one after another, if started; resolves when they are done. */
  tick(): Promise<void>;
  /** What happened, in order (for tests and the log). */
  readonly events: SchedulerEvent[];
  /** The job running now, if any. */
  readonly busy: boolean;
}

export function createJobScheduler(jobs: readonly Job[], options: { onError?: (job: string, error: unknown) => void } = {}): JobScheduler {
  let running = false;
  let current: Promise<void> | null = null;
  const events: SchedulerEvent[] = [];

  const scheduler: JobScheduler = {
    events,
    get running() {
      return running;
    },
    get busy() {
      return current !== null;
    },
    start() {
      if (running) return;
      running = true;
      events.push('start');
    },
    async stop({ timeoutMs }) {
      running = false;
      events.push('stop-requested');
      if (current) {
        let timer: ReturnType<typeof setTimeout> | undefined;
        const timeout = new Promise<'timeout'>((resolve) => {
          timer = setTimeout(() => resolve('timeout'), timeoutMs);
        });
        const outcome = await Promise.race([current.then(() => 'done' as const), timeout]);
        clearTimeout(timer);
        if (outcome === 'timeout') {
          throw new BackupError('JOBS_STOP_FAILED', `restore: a background job is still running after ${timeoutMs} ms; nothing was changed. Try again in a moment.`);
        }
      }
      events.push('stopped');
    },
    async tick() {
      if (!running || current) return;
      current = (async () => {
        for (const job of jobs) {
          if (!running) break;
          events.push(`run:${job.name}`);
          try {
            await job.run();
          } catch (error) {
            options.onError?.(job.name, error);
          }
          events.push(`done:${job.name}`);
        }
      })();
      try {
        await current;
      } finally {
        current = null;
      }
    },
  };
  return scheduler;
}

/** The app's scheduler: ticks every `intervalMs` while started. */
export function createIntervalScheduler(
  jobs: readonly Job[],
  intervalMs: number,
  options: { onError?: (job: string, error: unknown) => void } = {},
): JobScheduler & { dispose(): void } {
  const inner = createJobScheduler(jobs, options);
  const timer = setInterval(() => void inner.tick(), intervalMs);
  timer.unref?.();
  return Object.assign(inner, { dispose: () => clearInterval(timer) });
}
