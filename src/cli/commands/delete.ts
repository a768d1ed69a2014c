import { basename, dirname, resolve } from 'node:path';
import { UsageError, positionals } from '../args.ts';
import { BACKUP_DIR_FLAG, JSON_FLAG, dirsOf, withSystem, type Command } from '../context.ts';
import { shellQuote } from '../output.ts';

export const command: Command = {
  name: 'delete',
  usage: 'casevault delete NAME [--backup-dir B] [--json]',
  summary: 'delete a backup (and its .sha256) by its file name',
  description: 'NAME is a file name as `casevault list` shows it, not a path.',
  flags: [BACKUP_DIR_FLAG, JSON_FLAG],
  async run(args, ctx) {
    const [name] = positionals(args, ['NAME']);
    const dirs = dirsOf(args, ctx.env);
    if (name!.includes('/')) {
      // A path: say the command that deletes that file, with its folder when it is not the backup dir.
      const folder = resolve(dirname(name!));
      const fileName = basename(name!);
      const elsewhere = folder === dirs.backupDir ? '' : ` --backup-dir ${shellQuote(folder)}`;
      throw new UsageError(`"${name!}" is a path; give the file name: npx casevault delete ${shellQuote(fileName)}${elsewhere}`);
    }
    return withSystem(ctx, dirs, { operation: 'delete', dataDir: 'none', dataDirLock: 'none', openDatabase: false }, async (system) => {
      const result = await system.service.deleteBackup(name);
      return { message: 'Backup deleted successfully', data: { ...result }, lines: [`deleted ${result.fileName}`] };
    });
  },
};
