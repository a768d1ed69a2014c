import { positionals } from '../args.ts';
import { BACKUP_DIR_FLAG, JSON_FLAG, dirsOf, withSystem, type Command } from '../context.ts';
import { formatBytes } from '../output.ts';

export const command: Command = {
  name: 'stats',
  usage: 'casevault stats [--backup-dir B] [--json]',
  summary: 'how many backups there are, their sizes, the oldest and the newest',
  description: 'Statistics of the complete backups in the backup dir.',
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
        ],
      };
    });
  },
};
