import { recordLiveCheck, updateState } from '../../domain/backupState.ts';
import { findExportLeftovers } from '../../domain/listBackups.ts';
import type { NodeBackup } from '../../infra/node/index.ts';
import { EXPORT_LOCK_FILE } from '../../infra/node/compose.ts';
import { inspectLock } from '../../infra/node/processLock.ts';
import { positionals } from '../args.ts';
import { checkDataDir } from '../checkDataDir.ts';
import { BACKUP_DIR_FLAG, DATA_DIR_FLAG, JSON_FLAG, dirsOf, withSystem, type Command } from '../context.ts';
import { formatBytes } from '../output.ts';

export const command: Command = {
  name: 'check',
  usage: 'casevault check [--data-dir D] [--backup-dir B] [--json]',
  summary: 'finish or roll back an interrupted restore, then check the data dir',
  description:
    'Recovers first (an interrupted restore is finished or rolled back), then runs\n' +
    "PRAGMA integrity_check, re-hashes every document, and reports documents the database\n" +
    'names but the store lacks (missing) and files no document row names (orphans).\n' +
    'Also names what an interrupted export left in the backup dir (the next export removes it).\n' +
    'Exits 1 if the database is damaged or a document is damaged or missing; orphans and leftovers are only reported.',
  flags: [DATA_DIR_FLAG, BACKUP_DIR_FLAG, JSON_FLAG],
  async run(args, ctx) {
    positionals(args, []);
    const dirs = dirsOf(args, ctx.env);
    // A lock whose process has ended (a second Ctrl-C, a kill): this check takes it over.
    const dataLock = await inspectLock(`${dirs.dataDir}.lock`);
    return withSystem(ctx, dirs, { operation: 'check', dataDir: 'read', dataDirLock: 'exclusive', openDatabase: false }, async (system) => {
      const report = await checkDataDir(system.deps.fs, system.deps.hashing, system.db, system.config.dataDir, {
        signal: ctx.signal,
        onFile: (done, total) => ctx.onProgress({ phase: 'verify', done, total, unit: 'files' }),
      });
      const { fs } = system.deps;
      const exportLockPath = fs.join(system.config.backupDir, EXPORT_LOCK_FILE);
      const exportLock = await inspectLock(exportLockPath);
      const leftovers = [
        ...(await findExportLeftovers(system.deps, system.config)).map((name) => fs.join(system.config.backupDir, name)),
        ...(exportLock && !exportLock.alive ? [exportLockPath] : []),
      ];
      const recovery = system.recovered.dataDir;
      const lines = [
        `data dir ${system.config.dataDir}`,
        `  recovery:  ${recovery === 'none' ? 'nothing to recover' : recovery === 'finished-swap' ? 'finished an interrupted restore' : 'rolled back an interrupted restore'}`,
        `  database:  ${report.integrity}`,
        `  documents: ${report.documents} (${formatBytes(report.bytes)}), ${report.damaged.length} damaged, ${report.missing.length} missing, ${report.orphans.length} orphans`,
        ...report.damaged.map((p) => `  damaged: ${p}`),
        ...report.missing.map((s) => `  missing: ${s}`),
        ...report.orphans.map((p) => `  orphan:  ${p}`),
        ...report.stray.map((s) => `  stray:   ${s}`),
        ...(dataLock && !dataLock.alive ? [`  leftover: ${system.config.dataDir}.lock  (of process ${dataLock.pid}, which has ended; removed now)`] : []),
        ...(leftovers.length > 0 ? [`backup dir ${system.config.backupDir}: what an interrupted export left`] : []),
        ...leftovers.map((p) => `  leftover: ${p}  (removed by the next export)`),
      ];
      // The result of the database's check is the one the status's alarm shows (recorded where there are backups).
      if (!report.databaseMissing) await recordDatabaseCheck(system, report.integrity, ctx.log);
      const data = { recovery, leftovers, ...report };
      if (report.healthy) return { message: 'The data dir is healthy', data, lines };
      const code = report.databaseMissing ? 'NOT_FOUND' : report.integrity !== 'ok' ? 'DATABASE_CORRUPT' : 'DOCUMENT_MISMATCH';
      const error = report.databaseMissing
        ? `check: ${report.integrity}; the documents are there, their database is not (restore a backup that holds it)`
        : report.integrity !== 'ok'
          ? `check: the database fails its integrity check (${report.integrity})`
          : `check: ${report.damaged.length} damaged and ${report.missing.length} missing documents`;
      return { message: 'The data dir has problems', data, lines, failure: { code, error } };
    });
  },
};

/**
 * Records the database's integrity in the backup dir's state (the LIVE_DATABASE_CORRUPT alarm
 * of `casevault status`, cleared by a check that passes). Only where the backup dir exists:
 * a check creates no folder. A state that cannot be written is reported, not a failed check.
 */
async function recordDatabaseCheck(system: NodeBackup, integrity: string, log: (message: string, error?: unknown) => void): Promise<void> {
  if (!(await system.deps.fs.exists(system.config.backupDir))) return;
  try {
    await updateState(system.deps, system.config, (s) => recordLiveCheck(s, system.deps.clock.now().toISOString(), integrity.slice(0, 2000)));
  } catch (error) {
    log('check: could not record the result beside the backups', error);
  }
}
