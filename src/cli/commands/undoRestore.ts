import { positionals } from '../args.ts';
import { BACKUP_DIR_FLAG, DATA_DIR_FLAG, JSON_FLAG, dirsOf, withSystem, type Command, type CommandResult } from '../context.ts';

export const command: Command = {
  name: 'undo-restore',
  usage: 'casevault undo-restore [--data-dir D] [--backup-dir B] [--json]',
  summary: 'put back the data dir from before the last restore',
  description:
    'A restore keeps the data dir it replaced as <data dir>.safety-<time>. This puts it back, all or\n' +
    'nothing like a restore (checked first, swapped by rename under the restore journal, finished\n' +
    'or rolled back at the next start if interrupted), and keeps the data dir it replaces as the\n' +
    'new safety copy, so running it again undoes the undo. Close the app first.\n' +
    'Exits 1 with NOT_FOUND when there is no restore to undo.',
  flags: [DATA_DIR_FLAG, BACKUP_DIR_FLAG, JSON_FLAG],
  async run(args, ctx): Promise<CommandResult> {
    positionals(args, []);
    return withSystem(ctx, dirsOf(args, ctx.env), { operation: 'undo-restore', dataDir: 'write', dataDirLock: 'exclusive', openDatabase: false }, async (system) => {
      const result = await system.service.undoRestore({ signal: ctx.signal, onProgress: ctx.onProgress });
      return {
        message: 'Restore undone',
        data: { ...result },
        lines: [
          `put back ${result.restoredFrom} as ${system.config.dataDir}`,
          result.safetyCopy ? `  the data dir it replaced is kept in ${result.safetyCopy} (casevault undo-restore again puts it back)` : '  there was no data dir to keep',
          ...result.errors.map((e) => `  warning: ${e}`),
        ],
      };
    });
  },
};
