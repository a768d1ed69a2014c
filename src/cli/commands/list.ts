import { positionals } from '../args.ts';
import { BACKUP_DIR_FLAG, JSON_FLAG, dirsOf, openSystem, type Command } from '../context.ts';
import { formatBytes } from '../output.ts';

export const command: Command = {
  name: 'list',
  usage: 'casevault list [--backup-dir B] [--json]',
  summary: 'list the complete backups in the backup dir, newest first',
  description: 'Only complete backups are listed; an interrupted export is never shown.',
  flags: [BACKUP_DIR_FLAG, JSON_FLAG],
  async run(args, ctx) {
    positionals(args, []);
    const system = await openSystem(ctx, dirsOf(args, ctx.env), { operation: 'list', dataDir: 'none', dataDirLock: 'none', openDatabase: false });
    try {
      const backups = await system.service.listBackups();
      return {
        message: `${backups.length} backup${backups.length === 1 ? '' : 's'}`,
        data: { backups },
        lines: backups.length === 0
          ? [`no backups in ${system.config.backupDir}`]
          : backups.map((b) => `${b.createdAt}  ${formatBytes(b.size).padStart(8)}  ${b.fileName}${b.checksum ? '' : '  (no .sha256)'}`),
      };
    } finally {
      await system.dispose();
    }
  },
};
