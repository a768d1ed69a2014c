import type { ArchiveFormat } from '../ports/archive.ts';
import type { Clock } from '../ports/clock.ts';
import type { Database } from '../ports/database.ts';
import type { Destinations } from '../ports/destination.ts';
import type { Encryption } from '../ports/encryption.ts';
import type { FileSystem } from '../ports/fileSystem.ts';
import type { Hashing } from '../ports/hashing.ts';
import type { Scheduler } from '../ports/scheduler.ts';
import type { Limits } from './limits.ts';
import type { ProgressListener } from './progress.ts';

/** What every use case is given: the ports, wired by a composition root (electron, cli, spec). */
export interface BackupDeps {
  readonly fs: FileSystem;
  readonly db: Database;
  readonly jobs: Scheduler;
  readonly archive: ArchiveFormat;
  readonly hashing: Hashing;
  readonly clock: Clock;
  /** Encrypted backups (issue 13); absent: this build cannot encrypt (an export with encryption on fails). */
  readonly encryption?: Encryption;
  /** Copies off the machine (issue 14); absent: this build has no destinations (UNSUPPORTED). */
  readonly destinations?: Destinations;
  /** Where the detail of an INTERNAL error goes. */
  readonly log?: (message: string, error?: unknown) => void;
}

export interface BackupConfig {
  readonly dataDir: string;
  readonly backupDir: string;
  /** Scratch space for verify (a database extracted for its integrity check). */
  readonly tempDir: string;
  readonly appVersion: string;
  readonly limits: Limits;
  /** How long a restore waits for a running job before JOBS_STOP_FAILED. */
  readonly jobStopTimeoutMs: number;
}

export interface RunOptions {
  readonly signal?: AbortSignal;
  readonly onProgress?: ProgressListener;
  /** What opens an encrypted backup (verify, restore, drill); a plaintext one needs nothing. */
  readonly unlock?: Unlock;
}

/** A password (it opens the backup dir's key file) and/or the recovery key (`AGE-SECRET-KEY-1…`). Secrets: never logged. */
export interface Unlock {
  readonly password?: string;
  readonly recoveryKey?: string;
}

/** A timestamp that sorts as it reads and is safe in a file name: 20261125T233100123Z. */
export function compactTimestamp(date: Date): string {
  return date.toISOString().replace(/[-:]/g, '').replace('.', '');
}

/**
 * Housekeeping that must not change an operation's outcome: removing a leftover, closing a
 * reader. A failure is logged and reported to `onFailure` (a warning for the result), and
 * the next start cleans what is left; it never replaces the operation's own error or success.
 */
export async function bestEffort(deps: BackupDeps, what: string, fn: () => Promise<unknown>, onFailure?: (message: string) => void): Promise<void> {
  try {
    await fn();
  } catch (error) {
    deps.log?.(`${what} failed`, error);
    onFailure?.(`${what} failed: ${error instanceof Error ? error.message : String(error)}`);
  }
}
