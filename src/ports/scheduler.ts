/** The app's background jobs (reminders, indexing) that write to the data dir. */
export interface Scheduler {
  /**
   * Stops scheduling new runs and waits for a running job to finish. Rejects with
   * JOBS_STOP_FAILED if a job is still running after `timeoutMs`; the scheduler then
   * stays stopped (the caller restarts it).
   */
  stop(options: { timeoutMs: number }): Promise<void>;
  /** Starts (or restarts) scheduling. Idempotent. */
  start(): void;
  readonly running: boolean;
}
