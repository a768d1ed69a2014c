/**
 * The title a person reads for each error code, on the page's toasts and banners: the IPC
 * contract carries the code (src/domain/errors.ts has the codes and what each means), and
 * the page words it with this table. Every code has a title (the type says so).
 */
import type { ErrorCode } from '../domain/errors.ts';

export type { ErrorCode };

export const ERROR_TITLES: Readonly<Record<ErrorCode, string>> = {
  NOT_A_ZIP: 'This file is not a casevault backup',
  TRUNCATED: 'The backup file is incomplete',
  CORRUPT_ENTRY: 'The backup file is damaged',
  CHECKSUM_MISMATCH: 'The backup does not match its checksum',
  MISSING_MANIFEST: 'The backup has no manifest',
  INVALID_MANIFEST: 'The backup manifest is invalid',
  UNSAFE_PATH: 'The backup contains an unsafe file name',
  UNEXPECTED_ENTRY: 'The backup contains an unexpected file',
  DUPLICATE_ENTRY: 'The backup contains a file twice',
  TOO_LARGE: 'The backup is larger than allowed',
  UNSUPPORTED: 'The backup uses a feature casevault does not read',
  NEWER_VERSION: 'The backup was made by a newer version',
  DATABASE_CORRUPT: 'The database is damaged',
  DOCUMENT_MISMATCH: 'A document no longer matches its name',
  NO_SPACE: 'Not enough disk space',
  PERMISSION_DENIED: 'Permission denied',
  NOT_FOUND: 'File not found',
  NOT_A_DATA_DIR: 'That folder is not a casevault data dir',
  NOT_A_FOLDER: 'That path is a file, not a folder',
  ALREADY_EXISTS: 'The file already exists',
  IO_ERROR: 'The disk reported an error',
  BUSY: 'Another backup operation is running',
  CANCELLED: 'Cancelled',
  JOBS_STOP_FAILED: 'Background jobs could not be stopped',
  INVALID_INPUT: 'Invalid input',
  POLICY_INVALID: 'The backup policy file is damaged or invalid',
  STATE_CORRUPT: 'The backup state file is damaged',
  INTERNAL: 'Something went wrong',
  ENCRYPTED_NEEDS_KEY: 'This backup is encrypted: it needs the password or the recovery key',
  WRONG_KEY: 'This backup was encrypted to other keys',
  WRONG_PASSWORD: 'The password is wrong',
  ENCRYPTED_DAMAGED: 'The encrypted backup is damaged or was altered',
  KEY_FILE_DAMAGED: 'The key file is damaged',
  ENCRYPTION_UNAVAILABLE: 'Encrypted backups are on, but their keys are missing',
  DEST_UNREACHABLE: 'The copy destination cannot be reached',
  DEST_ACCESS_DENIED: 'The copy destination refused access',
  DEST_NOT_FOUND: 'The copy destination does not exist',
  DEST_FILE_TOO_LARGE: 'The copy destination cannot hold a file this large',
  COPY_MISMATCH: 'The copy does not match the backup',
  POOL_OBJECT_MISSING: 'Documents of this backup are missing from its pool',
  POOL_OBJECT_DAMAGED: 'Documents of this backup are damaged in its pool',
};
