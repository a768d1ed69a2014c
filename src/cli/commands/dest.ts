import { readState, type CopyRecord } from '../../domain/backupState.ts';
import { isBackupError } from '../../domain/errors.ts';
import { findDestination, type ProbeResult } from '../../domain/destinations.ts';
import type { NodeBackup } from '../../infra/node/index.ts';
import { UsageError, positionals, stringFlag, type ParsedArgs } from '../args.ts';
import { BACKUP_DIR_FLAG, DATA_DIR_FLAG, JSON_FLAG, dirsOf, withSystem, type CliContext, type Command, type CommandResult } from '../context.ts';
import { S3_FLAGS, folderTarget, requireFolderPath, s3FlagsGiven, s3Target, whereOf, withFolderAdvice } from '../destinationArgs.ts';
import { formatBytes, shellQuote } from '../output.ts';
import { localWhen, systemTimeZone } from '../when.ts';

const SUBCOMMANDS = ['add', 'list', 'test', 'remove', 'on', 'off'] as const;
type Sub = (typeof SUBCOMMANDS)[number];

export const command: Command = {
  name: 'dest',
  usage:
    'casevault dest add folder PATH --name NAME [--backup-dir B] [--json]\n' +
    '       casevault dest add s3 --name NAME --bucket B [--endpoint URL] [--prefix P] [--region R] [--path-style] [--checksum MODE] […]\n' +
    '       casevault dest list|test NAME|remove NAME|on NAME|off NAME [--backup-dir B] [--json]',
  summary: 'the places off this computer that backups are copied to (add, list, test, remove, on, off)',
  description:
    'add folder PATH: a folder on another drive, a NAS share or a mounted network path (it must exist\n' +
    '  and be writable; casevault writes a probe file there and removes it).\n' +
    'add s3: a bucket on S3-compatible storage (AWS, Backblaze B2, Wasabi, Cloudflare R2, MinIO, Ceph).\n' +
    '  Credentials come from the environment or the profile as for the AWS CLI (AWS_ACCESS_KEY_ID and\n' +
    '  AWS_SECRET_ACCESS_KEY, or AWS_PROFILE and ~/.aws), never from a flag, and are never stored.\n' +
    'Each is tested before it is added. The destinations are stored with the policy in the backup dir\n' +
    '(casevault-destinations.json); run-due copies every new backup to each one that is on, and\n' +
    '`casevault copy` copies now.\n' +
    'list: each destination, on or off, and its last copy. test NAME: is it there and writable now,\n' +
    'how much room, is it on the same drive as the data. remove NAME: forget it (its copies stay\n' +
    'there). off / on NAME: stop (or resume) copying there.',
  flags: [{ name: 'name', kind: 'string', value: 'NAME', help: 'add: the name to call it by (letters, digits, spaces, ".", "_", "-")' }, ...S3_FLAGS, DATA_DIR_FLAG, BACKUP_DIR_FLAG, JSON_FLAG],
  async run(args, ctx) {
    const sub = args.positionals[0];
    if (!sub || !(SUBCOMMANDS as readonly string[]).includes(sub)) throw new UsageError(`dest: say what to do: ${SUBCOMMANDS.join(', ')}${sub ? ` (not "${sub}")` : ''}`);
    if (sub !== 'add') {
      const extra = [...s3FlagsGiven(args), ...(args.flags.has('name') ? ['name'] : [])];
      if (extra.length > 0) throw new UsageError(`--${extra[0]!} goes with dest add only`);
    }
    return withSystem(ctx, dirsOf(args, ctx.env), { operation: `dest ${sub}`, dataDir: 'none', dataDirLock: 'none', openDatabase: false }, async (system) => {
      return await SUB[sub as Sub](args, ctx, system);
    });
  },
};

const SUB: Record<Sub, (args: ParsedArgs, ctx: CliContext, system: NodeBackup) => Promise<CommandResult>> = {
  async add(args, ctx, system) {
    const [, kind, path] = args.positionals;
    const name = stringFlag(args, 'name');
    if (kind !== 'folder' && kind !== 's3') throw new UsageError('dest add: say which kind: dest add folder PATH --name NAME, or dest add s3 --name NAME --bucket B …');
    if (!name) throw new UsageError(`dest add ${kind}: give it a name with --name NAME (e.g. --name ${kind === 'folder' ? 'usb' : 'offsite'})`);
    let target;
    if (kind === 'folder') {
      positionals(args, ['add', 'folder', 'PATH']);
      const given = s3FlagsGiven(args);
      if (given.length > 0) throw new UsageError(`--${given[0]!} goes with dest add s3, not a folder`);
      target = folderTarget(path!);
      requireFolderPath(target, 'dest add');
    } else {
      if (path !== undefined) throw new UsageError(`dest add s3 takes no path ("${path}"): give --bucket B, and --prefix P for a folder in it`);
      target = s3Target(args, ctx.env);
    }
    let added;
    try {
      added = await system.service.destAdd(name, target, { signal: ctx.signal });
    } catch (error) {
      throw withFolderAdvice(error, target);
    }
    const { entry, probe } = added;
    return {
      message: 'Destination added',
      data: { destination: entry, probe },
      lines: [
        `added ${entry.name}: ${whereOf(entry.target)}`,
        ...probeLines(probe),
        `every new backup is copied there by run-due; copy the ones you have now: casevault copy --to ${shellQuote(entry.name)}${backupDirFlag(args)}`,
      ],
    };
  },

  async list(args, _ctx, system) {
    positionals(args, ['list']);
    const destinations = await system.service.destinations();
    let copies: Readonly<Record<string, CopyRecord>> = {};
    let stateError: string | null = null;
    try {
      copies = (await readState(system.deps, system.config)).copies;
    } catch (error) {
      if (!isBackupError(error)) throw error;
      stateError = error.message; // the list is still worth showing; the last copies are not known
    }
    const tz = systemTimeZone();
    const items = destinations.map((d) => ({ ...d, where: whereOf(d.target), lastCopy: copies[d.name] ?? null }));
    const width = Math.max(4, ...items.map((d) => d.name.length));
    return {
      message: `${items.length} destination${items.length === 1 ? '' : 's'}`,
      data: { destinations: items, ...(stateError ? { stateError } : {}) },
      lines: [
        ...(items.length === 0
          ? [`no destinations for ${system.config.backupDir}; add one: casevault dest add folder PATH --name NAME, or casevault dest add s3 --name NAME --bucket B …`]
          : items.map((d) => `${d.name.padEnd(width)}  ${d.enabled ? 'on ' : 'off'}  ${d.where}\n${' '.repeat(width + 7)}last copy: ${lastCopyText(d.lastCopy, tz)}`)),
        ...(stateError ? [`warning: the last copies are not shown: ${stateError}`] : []),
      ],
    };
  },

  async test(args, ctx, system) {
    const [, name] = positionals(args, ['test', 'NAME']);
    const entry = await findDestination(system.deps, system.config, name); // NOT_FOUND names the ones there are
    let probe: ProbeResult;
    try {
      probe = await system.service.destTest(entry.name, { signal: ctx.signal });
    } catch (error) {
      throw withFolderAdvice(error, entry.target);
    }
    return {
      message: 'The destination is there and writable',
      data: { destination: entry, probe },
      lines: [`${entry.name}: ${whereOf(entry.target)}${entry.enabled ? '' : ' (off: nothing is copied there until casevault dest on)'}`, ...probeLines(probe)],
    };
  },

  async remove(args, _ctx, system) {
    const [, name] = positionals(args, ['remove', 'NAME']);
    const entry = await system.service.destRemove(name);
    return {
      message: 'Destination removed',
      data: { destination: entry },
      lines: [`removed ${entry.name}: nothing more is copied to ${whereOf(entry.target)}; the copies already there stay there (delete them there if you want them gone)`],
    };
  },

  on: (args, _ctx, system) => enable(args, system, true),
  off: (args, _ctx, system) => enable(args, system, false),
};

async function enable(args: ParsedArgs, system: NodeBackup, on: boolean): Promise<CommandResult> {
  const [, name] = positionals(args, [on ? 'on' : 'off', 'NAME']);
  const entry = await system.service.destEnable(name, on);
  return {
    message: on ? 'Copies resumed' : 'Copies stopped',
    data: { destination: entry },
    lines: [on ? `${entry.name} is on: run-due copies new backups there again` : `${entry.name} is off: nothing is copied there until casevault dest on ${shellQuote(entry.name)}; the copies there stay`],
  };
}

function probeLines(probe: ProbeResult): string[] {
  return [
    `  writable: a test file was written there, read back and removed`,
    `  free space: ${probe.freeBytes === null ? 'not known (object storage does not say)' : formatBytes(probe.freeBytes)}${probe.maxFileSize === null ? '' : `; files up to ${formatBytes(probe.maxFileSize)} (FAT32)`}`,
    ...probe.warnings.map((w) => `  warning: ${w}`),
  ];
}

function lastCopyText(copy: CopyRecord | null, timeZone: string): string {
  if (!copy) return 'never';
  if (copy.outcome === 'ok') return `ok ${localWhen(copy.at, timeZone)}${copy.newest ? `, newest there: ${copy.newest}` : ''}`;
  return `FAILED ${localWhen(copy.at, timeZone)} (${copy.code ?? 'INTERNAL'}): ${copy.message ?? 'no detail'}${copy.failingSince && copy.failingSince !== copy.at ? `; failing since ${localWhen(copy.failingSince, timeZone)}` : ''}`;
}

/** ` --backup-dir B` when one was given, so a suggested command works as it is. */
function backupDirFlag(args: ParsedArgs): string {
  const dir = stringFlag(args, 'backup-dir');
  return dir ? ` --backup-dir ${shellQuote(dir)}` : '';
}
