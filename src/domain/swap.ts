/**
 * The swap at the heart of a restore, and its recovery after a crash.
 *
 * Beside `<dataDir>` (same file system, so renames are atomic) live, during a restore:
 *   <dataDir>.staging-<id>     the complete, verified new data dir
 *   <dataDir>.safety-<id>      the old data dir, kept after the swap
 *   <dataDir>.restore-journal  what is being done, written (fsynced) before the first rename
 * The swap is two renames: data → safety, staging → data. Whatever instant the process
 * dies at, `recoverDataDir` finds one of three states and finishes the swap (the staging
 * was complete before the journal was written), or finishes a roll-back that had begun.
 *
 * An undo of a restore (undoRestore.ts) is the same swap with the safety copy as its
 * staging (journal kind 'undo'): data → a new safety copy, the old safety copy → data. Its
 * roll-back puts the swapped-in copy back where it came from instead of removing it: in an
 * undo, "staging" is data a person may still want.
 */
import type { FileSystem } from '../ports/fileSystem.ts';
import type { BackupConfig, BackupDeps, RunOptions } from './deps.ts';
import { BackupError } from './errors.ts';

export interface Journal {
  readonly restoreId: string;
  readonly dataDir: string;
  readonly stagingDir: string;
  readonly safetyDir: string;
  /** Whether a data dir existed before (a restore onto a new computer has none). */
  readonly hadDataDir: boolean;
  readonly state: 'swapping' | 'rolling-back';
  /** 'undo': staging is a safety copy being put back (kept on roll-back). Absent: a restore. */
  readonly kind?: 'restore' | 'undo';
}

export function siblingPaths(fs: FileSystem, dataDir: string, restoreId: string) {
  return {
    stagingDir: `${dataDir}.staging-${restoreId}`,
    safetyDir: `${dataDir}.safety-${restoreId}`,
    failedDir: `${dataDir}.failed-${restoreId}`,
    journalPath: journalPath(dataDir),
    parent: fs.dirname(dataDir),
  };
}

function journalPath(dataDir: string): string {
  return `${dataDir}.restore-journal`;
}

async function writeJournal(fs: FileSystem, journal: Journal): Promise<void> {
  const path = journalPath(journal.dataDir);
  await fs.writeFile(`${path}.partial`, new TextEncoder().encode(JSON.stringify(journal)), { mode: 0o600 });
  await fs.rename(`${path}.partial`, path);
  await fs.syncDir(fs.dirname(journal.dataDir));
}

async function clearJournal(fs: FileSystem, dataDir: string): Promise<void> {
  await fs.remove(journalPath(dataDir));
  await fs.syncDir(fs.dirname(dataDir));
}

/** Swaps staging in; after it resolves the new data is live and the old is at `safetyDir`. */
export async function swapIn(fs: FileSystem, journal: Journal): Promise<void> {
  await writeJournal(fs, journal);
  await rollForward(fs, journal);
}

/** The swap is done and verified: forget the journal. */
export async function commitSwap(fs: FileSystem, journal: Journal): Promise<void> {
  await clearJournal(fs, journal.dataDir);
}

/** Puts the old data dir back after a swap that cannot be kept. */
export async function rollBack(fs: FileSystem, journal: Journal): Promise<void> {
  const rolling: Journal = { ...journal, state: 'rolling-back' };
  await writeJournal(fs, rolling);
  await finishRollBack(fs, rolling);
}

async function rollForward(fs: FileSystem, j: Journal): Promise<void> {
  const parent = fs.dirname(j.dataDir);
  if (await fs.exists(j.stagingDir)) {
    if (j.hadDataDir && (await fs.exists(j.dataDir))) {
      if (await fs.exists(j.safetyDir)) {
        throw new BackupError('INTERNAL', `restore: ${j.dataDir}, its staging and its safety copy all exist; resolve by hand`);
      }
      await fs.rename(j.dataDir, j.safetyDir);
    }
    await fs.rename(j.stagingDir, j.dataDir);
  }
  await fs.syncDir(parent);
}

async function finishRollBack(fs: FileSystem, j: Journal): Promise<void> {
  if (j.kind === 'undo') return finishUndoRollBack(fs, j);
  const { failedDir } = siblingPaths(fs, j.dataDir, j.restoreId);
  if (j.hadDataDir && (await fs.exists(j.safetyDir))) {
    if (await fs.exists(j.dataDir)) await fs.rename(j.dataDir, failedDir);
    await fs.rename(j.safetyDir, j.dataDir);
  } else if (!j.hadDataDir && (await fs.exists(j.dataDir))) {
    await fs.rename(j.dataDir, failedDir);
  }
  await fs.syncDir(fs.dirname(j.dataDir));
  await fs.remove(failedDir);
  await fs.remove(j.stagingDir);
  await clearJournal(fs, j.dataDir);
}

/** An undo's roll-back: the swapped-in safety copy goes back to its own name, the data dir back in place. */
async function finishUndoRollBack(fs: FileSystem, j: Journal): Promise<void> {
  const present = async (path: string) => fs.exists(path);
  if ((await present(j.dataDir)) && !(await present(j.stagingDir)) && (!j.hadDataDir || (await present(j.safetyDir)))) {
    await fs.rename(j.dataDir, j.stagingDir);
  }
  if (j.hadDataDir && (await present(j.safetyDir))) {
    if (await present(j.dataDir)) throw new BackupError('INTERNAL', `undo-restore: ${j.dataDir}, its safety copy and the data dir it replaced all exist; resolve by hand`);
    await fs.rename(j.safetyDir, j.dataDir);
  }
  await fs.syncDir(fs.dirname(j.dataDir));
  await clearJournal(fs, j.dataDir);
}

export type Recovery = 'none' | 'finished-swap' | 'rolled-back';

/**
 * Run at every start (app or CLI) before the database is opened: finishes or rolls back
 * an interrupted swap and removes leftovers of an interrupted restore.
 */
export async function recoverDataDir(fs: FileSystem, dataDir: string): Promise<Recovery> {
  const path = journalPath(dataDir);
  let outcome: Recovery = 'none';
  await fs.remove(`${path}.partial`);
  if (await fs.exists(path)) {
    const journal = parseJournal(await fs.readFile(path), dataDir);
    if (journal.state === 'swapping') {
      await rollForward(fs, journal);
      await clearJournal(fs, dataDir);
      outcome = 'finished-swap';
    } else {
      await finishRollBack(fs, journal);
      outcome = 'rolled-back';
    }
  }
  // Staging and failed dirs are only ever useful while a journal names them.
  const parent = fs.dirname(dataDir);
  const base = fs.basename(dataDir);
  if (await fs.exists(parent)) {
    for (const name of await fs.readdir(parent)) {
      if (name.startsWith(`${base}.staging-`) || name.startsWith(`${base}.failed-`)) await fs.remove(fs.join(parent, name));
    }
  }
  return outcome;
}

function parseJournal(bytes: Uint8Array, dataDir: string): Journal {
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder().decode(bytes));
  } catch (error) {
    throw new BackupError('INTERNAL', `restore: the journal beside ${dataDir} is unreadable; resolve by hand`, { cause: error });
  }
  const j = value as Partial<Journal>;
  if (
    typeof j.restoreId !== 'string' || j.dataDir !== dataDir || typeof j.stagingDir !== 'string' ||
    typeof j.safetyDir !== 'string' || typeof j.hadDataDir !== 'boolean' ||
    (j.state !== 'swapping' && j.state !== 'rolling-back') ||
    (j.kind !== undefined && j.kind !== 'restore' && j.kind !== 'undo')
  ) {
    throw new BackupError('INTERNAL', `restore: the journal beside ${dataDir} is not one casevault wrote; resolve by hand`);
  }
  return j as Journal;
}

/** Safety copies of earlier restores, oldest first. */
export async function listSafetyCopies(fs: FileSystem, dataDir: string): Promise<string[]> {
  const parent = fs.dirname(dataDir);
  const prefix = `${fs.basename(dataDir)}.safety-`;
  if (!(await fs.exists(parent))) return [];
  return (await fs.readdir(parent)).filter((n) => n.startsWith(prefix)).sort().map((n) => fs.join(parent, n));
}

/**
 * The swap as a restore and an undo do it: the jobs stopped and the database closed, the data
 * dir swapped by rename under the journal `prepare` gives (it is told whether a data dir was
 * there, and may fill the staging dir first), the database opened and `check`ed before the swap
 * is committed. On any failure after the journal, the swap is rolled back and the database
 * reopened on what was there; the jobs start again either way. Resolves with whether a data
 * dir was there (it is now the safety copy).
 */
export async function swapUnderJournal(
  deps: Pick<BackupDeps, 'fs' | 'db' | 'jobs'>,
  config: Pick<BackupConfig, 'dataDir' | 'jobStopTimeoutMs'>,
  run: Pick<RunOptions, 'onProgress'>,
  prepare: (hadDataDir: boolean) => Promise<Journal>,
  check: () => Promise<void> = async () => {},
): Promise<boolean> {
  const { fs, db, jobs } = deps;
  try {
    await jobs.stop({ timeoutMs: config.jobStopTimeoutMs });
    await db.close();
    let journal: Journal | undefined;
    try {
      const hadDataDir = await fs.exists(config.dataDir);
      const prepared = await prepare(hadDataDir);
      run.onProgress?.({ phase: 'swap', done: 0, total: 1, unit: 'files' });
      journal = prepared;
      await swapIn(fs, journal);
      await db.open(); // migrates an older schema
      await check();
      await commitSwap(fs, journal);
      run.onProgress?.({ phase: 'swap', done: 1, total: 1, unit: 'files' });
      return hadDataDir;
    } catch (error) {
      if (journal) {
        await db.close();
        await rollBack(fs, journal);
      }
      await db.open();
      throw error;
    }
  } finally {
    jobs.start();
  }
}
