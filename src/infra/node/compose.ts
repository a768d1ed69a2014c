/**
 * The real machine's composition: node:fs, better-sqlite3, archiver/yauzl, the app's
 * interval jobs, bound to one data dir and backup dir. Used by the CLI, the Electron main
 * process and the browser shell. Start-up order matters: `service.recover()` (finish or
 * roll back an interrupted restore, remove leftovers of an interrupted export) runs before
 * the database is opened, so SQLite never sees a half-swapped data dir.
 *
 * Composing creates nothing in the backup dir: a command that only reads (list, stats,
 * verify, audit) must not leave a folder behind where a path was mistyped. The backup dir is
 * created by what writes into it (an export, an audit line), and the leftovers of an
 * interrupted export are removed by the next export (or at the app's start), under the
 * export lock.
 */
import { realpath } from 'node:fs/promises';
import { DEFAULT_LIMITS, type Limits } from '../../domain/limits.ts';
import { createBackupService, recoverBackupDir, type BackupService, type ServiceHooks } from '../../domain/service.ts';
import type { BackupConfig, BackupDeps } from '../../domain/deps.ts';
import type { Recovery } from '../../domain/swap.ts';
import { createBetterSqliteDatabase, type BetterSqliteDatabase } from '../betterSqlite/betterSqliteDatabase.ts';
import { nodeHashing } from '../crypto/nodeHashing.ts';
import { appJobs } from '../jobs/appJobs.ts';
import { createIntervalScheduler, type JobScheduler } from '../jobs/jobScheduler.ts';
import { createNodeFileSystem } from '../nodefs/nodeFileSystem.ts';
import { createLazyZipArchive } from './lazyZipArchive.ts';
import { createAgeEncryption } from '../age/ageEncryption.ts';
import { createNodeDestinations, type NodeDestinationsOptions } from './destinations.ts';
import type { FileSystem } from '../../ports/fileSystem.ts';
import { BackupError } from '../../domain/errors.ts';
import { recoverDataDir } from '../../domain/swap.ts';
import { requireFolderOrMissing } from '../../domain/dataDir.ts';
import { cleanBackupDir } from '../../domain/listBackups.ts';
import { createMemoryGovernor } from './memoryGovernor.ts';
import { acquireLock, tryLock, type LockHolder, type ProcessLock } from './processLock.ts';

/** The lock of an export, in the backup dir (one export per backup dir at a time). */
export const EXPORT_LOCK_FILE = '.export.lock';

export interface NodeBackupOptions {
  readonly dataDir: string;
  readonly backupDir: string;
  /** Credentials and options of S3 destinations; default: the SDK's credential chain. */
  readonly destinations?: NodeDestinationsOptions;
  /** Scratch space for verify; defaults to `<backupDir>/.tmp` (created by the verify that needs it). */
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
  /**
   * The data dir's lock (`<dataDir>.lock`), which guards recovery and restore:
   * 'exclusive' (default: the app, a CLI restore or check) takes it or rejects with BUSY;
   * 'if-free' (a CLI export while the app runs) takes it when free, and otherwise neither
   * recovers nor restores (the holder did recover at its start); 'none' never touches the
   * data dir (verify, list, delete, stats).
   */
  readonly dataDirLock?: 'exclusive' | 'if-free' | 'none';
  /** Wraps the file system the service sees (fault injection in tests). */
  readonly wrapFs?: (fs: FileSystem) => FileSystem;
  /**
   * Remove the leftovers of an interrupted export at start-up (default true: the app). The
   * CLI passes false: its commands that only read leave them for the next export, which
   * removes them anyway, and `casevault check` reports them.
   */
  readonly cleanBackupDirAtStart?: boolean;
  /** What is being done, for the messages of start-up failures ("export: the backup dir … is a file"); default 'start'. */
  readonly operation?: string;
  /**
   * Who holds the locks, as another process's BUSY message names it: the default is the
   * app; the CLI passes `casevault <command>`.
   */
  readonly holder?: string;
}

const APP_HOLDER = 'the casevault app';

/**
 * What a command is told while another process holds the data dir: the app (or a lock of an
 * older version, which named no command) is to be closed; a CLI command to be waited for.
 */
function dataDirBusy(operation: string, dataDir: string) {
  return (holder: LockHolder): string => {
    if (holder === null) return `${operation}: another process is opening the data dir ${dataDir}; try again in a moment`;
    if (holder.purpose.startsWith('casevault ')) {
      return `${operation}: \`${holder.purpose}\` (process ${holder.pid}) is using the data dir ${dataDir}; try again when it has finished`;
    }
    return `${operation}: the data dir ${dataDir} is open in the casevault app; close the casevault app (process ${holder.pid}) and try again`;
  };
}

function copyBusy(backupDir: string) {
  return (holder: LockHolder): string =>
    `copy: an export or a copy of ${backupDir} is ${holder === null ? 'starting; try again in a moment' : `running (process ${holder.pid}); try again when it has finished`}`;
}

function exportBusy(backupDir: string) {
  return (holder: LockHolder): string =>
    holder === null
      ? `export: another export into ${backupDir} is starting; try again in a moment`
      : `export: another export into ${backupDir} is running (process ${holder.pid}); try again when it has finished`;
}

export interface NodeBackup {
  readonly service: BackupService;
  readonly db: BetterSqliteDatabase;
  readonly jobs: JobScheduler & { dispose(): void };
  readonly deps: BackupDeps;
  readonly config: BackupConfig;
  /** What the start-up recovery did ('none' also when it was not ours to do). */
  readonly recovered: { dataDir: Recovery; removedFromBackupDir: string[] };
  /** Whether this composition holds the data dir's lock (may restore and recover). */
  readonly ownsDataDir: boolean;
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
    archive: createLazyZipArchive(fs),
    hashing: nodeHashing,
    clock: { now: () => new Date() },
    // age v1 (issue 13): node:crypto's ChaCha20-Poly1305 where it has one, else @noble/ciphers'.
    encryption: createAgeEncryption(),
    // Copies off the machine (issue 14): folders, and S3 with the SDK loaded on first use.
    destinations: createNodeDestinations(options.destinations),
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
  // Memory policies per operation (memoryGovernor.ts, with the measurements): the export has
  // dead buffers collected early; verify and restore keep V8's young generation at its
  // starting size (their memory grew with the number of entries).
  const memory = createMemoryGovernor();
  const lockMode = options.dataDirLock ?? 'exclusive';
  const operation = options.operation ?? 'start';
  // Before any lock: a lock file beside a path under a file fails with an errno, not a message.
  // Symlinks are followed for the check only: the lock and the swap stay beside the path as given.
  const followed = (path: string) => realpath(path).catch(() => path);
  if (lockMode !== 'none') await requireFolderOrMissing(fs, await followed(config.dataDir), operation, 'data dir');
  await requireFolderOrMissing(fs, await followed(config.backupDir), operation, 'backup dir');
  if (options.tempDir !== undefined) await requireFolderOrMissing(fs, await followed(config.tempDir), operation, 'temp dir');
  const holder = options.holder ?? APP_HOLDER;
  let dataLock: ProcessLock | null = null;
  if (lockMode === 'exclusive') dataLock = await acquireLock(`${config.dataDir}.lock`, holder, dataDirBusy(operation, config.dataDir));
  else if (lockMode === 'if-free') dataLock = await tryLock(`${config.dataDir}.lock`, holder);
  const backupLockPath = fs.join(config.backupDir, EXPORT_LOCK_FILE);
  // Around every export, a manual one and a scheduled run's alike (the service applies them).
  const hooks: ServiceHooks = {
    // One export per backup dir at a time, across processes, so a start-up clean never
    // removes a running export's .partial.
    aroundExport: async (fn) => {
      const lock = await acquireLock(backupLockPath, holder, exportBusy(config.backupDir));
      try {
        // Under the lock no other export runs: what an interrupted one left can go (if it
        // cannot, the export still runs; `casevault check` names what is left).
        await cleanBackupDir(deps, config).catch((error: unknown) => log('export: removing what an interrupted export left failed', error));
        return await memory.collectingEarly(fn);
      } finally {
        await lock.release();
      }
    },
    // A copy holds the same lock (no export or other copy meanwhile, so a copy's cleanUp takes only
    // orphans), without the export's early collections: the S3 upload keeps its part buffers on
    // purpose, and forced collections every 25 ms cost 1.6 s of CPU per 110 MB (bench/RESULTS.md).
    aroundCopy: async (fn) => {
      const lock = await acquireLock(backupLockPath, holder, copyBusy(config.backupDir));
      try {
        return await fn();
      } finally {
        await lock.release();
      }
    },
    // The pool's collection after a prune or a delete: under the same lock (no export is about
    // to list a new pack), and skipped, not waited for, when another process holds it.
    aroundCollect: async (fn) => {
      const lock = await tryLock(backupLockPath, holder);
      if (!lock) return null;
      try {
        return await fn();
      } finally {
        await lock.release();
      }
    },
    aroundVerify: (fn) => memory.holdingYoungGeneration(fn),
    aroundRestore: (operation, fn) => {
      if (!dataLock) {
        const what = operation === 'restore' ? 'restore' : 'undo-restore';
        return Promise.reject(new BackupError('BUSY', `${what}: the data dir ${config.dataDir} is in use by another process (the casevault app?); close it and try again`));
      }
      return memory.holdingYoungGeneration(fn);
    },
  };
  const base = createBackupService(deps, config, hooks);
  try {
    // Recovery is the lock holder's: recovering under a running app would undo its restore.
    // The backup dir's part (an interrupted export, prune or state write) under the export lock, if free.
    const cleanIfPresent = async () =>
      (await fs.exists(config.backupDir)) ? withBackupLockIfFree(backupLockPath, () => recoverBackupDir(deps, config)) : [];
    const recovered = {
      dataDir: dataLock ? await recoverDataDir(fs, config.dataDir) : ('none' as Recovery),
      removedFromBackupDir: (options.cleanBackupDirAtStart ?? true) ? await cleanIfPresent() : [],
    };
    if (recovered.dataDir !== 'none') log(`start-up: an interrupted restore was ${recovered.dataDir === 'rolled-back' ? 'rolled back' : 'finished'}`);
    const service = Object.defineProperties(
      {
        ...base,
        recover: async () => ({
          dataDir: dataLock ? await recoverDataDir(fs, config.dataDir) : ('none' as Recovery),
          removedFromBackupDir: await cleanIfPresent(),
        }),
      },
      // A getter of the service: forwarded, not copied.
      { activity: { get: () => base.activity, enumerable: true } },
    ) as BackupService;
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
      ownsDataDir: dataLock !== null,
      dispose: async () => {
        if (disposed) return;
        disposed = true;
        jobs.dispose();
        await jobs.stop({ timeoutMs: config.jobStopTimeoutMs }).catch((error: unknown) => log('shutdown: jobs did not stop', error));
        try {
          await db.close();
        } finally {
          await dataLock?.release();
        }
      },
    };
  } catch (error) {
    jobs.dispose();
    await db.close().catch(() => {});
    await dataLock?.release();
    throw error;
  }
}

async function withBackupLockIfFree(path: string, fn: () => Promise<string[]>): Promise<string[]> {
  const lock = await tryLock(path, 'clean the backup dir');
  if (!lock) return [];
  try {
    return await fn();
  } finally {
    await lock.release();
  }
}

/**
 * The real adapters alone, for a composition root that runs recovery and opens the database
 * itself (src/electron/main/compose.ts's AdapterFactory shape). Prefer
 * composeNodeBackupService: it also takes the data dir's lock, so the CLI cannot restore
 * under a running app.
 */
export async function createNodeAdapters(dirs: { dataDir: string; backupDir: string; tempDir: string }, options: { jobIntervalMs?: number; log?: (message: string, error?: unknown) => void } = {}) {
  const fs = createNodeFileSystem();
  const db = createBetterSqliteDatabase(dirs.dataDir);
  const jobs = createIntervalScheduler(appJobs(db), options.jobIntervalMs ?? 60_000, {
    onError: (job, error) => options.log?.(`job ${job} failed`, error),
  });
  const deps: Omit<BackupDeps, 'log'> = { fs, db, jobs, archive: createLazyZipArchive(fs), hashing: nodeHashing, clock: { now: () => new Date() } };
  return {
    deps,
    db,
    jobs,
    dispose: async () => {
      jobs.dispose();
      await jobs.stop({ timeoutMs: 10_000 }).catch((error: unknown) => options.log?.('shutdown: jobs did not stop', error));
      await db.close();
    },
  };
}
