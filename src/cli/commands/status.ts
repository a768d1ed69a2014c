import { positionals } from '../args.ts';
import { BACKUP_DIR_FLAG, DATA_DIR_FLAG, JSON_FLAG, dirsOf, withSystem, type Command, type CommandResult } from '../context.ts';
import { EXIT } from '../output.ts';
import { localWhen } from '../when.ts';

export const command: Command = {
  name: 'status',
  usage: 'casevault status [--data-dir D] [--backup-dir B] [--json]',
  summary: 'last backup, last verified backup, next run, alarms; exit 3 on an alarm',
  description:
    'For monitoring: exits 0 when all is well, 3 when there is an alarm (no backup; no verified\n' +
    'backup for 2 days or 3 schedule intervals, whichever is longer; a backup that failed its\n' +
    'check; a failed scheduled backup; a damaged app database; drills falling behind; copies to a\n' +
    'destination that failed twice in a row (COPY_FAILED); a damaged\n' +
    'policy or state file), 1 when the status itself could not be read.',
  flags: [DATA_DIR_FLAG, BACKUP_DIR_FLAG, JSON_FLAG],
  async run(args, ctx): Promise<CommandResult> {
    positionals(args, []);
    return withSystem(ctx, dirsOf(args, ctx.env), { operation: 'status', dataDir: 'none', dataDirLock: 'none', openDatabase: false }, async (system) => {
      const status = await system.service.status();
      const undo = await system.service.findUndo();
      const tz = status.timeZone;
      const { lastBackup, lastVerifiedGood, nextBackup, nextDrill, nextCopy, alarms, backups, policy } = status;
      const destinations = await system.service.destinations().catch(() => []); // a damaged file is the status's POLICY_INVALID alarm
      const on = destinations.filter((d) => d.enabled);
      const lines = [
        `backups in ${system.config.backupDir}: ${backups.length}`,
        `  last backup:           ${lastBackup ? `${localWhen(lastBackup.createdAt, tz)}  ${lastBackup.fileName}` : 'none'}`,
        `  last verified backup:  ${lastVerifiedGood ? `${localWhen(lastVerifiedGood.createdAt, tz)}  ${lastVerifiedGood.fileName} (verified ${localWhen(lastVerifiedGood.verifiedAt, tz)})` : 'none'}`,
        `  next backup:           ${nextBackup.text}`,
        `  next drill:            ${nextDrill.text}`,
        `  next copy:             ${copyText(nextCopy, on.length, destinations.length, tz)}`,
        ...(undo ? [`  undo-restore:          possible (the data dir from before the restore of ${localWhen(undo.restoredAt, tz)} is kept in ${undo.safetyCopy})`] : []),
        alarms.length === 0 ? '  alarms:                none' : `  alarms:                ${alarms.length}`,
        ...alarms.map((a) => `ALARM ${a.code}: ${a.message}`),
      ];
      return {
        message: alarms.length === 0 ? 'No alarm' : `${alarms.length} alarm${alarms.length === 1 ? '' : 's'}`,
        data: { alarm: alarms.length > 0, alarms, lastBackup, lastVerifiedGood, nextBackup, nextDrill, nextCopy, backupCount: backups.length, timeZone: tz, policy, undo },
        lines,
        ...(alarms.length > 0 ? { exitCode: EXIT.alarm } : {}),
      };
    });
  },
};

/** Where copies stand: none set up, due now (to which), the retry of a failed one, or up to date. */
function copyText(next: { due: boolean; nextDueAt: string | null; destinations: readonly string[] }, on: number, all: number, tz: string): string {
  if (all === 0) return 'no destination off this computer (casevault dest add)';
  if (on === 0) return `every destination is off (${all}; casevault dest on NAME)`;
  if (next.due) return `due now to ${next.destinations.join(', ')} (the next run-due copies)`;
  if (next.nextDueAt) return `retry of a failed copy at ${localWhen(next.nextDueAt, tz)}`;
  return `up to date (${on} destination${on === 1 ? '' : 's'})`;
}
