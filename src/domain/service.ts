/**
 * The backup service: the six use cases of the seed (plus recovery) bound to their deps.
 * One operation that reads or writes backups or the data dir runs at a time per service:
 * a second one (a double click, a second window) is refused with BUSY naming the first,
 * rather than queued behind a restore that will replace what it wanted to work on.
 * Listing and statistics only read, and always run.
 */
import type { BackupConfig, BackupDeps, RunOptions } from './deps.ts';
import { BackupError } from './errors.ts';
import { exportNow } from './exportBackup.ts';
import { cleanBackupDir, deleteBackup, getStatistics, listBackups } from './listBackups.ts';
import { restoreFromZip } from './restoreBackup.ts';
import { recoverDataDir } from './swap.ts';
import { verifyBackup } from './verifyBackup.ts';

const ACTIVITY = { export: 'an export', restore: 'a restore', verify: 'a verification', delete: 'a deletion', recover: 'a recovery' } as const;
type Activity = keyof typeof ACTIVITY;

export function createBackupService(deps: BackupDeps, config: BackupConfig) {
  let running: Activity | null = null;
  const exclusive = async <T>(activity: Activity, fn: () => Promise<T>): Promise<T> => {
    if (running) {
      throw new BackupError('BUSY', `${activity}: ${ACTIVITY[running]} is running; try again when it has finished`);
    }
    running = activity;
    try {
      return await fn();
    } finally {
      running = null;
    }
  };
  return {
    config,
    /** What runs now, for a UI that wants to say so before it asks. */
    get activity(): Activity | null {
      return running;
    },
    exportNow: (options?: unknown, run?: RunOptions) => exclusive('export', () => exportNow(deps, config, options, run)),
    restoreFromZip: (path: string, run?: RunOptions) => exclusive('restore', () => restoreFromZip(deps, config, path, run)),
    verifyBackup: (path: string, run?: RunOptions) => exclusive('verify', () => verifyBackup(deps, config, path, run)),
    listBackups: () => listBackups(deps, config),
    deleteBackup: (fileName: unknown) => exclusive('delete', () => deleteBackup(deps, config, fileName)),
    getStatistics: () => getStatistics(deps, config),
    /** At start-up, before the database opens: finish an interrupted restore, clean an interrupted export. */
    recover: () =>
      exclusive('recover', async () => ({
        dataDir: await recoverDataDir(deps.fs, config.dataDir),
        removedFromBackupDir: await cleanBackupDir(deps, config),
      })),
  };
}

export type BackupService = ReturnType<typeof createBackupService>;
