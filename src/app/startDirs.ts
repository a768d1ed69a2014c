/**
 * The dirs `npm start` was told to show, checked before anything opens them: composing the
 * backup service on a folder creates an empty database there, and the page would then show
 * it, and export it, as if it were the person's data. A data dir must be one (database.sqlite
 * or files/), except that a missing or empty folder is accepted where the caller will fill it
 * (the browser shell's demo data); a file or a folder of something else never is. A backup dir
 * may be missing (the first export creates it) but not a file. Symlinks are followed (the
 * port's stat does not).
 */
import { realpath } from 'node:fs/promises';
import { inspectDataDir, requireDataDir, requireFolderOrMissing } from '../domain/dataDir.ts';
import { isBackupError } from '../domain/errors.ts';
import { createNodeFileSystem } from '../infra/node/index.ts';

/** Resolves whether the data dir is new (missing or empty); rejects with the domain's codes otherwise. */
export async function checkStartDirs(options: { dataDir: string; backupDir?: string | undefined; acceptNew: boolean }): Promise<{ isNew: boolean }> {
  const fs = createNodeFileSystem();
  const followed = (path: string) => realpath(path).catch(() => path);
  const dataDir = await followed(options.dataDir);
  const shape = await inspectDataDir(fs, dataDir);
  const isNew = shape === 'missing' || shape === 'empty';
  if (!(isNew && options.acceptNew)) await requireDataDir(fs, dataDir, 'start');
  if (options.backupDir !== undefined) await requireFolderOrMissing(fs, await followed(options.backupDir), 'start', 'backup dir');
  return { isNew };
}

/** What to print when the app could not start: one line for what the person can fix, the stack of a bug. */
export function startFailureMessage(error: unknown, hint = ''): string {
  if (isBackupError(error)) return `casevault could not start: ${error.message.replace(/^start: /, '')}${hint}\n`;
  if (error instanceof Error && error.message.startsWith('casevault shell: ')) return `${error.message}\n`;
  return `casevault could not start: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`;
}
