/**
 * The composition root of the desktop app and of the browser shell: the one place where
 * adapters meet the use cases. It builds the real machine's backup service for a data dir
 * (node:fs, better-sqlite3, archiver/yauzl, the app's interval jobs: src/infra/node), which
 * runs the start-up recovery before the database opens, takes the data dir's lock, opens
 * the database and starts the jobs; it returns what the handler table needs.
 */
import { composeNodeBackupService } from '../infra/node/index.ts';
import type { FileSystem } from '../ports/fileSystem.ts';
import type { BackupRuntime } from './handlers.ts';

export interface ComposeOptions {
  readonly dataDir: string;
  readonly backupDir: string;
  /** Scratch space for verify; defaults to `<backupDir>/.tmp`. */
  readonly tempDir?: string;
  readonly appVersion?: string;
  readonly log?: (message: string, error?: unknown) => void;
  /** Wraps the file system the service sees (the shell's --throttle, fault injection). */
  readonly wrapFs?: (fs: FileSystem) => FileSystem;
}

export interface ComposedBackup extends BackupRuntime {
  /** Stops the jobs, closes the database, releases the data dir's lock. Idempotent. */
  close(): Promise<void>;
}

export const APP_VERSION = '0.1.0';

export async function composeBackupService(options: ComposeOptions): Promise<ComposedBackup> {
  const node = await composeNodeBackupService({
    dataDir: options.dataDir,
    backupDir: options.backupDir,
    appVersion: options.appVersion ?? APP_VERSION,
    ...(options.tempDir !== undefined ? { tempDir: options.tempDir } : {}),
    ...(options.log !== undefined ? { log: options.log } : {}),
    ...(options.wrapFs !== undefined ? { wrapFs: options.wrapFs } : {}),
  });
  return { service: node.service, deps: node.deps, config: node.config, close: () => node.dispose() };
}
