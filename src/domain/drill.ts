/**
 * Drills: stored backups are re-verified in rotation, a little at a time, so that every
 * backup is re-read about once per drill period (restic's `check --read-data-subset n/t`,
 * with the subset chosen by time rather than by number).
 *
 * selectForDrill (pure): the backups due (never verified, or verified a drill period ago;
 * schedule.ts), the longest-unverified first (never verified first, then the oldest last
 * verification; between equals the newest backup, the one a restore would use). It takes
 * them in that order while their estimated time (size ÷ the measured verify speed) fits
 * the drill's time budget, and always at least one, so a backup larger than the budget is
 * still verified. It stops at the first that does not fit instead of skipping to smaller
 * ones, so a large backup cannot be passed over forever.
 * With each drill verifying at least a budget's worth and drills at least an hour apart, a
 * backup waits behind at most all others: it is re-verified within a period plus about
 * (total verify time ÷ budget) drills. drillDue's `behind` (and the alarm) says when the
 * budget is too small for that.
 *
 * runDrill: selects, verifies each (the audited verify by default), and records every
 * result in the state as it goes, so a drill cut short keeps what it learned. A failed
 * verification is recorded with its code; the backup is then not verified-good.
 */
import type { BackupConfig, BackupDeps, RunOptions, Unlock } from './deps.ts';
import { appendAudit } from './auditLog.ts';
import { readState, recordDrill, recordNeedsKey, recordOf, recordVerification, updateState, type BackupState, type Verification } from './backupState.ts';
import { verifyOrNeedsKey } from './encryptedBackup.ts';
import { BackupError, toBackupError, type ErrorCode } from './errors.ts';
import { listBackups } from './listBackups.ts';
import { readPolicy, type Policy } from './policy.ts';
import { verificationDueAt } from './schedule.ts';
import { verifyBackup, type VerifyResult } from './verifyBackup.ts';

/** The verify speed assumed until a drill has measured one: a slow disk's. */
export const DEFAULT_VERIFY_BYTES_PER_SECOND = 30_000_000;

export interface DrillCandidate {
  readonly fileName: string;
  readonly createdAt: string;
  readonly size: number;
}

export type DrillMode = 'due' | 'rotation' | 'all';

export interface DrillSelectionInput {
  readonly policy: Policy;
  readonly backups: readonly DrillCandidate[];
  readonly state: BackupState;
  readonly now: Date;
  /**
   * 'due': a scheduled drill, only backups due; 'rotation': `casevault drill`, the due ones
   * or else the longest-unverified one; 'all': `drill --all`, every backup, no budget.
   */
  readonly mode: DrillMode;
}

export interface DrillSelection {
  /** In the order to verify them. */
  readonly fileNames: readonly string[];
  readonly estimatedMs: number;
  readonly budgetMs: number;
  /** Due, but left for the next drill. */
  readonly deferred: readonly string[];
}

export function estimateMs(size: number, bytesPerSecond: number | null): number {
  return Math.ceil((size / (bytesPerSecond ?? DEFAULT_VERIFY_BYTES_PER_SECOND)) * 1000);
}

export function selectForDrill(input: DrillSelectionInput): DrillSelection {
  const { policy, state, now, mode } = input;
  const budgetMs = policy.drill.budgetMinutes * 60_000;
  const lastAt = (b: DrillCandidate) => {
    const v = recordOf(state, b.fileName).verification;
    return v ? Date.parse(v.at) : -Infinity;
  };
  const ordered = [...input.backups].sort((a, b) => lastAt(a) - lastAt(b) || Date.parse(b.createdAt) - Date.parse(a.createdAt) || (a.fileName < b.fileName ? 1 : -1));
  const bps = state.verifyBytesPerSecond;
  if (mode === 'all') return { fileNames: ordered.map((b) => b.fileName), estimatedMs: ordered.reduce((t, b) => t + estimateMs(b.size, bps), 0), budgetMs, deferred: [] };

  let candidates = ordered.filter((b) => verificationDueAt(policy, b, state) <= now.getTime());
  if (candidates.length === 0 && mode === 'rotation') candidates = ordered.slice(0, 1);
  const chosen: DrillCandidate[] = [];
  let estimatedMs = 0;
  for (const b of candidates) {
    const ms = estimateMs(b.size, bps);
    if (chosen.length > 0 && estimatedMs + ms > budgetMs) break;
    chosen.push(b);
    estimatedMs += ms;
  }
  return { fileNames: chosen.map((b) => b.fileName), estimatedMs, budgetMs, deferred: candidates.slice(chosen.length).map((b) => b.fileName) };
}

export interface DrillOutcome {
  readonly fileName: string;
  /** 'needs-key': encrypted, and no password or recovery key was given; its sidecar matched; it stays unverified (not failed). */
  readonly result: 'ok' | 'failed' | 'needs-key';
  readonly code: ErrorCode | null;
  readonly message: string | null;
  readonly ms: number;
}

export interface DrillReport {
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly selection: DrillSelection;
  readonly results: readonly DrillOutcome[];
  /** Selected but not started: the budget ran out, or the drill was cancelled. */
  readonly notReached: readonly string[];
  readonly outcome: 'ok' | 'failed' | 'cancelled';
}

export interface DrillOptions extends Pick<RunOptions, 'signal'> {
  /** 'due' by default (a scheduled drill); see DrillSelectionInput. */
  readonly mode?: DrillMode;
  /** The policy to use; by default the backup dir's. */
  readonly policy?: Policy;
  /** Verifies one backup; by default verifyBackup with an audit line, as the service does. */
  readonly verify?: (path: string, run: RunOptions) => Promise<unknown>;
  /** What opens encrypted backups; without it they are left unverified (needs-key), their sidecars checked. */
  readonly unlock?: Unlock;
  /** Told before each backup is verified. */
  readonly onBackup?: (event: { fileName: string; index: number; total: number }) => void;
}

export async function runDrill(deps: BackupDeps, config: BackupConfig, options: DrillOptions = {}): Promise<DrillReport> {
  const policy = options.policy ?? (await readPolicy(deps, config)).policy;
  const state = await readState(deps, config);
  const listed = await listBackups(deps, config);
  const started = deps.clock.now();
  const selection = selectForDrill({ policy, backups: listed, state, now: started, mode: options.mode ?? 'due' });
  const verify = options.verify ?? ((path: string, run: RunOptions) => auditedVerify(deps, config, path, run));
  const results: DrillOutcome[] = [];
  let cancelled = false;
  let bytes = 0;
  let okMs = 0;
  for (const [index, fileName] of selection.fileNames.entries()) {
    const elapsed = deps.clock.now().getTime() - started.getTime();
    if (options.mode !== 'all' && results.length > 0 && elapsed >= selection.budgetMs) break;
    if (options.signal?.aborted) {
      cancelled = true;
      break;
    }
    const backup = listed.find((b) => b.fileName === fileName)!;
    options.onBackup?.({ fileName, index, total: selection.fileNames.length });
    const t0 = deps.clock.now();
    let verification: Verification;
    try {
      const run: RunOptions = { ...(options.signal ? { signal: options.signal } : {}), ...(options.unlock ? { unlock: options.unlock } : {}) };
      if ((await verifyOrNeedsKey(deps, verify, backup.filePath, run, 'drill')) === 'needs-key') {
        await updateState(deps, config, (s) => recordNeedsKey(s, fileName, deps.clock.now().toISOString()));
        results.push({ fileName, result: 'needs-key', code: null, message: null, ms: Math.max(0, deps.clock.now().getTime() - t0.getTime()) });
        continue;
      }
      verification = { at: deps.clock.now().toISOString(), result: 'ok' };
    } catch (error) {
      const coded = toBackupError(error, 'drill');
      if (coded.code === 'CANCELLED') {
        cancelled = true;
        break;
      }
      if (coded.code === 'BUSY') throw coded; // another operation runs: not the backup's failure
      if (coded.code === 'NOT_FOUND' && !(await deps.fs.exists(backup.filePath))) continue; // deleted meanwhile
      verification = { at: deps.clock.now().toISOString(), result: 'failed', code: coded.code, message: coded.message.slice(0, 2000) };
    }
    const ms = Math.max(0, deps.clock.now().getTime() - t0.getTime());
    if (verification.result === 'ok') {
      bytes += backup.size;
      okMs += ms;
    }
    await updateState(deps, config, (s) => recordVerification(s, fileName, verification));
    results.push({ fileName, result: verification.result, code: verification.result === 'failed' ? verification.code : null, message: verification.result === 'failed' ? verification.message : null, ms });
  }
  const finishedAt = deps.clock.now().toISOString();
  const failed = results.filter((r) => r.result === 'failed').length;
  const verified = results.filter((r) => r.result === 'ok').length;
  const outcome = failed > 0 ? 'failed' : cancelled ? 'cancelled' : 'ok';
  await updateState(deps, config, (s) =>
    recordDrill(s, { startedAt: started.toISOString(), finishedAt, verified, failed, outcome }, measuredSpeed(s.verifyBytesPerSecond, bytes, okMs)),
  );
  return { startedAt: started.toISOString(), finishedAt, selection, results, notReached: selection.fileNames.filter((n) => !results.some((r) => r.fileName === n)), outcome };
}

/** The verify speed this drill measured, averaged with the one before; null if it measured too little to tell. */
function measuredSpeed(before: number | null, bytes: number, ms: number): number | null {
  if (ms < 200 || bytes === 0) return null;
  const now = Math.max(1, Math.round(bytes / (ms / 1000)));
  return before === null ? now : Math.max(1, Math.round((before + now) / 2));
}

/** verifyBackup with the audit line the service writes for a verification. */
export async function auditedVerify(deps: BackupDeps, config: BackupConfig, path: string, run: RunOptions): Promise<VerifyResult> {
  const record = async (fields: { sha256: string | null; manifestSha256: string | null; result: 'ok' | 'failed' | 'cancelled'; code: ErrorCode | null }) => {
    try {
      await appendAudit(deps, config, { time: deps.clock.now().toISOString(), action: 'verify', file: path, ...fields });
    } catch (error) {
      deps.log?.(`audit: could not record the drill's verification of ${path}`, error);
    }
  };
  try {
    const result = await verifyBackup(deps, config, path, run);
    await record({ sha256: result.checksum, manifestSha256: result.metadata.checksum, result: 'ok', code: null });
    return result;
  } catch (error) {
    const coded = toBackupError(error, 'verify');
    await record({ sha256: null, manifestSha256: null, result: coded.code === 'CANCELLED' ? 'cancelled' : 'failed', code: coded.code });
    throw error instanceof BackupError ? error : coded;
  }
}
