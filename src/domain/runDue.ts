/**
 * runDue: what `casevault run-due`, the desktop app's timer and its quit handler do on each
 * tick, in one place: ask the pure decisions, then act.
 * 1. Read the policy and the state (a damaged one stops everything: nothing runs on a policy
 *    or a state that cannot be read; the status shows why).
 * 2. If a backup is due (backupDue): `PRAGMA quick_check` the live database (read only) and
 *    record the result; if it fails, make no backup and prune nothing (a damaged database
 *    backed up every few hours would rotate the clean backups away), and record the run as
 *    failed (the alarm). Else with "skip unchanged", compare the data dir's fingerprint with
 *    the one recorded for the newest backup and skip if equal; else export with the policy's
 *    options. Record the run (ok, skipped-unchanged, failed with its code).
 * 3. Verify the new backup at once and record the result, so it is the newest verified-good
 *    backup before anything is pruned.
 * 4. After a new backup, prune if the policy says so.
 * 5. Copy to the destinations a copy is due for (destinations.ts copyDue: after a new backup,
 *    and a failed copy again 15 minutes later), with their retention if the policy prunes.
 * 6. On a scheduled tick (not at quit), run a drill if one is due.
 * A failure of one step is reported in the result, and the later steps still run; only an
 * unreadable policy or state, or a cancellation, rejects. BUSY (another operation or
 * process holds what the backup needs) is not a failure: the run stops there, records
 * nothing (so it stays due) and says 'busy'; the caller waits and tries again.
 */
import type { PoolCollection } from './pool.ts';
import type { BackupConfig, BackupDeps, RunOptions, Unlock } from './deps.ts';
import { readState, recordBackupRun, recordLiveCheck, recordNeedsKey, recordVerification, updateState, type RunTrigger, type Verification } from './backupState.ts';
import { verifyOrNeedsKey } from './encryptedBackup.ts';
import { checkDestination, copyDue, readDestinations, syncAndRecord, type DestinationCheckReport, type DestinationCopyReport, type DestinationEntry } from './destinations.ts';
import { auditedVerify, runDrill, type DrillReport } from './drill.ts';
import { isBackupError, toBackupError, type ErrorCode } from './errors.ts';
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
  /**
   * Makes a backup: the service's audited export (without its one-operation-at-a-time
   * wrapper: the run holds that already). Resolves with its file name.
   */
  readonly exportNow: (options: ExportOptions & { readonly incremental?: boolean }, run: RunOptions) => Promise<{ readonly fileName: string }>;
  /** The pool's collection after a prune (the service's, under the export lock); by default collectPool as it is. */
  readonly collect?: () => Promise<PoolCollection | null>;
  /** Verifies a backup (the new one, and a drill's); by default drill.ts's audited verify. */
  readonly verify?: (path: string, run: RunOptions) => Promise<unknown>;
  /**
   * What opens encrypted backups for their verification (the new one's and a drill's).
   * Without it an encrypted backup is left unverified, not failed: its sidecar is checked,
   * and the status raises DRILL_NEEDS_KEY.
   */
  readonly unlock?: Unlock;
  /** Brings one destination up to date and records it (the service's audited copy under the export lock); by default destinations.ts syncAndRecord. */
  readonly copy?: (entry: DestinationEntry, run: { signal?: AbortSignal; prune: boolean }) => Promise<DestinationCopyReport>;
}

export interface StepFailure {
  readonly code: ErrorCode;
  readonly message: string;
}

export interface RunDueReport {
  readonly backup: {
    readonly due: Due;
    /** 'busy': another operation or process held what the backup needs; nothing was recorded, it stays due. */
    readonly outcome: 'ok' | 'skipped-unchanged' | 'failed' | 'not-due' | 'busy';
    readonly fileName: string | null;
    readonly failure: StepFailure | null;
    /** What quick_check said of the live database before the backup ('ok' or the problems), or null if it did not run. */
    readonly liveCheck: string | null;
  };
  /**
   * The verification of the new backup, or null when none was made. 'needs-key': it is
   * encrypted and no password or recovery key was given; its sidecar matched, and it stays
   * unverified (the status's DRILL_NEEDS_KEY), which is not a failure.
   */
  readonly verify: { readonly fileName: string; readonly result: 'ok' | 'failed' | 'needs-key'; readonly failure: StepFailure | null } | null;
  readonly prune: { readonly result: PruneResult | null; readonly failure: StepFailure | null } | null;
  readonly drill: { readonly report: DrillReport | null; readonly failure: StepFailure | null } | null;
  /** With a drill: each enabled destination's backups read back within the drill's budget (checkDestination), or null. */
  readonly remoteChecks: readonly DestinationCheckReport[] | null;
  /** The copies made (one report per destination a copy was due for), or null when none was due; `failure`: the destinations could not be read. */
  readonly copies: { readonly reports: readonly DestinationCopyReport[]; readonly failure: StepFailure | null } | null;
}

/** Whether the run gave way to another operation (BUSY) at its backup or its drill. */
export function ranIntoBusy(report: RunDueReport): boolean {
  return report.backup.outcome === 'busy' || report.drill?.failure?.code === 'BUSY';
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

  let backup: RunDueReport['backup'] = { due, outcome: 'not-due', fileName: null, failure: null, liveCheck: null };
  let verify: RunDueReport['verify'] = null;
  if (due.due) {
    const at = now.toISOString();
    let fingerprint: string | null = null;
    let liveCheck: string | null = null;
    try {
      // Before the fingerprint: a read-only look at a WAL database creates its -wal once.
      if (policy.export.includeDatabase) liveCheck = await checkLiveDatabase(deps, config);
      if (liveCheck !== null && liveCheck !== 'ok') {
        backup = { due, outcome: 'failed', fileName: null, liveCheck, failure: { code: 'DATABASE_CORRUPT', message: `scheduled backup: the app's database fails its quick check (${liveCheck}); no backup was made and nothing was pruned, so the backups from before the damage are kept. Run \`casevault check\`.` } };
      } else {
        fingerprint = await dataFingerprint(deps, config, policy.export);
        const same = policy.schedule.skipUnchanged ? unchangedSince(backups[0] ?? null, state, fingerprint) : null;
        if (same !== null) {
          backup = { due, outcome: 'skipped-unchanged', fileName: same, failure: null, liveCheck };
        } else {
          // Scheduled backups are incremental (issue 12): they store only the documents the pool lacks.
          const made = await options.exportNow({ ...policy.export, incremental: true }, { signal: options.signal });
          backup = { due, outcome: 'ok', fileName: made.fileName, failure: null, liveCheck };
        }
      }
    } catch (error) {
      const failure = failureOf(error, 'scheduled backup');
      backup = { due, outcome: failure.code === 'BUSY' ? 'busy' : 'failed', fileName: null, failure, liveCheck };
    }
    if (backup.outcome === 'busy') return { backup, verify: null, prune: null, drill: null, copies: null, remoteChecks: null };
    const { outcome, fileName, failure } = backup;
    const run = { at, trigger, outcome: outcome as 'ok' | 'skipped-unchanged' | 'failed', fileName, code: failure?.code ?? null, message: failure?.message ?? null };
    await updateState(deps, config, (s) => {
      const checked = liveCheck === null ? s : recordLiveCheck(s, at, liveCheck.slice(0, 2000));
      return recordBackupRun(checked, run, outcome === 'ok' ? fingerprint : null);
    });
    if (outcome === 'ok' && fileName !== null) verify = await verifyNew(deps, config, fileName, options);
  }

  let prune: RunDueReport['prune'] = null;
  if (backup.outcome === 'ok' && policy.retention.pruneAfterBackup) {
    try {
      prune = { result: await pruneBackups(deps, config, { policy, timeZone, ...(options.collect ? { collect: options.collect } : {}) }), failure: null };
    } catch (error) {
      prune = { result: null, failure: failureOf(error, 'prune') };
    }
  }

  let copies: RunDueReport['copies'] = null;
  try {
    const destinations = await readDestinations(deps, config);
    if (destinations.some((d) => d.enabled)) {
      const [listed, current] = [await listBackups(deps, config), await readState(deps, config)];
      const { due } = copyDue({ destinations, newestBackup: listed[0]?.fileName ?? null, state: current, now: deps.clock.now() });
      const reports: DestinationCopyReport[] = [];
      const copy = options.copy ?? ((entry: DestinationEntry, run: { signal?: AbortSignal; prune: boolean }) => syncAndRecord(deps, config, entry, run));
      for (const entry of destinations.filter((d) => due.includes(d.name))) {
        reports.push(await copy(entry, { ...(options.signal ? { signal: options.signal } : {}), prune: policy.retention.pruneAfterBackup }));
      }
      if (reports.length > 0) copies = { reports, failure: null };
    }
  } catch (error) {
    copies = { reports: [], failure: failureOf(error, 'copy') };
  }

  let drill: RunDueReport['drill'] = null;
  if (trigger === 'schedule') {
    const [listed, current] = [await listBackups(deps, config), await readState(deps, config)];
    if (drillDue({ policy, backups: listed, state: current, now: deps.clock.now() }).due) {
      try {
        drill = { report: await runDrill(deps, config, { policy, mode: 'due', signal: options.signal, ...(options.verify ? { verify: options.verify } : {}), ...(options.unlock ? { unlock: options.unlock } : {}) }), failure: null };
      } catch (error) {
        drill = { report: null, failure: failureOf(error, 'drill') };
      }
    }
  }
  // A drill also reads back what the destinations hold, each within the drill's budget.
  let remoteChecks: DestinationCheckReport[] | null = null;
  if (drill !== null) {
    const destinations = await readDestinations(deps, config).catch(() => []);
    for (const entry of destinations.filter((d) => d.enabled)) {
      (remoteChecks ??= []).push(await checkDestination(deps, config, entry, { ...(options.signal ? { signal: options.signal } : {}), budgetMs: policy.drill.budgetMinutes * 60_000 }));
    }
  }
  return { backup, verify, prune, drill, copies, remoteChecks };
}

/** quick_check of the live database: 'ok', or what is wrong with it (a file SQLite cannot read at all included). */
async function checkLiveDatabase(deps: BackupDeps, config: BackupConfig): Promise<string> {
  try {
    return await deps.db.checkLive('quick');
  } catch (error) {
    if (isBackupError(error) && error.code === 'DATABASE_CORRUPT') return error.message;
    throw error;
  }
}

/** Verifies the backup just made and records the result (a failure is the alarm, as a failed drill). */
async function verifyNew(deps: BackupDeps, config: BackupConfig, fileName: string, options: RunDueOptions): Promise<NonNullable<RunDueReport['verify']>> {
  const path = deps.fs.join(config.backupDir, fileName);
  const verify = options.verify ?? ((p: string, run: RunOptions) => auditedVerify(deps, config, p, run));
  let verification: Verification;
  let failure: StepFailure | null = null;
  try {
    const run: RunOptions = { ...(options.signal ? { signal: options.signal } : {}), ...(options.unlock ? { unlock: options.unlock } : {}) };
    if ((await verifyOrNeedsKey(deps, verify, path, run, 'verify')) === 'needs-key') {
      await updateState(deps, config, (s) => recordNeedsKey(s, fileName, deps.clock.now().toISOString()));
      return { fileName, result: 'needs-key', failure: null };
    }
    verification = { at: deps.clock.now().toISOString(), result: 'ok' };
  } catch (error) {
    failure = failureOf(error, 'verify');
    verification = { at: deps.clock.now().toISOString(), result: 'failed', code: failure.code, message: failure.message.slice(0, 2000) };
  }
  await updateState(deps, config, (s) => recordVerification(s, fileName, verification));
  return { fileName, result: verification.result, failure };
}
