/**
 * The composition root of the desktop app and of the browser shell: the one place where
 * adapters meet the use cases. `composeBackupService` builds the ports for a data dir
 * (through an AdapterFactory), runs the start-up recovery (finish or roll back an
 * interrupted restore, clean an interrupted export) before the database opens, opens the
 * database and starts the background jobs.
 *
 * INTERIM WIRING: the real machine's adapters (node:fs + better-sqlite3, issue 3) are to
 * come from src/infra/node/index.ts. Until that module exists, `interimNodeAdapters` wires
 * the node:fs file system with the sql.js database (the spec suite's adapter, persisting
 * the whole database file on each write). Swap the default factory once it lands.
 */
import { DEFAULT_LIMITS } from '../../domain/limits.ts';
import { createBackupService } from '../../domain/service.ts';
import type { BackupConfig, BackupDeps } from '../../domain/deps.ts';
import type { Scheduler } from '../../ports/scheduler.ts';
import { nodeHashing } from '../../infra/crypto/nodeHashing.ts';
import { createIntervalScheduler, type Job } from '../../infra/jobs/jobScheduler.ts';
import { createNodeFileSystem } from '../../infra/nodefs/nodeFileSystem.ts';
import { createSqlJsDatabase } from '../../infra/sqljs/sqlJsDatabase.ts';
import { createZipArchive } from '../../infra/zip/zipArchive.ts';
import type { BackupRuntime } from './backupIpc.ts';

export interface Dirs {
  readonly dataDir: string;
  readonly backupDir: string;
  readonly tempDir: string;
}

/** The ports for one data dir, plus what must be released at shutdown. */
export interface AdapterSet {
  readonly deps: Omit<BackupDeps, 'log'>;
  dispose(): Promise<void>;
}

export type AdapterFactory = (dirs: Dirs) => Promise<AdapterSet>;

export interface ComposeOptions {
  readonly dataDir: string;
  readonly backupDir: string;
  /** Scratch space for verify; defaults to `<backupDir>/.tmp`. */
  readonly tempDir?: string;
  readonly appVersion?: string;
  readonly log?: (message: string, error?: unknown) => void;
  readonly adapters?: AdapterFactory;
}

export interface ComposedBackup extends BackupRuntime {
  /** Stops the jobs, closes the database. */
  close(): Promise<void>;
}

/** The app's background jobs. The real ones (reminders, indexing) belong to the app; none write here yet. */
const APP_JOBS: readonly Job[] = [];
const JOB_INTERVAL_MS = 60_000;

export const interimNodeAdapters: AdapterFactory = async (dirs) => {
  const fs = createNodeFileSystem();
  const db = createSqlJsDatabase(fs, dirs.dataDir);
  const jobs = createIntervalScheduler(APP_JOBS, JOB_INTERVAL_MS);
  return {
    deps: { fs, db, jobs: jobs satisfies Scheduler, archive: createZipArchive(fs), hashing: nodeHashing, clock: { now: () => new Date() } },
    dispose: async () => {
      jobs.dispose();
      await db.close();
    },
  };
};

export async function composeBackupService(options: ComposeOptions): Promise<ComposedBackup> {
  const dirs: Dirs = {
    dataDir: options.dataDir,
    backupDir: options.backupDir,
    tempDir: options.tempDir ?? `${options.backupDir}/.tmp`,
  };
  const log = options.log ?? ((message: string, error?: unknown) => console.error(`[casevault] ${message}`, error ?? ''));
  const adapters = await (options.adapters ?? interimNodeAdapters)(dirs);
  const deps: BackupDeps = { ...adapters.deps, log };
  const config: BackupConfig = {
    ...dirs,
    appVersion: options.appVersion ?? '0.1.0',
    limits: DEFAULT_LIMITS,
    jobStopTimeoutMs: 10_000,
  };
  const service = createBackupService(deps, config);
  await deps.fs.mkdir(dirs.tempDir, { mode: 0o700 });
  const recovered = await service.recover();
  if (recovered.dataDir !== 'none') log(`start-up: an interrupted restore was ${recovered.dataDir === 'rolled-back' ? 'rolled back' : 'finished'}`);
  await deps.db.open();
  deps.jobs.start();
  return {
    service,
    deps,
    config,
    close: async () => {
      await deps.jobs.stop({ timeoutMs: config.jobStopTimeoutMs }).catch((error: unknown) => log('shutdown: jobs did not stop', error));
      await adapters.dispose();
    },
  };
}
