import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { DestinationTarget } from '../../ports/destination.ts';
import type { Unlock } from '../../domain/deps.ts';
import { BackupError } from '../../domain/errors.ts';
import type { RemoteBackup } from '../../domain/destinations.ts';
import type { NodeBackup } from '../../infra/node/index.ts';
import { UsageError, positionals, stringFlag } from '../args.ts';
import { PASSWORD_FILE_FLAG, RECOVERY_KEY_FILE_FLAG, unlockOf } from '../secrets.ts';
import { withAdvice } from '../advice.ts';
import { shellQuote } from '../output.ts';
import { BACKUP_DIR_FLAG, DATA_DIR_FLAG, JSON_FLAG, LATEST, backupPath, dirsForFile, dirsOf, openSystem, withSystem, type CliContext, type Command } from '../context.ts';
import { S3_FLAGS, destinationOf, requireFolderPath, s3FlagsGiven, whereOf } from '../destinationArgs.ts';

export const command: Command = {
  name: 'restore',
  usage: 'casevault restore FILE|latest [--data-dir D] [--backup-dir B] [--password-file F | --recovery-key-file F] [--json]\n' +
    '       casevault restore --from DEST NAME|latest [--endpoint URL --region R --path-style --checksum MODE] [--data-dir D] [--backup-dir B] […]',
  summary: 'replace the data dir with the contents of a backup, all or nothing',
  description:
    'Checks the whole backup (every SHA-256, the database integrity) in a staging dir beside the\n' +
    'data dir before it swaps it in. The previous data dir is kept as <data dir>.safety-<time>.\n' +
    'Close the app first: the data dir must not be in use. Works onto a data dir that does not exist yet.\n' +
    "latest: the newest complete backup in the backup dir. The audit line goes to --backup-dir,\n" +
    "else to FILE's folder if it is a backup dir, else the default.\n" +
    'An encrypted backup (.zip.age) needs the password (--password-file F, else $CASEVAULT_PASSWORD,\n' +
    'else asked for on a terminal) or the recovery key (--recovery-key-file F); a plain one neither.\n' +
    '--from DEST: from a copy off this computer. DEST is a name from casevault dest list, or on a new\n' +
    'machine the destination itself: a folder path (--from /media/usb/casevault) or\n' +
    '--from s3://BUCKET/PREFIX/ with --endpoint URL (and --region, --path-style, --checksum as it was\n' +
    'added; credentials from the environment or profile, as for the AWS CLI). NAME is a name from\n' +
    'casevault list --dest DEST, or latest. The backup is downloaded into the backup dir (with its\n' +
    '.sha256, checked, and for an encrypted one the password-protected key file), then restored.',
  flags: [
    DATA_DIR_FLAG,
    BACKUP_DIR_FLAG,
    { name: 'from', kind: 'string', value: 'DEST', help: 'restore from a copy destination: a name, a folder path, or s3://BUCKET/PREFIX/' },
    ...S3_FLAGS.filter((f) => f.name !== 'bucket' && f.name !== 'prefix'),
    PASSWORD_FILE_FLAG,
    RECOVERY_KEY_FILE_FLAG,
    JSON_FLAG,
  ],
  async run(args, ctx) {
    const from = stringFlag(args, 'from');
    if (from !== undefined) return restoreFrom(from, args, ctx);
    const given = s3FlagsGiven(args);
    if (given.length > 0) throw new UsageError(`--${given[0]!} goes with --from s3://BUCKET/PREFIX/`);
    const [file] = positionals(args, ['FILE']);
    // Before the data dir's lock, which would create the folders above a new data dir.
    if (file !== LATEST && !existsSync(resolve(file!))) throw new BackupError('NOT_FOUND', `restore: ${resolve(file!)} does not exist`);
    return withSystem(ctx, await dirsForFile(args, ctx.env, file!), { operation: 'restore', dataDir: 'write', dataDirLock: 'exclusive', openDatabase: false }, async (system) => {
      const path = await backupPath(system, file!, 'restore');
      return await restorePath(system, path, args, ctx, []);
    });
  },
};

/** The usual restore of a backup file in the backup dir, with `before` lines (where it came from). */
async function restorePath(system: NodeBackup, path: string, args: Parameters<Command['run']>[0], ctx: CliContext, before: string[], given?: { unlock: Unlock | undefined }, extra: Record<string, unknown> = {}) {
  // An encrypted backup (.zip.age) opens with the password or the recovery key; a plaintext one needs neither.
  const unlock = given ? given.unlock : await unlockOf(args, ctx, path.endsWith('.age'));
  const result = await withAdvice(system, 'restore', path, () => system.service.restoreFromZip(path, { signal: ctx.signal, onProgress: ctx.onProgress, ...(unlock ? { unlock } : {}) }));
  const m = result.metadata;
  return {
    message: 'Backup restored successfully',
    data: { ...result, ...extra },
    lines: [
      ...before,
      `restored ${shellQuote(path)} (made ${m.createdAt} by casevault ${m.appVersion}) into ${system.config.dataDir}`,
      `  ${m.counts.users} users, ${m.counts.cases} cases, ${m.counts.tasks} tasks, ${m.counts.files} documents`,
      result.safetyCopy ? `  the previous data is kept in ${result.safetyCopy}` : '  there was no previous data',
    ],
  };
}

/**
 * restore --from DEST NAME|latest: the backup is found on the destination, downloaded into the
 * backup dir (checked against its sidecar) unless it is there already, then restored as usual.
 */
async function restoreFrom(from: string, args: Parameters<Command['run']>[0], ctx: CliContext) {
  const [name] = positionals(args, ['NAME']);
  if (name!.includes('/')) throw new UsageError(`restore --from: "${name!}" is a path; give the name as casevault list --dest ${shellQuote(from)} shows it, or latest`);
  const where = destinationOf(from, args, ctx.env, '--from');
  if (typeof where !== 'string') requireFolderPath(where, 'restore');
  const dirs = dirsOf(args, ctx.env);
  // Found on the destination before the data dir's lock, which would create the folders above
  // a new data dir: a destination that is not there, or a name it lacks, leaves nothing behind.
  const { chosen, whereText } = await (async () => {
    const reader = await openSystem(ctx, dirs, { operation: 'restore', dataDir: 'none', dataDirLock: 'none', openDatabase: false });
    try {
      const listed = await reader.service.destBackups(where, { signal: ctx.signal });
      const target: DestinationTarget | null = typeof where === 'string' ? ((await reader.service.destinations()).find((d) => d.name.toLowerCase() === where.toLowerCase())?.target ?? null) : where;
      const text = target ? whereOf(target) : from;
      const found: RemoteBackup | undefined = name === LATEST ? listed[0] : listed.find((b) => b.fileName === name);
      if (!found) {
        throw new BackupError('NOT_FOUND', `restore: ${text} holds ${name === LATEST ? 'no whole backup' : `no whole backup named ${name!}`}${listed.length ? ` (newest: ${listed[0]!.fileName}; casevault list --dest ${shellQuote(from)} lists them)` : ''}`);
      }
      return { chosen: found, whereText: text };
    } finally {
      await reader.dispose();
    }
  })();
  // Asked for before the download, which may be long: a missing password fails now.
  const unlock = await unlockOf(args, ctx, chosen.encrypted);
  return withSystem(ctx, dirs, { operation: 'restore', dataDir: 'write', dataDirLock: 'exclusive', openDatabase: false }, async (system) => {
    const local = join(system.config.backupDir, chosen.fileName);
    let fetched = false;
    if (!existsSync(local)) {
      await system.service.download(where, chosen.fileName, { signal: ctx.signal, onProgress: (p) => ctx.onProgress({ phase: 'download', done: p.done, total: p.total, unit: 'bytes' }) });
      fetched = true;
    }
    const before = [fetched ? `downloaded ${chosen.fileName} from ${whereText} into ${system.config.backupDir} (its .sha256 matches)` : `${chosen.fileName} is already in ${system.config.backupDir}: restoring that copy (the restore checks every entry)`];
    return await restorePath(system, local, args, ctx, before, { unlock }, { from: whereText, downloaded: fetched });
  });
}
