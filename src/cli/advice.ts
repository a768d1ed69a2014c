/**
 * What a person is told when the FILE given to verify or restore is not a good backup: what
 * is wrong in plain words and what to do (another backup, named when the same folder has
 * one; a copy from elsewhere), with the technical message kept as `detail` (after the plain
 * sentence on a terminal, a field of its own in --json).
 */
import { BackupError, isBackupError, type ErrorCode } from '../domain/errors.ts';
import { dateFromFileName } from '../domain/backupFiles.ts';
import { listBackups } from '../domain/listBackups.ts';
import type { NodeBackup } from '../infra/node/index.ts';
import { shellQuote } from './output.ts';

/** A BackupError whose message is for a person, with the technical one beside it. */
export class AdvisedError extends BackupError {
  readonly detail: string;

  constructor(code: ErrorCode, message: string, detail: string, options?: { cause?: unknown }) {
    super(code, message, options);
    this.detail = detail;
  }
}

const DAMAGED: ReadonlySet<ErrorCode> = new Set(['CORRUPT_ENTRY', 'CHECKSUM_MISMATCH']);
const ADVISED: ReadonlySet<ErrorCode> = new Set(['NOT_A_ZIP', 'TRUNCATED', 'MISSING_MANIFEST', ...DAMAGED]);

/** Runs `fn`, turning a bad-backup failure about `file` into an AdvisedError; anything else passes through. */
export async function withAdvice<T>(system: NodeBackup, operation: string, file: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    if (!isBackupError(error) || !ADVISED.has(error.code)) throw error;
    throw new AdvisedError(error.code, `${operation}: ${await plainWords(system, error.code, file)}`, error.message, { cause: error });
  }
}

async function plainWords(system: NodeBackup, code: ErrorCode, file: string): Promise<string> {
  const { fs } = system.deps;
  const other = await anotherBackup(system, file);
  const tryOther = other ? `try another backup: ${shellQuote(other)} (the next newest in the same folder)` : 'try another backup';
  if (DAMAGED.has(code)) {
    return `${file} was changed or damaged since it was made: its contents no longer match the checksums sealed into it. ` +
      `Do not use it; ${tryOther}, or a copy of this one from another drive.`;
  }
  if (code === 'TRUNCATED') {
    return `${file} is incomplete: its end is missing (a copy or download that did not finish, or a disk that was full). ` +
      `Copy it again from where it came from, or ${tryOther}.`;
  }
  const empty = (await fs.exists(file)) && (await fs.stat(file)).size === 0;
  if (empty) {
    return `${file} is empty (0 bytes): nothing was ever written into it, or copying it failed. Copy it again from where it came from, or ${tryOther}.`;
  }
  const what = code === 'MISSING_MANIFEST' ? 'it is a ZIP file, but not one casevault made' : 'it is not a ZIP file at all';
  return `${file} is not a casevault backup: ${what}. Check that you picked the right file (backups are named casevault-backup-<time>.zip)${other ? `, or ${tryOther}` : ''}.`;
}

/**
 * The backup to try instead, from FILE's own folder: the one after it in newest-first order
 * (the next newest), else the one before it; null if the folder holds no other export.
 */
async function anotherBackup(system: NodeBackup, file: string): Promise<string | null> {
  const { fs } = system.deps;
  try {
    // Only what an export made (its name): a stray .zip beside it is no better a bet.
    const listed = (await listBackups(system.deps, { ...system.config, backupDir: fs.dirname(file) })).filter((b) => dateFromFileName(b.fileName) !== null || b.filePath === file);
    const index = listed.findIndex((b) => b.filePath === file);
    const pick = index === -1 ? listed[0] : (listed[index + 1] ?? listed[index - 1]);
    return pick ? pick.filePath : null;
  } catch {
    return null; // the advice is a courtesy: a folder that cannot be read names no other backup
  }
}
