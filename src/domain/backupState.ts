/**
 * What casevault remembers beside the backups, in `casevault-state.json`: per backup its pin,
 * its last verification (when, ok or failed with a code) and the fingerprint of the data it
 * was made from; the last scheduled backup run, the last drill, the measured verify speed
 * and the last check of the live database.
 *
 * The file is replaced crash-safely (temporary name, fsync, rename, fsync of the folder), so
 * a crash leaves the old state or the new one. A state that cannot be read is STATE_CORRUPT,
 * never a silent reset: a reset would forget pins, and a prune could then delete a pinned
 * backup. `quarantineState` moves a damaged file aside when a person decides to start over.
 * Updates within one process are serialized per file; the pure helpers return a new state.
 */
import type { BackupConfig, BackupDeps } from './deps.ts';
import { compactTimestamp } from './deps.ts';
import { BackupError, type ErrorCode } from './errors.ts';
import { removeAtomicLeftovers, writeFileAtomic } from './atomicFile.ts';
import { POLICY_FILE } from './policy.ts';
import { isBackupFileName } from './backupFiles.ts';
import { listBackups } from './listBackups.ts';
import { newestFirst, type RetentionBackup } from './retention.ts';
import { ShapeError, boolean, instant, integer, matching, nullable, object, oneOf, parseJsonText, record, required, withDefault, type Shape } from './jsonShape.ts';

export const STATE_FILE = 'casevault-state.json';
export const STATE_VERSION = 1;

export type Verification =
  | { readonly at: string; readonly result: 'ok' }
  | { readonly at: string; readonly result: 'failed'; readonly code: ErrorCode; readonly message: string };

export interface BackupRecord {
  readonly pinned: boolean;
  readonly verification: Verification | null;
  /** dataFingerprint() of the data the backup was made from, where a scheduled run recorded it. */
  readonly fingerprint: string | null;
  /**
   * When a scheduled run or a drill last had to leave this (encrypted) backup unverified for
   * want of its password or recovery key (its sidecar checked out); null once it is verified
   * (or fails) again. Not a verification: the backup stays unverified, and the status raises
   * DRILL_NEEDS_KEY.
   */
  readonly needsKey: string | null;
}

export type RunTrigger = 'schedule' | 'quit';

export interface BackupRun {
  readonly at: string;
  readonly trigger: RunTrigger;
  readonly outcome: 'ok' | 'skipped-unchanged' | 'failed';
  /** The backup made (ok) or found unchanged (skipped-unchanged); null for a failure. */
  readonly fileName: string | null;
  readonly code: ErrorCode | null;
  readonly message: string | null;
}

export interface DrillRun {
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly verified: number;
  readonly failed: number;
  readonly outcome: 'ok' | 'failed' | 'cancelled';
}

/** The last copy to a destination (by its name), for run-due's retries and the alarm. */
export interface CopyRecord {
  readonly at: string;
  readonly outcome: 'ok' | 'failed';
  /** The newest backup known whole there after that copy (null: none). */
  readonly newest: string | null;
  readonly code: ErrorCode | null;
  readonly message: string | null;
  /** When the copies there started failing (kept across failed retries), or null while they succeed. */
  readonly failingSince: string | null;
  /** Per backup there, when a check last read it back whole (checkDestination); the least recent goes first. */
  readonly checked?: Readonly<Record<string, string>>;
}

export interface BackupState {
  readonly version: typeof STATE_VERSION;
  readonly backups: Readonly<Record<string, BackupRecord>>;
  readonly lastBackupRun: BackupRun | null;
  readonly lastDrill: DrillRun | null;
  /** Bytes per second verification read at, measured by drills; null until measured. */
  readonly verifyBytesPerSecond: number | null;
  readonly liveDatabase: { readonly checkedAt: string; readonly integrity: string } | null;
  /** Per destination name, its last copy (issue 14); absent in files written before. */
  readonly copies: Readonly<Record<string, CopyRecord>>;
}

export const EMPTY_STATE: BackupState = { version: STATE_VERSION, backups: {}, lastBackupRun: null, lastDrill: null, verifyBytesPerSecond: null, liveDatabase: null, copies: {} };
const NO_RECORD: BackupRecord = { pinned: false, verification: null, fingerprint: null, needsKey: null };

const code = matching(/^[A-Z][A-Z_]{0,39}$/, 'an error code') as Shape<ErrorCode>;
const text = (max: number): Shape<string> => (value, path) => {
  if (typeof value !== 'string' || value.length > max) throw new ShapeError(path, `must be text of at most ${max} characters`);
  return value;
};
const verification: Shape<Verification> = (value, path) => {
  const result = (value as { result?: unknown } | null)?.result;
  if (result === 'ok') return object<{ at: string; result: 'ok' }>({ at: required(instant), result: required(oneOf(['ok'])) })(value, path);
  return object<{ at: string; result: 'failed'; code: ErrorCode; message: string }>({ at: required(instant), result: required(oneOf(['failed'])), code: required(code), message: required(text(2000)) })(value, path);
};
const shapeOfState: Shape<BackupState> = object<BackupState>({
  version: required((value, path) => {
    if (value === STATE_VERSION) return STATE_VERSION;
    throw new ShapeError(path, typeof value === 'number' && value > STATE_VERSION ? `is ${value}: written by a newer casevault (this one reads version ${STATE_VERSION})` : `must be ${STATE_VERSION}`);
  }),
  backups: required(record(isBackupFileName, 'the name of a backup', object<BackupRecord>({ pinned: withDefault(boolean, () => false), verification: withDefault(nullable(verification), () => null), fingerprint: withDefault(nullable(matching(/^[0-9a-f]{64}$/, 'a SHA-256')), () => null), needsKey: withDefault(nullable(instant), () => null) }))),
  lastBackupRun: required(
    nullable(
      object<BackupRun>({
        at: required(instant),
        trigger: required(oneOf(['schedule', 'quit'])),
        outcome: required(oneOf(['ok', 'skipped-unchanged', 'failed'])),
        fileName: required(nullable(matching(/^[^/\\\0]+\.zip(\.age)?$/, 'the name of a backup (.zip or .zip.age)'))),
        code: required(nullable(code)),
        message: required(nullable(text(2000))),
      }),
    ),
  ),
  lastDrill: required(nullable(object<DrillRun>({ startedAt: required(instant), finishedAt: required(instant), verified: required(integer(0, 1e9)), failed: required(integer(0, 1e9)), outcome: required(oneOf(['ok', 'failed', 'cancelled'])) }))),
  verifyBytesPerSecond: required(nullable(integer(1, Number.MAX_SAFE_INTEGER))),
  liveDatabase: required(nullable(object<{ checkedAt: string; integrity: string }>({ checkedAt: required(instant), integrity: required(text(2000)) }))),
  copies: withDefault(
    record((name) => /^[A-Za-z0-9][A-Za-z0-9 ._-]{0,39}$/.test(name), 'a destination name', object<CopyRecord>({
      at: required(instant),
      outcome: required(oneOf(['ok', 'failed'])),
      newest: required(nullable(matching(/^[^/\\\0]+\.zip(\.age)?$/, 'the name of a backup (.zip or .zip.age)'))),
      code: required(nullable(code)),
      message: required(nullable(text(2000))),
      failingSince: required(nullable(instant)),
      checked: withDefault(record(isBackupFileName, 'the name of a backup', instant), () => ({})),
    })),
    () => ({}),
  ),
});

function stateError(error: ShapeError): BackupError {
  const where = error.path ? `${error.path} ${error.problem}` : error.problem;
  return new BackupError('STATE_CORRUPT', `state: ${STATE_FILE} in the backup dir is damaged (${where}); it holds pins and verification results, so nothing that depends on them runs until it is repaired or moved aside`, { cause: error });
}

/** Validates a state (for tests and tools); throws STATE_CORRUPT. */
export function parseState(json: unknown): BackupState {
  try {
    return shapeOfState(json, '');
  } catch (error) {
    if (error instanceof ShapeError) throw stateError(error);
    throw error;
  }
}

const statePath = (deps: BackupDeps, config: BackupConfig) => deps.fs.join(config.backupDir, STATE_FILE);

/** The state, or an empty one if there is no file yet. Rejects with STATE_CORRUPT if the file is damaged. */
export async function readState(deps: BackupDeps, config: BackupConfig): Promise<BackupState> {
  const path = statePath(deps, config);
  if (!(await deps.fs.exists(path))) return EMPTY_STATE;
  const raw = new TextDecoder().decode(await deps.fs.readFile(path));
  let json: unknown;
  try {
    json = parseJsonText(raw);
  } catch (error) {
    throw stateError(error as ShapeError);
  }
  return parseState(json);
}

export async function writeState(deps: BackupDeps, config: BackupConfig, state: BackupState): Promise<void> {
  const checked = parseState(JSON.parse(JSON.stringify(state)) as unknown); // never write what could not be read back
  await writeFileAtomic(deps.fs, config.backupDir, STATE_FILE, new TextEncoder().encode(`${JSON.stringify(checked, null, 1)}\n`));
}

const queues = new Map<string, Promise<unknown>>();

/** Reads, changes and writes the state, one update at a time per file in this process. Resolves with the new state. */
export function updateState(deps: BackupDeps, config: BackupConfig, change: (state: BackupState) => BackupState | Promise<BackupState>): Promise<BackupState> {
  const path = statePath(deps, config);
  const run = (queues.get(path) ?? Promise.resolve()).catch(() => {}).then(async () => {
    const next = await change(await readState(deps, config));
    await writeState(deps, config, next);
    return next;
  });
  queues.set(path, run);
  void run.finally(() => {
    if (queues.get(path) === run) queues.delete(path);
  }).catch(() => {});
  return run;
}

/** Moves a damaged state file aside (`casevault-state.json.damaged-<time>`), so the next read starts empty. A person's decision, never automatic. */
export async function quarantineState(deps: BackupDeps, config: BackupConfig): Promise<string | null> {
  const path = statePath(deps, config);
  if (!(await deps.fs.exists(path))) return null;
  const name = `${STATE_FILE}.damaged-${compactTimestamp(deps.clock.now())}`;
  await deps.fs.rename(path, deps.fs.join(config.backupDir, name));
  await deps.fs.syncDir(config.backupDir);
  return name;
}

/**
 * At start-up: removes the temporary files a crash left while the state or the policy was
 * being replaced (never read: the real file is the old one or the new one). Resolves with their names.
 */
export function removeStateLeftovers(deps: BackupDeps, config: BackupConfig): Promise<string[]> {
  return removeAtomicLeftovers(deps.fs, config.backupDir, [STATE_FILE, POLICY_FILE]);
}

// ---- pure helpers ------------------------------------------------------------------------

export function recordOf(state: BackupState, fileName: string): BackupRecord {
  return state.backups[fileName] ?? NO_RECORD;
}

function withRecord(state: BackupState, fileName: string, change: Partial<BackupRecord>): BackupState {
  return { ...state, backups: { ...state.backups, [fileName]: { ...recordOf(state, fileName), ...change } } };
}

export const setPinned = (state: BackupState, fileName: string, pinned: boolean): BackupState => withRecord(state, fileName, { pinned });

export const recordVerification = (state: BackupState, fileName: string, verification: Verification): BackupState => withRecord(state, fileName, { verification, needsKey: null });

/** A check left undone for want of the key: the verification stays as it was (unverified), the status says what to give. */
export const recordNeedsKey = (state: BackupState, fileName: string, at: string): BackupState => withRecord(state, fileName, { needsKey: at });

/** Records a scheduled run; an ok run also records the fingerprint of the data the new backup holds. */
export function recordBackupRun(state: BackupState, run: BackupRun, fingerprint: string | null = null): BackupState {
  const next = { ...state, lastBackupRun: run };
  return run.outcome === 'ok' && run.fileName !== null && fingerprint !== null ? withRecord(next, run.fileName, { fingerprint }) : next;
}

export const recordDrill = (state: BackupState, drill: DrillRun, verifyBytesPerSecond: number | null): BackupState => ({ ...state, lastDrill: drill, verifyBytesPerSecond: verifyBytesPerSecond ?? state.verifyBytesPerSecond });

/** Records a destination's copy: a failure keeps when the failing started, a success clears it. */
export function recordCopy(state: BackupState, destination: string, copy: Omit<CopyRecord, 'failingSince'>): BackupState {
  const before = state.copies[destination];
  const failingSince = copy.outcome === 'ok' ? null : (before?.failingSince ?? copy.at);
  return { ...state, copies: { ...state.copies, [destination]: { ...copy, failingSince, checked: copy.checked ?? before?.checked ?? {} } } };
}

export const recordLiveCheck = (state: BackupState, checkedAt: string, integrity: string): BackupState => ({ ...state, liveDatabase: { checkedAt, integrity } });

/** Drops the records of backups that no longer exist (after a prune deleted them). */
export function forgetBackups(state: BackupState, fileNames: readonly string[]): BackupState {
  const gone = new Set(fileNames);
  return { ...state, backups: Object.fromEntries(Object.entries(state.backups).filter(([name]) => !gone.has(name))) };
}

export function pinnedSet(state: BackupState): Set<string> {
  return new Set(Object.entries(state.backups).filter(([, r]) => r.pinned).map(([name]) => name));
}

/** The newest of `backups` whose last verification passed; a failed drill makes a backup not verified-good. */
export function lastVerifiedGood(backups: readonly RetentionBackup[], state: BackupState): string | null {
  return newestFirst(backups).find((b) => recordOf(state, b.fileName).verification?.result === 'ok')?.fileName ?? null;
}

/**
 * `pin NAME` / `unpin NAME`: a pinned backup is never pruned. Accepts only the name of a
 * listed backup (INVALID_INPUT, NOT_FOUND); resolves with the new state.
 */
export async function pinBackup(deps: BackupDeps, config: BackupConfig, fileName: unknown, pinned: boolean): Promise<BackupState> {
  const op = pinned ? 'pin' : 'unpin';
  if (typeof fileName !== 'string' || !isBackupFileName(fileName) || fileName.includes('..')) {
    throw new BackupError('INVALID_INPUT', `${op}: "${String(fileName)}" is not the name of a backup`);
  }
  if (!(await listBackups(deps, config)).some((b) => b.fileName === fileName)) {
    throw new BackupError('NOT_FOUND', `${op}: there is no backup named ${fileName}`);
  }
  return updateState(deps, config, (state) => setPinned(state, fileName, pinned));
}
