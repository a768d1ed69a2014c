import { BackupError, type ErrorCode } from '../../domain/errors.ts';

const CODES: Readonly<Record<string, ErrorCode>> = {
  ENOENT: 'NOT_FOUND',
  ENOTDIR: 'NOT_FOUND',
  ENOSPC: 'NO_SPACE',
  EDQUOT: 'NO_SPACE',
  EFBIG: 'NO_SPACE',
  EACCES: 'PERMISSION_DENIED',
  EPERM: 'PERMISSION_DENIED',
  EROFS: 'PERMISSION_DENIED',
  EEXIST: 'ALREADY_EXISTS',
  ENOTEMPTY: 'ALREADY_EXISTS',
  EBUSY: 'BUSY',
};

const HINTS: Partial<Record<ErrorCode, string>> = {
  NO_SPACE: 'the disk is full; free some space and try again',
  PERMISSION_DENIED: 'casevault may not write there; check the folder permissions',
  NOT_FOUND: 'no such file or folder',
  IO_ERROR: 'the disk reported an error; check the disk',
};

/** Turns an errno error into a BackupError at the boundary; the domain never sees errno. */
export function fromErrno(error: unknown, operation: string, path: string): BackupError {
  if (error instanceof BackupError) return error;
  const errno = typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
  const code: ErrorCode = (typeof errno === 'string' && CODES[errno]) || 'IO_ERROR';
  const hint = HINTS[code] ?? String(errno ?? 'error');
  return new BackupError(code, `${operation} ${path}: ${hint}${typeof errno === 'string' ? ` (${errno})` : ''}`, { cause: error });
}
