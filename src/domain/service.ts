/**
 * The backup service: the six use cases of the seed (plus recovery) bound to their deps.
 * One operation that reads or writes backups or the data dir runs at a time per service:
 * a second one (a double click, a second window) is refused with BUSY naming the first,
 * rather than queued behind a restore that will replace what it wanted to work on.
 * Listing and statistics only read, and always run.
 */
import type { BackupConfig, BackupDeps, RunOptions } from './deps.ts';
import { appendAudit, readAuditLog, type AuditAction, type AuditRecord } from './auditLog.ts';
import { SIDECAR_SUFFIX, parseSidecar } from './backupFiles.ts';
import { BackupError, toBackupError } from './errors.ts';
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
  /**
   * Runs an operation and records it in the audit log, success or failure. A failure to
   * record is logged, never turned into a failure of the operation itself.
   */
  const audited = async <T>(
    action: AuditAction,
    file: string | null,
    fn: () => Promise<T>,
    describe: (result: T) => Promise<Pick<AuditRecord, 'file' | 'sha256' | 'manifestSha256'>>,
  ): Promise<T> => {
    const record = async (fields: Omit<AuditRecord, 'time' | 'action'>) => {
      try {
        await appendAudit(deps, config, { time: deps.clock.now().toISOString(), action, ...fields });
      } catch (error) {
        deps.log?.(`audit: could not record ${action} of ${file ?? 'nothing'}`, error);
      }
    };
    try {
      const result = await fn();
      await record({ ...(await describe(result)), result: 'ok', code: null });
      return result;
    } catch (error) {
      const coded = toBackupError(error, action);
      const sha256 = file === null ? null : await sidecarSha(file);
      await record({ file, sha256, manifestSha256: null, result: coded.code === 'CANCELLED' ? 'cancelled' : 'failed', code: coded.code });
      throw error;
    }
  };
  const sidecarSha = async (path: string): Promise<string | null> => {
    try {
      return parseSidecar(new TextDecoder().decode(await deps.fs.readFile(`${path}${SIDECAR_SUFFIX}`)));
    } catch {
      return null;
    }
  };

  return {
    config,
    /** What runs now, for a UI that wants to say so before it asks. */
    get activity(): Activity | null {
      return running;
    },
    exportNow: (options?: unknown, run?: RunOptions) =>
      exclusive('export', () =>
        audited('export', null, () => exportNow(deps, config, options, run), async (r) => ({ file: r.filePath, sha256: r.checksum, manifestSha256: r.metadata.checksum })),
      ),
    restoreFromZip: (path: string, run?: RunOptions) =>
      exclusive('restore', () =>
        audited('restore', path, () => restoreFromZip(deps, config, path, run), async (r) => ({ file: path, sha256: await sidecarSha(path), manifestSha256: r.metadata.checksum })),
      ),
    verifyBackup: (path: string, run?: RunOptions) =>
      exclusive('verify', () =>
        audited('verify', path, () => verifyBackup(deps, config, path, run), async (r) => ({ file: path, sha256: r.checksum, manifestSha256: r.metadata.checksum })),
      ),
    listBackups: () => listBackups(deps, config),
    deleteBackup: (fileName: unknown) =>
      exclusive('delete', () =>
        audited('delete', typeof fileName === 'string' ? fileName : null, () => deleteBackup(deps, config, fileName), async (deleted) => ({
          file: deleted.filePath,
          sha256: deleted.checksum,
          manifestSha256: null,
        })),
      ),
    /** The audit log, and whether its chain is whole. */
    readAuditLog: () => readAuditLog(deps, config),
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
