import { positionals } from '../args.ts';
import { BACKUP_DIR_FLAG, JSON_FLAG, dirsOf, withSystem, type Command } from '../context.ts';
import { formatBytes } from '../output.ts';

export const command: Command = {
  name: 'stats',
  usage: 'casevault stats [--backup-dir B] [--json]',
  summary: 'how many backups there are, their sizes, the oldest and the newest, what the pool saves',
  description:
    'Statistics of the complete backups in the backup dir, and of the pool incremental backups keep\n' +
    'their documents in: its packs, the size all backups would take without sharing them (logical)\n' +
    'against the bytes they take (backups + pool), and the difference (saved). No backup is opened.',
  flags: [BACKUP_DIR_FLAG, JSON_FLAG],
  async run(args, ctx) {
    positionals(args, []);
    return withSystem(ctx, dirsOf(args, ctx.env), { operation: 'stats', dataDir: 'none', dataDirLock: 'none', openDatabase: false }, async (system) => {
      const statistics = await system.service.getStatistics();
      return {
        message: 'Statistics',
        data: { statistics },
        lines: [
          `backups:  ${statistics.totalBackups} in ${system.config.backupDir}`,
          `total:    ${formatBytes(statistics.totalSize)} (average ${formatBytes(statistics.averageSize)})`,
          `oldest:   ${statistics.oldestBackup ?? '-'}`,
          `newest:   ${statistics.newestBackup ?? '-'}`,
          `pool:     ${statistics.poolPacks} pack${statistics.poolPacks === 1 ? '' : 's'}, ${formatBytes(statistics.poolBytes)}`,
          `logical:  ${formatBytes(statistics.logicalBytes)} (each backup with the packs it lists)`,
          `on disk:  ${formatBytes(statistics.diskBytes)} (backups + pool)`,
          `saved:    ${statistics.savedBytes < 0 ? `-${formatBytes(-statistics.savedBytes)} (the pool holds packs no backup lists; the next prune collects them)` : formatBytes(statistics.savedBytes)}${statistics.logicalBytes > 0 ? ` (${Math.round((statistics.savedBytes / statistics.logicalBytes) * 100)} %)` : ''}`,
        ],
      };
    });
  },
};
