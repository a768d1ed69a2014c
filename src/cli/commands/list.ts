import { positionals } from '../args.ts';
import { BACKUP_DIR_FLAG, JSON_FLAG, dirsOf, openSystem, type Command } from '../context.ts';
import { formatBytes } from '../output.ts';

export const command: Command = {
  name: 'list',
  usage: 'casevault list [--backup-dir B] [--json]',
  summary: 'list the complete backups in the backup dir, newest first',
  description:
    'Only complete backups are listed; an interrupted export is never shown. Each line says whether\n' +
    'the backup is pinned and when it was last verified, and whether it passed (--json: pinned,\n' +
    'verifiedAt, verified: true, false or null for never).',
  flags: [BACKUP_DIR_FLAG, JSON_FLAG],
  async run(args, ctx) {
    positionals(args, []);
    const system = await openSystem(ctx, dirsOf(args, ctx.env), { operation: 'list', dataDir: 'none', dataDirLock: 'none', openDatabase: false });
    try {
      // With each backup's pin and last verification (a drill's, a scheduled run's, a verify's).
      const { backups, stateError } = await system.service.listBackupsWithState();
      const checked = (b: (typeof backups)[number]) =>
        b.verified === null ? (b.pinned === null ? '' : '  not verified yet') : b.verified ? `  verified ${b.verifiedAt}` : `  FAILED its check ${b.verifiedAt} (${b.verificationCode})`;
      return {
        message: `${backups.length} backup${backups.length === 1 ? '' : 's'}`,
        data: { backups, ...(stateError ? { stateError } : {}) },
        lines: [
          ...(backups.length === 0
            ? [`no backups in ${system.config.backupDir}`]
            : backups.map((b) => `${b.createdAt}  ${formatBytes(b.size).padStart(8)}  ${b.fileName}${b.checksum ? '' : '  (no .sha256)'}${b.pinned ? '  pinned' : ''}${checked(b)}`)),
          ...(stateError ? [`warning: pins and verification results are not shown: ${stateError}`] : []),
        ],
      };
    } finally {
      await system.dispose();
    }
  },
};
