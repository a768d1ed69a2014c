/**
 * The error model. Every failure a person can meet is a BackupError with a stable `code`
 * (a string, because only strings survive IPC) and a message that says the operation, then
 * the detail, with numbers. Anything else is a bug and becomes INTERNAL at the edge.
 */
export const ERROR_CODES = [
  'NOT_A_ZIP',
  'TRUNCATED',
  'CORRUPT_ENTRY',
  'CHECKSUM_MISMATCH',
  'MISSING_MANIFEST',
  'INVALID_MANIFEST',
  'UNSAFE_PATH',
  'UNEXPECTED_ENTRY',
  'DUPLICATE_ENTRY',
  'TOO_LARGE',
  'UNSUPPORTED',
  'NEWER_VERSION',
  'DATABASE_CORRUPT',
  'DOCUMENT_MISMATCH',
  'NO_SPACE',
  'PERMISSION_DENIED',
  'NOT_FOUND',
  'NOT_A_DATA_DIR',
  'NOT_A_FOLDER',
  'ALREADY_EXISTS',
  'IO_ERROR',
  'BUSY',
  'CANCELLED',
  'JOBS_STOP_FAILED',
  'INVALID_INPUT',
  'POLICY_INVALID',
  'STATE_CORRUPT',
  'INTERNAL',
  'ENCRYPTED_NEEDS_KEY',
  'WRONG_KEY',
  'WRONG_PASSWORD',
  'ENCRYPTED_DAMAGED',
  'KEY_FILE_DAMAGED',
  'ENCRYPTION_UNAVAILABLE',
  'DEST_UNREACHABLE',
  'DEST_ACCESS_DENIED',
  'DEST_NOT_FOUND',
  'DEST_FILE_TOO_LARGE',
  'COPY_MISMATCH',
  'POOL_OBJECT_MISSING',
  'POOL_OBJECT_DAMAGED',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

export class BackupError extends Error {
  override readonly name = 'BackupError';
  readonly code: ErrorCode;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

export function isBackupError(value: unknown): value is BackupError {
  return value instanceof BackupError;
}

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && (ERROR_CODES as readonly string[]).includes(value);
}

/**
 * The error a person sees for anything: a BackupError as it is, an abort as CANCELLED,
 * anything else as INTERNAL with a generic message (the caller logs the original).
 */
export function toBackupError(error: unknown, operation: string): BackupError {
  if (error instanceof BackupError) return error;
  if (isAbort(error)) return new BackupError('CANCELLED', `${operation}: cancelled`, { cause: error });
  return new BackupError('INTERNAL', `${operation}: an unexpected error occurred; see the log for details`, {
    cause: error,
  });
}

function isAbort(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { name?: unknown }).name === 'AbortError';
}

/** Throws CANCELLED if the signal was aborted (cancellation is not a failure: callers show no error toast). */
export function throwIfCancelled(signal: AbortSignal | undefined, operation: string): void {
  if (signal?.aborted) throw new BackupError('CANCELLED', `${operation}: cancelled`);
}
