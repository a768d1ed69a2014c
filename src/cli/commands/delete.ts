import { positionals } from '../args.ts';
import { BACKUP_DIR_FLAG, JSON_FLAG, dirsOf, openSystem, type Command } from '../context.ts';

export const command: Command = {
  name: 'delete',
  usage: 'casevault delete NAME [--backup-dir B] [--json]',
  summary: 'delete a backup (and its .sha256) by its file name',
  description: 'NAME is a file name as `casevault list` shows it, not a path.',
  flags: [BACKUP_DIR_FLAG, JSON_FLAG],
  async run(args, ctx) {
    const [name] = positionals(args, ['NAME']);
    const system = await openSystem(ctx, dirsOf(args, ctx.env), { operation: 'delete', dataDir: 'none', dataDirLock: 'none', openDatabase: false });
    try {
      const result = await system.service.deleteBackup(name);
      return { message: 'Backup deleted successfully', data: { ...result }, lines: [`deleted ${result.fileName}`] };
    } finally {
      await system.dispose();
    }
  },
};
