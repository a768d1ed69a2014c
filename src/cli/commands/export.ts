import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { BackupError } from '../../domain/errors.ts';
import { DATABASE_FILE } from '../../domain/layout.ts';
import { UsageError, hasFlag, positionals, stringFlag } from '../args.ts';
import { BACKUP_DIR_FLAG, DATA_DIR_FLAG, JSON_FLAG, dirsOf, withSystem, requireLevel, type Command } from '../context.ts';
import { formatBytes, shellQuote } from '../output.ts';

export const command: Command = {
  name: 'export',
  usage: 'casevault export [--data-dir D] [--backup-dir B] [--incremental] [--no-database] [--no-files] [--no-metadata] [--level 0-9] [--json]',
  summary: 'write a new backup of the data dir into the backup dir',
  description:
    'Writes casevault-backup-<time>.zip (.zip.age, encrypted, once casevault key init has set up keys)\n' +
    'and its .sha256 beside it. The database is snapshotted\n' +
    'while the app may keep writing; documents are re-hashed while they are archived.\n' +
    'With --incremental (what scheduled backups do), the documents go into the backup dir\'s pool,\n' +
    'each stored once: the backup is the database, the settings and a list of its documents,\n' +
    'plus one new pack pool/<sha256>.zip of the documents the pool did not have yet.',
  flags: [
    DATA_DIR_FLAG,
    BACKUP_DIR_FLAG,
    { name: 'incremental', kind: 'boolean', help: 'store only the documents no kept backup has (in the pool); the rest is listed' },
    { name: 'no-database', kind: 'boolean', help: 'leave the database out' },
    { name: 'no-files', kind: 'boolean', help: 'leave the documents out' },
    { name: 'no-metadata', kind: 'boolean', help: 'leave settings.json out' },
    { name: 'level', kind: 'string', value: 'N', help: 'deflate level 0 (store) to 9 (smallest); default 6' },
    JSON_FLAG,
  ],
  async run(args, ctx) {
    positionals(args, []);
    if (hasFlag(args, 'no-database') && hasFlag(args, 'no-files') && hasFlag(args, 'no-metadata')) {
      throw new UsageError('--no-database, --no-files and --no-metadata together leave nothing to export; leave out at least one of them');
    }
    const options = {
      includeDatabase: !hasFlag(args, 'no-database'),
      includeFiles: !hasFlag(args, 'no-files'),
      includeMetadata: !hasFlag(args, 'no-metadata'),
      ...(stringFlag(args, 'level') === undefined ? {} : { compressionLevel: requireLevel(stringFlag(args, 'level')) }),
      ...(hasFlag(args, 'incremental') ? { incremental: true } : {}),
    };
    // 'if-free': exporting while the app runs is what the live snapshot is for.
    return withSystem(ctx, dirsOf(args, ctx.env), { operation: 'export', dataDir: 'read', dataDirLock: 'if-free', openDatabase: false }, async (system) => {
      const database = join(system.config.dataDir, DATABASE_FILE);
      if (options.includeDatabase && !existsSync(database)) {
        // Snapshotting a missing database would create an empty one in the data dir.
        throw new BackupError('NOT_FOUND', `export: there is no ${DATABASE_FILE} in ${system.config.dataDir}; give --no-database to export the documents and settings alone`);
      }
      const result = await system.service.exportNow(options, { signal: ctx.signal, onProgress: ctx.onProgress });
      const c = result.metadata.counts;
      return {
        message: 'Backup exported successfully',
        data: { ...result },
        lines: [
          `exported ${shellQuote(result.filePath)}`,
          `  ${formatBytes(result.size)}, sha256 ${result.checksum}`,
          ...(result.incremental
            ? [`  incremental: ${result.incremental.newDocuments} new documents (${formatBytes(result.incremental.newBytes)}) in ${result.incremental.newPack ? `pool/${result.incremental.newPack} (${formatBytes(result.incremental.packBytes)})` : 'no new pack'}, ${result.incremental.reused} already in the pool`]
            : []),
          ...(result.encrypted ? [`  encrypted (age) to ${result.recipients.length} public key${result.recipients.length === 1 ? '' : 's'}: casevault key show lists them`] : []),
          `  ${c.users} users, ${c.cases} cases, ${c.tasks} tasks, ${c.hearings} hearings, ${c.orders} orders, ${c.files} documents (${formatBytes(c.bytes)})`,
          ...result.warnings.map((w) => `  warning: ${w}`),
        ],
      };
    });
  },
};
