/**
 * The app's background jobs, run by createIntervalScheduler:
 * - reminders: for every open task due within `horizonMs` that has no reminder yet, writes
 *   one row into `reminders` (one write transaction per run);
 * - index: refreshes the query planner's statistics (`PRAGMA optimize`), the app's index
 *   maintenance. It writes only sqlite_stat* tables.
 * Both go through the live database, so a restore must stop them before it swaps.
 */
import type { BetterSqliteDatabase } from '../betterSqlite/betterSqliteDatabase.ts';
import type { Job } from './jobScheduler.ts';

export interface AppJobOptions {
  readonly now?: () => Date;
  /** How far ahead a due task gets its reminder. */
  readonly horizonMs?: number;
}

export function reminderJob(db: BetterSqliteDatabase, options: AppJobOptions = {}): Job {
  const now = options.now ?? (() => new Date());
  const horizonMs = options.horizonMs ?? 24 * 3600_000;
  return {
    name: 'reminders',
    run: async () => {
      const at = now();
      const until = new Date(at.getTime() + horizonMs).toISOString();
      await db.transaction((sql) =>
        sql.run(
          `INSERT INTO reminders (task_id, created_at)
           SELECT t.id, ? FROM tasks t
           WHERE t.done = 0 AND t.due_at IS NOT NULL AND t.due_at <= ?
             AND NOT EXISTS (SELECT 1 FROM reminders r WHERE r.task_id = t.id)`,
          [at.toISOString(), until],
        ),
      );
    },
  };
}

export function indexJob(db: BetterSqliteDatabase): Job {
  return {
    name: 'index',
    run: async () => {
      await db.query('PRAGMA optimize');
    },
  };
}

export function appJobs(db: BetterSqliteDatabase, options: AppJobOptions = {}): Job[] {
  return [reminderJob(db, options), indexJob(db)];
}
