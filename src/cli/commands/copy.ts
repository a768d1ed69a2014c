import type { DestinationCopyReport } from '../../domain/destinations.ts';
import { BackupError } from '../../domain/errors.ts';
import { UsageError, hasFlag, stringFlag } from '../args.ts';
import { BACKUP_DIR_FLAG, DATA_DIR_FLAG, JSON_FLAG, LATEST, dirsOf, withSystem, type Command } from '../context.ts';
import { formatBytes, shellQuote } from '../output.ts';

export const command: Command = {
  name: 'copy',
  usage: 'casevault copy [NAME|latest] [--to DEST] [--prune] [--backup-dir B] [--json]',
  summary: 'copy backups to the destinations off this computer (casevault dest add)',
  description:
    'Without NAME: every backup a destination lacks, newest first; NAME (as casevault list shows it)\n' +
    'or latest: that one backup. To every destination that is on, or --to DEST (a name from\n' +
    'casevault dest list, on or off). A copy appears there only when whole, with its .sha256 read\n' +
    'back; what an interrupted copy left there is removed first. An encrypted backup travels with\n' +
    'its password-protected key file. Backups already there are not copied again.\n' +
    '--prune: then apply the retention policy there too (pins and the last verified backup stay).\n' +
    'Exit codes: 0 every destination is up to date, 1 a copy failed (the message says what to do;\n' +
    'run-due tries again).',
  flags: [{ name: 'to', kind: 'string', value: 'DEST', help: 'only this destination (its name)' }, { name: 'prune', kind: 'boolean', help: 'apply the retention policy on the destination after copying' }, DATA_DIR_FLAG, BACKUP_DIR_FLAG, JSON_FLAG],
  async run(args, ctx) {
    if (args.positionals.length > 1) throw new UsageError(`unexpected argument ${args.positionals[1]!}`);
    const [name] = args.positionals;
    if (name?.includes('/')) throw new UsageError(`"${name}" is a path; give the file name as casevault list shows it (it is copied from the backup dir)`);
    const to = stringFlag(args, 'to');
    return withSystem(ctx, dirsOf(args, ctx.env), { operation: 'copy', dataDir: 'none', dataDirLock: 'none', openDatabase: false }, async (system) => {
      const destinations = await system.service.destinations();
      if (destinations.length === 0) throw new BackupError('NOT_FOUND', `copy: there is no destination for ${system.config.backupDir}; add one: casevault dest add folder PATH --name NAME (or dest add s3 …)`);
      if (to === undefined && !destinations.some((d) => d.enabled)) {
        throw new BackupError('NOT_FOUND', `copy: every destination is off (${destinations.map((d) => d.name).join(', ')}); turn one on with casevault dest on NAME, or name it with --to NAME`);
      }
      let fileName: string | undefined;
      if (name === LATEST) {
        const [newest] = await system.service.listBackups();
        if (!newest) throw new BackupError('NOT_FOUND', `copy: there is no backup in ${system.config.backupDir} yet; make one with: casevault export --backup-dir ${shellQuote(system.config.backupDir)}`);
        fileName = newest.fileName;
      } else fileName = name;
      const reports = await system.service.copy({
        ...(fileName !== undefined ? { fileName } : {}),
        ...(to !== undefined ? { to } : {}),
        ...(hasFlag(args, 'prune') ? { prune: true } : {}),
        signal: ctx.signal,
        onProgress: (p) => ctx.onProgress({ phase: 'copy', done: p.done, total: p.total, unit: 'bytes' }),
      });
      const failed = reports.filter((r) => r.failure);
      const first = failed[0]?.failure;
      return {
        message: failed.length === 0 ? 'Copied' : `${failed.length} of ${reports.length} destination${reports.length === 1 ? '' : 's'} failed`,
        data: { copies: reports },
        lines: reports.flatMap(copyLines),
        ...(first ? { failure: { code: first.code, error: failed.length === 1 ? first.message : `${failed.map((r) => r.destination).join(', ')} failed; first: ${first.message}` } } : {}),
      };
    });
  },
};

/** One destination's outcome: what was copied, what was there, pruned and locked, the failure with what to do. */
export function copyLines(r: DestinationCopyReport): string[] {
  const head = `${r.destination} (${r.description}): ${r.failure ? 'FAILED' : 'up to date'}`;
  const count = (n: number, what: string) => `${n} ${what}`;
  return [
    head,
    `  copied ${r.copied.length === 0 ? 'nothing' : r.copied.join(', ')}${r.present.length ? `; ${count(r.present.length, 'already there')}` : ''}`,
    ...(r.packsCopied.length || r.packsPresent
      ? [`  pool: ${r.packsCopied.length} pack${r.packsCopied.length === 1 ? '' : 's'} copied, ${r.packsPresent} already there; ${formatBytes(r.bytesCopied)} sent in all`]
      : []),
    ...(r.cleaned ? [`  removed ${r.cleaned} leftover${r.cleaned === 1 ? '' : 's'} of an interrupted copy`] : []),
    ...(r.pruned.length ? [`  pruned ${r.pruned.join(', ')}`] : []),
    ...(r.locked.length ? [`  kept (locked there by the storage's retention): ${r.locked.join(', ')}`] : []),
    ...r.warnings.map((w) => `  warning: ${w}`),
    ...(r.failure ? [`  ${r.failure.code}${r.failure.fileName ? ` (${r.failure.fileName})` : ''}: ${r.failure.message}`, '  run-due tries again; casevault copy tries now'] : []),
  ];
}
