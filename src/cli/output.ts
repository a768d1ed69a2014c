/**
 * What the CLI prints. `--json`: exactly one JSON object on stdout, the IPC envelope
 * (`{ success: true, message, … }` or `{ success: false, code, error, message }`).
 * Otherwise: lines for a person on stdout, errors on stderr. Progress goes to stderr, and
 * only when stderr is a terminal (or CASEVAULT_PROGRESS=plain asks for plain lines).
 */
import type { Progress } from '../domain/progress.ts';

/** The domain's progress, or a phase of the command line's own ('copy', 'download'). */
export type CliProgress = Omit<Progress, 'phase'> & { readonly phase: Progress['phase'] | 'copy' | 'download' };
export type CliProgressListener = (progress: CliProgress) => void;

/**
 * 3: `status` found an alarm (it ran; the backups need attention), so monitoring can tell an
 * alarm from a failure to run. 75 (EX_TEMPFAIL): `run-due` gave way to another operation
 * (BUSY) and did nothing; the next run does what is due.
 */
export const EXIT = { ok: 0, failed: 1, usage: 2, alarm: 3, busy: 75, cancelled: 130 } as const;

export interface Writer {
  write(text: string): unknown;
  readonly isTTY?: boolean;
  readonly columns?: number;
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KB', 'MB', 'GB', 'TB'];
  let value = n / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${value.toFixed(value < 10 ? 1 : 0)} ${units[unit]!}`;
}

function formatSeconds(s: number): string {
  if (!Number.isFinite(s)) return '--';
  if (s < 60) return `${Math.ceil(s)}s`;
  return `${Math.floor(s / 60)}m${String(Math.ceil(s % 60)).padStart(2, '0')}s`;
}

/** A progress listener for stderr: a redrawn bar on a terminal, plain lines on request, else nothing. */
export function progressReporter(stderr: Writer, env: NodeJS.ProcessEnv): { listener: CliProgressListener; done(): void } {
  if (env.CASEVAULT_PROGRESS === 'plain') {
    return {
      listener: (p) => stderr.write(`progress ${p.phase} ${p.done}/${p.total} ${p.unit}\n`),
      done: () => {},
    };
  }
  if (!stderr.isTTY || env.CASEVAULT_PROGRESS === 'none') return { listener: () => {}, done: () => {} };
  let phase: string | null = null;
  let started = Date.now();
  let lastDraw = 0;
  let drawn = false;
  const draw = (p: CliProgress) => {
    const now = Date.now();
    if (p.phase !== phase) {
      phase = p.phase;
      started = now;
    } else if (now - lastDraw < 100 && p.done < p.total) return;
    lastDraw = now;
    const width = Math.max(10, Math.min(30, (stderr.columns ?? 80) - 60));
    const ratio = p.total > 0 ? Math.min(1, p.done / p.total) : 1;
    const filled = Math.round(ratio * width);
    const elapsed = (now - started) / 1000;
    const rate = elapsed > 0 ? p.done / elapsed : 0;
    const eta = rate > 0 ? (p.total - p.done) / rate : Infinity;
    const amount = p.unit === 'bytes' ? `${formatBytes(p.done)}/${formatBytes(p.total)}  ${formatBytes(rate)}/s` : `${p.done}/${p.total} files`;
    const line = `${p.phase.padEnd(8)} [${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${String(Math.round(ratio * 100)).padStart(3)}%  ${amount}  ETA ${formatSeconds(eta)}`;
    stderr.write(`\r\u001b[2K${line}`);
    drawn = true;
  };
  return {
    listener: draw,
    done: () => {
      if (drawn) stderr.write('\r\u001b[2K');
      drawn = false;
    },
  };
}

export function printJson(stdout: Writer, value: object): void {
  stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/** A path or word as a POSIX shell reads it back: as it is when safe, else in single quotes. */
export function shellQuote(word: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}
