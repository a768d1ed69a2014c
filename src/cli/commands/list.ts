import { UsageError, positionals, stringFlag } from '../args.ts';
import { BACKUP_DIR_FLAG, JSON_FLAG, dirsOf, withSystem, type Command } from '../context.ts';
import { S3_FLAGS, destinationOf, s3FlagsGiven, requireFolderPath } from '../destinationArgs.ts';
import { formatBytes } from '../output.ts';

export const command: Command = {
  name: 'list',
  usage: 'casevault list [--backup-dir B] [--dest DEST [--endpoint URL --region R --path-style --checksum MODE]] [--json]',
  summary: 'list the complete backups in the backup dir (or on a destination), newest first',
  description:
    'Only complete backups are listed; an interrupted export is never shown. Each line says whether\n' +
    'the backup is pinned and when it was last verified, and whether it passed (--json: pinned,\n' +
    'verifiedAt, verified: true, false or null for never).\n' +
    '--dest DEST: the whole backups on a copy destination instead (name, size, date, encrypted):\n' +
    'DEST is a name from casevault dest list, a folder path, or s3://BUCKET/PREFIX/ with the S3\n' +
    'flags (credentials from the environment or profile, as for the AWS CLI).',
  flags: [BACKUP_DIR_FLAG, { name: 'dest', kind: 'string', value: 'DEST', help: 'list the backups on this destination (a name, a folder path, or s3://BUCKET/PREFIX/)' }, ...S3_FLAGS.filter((f) => f.name !== 'bucket' && f.name !== 'prefix'), JSON_FLAG],
  async run(args, ctx) {
    positionals(args, []);
    const dest = stringFlag(args, 'dest');
    const given = s3FlagsGiven(args);
    if (dest === undefined && given.length > 0) throw new UsageError(`--${given[0]!} goes with --dest s3://BUCKET/PREFIX/`);
    const where = dest === undefined ? undefined : destinationOf(dest, args, ctx.env, '--dest');
    if (where !== undefined && typeof where !== 'string') requireFolderPath(where, 'list');
    return withSystem(ctx, dirsOf(args, ctx.env), { operation: 'list', dataDir: 'none', dataDirLock: 'none', openDatabase: false }, async (system) => {
      if (where !== undefined) {
        const backups = await system.service.destBackups(where, { signal: ctx.signal });
        return {
          message: `${backups.length} backup${backups.length === 1 ? '' : 's'} on ${dest!}`,
          data: { destination: where, backups },
          lines: backups.length === 0
            ? [`no whole backups on ${dest!}`]
            : backups.map((b) => `${b.createdAt}  ${formatBytes(b.size).padStart(8)}  ${b.fileName}${b.encrypted ? '  encrypted' : ''}`),
        };
      }
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
    });
  },
};
