import { hasFlag, positionals } from '../args.ts';
import { BACKUP_DIR_FLAG, JSON_FLAG, dirsOf, withSystem, type Command, type CommandResult } from '../context.ts';
import { localWhen } from '../when.ts';

export const command: Command = {
  name: 'prune',
  usage: 'casevault prune [--dry-run] [--backup-dir B] [--json]',
  summary: 'delete the backups the retention policy does not keep; --dry-run says why each stays or goes',
  description:
    "Applies the policy's retention (casevault policy show) with restic's `forget` rules, in the\n" +
    'local time zone: a backup is kept if any rule keeps it, and always when it is pinned, the\n' +
    'newest verified-good backup, or the only one. Every backup is listed with its reasons.\n' +
    'Each deletion is in the audit log; a prune cut short leaves whole backups or none.',
  flags: [BACKUP_DIR_FLAG, { name: 'dry-run', kind: 'boolean', help: 'decide and list, delete nothing' }, JSON_FLAG],
  async run(args, ctx): Promise<CommandResult> {
    positionals(args, []);
    const dryRun = hasFlag(args, 'dry-run');
    return withSystem(ctx, dirsOf(args, ctx.env), { operation: 'prune', dataDir: 'none', dataDirLock: 'none', openDatabase: false }, async (system) => {
      const result = await system.service.prune({ dryRun });
      const { verdicts } = result.decision;
      const go = dryRun ? 'GO  ' : 'GONE';
      const width = Math.max(0, ...verdicts.map((v) => v.fileName.length));
      const rows = verdicts.map((v) => `${v.keep ? 'KEEP' : go}  ${localWhen(v.createdAt, result.timeZone)}  ${v.fileName.padEnd(width)}  ${v.keep ? v.reasons.map((r) => r.text).join(', ') : 'no rule keeps it'}`);
      const dropped = verdicts.filter((v) => !v.keep).length;
      const summary = verdicts.length === 0
        ? `no backups in ${system.config.backupDir}`
        : dryRun
          ? `dry run: ${verdicts.length - dropped} kept, ${dropped} would be deleted (times in ${result.timeZone})`
          : `${result.deleted.length} deleted, ${verdicts.length - dropped} kept (times in ${result.timeZone})`;
      return {
        message: dryRun ? 'Prune (dry run): nothing was deleted' : `Pruned: ${result.deleted.length} deleted`,
        data: {
          dryRun,
          timeZone: result.timeZone,
          verdicts: verdicts.map((v) => ({ fileName: v.fileName, createdAt: v.createdAt, keep: v.keep, reasons: v.reasons.map((r) => r.text) })),
          deleted: result.deleted.map((b) => b.fileName),
        },
        lines: [...rows, summary],
      };
    });
  },
};
