/**
 * The spec suite's world: a data dir, a backup dir and scratch space on memfs, the app's
 * database on sql.js, a job that writes to the database while it runs, and the service.
 */
import type { SqlValue } from 'sql.js';
import { DEFAULT_LIMITS, type Limits } from '../../src/domain/limits.ts';
import { createBackupService } from '../../src/domain/service.ts';
import type { BackupConfig, BackupDeps } from '../../src/domain/deps.ts';
import { nodeHashing } from '../../src/infra/crypto/nodeHashing.ts';
import { createJobScheduler, type Job } from '../../src/infra/jobs/jobScheduler.ts';
import { createMemoryFileSystem } from '../../src/infra/memfs/memoryFileSystem.ts';
import { createSqlJsDatabase } from '../../src/infra/sqljs/sqlJsDatabase.ts';
import { createZipArchive } from '../../src/infra/zip/zipArchive.ts';
import type { FileSystem } from '../../src/ports/fileSystem.ts';

export const DATA_DIR = '/home/lawyer/casevault/data';
export const BACKUP_DIR = '/home/lawyer/casevault/backups';
export const TEMP_DIR = '/tmp';

export interface HarnessOptions {
  limits?: Partial<Limits>;
  freeBytes?: number;
  jobs?: (db: ReturnType<typeof createSqlJsDatabase>) => Job[];
  /** Wraps the file system the service sees (fault injection, recording). */
  wrapFs?: (fs: FileSystem) => FileSystem;
  supportedSchemaVersion?: number;
}

/** A job like the app's reminder job: writes a row while it runs. */
export function reminderJob(db: ReturnType<typeof createSqlJsDatabase>): Job {
  return {
    name: 'reminders',
    run: async () => {
      await db.write(`INSERT INTO reminders (task_id, created_at) VALUES (NULL, datetime('now'))`);
    },
  };
}

export async function createMemoryHarness(options: HarnessOptions = {}) {
  const memfs = createMemoryFileSystem(options.freeBytes === undefined ? {} : { freeBytes: options.freeBytes });
  const fs = options.wrapFs ? options.wrapFs(memfs) : memfs;
  await memfs.mkdir(DATA_DIR);
  await memfs.mkdir(TEMP_DIR);
  const db = createSqlJsDatabase(memfs, DATA_DIR, options.supportedSchemaVersion);
  await db.open();
  const jobs = createJobScheduler(options.jobs ? options.jobs(db) : [reminderJob(db)]);
  jobs.start();
  let clockMs = Date.parse('2026-11-25T09:00:00.000Z');
  const deps: BackupDeps = {
    fs,
    db,
    jobs,
    archive: createZipArchive(fs),
    hashing: nodeHashing,
    clock: { now: () => new Date((clockMs += 1000)) },
  };
  const config: BackupConfig = {
    dataDir: DATA_DIR,
    backupDir: BACKUP_DIR,
    tempDir: TEMP_DIR,
    appVersion: '1.4.0',
    limits: { ...DEFAULT_LIMITS, ...options.limits },
    jobStopTimeoutMs: 2000,
  };
  return { memfs, fs, db, jobs, deps, config, service: createBackupService(deps, config) };
}

export type MemoryHarness = Awaited<ReturnType<typeof createMemoryHarness>>;
export type { SqlValue };
