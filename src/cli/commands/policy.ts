import { BackupError, isBackupError } from '../../domain/errors.ts';
import { DEFAULT_POLICY, POLICY_FILE, type Interval, type Policy } from '../../domain/policy.ts';
import { UsageError, hasFlag, stringFlag, type FlagSpec, type ParsedArgs } from '../args.ts';
import { BACKUP_DIR_FLAG, JSON_FLAG, dirsOf, withSystem, type Command, type CommandResult } from '../context.ts';

const DURATION_HELP = 'a duration like 30m, 4h, 24h or 7d (m minutes, h hours, d days)';
const KEEP = [
  ['keep-last', 'keepLast', 'the N newest backups'],
  ['keep-hourly', 'keepHourly', 'the newest backup of each of the N most recent hours that have one'],
  ['keep-daily', 'keepDaily', '… of the N most recent days'],
  ['keep-weekly', 'keepWeekly', '… of the N most recent ISO weeks'],
  ['keep-monthly', 'keepMonthly', '… of the N most recent months'],
  ['keep-yearly', 'keepYearly', '… of the N most recent years'],
] as const;

const SET_FLAGS: FlagSpec[] = [
  { name: 'every', kind: 'string', value: 'DURATION|off', help: `back up this long after the last backup (${DURATION_HELP}, at least 5m), or off` },
  { name: 'at', kind: 'string', value: 'HH:MM|off', help: 'also back up once a day at this local time (24 h), or off' },
  ...KEEP.map(([name, , help]): FlagSpec => ({ name, kind: 'string', value: 'N', help: `retention: keep ${help}` })),
  { name: 'drill-every', kind: 'string', value: 'DURATION|off', help: 're-verify every stored backup at least this often (at least 1h), or off' },
  { name: 'drill-budget', kind: 'string', value: 'DURATION', help: 'how long one drill may run (1m to 24h)' },
  { name: 'skip-unchanged', kind: 'boolean', help: 'make no backup when the data has not changed since the last one' },
  { name: 'no-skip-unchanged', kind: 'boolean', help: 'back up on schedule even when nothing changed' },
];

const UNIT = { m: 'minutes', h: 'hours', d: 'days' } as const;
const UNIT_MINUTES = { minutes: 1, hours: 60, days: 1440 } as const;

/** "30m", "4h", "7d" → an interval, within [minMinutes, 366 days]; a usage error naming what is accepted otherwise. */
export function parseDuration(flag: string, value: string, minMinutes: number, allowOff: boolean): Interval | null {
  if (allowOff && value === 'off') return null;
  const m = /^(\d{1,6})([mhd])$/.exec(value);
  const accepted = `--${flag} takes ${DURATION_HELP}${allowOff ? ', or off' : ''}`;
  if (!m) throw new UsageError(`${accepted}; got "${value}"`);
  const interval: Interval = { value: Number(m[1]), unit: UNIT[m[2] as keyof typeof UNIT] };
  const minutes = interval.value * UNIT_MINUTES[interval.unit];
  if (minutes < minMinutes || minutes > 366 * 1440) {
    throw new UsageError(`${accepted}, from ${describeMinutes(minMinutes)} to 366d; got "${value}"`);
  }
  return interval;
}

function describeMinutes(minutes: number): string {
  return minutes % 1440 === 0 ? `${minutes / 1440}d` : minutes % 60 === 0 ? `${minutes / 60}h` : `${minutes}m`;
}

export function describeInterval(interval: Interval | null): string {
  return interval === null ? 'off' : `${interval.value}${interval.unit[0]}`;
}

function parseAt(value: string): string | null {
  if (value === 'off') return null;
  const m = /^(\d{1,2}):(\d{2})$/.exec(value);
  if (!m || Number(m[1]) > 23 || Number(m[2]) > 59) throw new UsageError(`--at takes a local time HH:MM from 00:00 to 23:59 (24 h), or off; got "${value}"`);
  return `${m[1]!.padStart(2, '0')}:${m[2]}`;
}

function parseCount(flag: string, value: string): number {
  if (!/^\d{1,6}$/.test(value) || Number(value) > 100_000) throw new UsageError(`--${flag} takes a whole number from 0 to 100000; got "${value}"`);
  return Number(value);
}

/** The policy patch the options of `policy set` ask for; only the options given. */
export function policyPatch(args: ParsedArgs): Record<string, Record<string, unknown>> {
  const schedule: Record<string, unknown> = {};
  const retention: Record<string, unknown> = {};
  const drill: Record<string, unknown> = {};
  const every = stringFlag(args, 'every');
  if (every !== undefined) schedule.every = parseDuration('every', every, 5, true);
  const at = stringFlag(args, 'at');
  if (at !== undefined) schedule.dailyAt = parseAt(at);
  if (hasFlag(args, 'skip-unchanged') && hasFlag(args, 'no-skip-unchanged')) throw new UsageError('--skip-unchanged and --no-skip-unchanged contradict each other; give one');
  if (hasFlag(args, 'skip-unchanged')) schedule.skipUnchanged = true;
  if (hasFlag(args, 'no-skip-unchanged')) schedule.skipUnchanged = false;
  for (const [flag, key] of KEEP) {
    const value = stringFlag(args, flag);
    if (value !== undefined) retention[key] = parseCount(flag, value);
  }
  const drillEvery = stringFlag(args, 'drill-every');
  if (drillEvery !== undefined) drill.every = parseDuration('drill-every', drillEvery, 60, true);
  const budget = stringFlag(args, 'drill-budget');
  if (budget !== undefined) {
    const interval = parseDuration('drill-budget', budget, 1, false)!;
    const minutes = interval.value * UNIT_MINUTES[interval.unit];
    if (minutes > 1440) throw new UsageError(`--drill-budget takes ${DURATION_HELP}, from 1m to 24h; got "${budget}"`);
    drill.budgetMinutes = minutes;
  }
  const patch: Record<string, Record<string, unknown>> = {};
  if (Object.keys(schedule).length > 0) patch.schedule = schedule;
  if (Object.keys(retention).length > 0) patch.retention = retention;
  if (Object.keys(drill).length > 0) patch.drill = drill;
  return patch;
}

/** The policy in lines for a person. */
export function describePolicy(policy: Policy): string[] {
  const s = policy.schedule;
  const r = policy.retention;
  const e = policy.export;
  const when = s.every === null && s.dailyAt === null ? 'off' : [s.every && `every ${describeInterval(s.every)}`, s.dailyAt && `daily at ${s.dailyAt}`].filter(Boolean).join(', ');
  const included = [e.includeDatabase && 'database', e.includeFiles && 'documents', e.includeMetadata && 'settings'].filter(Boolean).join(', ');
  return [
    `  schedule:   ${when}; skip unchanged: ${s.skipUnchanged ? 'yes' : 'no'}; on app quit: ${s.onAppQuit ? 'yes' : 'no'}`,
    `  retention:  keep last ${r.keepLast}, hourly ${r.keepHourly}, daily ${r.keepDaily}, weekly ${r.keepWeekly}, monthly ${r.keepMonthly}, yearly ${r.keepYearly}${r.pruneAfterBackup ? '; prune after each scheduled backup' : ''}`,
    `              (pinned backups, the newest verified one and the last one are always kept)`,
    `  drills:     ${policy.drill.every === null ? 'off' : `every backup re-verified every ${describeInterval(policy.drill.every)}`}, at most ${describeMinutes(policy.drill.budgetMinutes)} per drill`,
    `  alarm:      no verified backup for ${policy.alarm.noVerifiedBackupAfter ? describeInterval(policy.alarm.noVerifiedBackupAfter) : '2 days or 3 schedule intervals, whichever is longer'}`,
    `  backups:    ${included}, compression level ${e.compressionLevel}`,
  ];
}

export const command: Command = {
  name: 'policy',
  usage: 'casevault policy show|set|reset [--backup-dir B] [options of set] [--json]',
  summary: 'show or set the backup policy of the backup dir (schedule, retention, drills)',
  description:
    `The policy is ${POLICY_FILE} in the backup dir; without one the defaults apply (every 4h,\n` +
    'keep last 3 / hourly 24 / daily 7 / weekly 4 / monthly 12 / yearly 0, drills weekly).\n' +
    '`set` changes only the options it is given; `reset` writes the defaults (also over a damaged file).\n' +
    'Retention is restic\'s `forget`: a backup is kept if any rule keeps it. `casevault run-due` applies it.',
  flags: [BACKUP_DIR_FLAG, ...SET_FLAGS, JSON_FLAG],
  async run(args, ctx): Promise<CommandResult> {
    const [action, ...extra] = args.positionals;
    if (action === undefined) throw new UsageError('missing show, set or reset');
    if (!['show', 'set', 'reset'].includes(action)) throw new UsageError(`unknown policy action "${action}"; give show, set or reset`);
    if (extra.length > 0) throw new UsageError(`unexpected argument ${extra[0]!}`);
    const given = SET_FLAGS.filter((f) => args.flags.has(f.name)).map((f) => `--${f.name}`);
    if (action !== 'set' && given.length > 0) throw new UsageError(`${given[0]} is an option of \`policy set\`, not of \`policy ${action}\``);
    const patch = action === 'set' ? policyPatch(args) : {};
    if (action === 'set' && Object.keys(patch).length === 0) throw new UsageError('policy set: give at least one option to change (see casevault policy --help)');

    return withSystem(ctx, dirsOf(args, ctx.env), { operation: `policy ${action}`, dataDir: 'none', dataDirLock: 'none', openDatabase: false }, async (system) => {
      const file = system.deps.fs.join(system.config.backupDir, POLICY_FILE);
      if (action === 'show') {
        const { policy, stored } = await system.service.readPolicy();
        return {
          message: 'Backup policy',
          data: { policy, stored, file },
          lines: [`policy of ${system.config.backupDir} (${stored ? POLICY_FILE : `the defaults: there is no ${POLICY_FILE} yet`})`, ...describePolicy(policy)],
        };
      }
      let policy: Policy;
      try {
        policy = action === 'reset' ? await system.service.replacePolicy(DEFAULT_POLICY) : await system.service.updatePolicy(patch);
      } catch (error) {
        // A combination the policy refuses (it keeps nothing, say) is the person's to fix, like a bad value.
        if (isBackupError(error) && error.code === 'INVALID_INPUT') throw new UsageError(error.message.replace(/^policy: /, 'policy set: '));
        if (isBackupError(error) && error.code === 'POLICY_INVALID') {
          throw new BackupError('POLICY_INVALID', `${error.message}; \`casevault policy reset\` writes the defaults over it`, { cause: error });
        }
        throw error;
      }
      return {
        message: action === 'reset' ? 'Backup policy reset to the defaults' : 'Backup policy updated',
        data: { policy, stored: true, file },
        lines: [`${action === 'reset' ? 'reset' : 'updated'} ${file}`, ...describePolicy(policy)],
      };
    });
  },
};
