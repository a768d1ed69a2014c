/**
 * The composition root of the desktop app and of the browser shell: the one place where
 * adapters meet the use cases for both hosts. It builds the real machine's backup service
 * for a data dir (src/infra/node: node:fs, better-sqlite3, our ZIP, the app's interval jobs),
 * which runs the start-up recovery before the database opens, takes the data dir's lock,
 * opens the database and starts the jobs; and the backup scheduler over that service. A
 * restore and an undo of one stop the scheduler, like the app's other jobs, and start it
 * again after. The host subscribes to the events, then starts the scheduler.
 */
import type { SchedulerEvent } from '../contract/channels.ts';
import { composeNodeBackupService } from '../infra/node/index.ts';
import type { BackupService } from '../domain/service.ts';
import type { Clock } from '../ports/clock.ts';
import type { FileSystem } from '../ports/fileSystem.ts';
import type { BackupRuntime } from './handlers.ts';
import { createBackupScheduler, type BackupScheduler, type BackupSchedulerOptions } from './scheduler.ts';
import { createCredentialResolver, createMemoryCredentialStore, type CredentialStore } from './credentials.ts';

export interface ComposeOptions {
  readonly dataDir: string;
  readonly backupDir: string;
  /** Scratch space for verify; defaults to `<backupDir>/.tmp`. */
  readonly tempDir?: string;
  readonly appVersion?: string;
  readonly log?: (message: string, error?: unknown) => void;
  /** Wraps the file system the service sees (the shell's --throttle, fault injection). */
  readonly wrapFs?: (fs: FileSystem) => FileSystem;
  /** The clock the service and the scheduler read (the browser shell's test clock); default the system's. */
  readonly clock?: Clock;
  /** The scheduler's timing (tests); its clock and service are this composition's. */
  readonly schedulerTiming?: Pick<BackupSchedulerOptions, 'pollMs' | 'busyRetryMs' | 'maxIdleMs' | 'timers'>;
  /**
   * Where S3 keys typed into the page are kept (the desktop app: the OS keychain); default:
   * this process's memory. A stored destination's keys come from here, else the SDK's chain.
   */
  readonly credentials?: CredentialStore;
}

export interface ComposedBackup extends BackupRuntime {
  /** Started by the host once it listens to the events (`onEvent`). */
  readonly scheduler: BackupScheduler;
  /** The app's events for every page and the desktop notifications; returns the unsubscribe. */
  onEvent(listener: (event: SchedulerEvent) => void): () => void;
  /** Stops the scheduler and the jobs, closes the database, releases the data dir's lock. Idempotent. */
  close(): Promise<void>;
}

export const APP_VERSION = '0.1.0';

export async function composeBackupService(options: ComposeOptions): Promise<ComposedBackup> {
  const credentialStore = options.credentials ?? createMemoryCredentialStore();
  // Asked when an S3 destination is opened, after the service exists.
  const resolver = createCredentialResolver(credentialStore, () => node.service.destinations());
  const node = await composeNodeBackupService({
    destinations: { credentialsFor: (target) => resolver.credentialsFor(target) },
    dataDir: options.dataDir,
    backupDir: options.backupDir,
    appVersion: options.appVersion ?? APP_VERSION,
    ...(options.tempDir !== undefined ? { tempDir: options.tempDir } : {}),
    ...(options.log !== undefined ? { log: options.log } : {}),
    ...(options.wrapFs !== undefined ? { wrapFs: options.wrapFs } : {}),
  });
  if (options.clock) {
    // src/infra/node/compose.ts builds its deps with the system clock and takes no other; its
    // service reads deps.clock at every call, so the test clock goes on that same object.
    (node.deps as { clock: Clock }).clock = options.clock;
  }
  const listeners = new Set<(event: SchedulerEvent) => void>();
  const scheduler = createBackupScheduler({
    service: node.service,
    clock: node.deps.clock,
    ...options.schedulerTiming,
    onEvent: (event) => {
      for (const listener of [...listeners]) listener(event);
    },
    ...(options.log !== undefined ? { log: options.log } : {}),
  });
  const base = node.service;
  const service = Object.defineProperties(
    {
      ...base,
      // A restore and an undo replace the data dir: no scheduled run may read it meanwhile.
      restoreFromZip: (path: string, run?: Parameters<BackupService['restoreFromZip']>[1]) => scheduler.pausedWhile(() => base.restoreFromZip(path, run)),
      undoRestore: (run?: Parameters<BackupService['undoRestore']>[0]) => scheduler.pausedWhile(() => base.undoRestore(run)),
    },
    { activity: { get: () => base.activity, enumerable: true } },
  ) as BackupService;
  let closed: Promise<void> | null = null;
  return {
    service,
    deps: node.deps,
    config: node.config,
    credentials: { store: credentialStore, resolver },
    scheduler,
    onEvent(listener) {
      listeners.add(listener);
      return () => void listeners.delete(listener);
    },
    close: () =>
      (closed ??= (async () => {
        await scheduler.stop();
        listeners.clear();
        await node.dispose();
      })()),
  };
}
