/** The backup service: the six use cases of the seed (plus recovery) bound to their deps. */
import type { BackupConfig, BackupDeps, RunOptions } from './deps.ts';
import { exportNow } from './exportBackup.ts';
import { cleanBackupDir, deleteBackup, getStatistics, listBackups } from './listBackups.ts';
import { restoreFromZip } from './restoreBackup.ts';
import { recoverDataDir } from './swap.ts';
import { verifyBackup } from './verifyBackup.ts';

export function createBackupService(deps: BackupDeps, config: BackupConfig) {
  return {
    config,
    exportNow: (options?: unknown, run?: RunOptions) => exportNow(deps, config, options, run),
    restoreFromZip: (path: string, run?: RunOptions) => restoreFromZip(deps, config, path, run),
    verifyBackup: (path: string, run?: RunOptions) => verifyBackup(deps, config, path, run),
    listBackups: () => listBackups(deps, config),
    deleteBackup: (fileName: unknown) => deleteBackup(deps, config, fileName),
    getStatistics: () => getStatistics(deps, config),
    /** At start-up, before the database opens: finish an interrupted restore, clean an interrupted export. */
    recover: async () => ({
      dataDir: await recoverDataDir(deps.fs, config.dataDir),
      removedFromBackupDir: await cleanBackupDir(deps, config),
    }),
  };
}

export type BackupService = ReturnType<typeof createBackupService>;
