/**
 * runDue: what `casevault run-due`, the desktop app's timer and its quit handler do on each
 * tick, in one place: ask the pure decisions, then act.
 * 1. Read the policy and the state (a damaged one stops everything: nothing runs on a policy
 *    or a state that cannot be read; the status shows why).
 * 2. If a backup is due (backupDue): with "skip unchanged", compare the data dir's
 *    fingerprint with the one recorded for the newest backup and skip if equal; else export
 *    with the policy's options. Record the run (ok, skipped-unchanged, failed with its code).
 * 3. After a new backup, prune if the policy says so.
 * 4. On a scheduled tick (not at quit), run a drill if one is due.
 * A failure of one step is reported in the result, and the later steps still run; only an
 * unreadable policy or state, or a cancellation, rejects.
 */
import type { BackupConfig, BackupDeps, RunOptions } from './deps.ts';
import { readState, recordBackupRun, updateState, type RunTrigger } from './backupState.ts';
import { runDrill, type DrillReport } from './drill.ts';
import { toBackupError, type ErrorCode } from './errors.ts';
import { dataFingerprint, unchangedSince } from './fingerprint.ts';
import { listBackups } from './listBackups.ts';
import { timeZoneOf } from './localTime.ts';
import type { ExportOptions } from './options.ts';
import { readPolicy } from './policy.ts';
import { pruneBackups, type PruneResult } from './prune.ts';
import { backupDue, drillDue, type Due } from './schedule.ts';

export interface RunDueOptions extends Pick<RunOptions, 'signal'> {
  readonly trigger?: RunTrigger;
  readonly timeZone?: string;
  /** Makes a backup: the service's exportNow (audited, one operation at a time). Resolves with its file name. */
  readonly exportNow: (options: ExportOptions, run: RunOptions) => Promise<{ readonly fileName: string }>;
  /** Verifies a backup for a drill; by default drill.ts's audited verify. */
  readonly verify?: (path: string, run: RunOptions) => Promise<unknown>;
}

export interface StepFailure {
  readonly code: ErrorCode;
  readonly message: string;
}

export interface RunDueReport {
  readonly backup: { readonly due: Due; readonly outcome: 'ok' | 'skipped-unchanged' | 'failed' | 'not-due'; readonly fileName: string | null; readonly failure: StepFailure | null };
  readonly prune: { readonly result: PruneResult | null; readonly failure: StepFailure | null } | null;
  readonly drill: { readonly report: DrillReport | null; readonly failure: StepFailure | null } | null;
}

const failureOf = (error: unknown, operation: string): StepFailure => {
  const coded = toBackupError(error, operation);
  if (coded.code === 'CANCELLED') throw coded;
  return { code: coded.code, message: coded.message };
};

export async function runDue(deps: BackupDeps, config: BackupConfig, options: RunDueOptions): Promise<RunDueReport> {
  const trigger = options.trigger ?? 'schedule';
  const timeZone = options.timeZone ?? timeZoneOf(deps.clock);
  const { policy } = await readPolicy(deps, config);
  const state = await readState(deps, config);
  const backups = await listBackups(deps, config);
  const now = deps.clock.now();
  const due = backupDue({ policy, lastBackupAt: backups[0]?.createdAt ?? null, lastRun: state.lastBackupRun, now, timeZone, trigger });

  let backup: RunDueReport['backup'] = { due, outcome: 'not-due', fileName: null, failure: null };
  if (due.due) {
    const at = now.toISOString();
    let fingerprint: string | null = null;
    try {
      fingerprint = await dataFingerprint(deps, config, policy.export);
      const same = policy.schedule.skipUnchanged ? unchangedSince(backups[0] ?? null, state, fingerprint) : null;
      if (same !== null) {
        backup = { due, outcome: 'skipped-unchanged', fileName: same, failure: null };
      } else {
        const made = await options.exportNow(policy.export, { signal: options.signal });
        backup = { due, outcome: 'ok', fileName: made.fileName, failure: null };
      }
    } catch (error) {
      backup = { due, outcome: 'failed', fileName: null, failure: failureOf(error, 'scheduled backup') };
    }
    const { outcome, fileName, failure } = backup;
    const run = { at, trigger, outcome: outcome as 'ok' | 'skipped-unchanged' | 'failed', fileName, code: failure?.code ?? null, message: failure?.message ?? null };
    await updateState(deps, config, (s) => recordBackupRun(s, run, outcome === 'ok' ? fingerprint : null));
  }

  let prune: RunDueReport['prune'] = null;
  if (backup.outcome === 'ok' && policy.retention.pruneAfterBackup) {
    try {
      prune = { result: await pruneBackups(deps, config, { policy, timeZone }), failure: null };
    } catch (error) {
      prune = { result: null, failure: failureOf(error, 'prune') };
    }
  }

  let drill: RunDueReport['drill'] = null;
  if (trigger === 'schedule') {
    const [listed, current] = [await listBackups(deps, config), await readState(deps, config)];
    if (drillDue({ policy, backups: listed, state: current, now: deps.clock.now() }).due) {
      try {
        drill = { report: await runDrill(deps, config, { policy, mode: 'due', signal: options.signal, ...(options.verify ? { verify: options.verify } : {}) }), failure: null };
      } catch (error) {
        drill = { report: null, failure: failureOf(error, 'drill') };
      }
    }
  }
  return { backup, prune, drill };
}
