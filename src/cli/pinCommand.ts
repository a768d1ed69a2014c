/** `pin NAME` and `unpin NAME`: one command, two words. */
import { basename } from 'node:path';
import { UsageError, positionals } from './args.ts';
import { BACKUP_DIR_FLAG, JSON_FLAG, dirsOf, withSystem, type Command } from './context.ts';
import { shellQuote } from './output.ts';

export function pinCommand(pinned: boolean): Command {
  const name = pinned ? 'pin' : 'unpin';
  return {
    name,
    usage: `casevault ${name} NAME [--backup-dir B] [--json]`,
    summary: pinned ? 'keep a backup whatever the retention policy says' : 'let the retention policy decide about a backup again',
    description: `NAME is a file name as \`casevault list\` shows it, not a path.${pinned ? ' A pinned backup is never pruned;\n`casevault unpin NAME` lets the policy decide again.' : ''}`,
    flags: [BACKUP_DIR_FLAG, JSON_FLAG],
    async run(args, ctx) {
      const [file] = positionals(args, ['NAME']);
      if (file!.includes('/')) throw new UsageError(`"${file!}" is a path; give the file name: npx casevault ${name} ${shellQuote(basename(file!))}`);
      return withSystem(ctx, dirsOf(args, ctx.env), { operation: name, dataDir: 'none', dataDirLock: 'none', openDatabase: false }, async (system) => {
        await (pinned ? system.service.pin(file) : system.service.unpin(file));
        return {
          message: pinned ? 'Backup pinned' : 'Backup unpinned',
          data: { fileName: file, pinned },
          lines: [pinned ? `pinned ${file}: prune keeps it` : `unpinned ${file}: the retention policy decides about it again`],
        };
      });
    },
  };
}
