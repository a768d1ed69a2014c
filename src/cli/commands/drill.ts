import { hasFlag, positionals } from '../args.ts';
import { PASSWORD_FILE_FLAG, RECOVERY_KEY_FILE_FLAG, unlockOf } from '../secrets.ts';
import { BACKUP_DIR_FLAG, JSON_FLAG, dirsOf, withSystem, type Command, type CommandResult } from '../context.ts';

export const command: Command = {
  name: 'drill',
  usage: 'casevault drill [--all] [--backup-dir B] [--password-file F | --recovery-key-file F] [--json]',
  summary: 're-verify stored backups: the ones due (or the longest unverified), or --all',
  description:
    'A restore drill: each backup chosen is verified as `casevault verify` does (every SHA-256, the\n' +
    "database's integrity) and the result is recorded beside the backups (casevault list shows it).\n" +
    "Without --all, the backups due (not verified for the policy's drill period), longest-waiting\n" +
    'first, within the drill time budget; if none is due, the longest unverified one.\n' +
    'Encrypted backups are verified with --password-file F, --recovery-key-file F or\n' +
    '$CASEVAULT_PASSWORD; without one they are left unverified (their .sha256 is still checked),\n' +
    'and the status raises DRILL_NEEDS_KEY.\n' +
    'Exits 1 if a backup fails: it is marked in the list and raises the alarm (casevault status).',
  flags: [BACKUP_DIR_FLAG, { name: 'all', kind: 'boolean', help: 're-verify every backup, with no time budget' }, PASSWORD_FILE_FLAG, RECOVERY_KEY_FILE_FLAG, JSON_FLAG],
  async run(args, ctx): Promise<CommandResult> {
    positionals(args, []);
    const unlock = await unlockOf(args, ctx, false);
    return withSystem(ctx, dirsOf(args, ctx.env), { operation: 'drill', dataDir: 'none', dataDirLock: 'none', openDatabase: false, scratchInTmp: true }, async (system) => {
      const report = await system.service.drill({ all: hasFlag(args, 'all'), signal: ctx.signal, onProgress: ctx.onProgress, ...(unlock ? { unlock } : {}) });
      const failed = report.results.filter((r) => r.result === 'failed');
      const locked = report.results.filter((r) => r.result === 'needs-key');
      const lines = [
        ...report.results.map((r) =>
          r.result === 'ok' ? `intact  ${r.fileName}` : r.result === 'needs-key' ? `NOT VERIFIED  ${r.fileName}  encrypted: needs the password (its .sha256 matches)` : `FAILED  ${r.fileName}  ${r.code}: ${r.message}`,
        ),
        report.results.length === 0
          ? `no backups in ${system.config.backupDir}`
          : `${report.results.length - failed.length - locked.length} intact, ${failed.length} failed${locked.length ? `, ${locked.length} not verified: give --password-file F or set CASEVAULT_PASSWORD` : ''}${report.notReached.length ? `, ${report.notReached.length} left for the next drill` : ''}`,
      ];
      const data = { outcome: report.outcome, results: report.results, notReached: report.notReached, startedAt: report.startedAt, finishedAt: report.finishedAt };
      if (failed.length > 0) {
        const first = failed[0]!;
        return { message: 'A backup failed its drill', data, lines, failure: { code: first.code ?? 'INTERNAL', error: `drill: ${failed.length} backup${failed.length === 1 ? '' : 's'} failed: ${first.fileName}: ${first.message ?? first.code}` } };
      }
      return { message: 'Drill: every backup checked is intact', data, lines };
    });
  },
};
