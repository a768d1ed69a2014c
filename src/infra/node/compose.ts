/**
 * The real machine's composition: node:fs, better-sqlite3, archiver/yauzl, the app's
 * interval jobs, bound to one data dir and backup dir. Used by the CLI, the Electron main
 * process and the browser shell. Start-up order matters: `service.recover()` (finish or
 * roll back an interrupted restore, remove leftovers of an interrupted export) runs before
 * the database is opened, so SQLite never sees a half-swapped data dir.
 */
import { DEFAULT_LIMITS, type Limits } from '../../domain/limits.ts';
import { createBackupService, type BackupService } from '../../domain/service.ts';
import type { BackupConfig, BackupDeps } from '../../domain/deps.ts';
import type { Recovery } from '../../domain/swap.ts';
import { createBetterSqliteDatabase, type BetterSqliteDatabase } from '../betterSqlite/betterSqliteDatabase.ts';
import { nodeHashing } from '../crypto/nodeHashing.ts';
import { appJobs } from '../jobs/appJobs.ts';
import { createIntervalScheduler, type JobScheduler } from '../jobs/jobScheduler.ts';
import { createNodeFileSystem } from '../nodefs/nodeFileSystem.ts';
import { createZipArchive } from '../zip/zipArchive.ts';
import type { FileSystem } from '../../ports/fileSystem.ts';

export interface NodeBackupOptions {
  readonly dataDir: string;
  readonly backupDir: string;
  /** Scratch space for verify; defaults to `<backupDir>/.tmp`. */
  readonly tempDir?: string;
  readonly appVersion: string;
  readonly log?: (message: string, error?: unknown) => void;
  /** How often the app's jobs run; default 60 s. */
  readonly jobIntervalMs?: number;
  /** Start the jobs after opening (default true; the CLI passes false: it runs no jobs of its own). */
  readonly startJobs?: boolean;
  /** Open the database at once (default true). */
  readonly openDatabase?: boolean;
  readonly jobStopTimeoutMs?: number;
  readonly limits?: Partial<Limits>;
  /** Wraps the file system the service sees (fault injection in tests). */
  readonly wrapFs?: (fs: FileSystem) => FileSystem;
}

export interface NodeBackup {
  readonly service: BackupService;
  readonly db: BetterSqliteDatabase;
  readonly jobs: JobScheduler & { dispose(): void };
  readonly deps: BackupDeps;
  readonly config: BackupConfig;
  /** What the start-up recovery did. */
  readonly recovered: { dataDir: Recovery; removedFromBackupDir: string[] };
  /** Stops the jobs (waiting for a running one), closes (checkpoints) the database. Idempotent. */
  dispose(): Promise<void>;
}

export async function composeNodeBackupService(options: NodeBackupOptions): Promise<NodeBackup> {
  const log = options.log ?? ((message: string, error?: unknown) => console.error(`[casevault] ${message}`, error ?? ''));
  const nodeFs = createNodeFileSystem();
  const fs = options.wrapFs ? options.wrapFs(nodeFs) : nodeFs;
  const db = createBetterSqliteDatabase(options.dataDir);
  const jobs = createIntervalScheduler(appJobs(db), options.jobIntervalMs ?? 60_000, {
    onError: (job, error) => log(`job ${job} failed`, error),
  });
  const deps: BackupDeps = {
    fs,
    db,
    jobs,
    archive: createZipArchive(fs),
    hashing: nodeHashing,
    clock: { now: () => new Date() },
    log,
  };
  const config: BackupConfig = {
    dataDir: options.dataDir,
    backupDir: options.backupDir,
    tempDir: options.tempDir ?? fs.join(options.backupDir, '.tmp'),
    appVersion: options.appVersion,
    limits: { ...DEFAULT_LIMITS, ...options.limits },
    jobStopTimeoutMs: options.jobStopTimeoutMs ?? 10_000,
  };
  const service = createBackupService(deps, config);
  const recovered = await service.recover();
  if (recovered.dataDir !== 'none') log(`start-up: an interrupted restore was ${recovered.dataDir === 'rolled-back' ? 'rolled back' : 'finished'}`);
  await fs.mkdir(config.backupDir, { mode: 0o700 });
  await fs.chmod(config.backupDir, 0o700);
  await fs.mkdir(config.tempDir, { mode: 0o700 });
  if (options.openDatabase ?? true) await db.open();
  if (options.startJobs ?? true) jobs.start();
  let disposed = false;
  return {
    service,
    db,
    jobs,
    deps,
    config,
    recovered,
    dispose: async () => {
      if (disposed) return;
      disposed = true;
      jobs.dispose();
      await jobs.stop({ timeoutMs: config.jobStopTimeoutMs }).catch((error: unknown) => log('shutdown: jobs did not stop', error));
      await db.close();
    },
  };
}
