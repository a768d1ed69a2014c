/**
 * restoreFromZip: all or nothing (DESIGN.md, "Restore").
 * 1. Open and check the backup (openBackup) and the free space, before anything is written.
 * 2. Extract into `<dataDir>.staging-<id>`, checking every entry's SHA-256; integrity-
 *    and version-check the staged database.
 * 3. Stop the jobs (JOBS_STOP_FAILED aborts with nothing changed), close the database.
 * 4. Carry what the backup does not hold (a category left out, unknown files of the app)
 *    from the data dir into staging, then swap by rename under a journal (swap.ts).
 * 5. Reopen (which migrates an older schema), check the counts against the metadata,
 *    roll back if they differ. The jobs restart in `finally`, on failure too.
 * Before the swap a failure leaves the data dir as it was; after it, the roll-back does.
 */
import type { Counts } from '../ports/database.ts';
import type { FileSystem } from '../ports/fileSystem.ts';
import type { BackupConfig, BackupDeps, RunOptions } from './deps.ts';
import { bestEffort, compactTimestamp } from './deps.ts';
import { BackupError, throwIfCancelled } from './errors.ts';
import type { BackupMetadata } from './format.ts';
import { DATABASE_FILE, DATABASE_SIDE_FILES, FILES_DIR, SETTINGS_FILE } from './layout.ts';
import { extractEntries, inspectBackupDatabase, openBackup, type OpenedBackup } from './readBackup.ts';
import { listSafetyCopies, recoverDataDir, siblingPaths, swapUnderJournal } from './swap.ts';

export interface RestoreResult {
  readonly success: true;
  readonly restoreId: string;
  readonly restoredAt: string;
  readonly metadata: BackupMetadata;
  /** Problems that did not stop the restore; empty when all went well. */
  readonly errors: readonly string[];
  /** Where the data dir as it was before the restore is kept, or null if there was none. */
  readonly safetyCopy: string | null;
}

const OP = 'restore';
/** How many safety copies of earlier restores are kept beside the data dir. */
const SAFETY_COPIES_KEPT = 1;

export async function restoreFromZip(
  deps: BackupDeps,
  config: BackupConfig,
  path: string,
  run: RunOptions = {},
): Promise<RestoreResult> {
  const { fs } = deps;
  if (typeof path !== 'string' || path.length === 0) throw new BackupError('INVALID_INPUT', `${OP}: no backup file given`);
  await recoverDataDir(fs, config.dataDir);
  const restoreId = compactTimestamp(deps.clock.now());
  const paths = siblingPaths(fs, config.dataDir, restoreId);
  const backup = await openBackup(deps, config, path, OP, run.unlock);
  try {
    await fs.mkdir(paths.parent);
    const free = await fs.freeSpace(paths.parent);
    if (backup.totalBytes > free) {
      throw new BackupError('NO_SPACE', `${OP}: the backup needs ${backup.totalBytes} bytes, the disk of ${config.dataDir} has ${free} free`);
    }
    await fs.mkdir(paths.stagingDir, { mode: 0o700 });
    try {
      // Each folder is created once (a mkdir per document cost a trip through the threadpool
      // and two system calls; 20,000 documents share 256 folders).
      const folders = new Map<string, Promise<void>>();
      await extractEntries(deps, backup, async (item) => {
        const target = fs.join(paths.stagingDir, item.path);
        const folder = fs.dirname(target);
        let created = folders.get(folder);
        if (!created) folders.set(folder, (created = fs.mkdir(folder, { mode: 0o700 })));
        await created;
        return fs.openWrite(target, { mode: 0o600, exclusive: true });
      }, 'extract', OP, run, undefined, fs.join(paths.stagingDir, DATABASE_FILE));
      if (backup.metadata.options.includeDatabase) await checkStagedDatabase(deps, fs.join(paths.stagingDir, DATABASE_FILE));
      throwIfCancelled(run.signal, OP);
      await swapWithJobsStopped(deps, config, backup, paths.stagingDir, restoreId, run);
    } finally {
      // Gone after a swap; after a failure the next start removes it if this cannot.
      await bestEffort(deps, `${OP}: removing ${paths.stagingDir}`, () => fs.remove(paths.stagingDir));
    }
  } finally {
    await bestEffort(deps, `${OP}: closing ${path}`, () => backup.close());
  }
  // The restore is committed: housekeeping from here on is reported, never a failure.
  const errors: string[] = [];
  let safetyCopy: string | null = null;
  await bestEffort(deps, `${OP}: removing older safety copies`, async () => {
    const safety = await listSafetyCopies(fs, config.dataDir);
    if (safety.includes(paths.safetyDir)) safetyCopy = paths.safetyDir;
    for (const old of safety.slice(0, Math.max(0, safety.length - SAFETY_COPIES_KEPT))) await fs.remove(old);
  }, (m) => errors.push(m));
  return { success: true, restoreId, restoredAt: deps.clock.now().toISOString(), metadata: backup.metadata, errors, safetyCopy };
}

async function checkStagedDatabase(deps: BackupDeps, path: string): Promise<void> {
  const report = await inspectBackupDatabase(deps, path, OP);
  if (report.integrity !== 'ok') {
    throw new BackupError('DATABASE_CORRUPT', `${OP}: the backup's database fails its integrity check (${report.integrity})`);
  }
  if (report.schemaVersion === 0 && report.tables > 0) {
    // No migration of this app made it: the post-swap migration would fail on it, so refuse now.
    throw new BackupError(
      'UNSUPPORTED',
      `${OP}: the backup's database has tables but no schema version (user_version 0): no migration of this app made it, so it cannot be brought up to date; nothing was changed`,
    );
  }
  if (report.schemaVersion > deps.db.supportedSchemaVersion) {
    throw new BackupError(
      'NEWER_VERSION',
      `${OP}: the backup's database has schema version ${report.schemaVersion}; this version of the app supports up to ${deps.db.supportedSchemaVersion}. Update the app to restore it.`,
    );
  }
}

async function swapWithJobsStopped(
  deps: BackupDeps,
  config: BackupConfig,
  backup: OpenedBackup,
  stagingDir: string,
  restoreId: string,
  run: RunOptions,
): Promise<void> {
  const { fs, db } = deps;
  await swapUnderJournal(
    deps,
    config,
    run,
    async (hadDataDir) => {
      if (hadDataDir) await carryOver(fs, config.dataDir, stagingDir, backup.metadata);
      return { restoreId, dataDir: config.dataDir, stagingDir, safetyDir: siblingPaths(fs, config.dataDir, restoreId).safetyDir, hadDataDir, state: 'swapping' };
    },
    async () => {
      if (backup.metadata.options.includeDatabase) await checkCounts(await db.counts(), backup.metadata);
    },
  );
}

/**
 * Copies into staging what the backup does not replace, so the swapped-in dir is complete:
 * a category the backup leaves out keeps its current content. Documents are hard-linked
 * (they are immutable), everything else copied. The database's -wal/-shm are carried only
 * with the database they belong to.
 */
async function carryOver(fs: FileSystem, dataDir: string, stagingDir: string, metadata: BackupMetadata): Promise<void> {
  const { includeDatabase, includeFiles, includeMetadata } = metadata.options;
  for (const name of await fs.readdir(dataDir)) {
    if (name === DATABASE_FILE || DATABASE_SIDE_FILES.includes(name)) {
      if (includeDatabase) continue;
    } else if (name === FILES_DIR) {
      if (includeFiles) continue;
    } else if (name === SETTINGS_FILE) {
      if (includeMetadata) continue;
    }
    await copyTree(fs, fs.join(dataDir, name), fs.join(stagingDir, name), name === FILES_DIR);
  }
}

async function copyTree(fs: FileSystem, from: string, to: string, link: boolean): Promise<void> {
  const stat = await fs.stat(from);
  if (stat.kind === 'directory') {
    await fs.mkdir(to, { mode: 0o700 });
    for (const name of await fs.readdir(from)) await copyTree(fs, fs.join(from, name), fs.join(to, name), link);
    await fs.syncDir(to);
  } else if (stat.kind === 'file') {
    if (link) await fs.link(from, to);
    else await fs.copyFile(from, to);
  }
  // Symlinks and special files are not the app's; they are not carried (nor followed).
}

async function checkCounts(actual: Counts, metadata: BackupMetadata): Promise<void> {
  const expected = metadata.counts;
  for (const key of ['users', 'cases', 'tasks', 'hearings', 'orders'] as const) {
    if (actual[key] !== expected[key]) {
      throw new BackupError(
        'DATABASE_CORRUPT',
        `${OP}: after the restore the database has ${actual[key]} ${key}, the backup's metadata says ${expected[key]}; the previous data was put back`,
      );
    }
  }
}
