/**
 * undoRestore: the safety copy a restore keeps beside the data dir (`<dataDir>.safety-<id>`)
 * becomes the data dir again, all or nothing, like a restore:
 * 1. Finish or roll back any interrupted restore or undo first (recoverDataDir).
 * 2. The newest safety copy is the one to put back (NOT_FOUND if there is none). Its
 *    database is checked before anything changes: integrity_check, and a schema version
 *    this app can open (a safety copy is the app's own data dir, but it sat on disk).
 * 3. Stop the jobs, close the database, then swap by rename under the restore's journal
 *    (swap.ts, kind 'undo'): data dir → a new safety copy, the safety copy → data dir. The
 *    staging of this swap is the safety copy itself, complete before the journal is written,
 *    so an interrupted undo is finished (or its roll-back finished) at the next start.
 * 4. Reopen the database (which migrates an older schema, as after a restore); if it does not
 *    open, roll back. The jobs restart in `finally`.
 * The data dir it replaced is kept as the new safety copy, so the undo can itself be undone;
 * older safety copies are removed as a restore removes them.
 */
import type { BackupConfig, BackupDeps, RunOptions } from './deps.ts';
import { bestEffort, compactTimestamp } from './deps.ts';
import { BackupError, throwIfCancelled } from './errors.ts';
import { DATABASE_FILE } from './layout.ts';
import { listSafetyCopies, recoverDataDir, siblingPaths, swapUnderJournal } from './swap.ts';

const OP = 'undo-restore';
const SAFETY_INFIX = '.safety-';

export interface UndoOffer {
  /** The safety copy an undo would put back. */
  readonly safetyCopy: string;
  /** When the restore that made it ran (from its name), ISO 8601, or null if the name does not say. */
  readonly restoredAt: string | null;
}

export interface UndoResult {
  readonly success: true;
  /** The safety copy that is the data dir again (that path no longer exists). */
  readonly restoredFrom: string;
  /** Where the data dir it replaced is kept (undo this undo with it), or null if there was none. */
  readonly safetyCopy: string | null;
  readonly undoneAt: string;
  /** Housekeeping problems that did not stop the undo. */
  readonly errors: readonly string[];
}

/** What "Undo the last restore" would put back, or null when there is nothing to undo. */
export async function findUndo(deps: BackupDeps, config: BackupConfig): Promise<UndoOffer | null> {
  const newest = (await listSafetyCopies(deps.fs, config.dataDir)).at(-1);
  if (newest === undefined) return null;
  return { safetyCopy: newest, restoredAt: timeOfId(newest.slice(newest.lastIndexOf(SAFETY_INFIX) + SAFETY_INFIX.length)) };
}

/** `20261125T233100123Z` → `2026-11-25T23:31:00.123Z`; null if it is not such a stamp. */
function timeOfId(id: string): string | null {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})(\d{3})Z$/.exec(id);
  if (!m) return null;
  const date = new Date(`${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}.${m[7]}Z`);
  return Number.isNaN(date.getTime()) ? null : date.toISOString();
}

export async function undoRestore(deps: BackupDeps, config: BackupConfig, run: RunOptions = {}): Promise<UndoResult> {
  const { fs, db, jobs } = deps;
  await recoverDataDir(fs, config.dataDir);
  const offer = await findUndo(deps, config);
  if (offer === null) {
    throw new BackupError('NOT_FOUND', `${OP}: there is no restore to undo: a restore keeps the data dir it replaced beside it as ${fs.basename(config.dataDir)}${SAFETY_INFIX}<time>, and there is none beside ${config.dataDir}`);
  }
  const source = offer.safetyCopy;
  await checkSafetyCopy(deps, source);
  throwIfCancelled(run.signal, OP);

  const undoId = compactTimestamp(deps.clock.now());
  const newSafety = siblingPaths(fs, config.dataDir, undoId).safetyDir;
  const hadDataDir = await swapUnderJournal(deps, config, run, async (had) => ({ restoreId: undoId, dataDir: config.dataDir, stagingDir: source, safetyDir: newSafety, hadDataDir: had, state: 'swapping', kind: 'undo' }));
  // The undo is committed: housekeeping from here on is reported, never a failure.
  const errors: string[] = [];
  await bestEffort(deps, `${OP}: removing older safety copies`, async () => {
    for (const old of await listSafetyCopies(fs, config.dataDir)) if (old !== newSafety) await fs.remove(old);
  }, (m) => errors.push(m));
  return { success: true, restoredFrom: source, safetyCopy: hadDataDir ? newSafety : null, undoneAt: deps.clock.now().toISOString(), errors };
}

/** The safety copy's database must be one this app can open; checked before anything changes. */
async function checkSafetyCopy(deps: BackupDeps, dir: string): Promise<void> {
  const { fs } = deps;
  if ((await fs.stat(dir)).kind !== 'directory') throw new BackupError('NOT_A_FOLDER', `${OP}: the safety copy ${dir} is not a folder; nothing was changed`);
  const database = fs.join(dir, DATABASE_FILE);
  if (!(await fs.exists(database))) return;
  const report = await deps.db.inspectFile(database);
  if (report.integrity !== 'ok') {
    throw new BackupError('DATABASE_CORRUPT', `${OP}: the database of the safety copy ${dir} fails its integrity check (${report.integrity}); nothing was changed`);
  }
  if (report.schemaVersion > deps.db.supportedSchemaVersion) {
    throw new BackupError('NEWER_VERSION', `${OP}: the database of the safety copy ${dir} has schema version ${report.schemaVersion}; this version of the app supports up to ${deps.db.supportedSchemaVersion}. Update the app to undo the restore.`);
  }
}
