/**
 * casevault's command line: `casevault <command> [options]`. Exit codes: 0 success,
 * 1 the operation failed, 2 usage error, 3 `status` found an alarm, 75 `run-due` gave way
 * to another operation (busy), 130 cancelled (Ctrl-C). The first Ctrl-C cancels
 * through an AbortController (the use case removes what it wrote); a second one exits at once.
 */
import { BackupError, toBackupError } from '../domain/errors.ts';
import { UsageError, closest, hasFlag, parseArgs, type FlagSpec } from './args.ts';
import type { CliContext, Command, CommandResult } from './context.ts';
import { EXIT, printJson, progressReporter, type Writer } from './output.ts';

const COMMANDS: Readonly<Record<string, () => Promise<{ command: Command }>>> = {
  export: () => import('./commands/export.ts'),
  restore: () => import('./commands/restore.ts'),
  verify: () => import('./commands/verify.ts'),
  portable: () => import('./commands/portable.ts'),
  list: () => import('./commands/list.ts'),
  delete: () => import('./commands/delete.ts'),
  stats: () => import('./commands/stats.ts'),
  check: () => import('./commands/check.ts'),
  demo: () => import('./commands/demo.ts'),
  audit: () => import('./commands/audit.ts'),
  policy: () => import('./commands/policy.ts'),
  'run-due': () => import('./commands/runDue.ts'),
  status: () => import('./commands/status.ts'),
  prune: () => import('./commands/prune.ts'),
  pin: () => import('./commands/pin.ts'),
  unpin: () => import('./commands/unpin.ts'),
  drill: () => import('./commands/drill.ts'),
  'undo-restore': () => import('./commands/undoRestore.ts'),
  key: () => import('./commands/key.ts'),
  dest: () => import('./commands/dest.ts'),
  copy: () => import('./commands/copy.ts'),
};

const SUMMARIES: Readonly<Record<string, string>> = {
  export: 'write a new backup of the data dir',
  restore: 'replace the data dir with a backup, all or nothing',
  verify: 'check a backup completely without restoring it',
  portable: 'write a portable copy of a backup: one self-contained ZIP to carry elsewhere',
  list: 'list the backups, newest first',
  delete: 'delete a backup by name',
  stats: 'statistics of the backups',
  check: 'recover an interrupted restore, then check the data dir',
  demo: 'create a sample data dir to try everything on',
  audit: 'print (and --verify) the hash-chained audit log',
  policy: 'show or set the backup policy (schedule, retention, drills)',
  'run-due': 'do what is due now: backup, verify, prune, drill (for cron or a systemd timer)',
  status: 'last backup, last verified backup, next run, alarms (exit 3 on an alarm)',
  prune: 'delete the backups the retention policy does not keep (--dry-run: say why)',
  pin: 'keep a backup whatever the retention policy says',
  unpin: 'let the retention policy decide about a backup again',
  drill: 're-verify stored backups (the due ones, or --all)',
  'undo-restore': 'put back the data dir from before the last restore',
  key: 'set up and change the keys that encrypt backups (init, passwd, add, remove, show, off, on)',
  dest: 'the places off this computer backups are copied to: a folder, S3 (add, list, test, remove, on, off)',
  copy: 'copy backups to those destinations now (run-due copies each new backup by itself)',
};

const HELP_FLAG: FlagSpec = { name: 'help', kind: 'boolean', help: 'show this help' };

export interface CliIo {
  readonly stdout: Writer;
  readonly stderr: Writer;
  readonly env: NodeJS.ProcessEnv;
  readonly signal: AbortSignal;
}

function mainHelp(): string {
  const width = Math.max(...Object.keys(SUMMARIES).map((n) => n.length));
  return [
    'casevault: verified ZIP backups and all-or-nothing restores of the case-work data dir',
    '',
    'usage: casevault <command> [options]      casevault <command> --help',
    '',
    'commands:',
    ...Object.entries(SUMMARIES).map(([n, s]) => `  ${n.padEnd(width)}  ${s}`),
    '',
    'Dirs default to $XDG_DATA_HOME/casevault/{data,backups} (~/.local/share if unset),',
    'overridden by CASEVAULT_DATA_DIR and CASEVAULT_BACKUP_DIR, then by --data-dir / --backup-dir.',
    'Exit codes: 0 success, 1 failed, 2 usage error, 3 status found an alarm, 75 run-due gave way',
    'to another operation (busy), 130 cancelled.',
    '',
  ].join('\n');
}

function commandHelp(command: Command): string {
  const flags = [...command.flags, HELP_FLAG].map((f) => [`--${f.name}${f.value ? ` ${f.value}` : ''}`, f.help] as const);
  const width = Math.max(...flags.map(([f]) => f.length));
  return [
    `usage: ${command.usage}`,
    '',
    `${command.summary}.`,
    command.description,
    '',
    'options:',
    ...flags.map(([f, h]) => `  ${f.padEnd(width)}  ${h}`),
    '',
  ].join('\n');
}

/** Runs one command line; resolves the exit code. Never throws. */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  const [name, ...rest] = argv;
  const wantsJson = rest.includes('--json');
  // Errors of the use cases already name their operation ("export: …"); usage errors do not.
  const fail = (exit: number, code: string, error: string, message: string, named = false, detail?: string): number => {
    if (wantsJson) printJson(io.stdout, { success: false, code, error, message, ...(detail === undefined ? {} : { detail }) });
    else io.stderr.write(`casevault${name && COMMANDS[name] && !named ? ` ${name}` : ''}: ${error}\n${detail === undefined ? '' : `  detail: ${detail}\n`}`);
    return exit;
  };
  const unknownCommand = (word: string): number => {
    const near = closest(word, Object.keys(COMMANDS));
    return fail(EXIT.usage, 'INVALID_INPUT', `unknown command "${word}"; ${near ? `did you mean "${near}"?` : 'see casevault --help'}`, 'Usage error');
  };
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    const topic = name === 'help' ? rest[0] : undefined;
    if (topic && !COMMANDS[topic]) return unknownCommand(topic);
    if (topic) io.stdout.write(commandHelp((await COMMANDS[topic]!()).command));
    else io.stdout.write(mainHelp());
    return name === undefined ? EXIT.usage : EXIT.ok;
  }
  if (name === '--version') {
    const { appVersion } = await import('./context.ts');
    io.stdout.write(`casevault ${appVersion()}\n`);
    return EXIT.ok;
  }
  const load = COMMANDS[name];
  if (!load) return unknownCommand(name);
  const { command } = await load();
  let result: CommandResult;
  const progress = progressReporter(io.stderr, io.env);
  try {
    const args = parseArgs(rest, [...command.flags, HELP_FLAG]);
    if (hasFlag(args, 'help')) {
      io.stdout.write(commandHelp(command));
      return EXIT.ok;
    }
    const ctx: CliContext = {
      env: io.env,
      stdout: io.stdout,
      stderr: io.stderr,
      signal: io.signal,
      json: hasFlag(args, 'json'),
      onProgress: progress.listener,
      log: (message, error) => {
        progress.done();
        io.stderr.write(`casevault: ${message}${error === undefined ? '' : `: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`}\n`);
      },
    };
    result = await command.run(args, ctx);
  } catch (error) {
    progress.done();
    if (error instanceof UsageError) {
      if (!wantsJson) io.stderr.write(`usage: ${command.usage}\n`);
      return fail(EXIT.usage, 'INVALID_INPUT', error.message, 'Usage error');
    }
    // An abort that surfaced as anything (the signal fired) is a cancellation.
    const e = io.signal.aborted && !(error instanceof BackupError && error.code !== 'CANCELLED' && error.code !== 'INTERNAL')
      ? new BackupError('CANCELLED', `${name}: cancelled`)
      : toBackupError(error, name);
    if (e.code === 'CANCELLED') return fail(EXIT.cancelled, 'CANCELLED', `${name}: cancelled; nothing was changed`, 'Cancelled', true);
    if (e.code === 'INTERNAL') {
      io.stderr.write(`casevault ${name}: internal error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
      return fail(EXIT.failed, 'INTERNAL', 'An unexpected error occurred; the details were written to stderr.', `${capitalize(name)} failed`);
    }
    return fail(EXIT.failed, e.code, e.message, `${capitalize(name)} failed`, true, detailOf(e));
  }
  progress.done();
  if (hasFlag(parseArgs(rest, [...command.flags, HELP_FLAG]), 'json')) {
    if (result.failure) printJson(io.stdout, { success: false, code: result.failure.code, error: result.failure.error, message: result.message, ...result.data });
    else printJson(io.stdout, { success: true, message: result.message, ...result.data });
  } else {
    io.stdout.write(`${result.lines.join('\n')}\n`);
    if (result.failure) io.stderr.write(`casevault: ${result.failure.error}\n`);
  }
  return result.exitCode ?? (result.failure ? EXIT.failed : EXIT.ok);
}

/** The technical message beside a message for a person (advice.ts's AdvisedError), if any. */
function detailOf(error: BackupError): string | undefined {
  const detail = (error as { detail?: unknown }).detail;
  return typeof detail === 'string' ? detail : undefined;
}

function capitalize(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

/** The process entry: wires signals to an AbortController and exits with the code. */
export async function main(argv: readonly string[] = process.argv.slice(2)): Promise<void> {
  const controller = new AbortController();
  let interrupts = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    interrupts += 1;
    if (interrupts === 1) {
      if (process.stderr.isTTY) process.stderr.write(`\ncasevault: ${signal}: cancelling (press Ctrl-C again to quit at once)\n`);
      controller.abort();
    } else process.exit(EXIT.cancelled);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const code = await runCli(argv, { stdout: process.stdout, stderr: process.stderr, env: process.env, signal: controller.signal });
  process.exitCode = code;
  // Let stdout drain, then leave even if a stray handle (a timer, a worker) is still open.
  process.stdout.write('', () => process.exit(code));
}
