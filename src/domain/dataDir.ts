/**
 * What a path given as a data dir or a backup dir is, before anything reads or writes it.
 * A data dir holds `database.sqlite` and/or `files/` (and maybe `settings.json`); a command
 * that reads one (export, check, the app on existing data) must refuse anything else rather
 * than create an empty database there and report success. A restore may target a missing or
 * empty folder (a new machine), never a file or a folder that holds something else.
 */
import type { FileSystem } from '../ports/fileSystem.ts';
import { BackupError } from './errors.ts';
import { DATABASE_FILE, FILES_DIR, SETTINGS_FILE } from './layout.ts';

export type DataDirShape = 'missing' | 'file' | 'empty' | 'data-dir' | 'other';

/** What a data dir looks like, for messages. */
export const DATA_DIR_LOOKS_LIKE = `a data dir holds ${DATABASE_FILE} and a ${FILES_DIR}/ folder (and ${SETTINGS_FILE})`;

/** Never rejects for a missing path; rejects only for what the file system reports otherwise. */
export async function inspectDataDir(fs: FileSystem, path: string): Promise<DataDirShape> {
  if (!(await fs.exists(path))) return 'missing';
  const { kind } = await fs.stat(path);
  if (kind !== 'directory' && kind !== 'symlink') return 'file';
  // A symlink is followed for this question only (a data dir on another disk, linked in).
  let names: string[];
  try {
    names = await fs.readdir(path);
  } catch (error) {
    if (kind === 'symlink') return 'file';
    throw error;
  }
  if (names.length === 0) return 'empty';
  return names.includes(DATABASE_FILE) || names.includes(FILES_DIR) ? 'data-dir' : 'other';
}

/**
 * Rejects unless `path` is a data dir: NOT_FOUND (missing), NOT_A_FOLDER (a file),
 * NOT_A_DATA_DIR (empty, or a folder of something else). Each message names the path.
 */
export async function requireDataDir(fs: FileSystem, path: string, operation: string): Promise<void> {
  const shape = await inspectDataDir(fs, path);
  if (shape === 'data-dir') return;
  throw dataDirError(shape, path, operation);
}

/** A restore's target: missing, empty or a data dir; never a file or another folder. */
export async function requireRestoreTarget(fs: FileSystem, path: string, operation: string): Promise<void> {
  const shape = await inspectDataDir(fs, path);
  if (shape === 'missing' || shape === 'empty' || shape === 'data-dir') return;
  throw dataDirError(shape, path, operation);
}

/**
 * Rejects with NOT_A_FOLDER if `path` exists and is not a folder (a data dir, a backup dir, a
 * temp dir), or if the nearest of its parents that exists is not one (the folder could never
 * be made there).
 */
export async function requireFolderOrMissing(fs: FileSystem, path: string, operation: string, what: string): Promise<void> {
  if (await fs.exists(path)) {
    if ((await fs.stat(path)).kind !== 'directory') {
      throw new BackupError('NOT_A_FOLDER', `${operation}: the ${what} ${path} is a file, not a folder; give the path of a folder`);
    }
    return;
  }
  for (let parent = fs.dirname(path); parent !== fs.dirname(parent); parent = fs.dirname(parent)) {
    if (!(await fs.exists(parent))) continue;
    if ((await fs.stat(parent)).kind !== 'directory') {
      throw new BackupError('NOT_A_FOLDER', `${operation}: the ${what} ${path} cannot be made: ${parent} is a file, not a folder; give the path of a folder`);
    }
    return;
  }
}

function dataDirError(shape: Exclude<DataDirShape, 'data-dir'>, path: string, operation: string): BackupError {
  switch (shape) {
    case 'missing':
      return new BackupError('NOT_FOUND', `${operation}: there is no data dir at ${path}; check the path (${DATA_DIR_LOOKS_LIKE})`);
    case 'file':
      return new BackupError('NOT_A_FOLDER', `${operation}: the data dir ${path} is a file, not a folder; give the folder that holds ${DATABASE_FILE}`);
    case 'empty':
      return new BackupError('NOT_A_DATA_DIR', `${operation}: ${path} is an empty folder, not a data dir; check the path (${DATA_DIR_LOOKS_LIKE})`);
    case 'other':
      return new BackupError('NOT_A_DATA_DIR', `${operation}: ${path} is not a data dir (it has no ${DATABASE_FILE} and no ${FILES_DIR}/); check the path (${DATA_DIR_LOOKS_LIKE})`);
  }
}
