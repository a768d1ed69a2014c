/**
 * The options of `npm start` (src/launch/launch.ts, and src/server/start.ts run directly):
 * parsed without node:util's parseArgs, whose errors are stack traces with ERR_PARSE_ARGS_*
 * codes. A mistake is a UsageError with one plain line (and, for a misspelt option, the
 * closest real one); the caller prints it with the usage and exits 2, as the CLI does.
 */
export class StartUsageError extends Error {
  override readonly name = 'StartUsageError';
}

export interface StartOptions {
  readonly dataDir: string | undefined;
  readonly backupDir: string | undefined;
  readonly uiDir: string | undefined;
  readonly port: number;
  readonly demo: boolean;
  readonly throttle: number | undefined;
  readonly exitWithStdin: boolean;
  /** The end-to-end tests' settable clock, starting at this ISO 8601 instant (browser shell only). */
  readonly testClock: string | undefined;
}

export type StartArgs = { readonly help: true } | ({ readonly help: false } & StartOptions);

interface OptionSpec {
  readonly name: string;
  readonly value?: string;
  readonly help: string;
  /** Only the browser shell reads it (the Electron app ignores it). */
  readonly shellOnly?: boolean;
  /** Left out of the usage: for the tests and tools that start the shell. */
  readonly hidden?: boolean;
}

const OPTIONS: readonly OptionSpec[] = [
  { name: 'data-dir', value: 'DIR', help: 'the data dir to show (default: CASEVAULT_DATA_DIR, else .tmp/demo/data with demo data)' },
  { name: 'backup-dir', value: 'DIR', help: 'where backups are written and listed (default: CASEVAULT_BACKUP_DIR, else backups/ beside the data dir)' },
  { name: 'no-demo', help: 'never create demo data: the data dir must already hold casevault data', shellOnly: true },
  { name: 'port', value: 'N', help: 'the browser shell\'s port on 127.0.0.1 (default 0: any free port)', shellOnly: true },
  { name: 'throttle', value: 'BYTES', help: 'read documents at this many bytes per second (demos)', shellOnly: true },
  { name: 'ui-dir', value: 'DIR', help: 'the built page (default dist/ui)', shellOnly: true, hidden: true },
  { name: 'exit-with-stdin', help: 'stop when stdin closes', shellOnly: true, hidden: true },
  { name: 'test-clock', value: 'ISO', help: 'a clock that starts here and POST /api/test-clock moves (tests only)', shellOnly: true, hidden: true },
  { name: 'help', help: 'show this help' },
];

export const SHELL_ONLY_OPTIONS: readonly string[] = OPTIONS.filter((o) => o.shellOnly).map((o) => o.name);

export function startUsage(): string {
  const shown = OPTIONS.filter((o) => !o.hidden).map((o) => [`--${o.name}${o.value ? ` ${o.value}` : ''}`, o.help] as const);
  const width = Math.max(...shown.map(([flag]) => flag.length));
  return [
    'usage: npm start -- [options]',
    '',
    'Opens the Backup & Restore settings page: the Electron app where its binary is installed,',
    'otherwise the same page in your browser (it prints a URL on 127.0.0.1 with a secret token).',
    'Without --data-dir it shows demo data in .tmp/demo/data.',
    '',
    'options:',
    ...shown.map(([flag, help]) => `  ${flag.padEnd(width)}  ${help}`),
    '',
    'Exit codes: 0 stopped normally, 1 could not start (the message says why), 2 usage error.',
    '',
  ].join('\n');
}

/** Parses `npm start -- …`'s arguments. Throws StartUsageError for anything it does not take. */
export function parseStartArgs(argv: readonly string[]): StartArgs {
  const values = new Map<string, string | true>();
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i]!;
    if (arg === '-h') return { help: true };
    if (!arg.startsWith('--') || arg === '--') throw new StartUsageError(`unexpected argument ${arg}`);
    const eq = arg.indexOf('=');
    const name = arg.slice(2, eq === -1 ? undefined : eq);
    const spec = OPTIONS.find((o) => o.name === name);
    if (!spec) {
      const near = closestOption(name);
      throw new StartUsageError(`unknown option --${name}${near ? ` (did you mean --${near}?)` : ''}`);
    }
    if (name === 'help') return { help: true };
    if (values.has(name)) throw new StartUsageError(`--${name} given twice`);
    if (spec.value === undefined) {
      if (eq !== -1) throw new StartUsageError(`--${name} takes no value`);
      values.set(name, true);
      continue;
    }
    const value = eq !== -1 ? arg.slice(eq + 1) : argv[++i];
    if (value === undefined || value === '' || (eq === -1 && value.startsWith('--'))) throw new StartUsageError(`--${name} needs a value`);
    values.set(name, value);
  }
  const text = (name: string) => {
    const value = values.get(name);
    return typeof value === 'string' ? value : undefined;
  };
  const port = text('port') ?? '0';
  if (!/^\d{1,5}$/.test(port) || Number(port) > 65535) throw new StartUsageError(`--port must be a whole number from 0 to 65535, got ${port}`);
  const throttle = text('throttle');
  if (throttle !== undefined && !(Number(throttle) > 0)) {
    throw new StartUsageError(`--throttle must be a positive number of bytes per second, got ${throttle}`);
  }
  const testClock = text('test-clock');
  if (testClock !== undefined && !Number.isFinite(Date.parse(testClock))) throw new StartUsageError(`--test-clock must be an ISO 8601 time like 2026-11-02T08:00:00Z, got ${testClock}`);
  return {
    help: false,
    dataDir: text('data-dir'),
    backupDir: text('backup-dir'),
    uiDir: text('ui-dir'),
    port: Number(port),
    demo: !values.has('no-demo'),
    throttle: throttle === undefined ? undefined : Number(throttle),
    exitWithStdin: values.has('exit-with-stdin'),
    testClock,
  };
}

/** The option a misspelt name most likely meant: within 2 edits (a swap of neighbours is one), or a unique prefix. */
function closestOption(name: string): string | null {
  let best: { name: string; distance: number } | null = null;
  for (const option of OPTIONS) {
    const distance = editDistance(name, option.name);
    if (distance <= 2 && (best === null || distance < best.distance)) best = { name: option.name, distance };
  }
  if (best) return best.name;
  const prefixed = OPTIONS.filter((o) => name.length >= 3 && o.name.startsWith(name));
  return prefixed.length === 1 ? prefixed[0]!.name : null;
}

/** Optimal string alignment distance: insertions, deletions, substitutions and swaps of neighbours. */
function editDistance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i += 1) {
    for (let j = 1; j <= b.length; j += 1) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let value = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) value = Math.min(value, d[i - 2]![j - 2]! + 1);
      d[i]![j] = value;
    }
  }
  return d[a.length]![b.length]!;
}

/**
 * The options of `npm start`, or the process ends: `--help` prints the usage (exit 0), a
 * mistake one line and the usage (exit 2). Shared by the launcher and the browser shell.
 */
export function startOptionsOrExit(argv: readonly string[]): StartOptions {
  let args: StartArgs;
  try {
    args = parseStartArgs(argv);
  } catch (error) {
    if (!(error instanceof StartUsageError)) throw error;
    process.stderr.write(`npm start: ${error.message}\n\n${startUsage()}`);
    process.exit(2);
  }
  if (args.help) {
    process.stdout.write(startUsage());
    process.exit(0);
  }
  return args;
}
