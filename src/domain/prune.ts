/**
 * prune: applies the retention policy to the backup dir. It lists the backups, reads the
 * state (pins, verification results: a damaged state stops it, since without pins it could
 * delete a pinned backup), decides with decideRetention, and deletes what the decision drops.
 * A dry run decides and deletes nothing.
 *
 * A deletion never leaves a listed backup without its sidecar, whenever the process dies:
 * 1. rename `<name>.zip` to `<name>.zip.deleting` (no longer listed: only `.zip` is), and
 *    fsync the folder, so the backup is durably gone from the list before anything else;
 * 2. remove the sidecar, then the renamed file; fsync the folder once at the end.
 * A crash leaves the whole backup (before 1) or an unlisted leftover that
 * `finishInterruptedPrunes` removes at the next start. Each deletion is appended to the
 * audit log (action 'prune'), and the state forgets the backups that are gone.
 */
import type { BackupConfig, BackupDeps } from './deps.ts';
import { bestEffort } from './deps.ts';
import { appendAudit } from './auditLog.ts';
import { SIDECAR_SUFFIX, isBackupFileName } from './backupFiles.ts';
import { forgetBackups, lastVerifiedGood, pinnedSet, readState, updateState } from './backupState.ts';
import { BackupError, toBackupError } from './errors.ts';
import { listBackups, type BackupListing } from './listBackups.ts';
import { timeZoneOf } from './localTime.ts';
import { readPolicy, type Policy } from './policy.ts';
import { decideRetention, type RetentionDecision } from './retention.ts';
import { forgetMissingRecipients } from './keys.ts';
import { collectPool, type PoolCollection } from './pool.ts';

export const DELETING_SUFFIX = '.deleting';

export interface PruneOptions {
  /** Decide and report only. */
  readonly dryRun?: boolean;
  /** The policy to apply; by default the backup dir's (readPolicy). */
  readonly policy?: Policy;
  /** IANA zone for the local hours, days, weeks…; by default the clock's. */
  readonly timeZone?: string;
  /**
   * Runs the pool's collection after the deletions (the composition wraps it in the backup
   * dir's export lock, so no export is in flight; null when another process's export holds
   * it: the next prune collects). By default collectPool as it is.
   */
  readonly collect?: () => Promise<PoolCollection | null>;
}

export interface PruneResult {
  readonly dryRun: boolean;
  readonly timeZone: string;
  /** Every backup with its verdict and reasons, newest first (describeDecision prints it). */
  readonly decision: RetentionDecision;
  /** What was deleted (nothing in a dry run). */
  readonly deleted: readonly BackupListing[];
  /** The pool's collection after the deletions: packs no kept backup needs any more (null: none ran). */
  readonly pool: PoolCollection | null;
}

/** Decides which backups the policy keeps; the pure part of prune, for `prune --dry-run` and the page. */
export async function planPrune(deps: BackupDeps, config: BackupConfig, options: PruneOptions = {}): Promise<{ decision: RetentionDecision; backups: BackupListing[]; timeZone: string }> {
  const policy = options.policy ?? (await readPolicy(deps, config)).policy;
  const timeZone = options.timeZone ?? timeZoneOf(deps.clock);
  const backups = await listBackups(deps, config);
  const state = await readState(deps, config);
  const decision = decideRetention({ backups, retention: policy.retention, pinned: pinnedSet(state), lastVerifiedGood: lastVerifiedGood(backups, state), timeZone });
  if (backups.length > 0 && decision.keep.length === 0) {
    throw new BackupError('INTERNAL', 'prune: the retention decision keeps no backup; nothing was deleted');
  }
  return { decision, backups, timeZone };
}

export async function pruneBackups(deps: BackupDeps, config: BackupConfig, options: PruneOptions = {}): Promise<PruneResult> {
  const dryRun = options.dryRun === true;
  if (!dryRun) await finishInterruptedPrunes(deps, config);
  const { decision, backups, timeZone } = await planPrune(deps, config, options);
  if (dryRun) return { dryRun, timeZone, decision, deleted: [], pool: null };

  const dropped = new Set(decision.drop);
  // Oldest first: if a deletion fails, what remains is the newer part of the history.
  const victims = backups.filter((b) => dropped.has(b.fileName)).reverse();
  const deleted: BackupListing[] = [];
  const settle = async () => {
    if (deleted.length > 0) await deps.fs.syncDir(config.backupDir);
    await forgetMissingBackups(deps, config);
  };
  for (const backup of victims) {
    try {
      await deleteBackupFiles(deps, config, backup.fileName);
    } catch (error) {
      await audit(deps, config, backup, toBackupError(error, 'prune').code);
      // The deletion's error is the one to report; what is left over, the next prune or start finishes.
      await bestEffort(deps, 'prune: recording the deletions before the failure', settle);
      throw error;
    }
    deleted.push(backup);
    await audit(deps, config, backup, null);
  }
  await settle();
  return { dryRun, timeZone, decision, deleted, pool: await collectAfter(deps, config, options.collect) };
}

/** The pool's collection after deletions; its failure is reported in the result, never a failure of the deletions before it. */
export async function collectAfter(deps: BackupDeps, config: BackupConfig, collect?: () => Promise<PoolCollection | null>): Promise<PoolCollection | null> {
  try {
    return await (collect ?? (() => collectPool(deps, config)))();
  } catch (error) {
    deps.log?.('prune: collecting the pool failed', error);
    return { removed: [], bytesFreed: 0, skipped: `collecting the pool failed (${toBackupError(error, 'prune').message}); the next prune tries again` };
  }
}

/** Deletes one backup and its sidecar in the crash-safe order above (the caller fsyncs the folder at the end). */
export async function deleteBackupFiles(deps: BackupDeps, config: BackupConfig, fileName: string): Promise<void> {
  const { fs } = deps;
  const zip = fs.join(config.backupDir, fileName);
  await fs.rename(zip, zip + DELETING_SUFFIX);
  // Durably unlisted before the sidecar goes: a listed backup always has its sidecar.
  await fs.syncDir(config.backupDir);
  await fs.remove(zip + SIDECAR_SUFFIX);
  await fs.remove(zip + DELETING_SUFFIX);
}

/** A failure to record is logged, never turned into a failure of the deletion (as the service does). */
async function audit(deps: BackupDeps, config: BackupConfig, backup: BackupListing, code: ReturnType<typeof toBackupError>['code'] | null): Promise<void> {
  try {
    await appendAudit(deps, config, { time: deps.clock.now().toISOString(), action: 'prune', file: backup.filePath, sha256: backup.checksum, manifestSha256: null, result: code === null ? 'ok' : 'failed', code });
  } catch (error) {
    deps.log?.(`audit: could not record the prune of ${backup.fileName}`, error);
  }
}

/**
 * At start-up (and before a prune): finishes deletions a crash interrupted: removes each
 * `<name>.zip.deleting` and the sidecar it may still have, and forgets their state. Resolves
 * with the names of the backups it finished deleting.
 */
export async function finishInterruptedPrunes(deps: BackupDeps, config: BackupConfig): Promise<string[]> {
  const { fs } = deps;
  if (!(await fs.exists(config.backupDir))) return [];
  // Any backup's name, an encrypted one's (`.zip.age`) too, then `.deleting`.
  const leftovers = (await fs.readdir(config.backupDir)).filter((name) => name.endsWith(DELETING_SUFFIX) && isBackupFileName(name.slice(0, -DELETING_SUFFIX.length)));
  if (leftovers.length === 0) return [];
  const present = new Set(await fs.readdir(config.backupDir));
  const names = leftovers.map((name) => name.slice(0, -DELETING_SUFFIX.length));
  for (const name of names) {
    const zip = fs.join(config.backupDir, name);
    // A listed backup of the same name keeps its sidecar (not a state a prune leaves, but never orphan one).
    if (!present.has(name)) await fs.remove(zip + SIDECAR_SUFFIX);
    await fs.remove(zip + DELETING_SUFFIX);
  }
  await fs.syncDir(config.backupDir);
  // Records of backups that are gone are harmless; a damaged state must not stop a start-up.
  await bestEffort(deps, 'prune: forgetting the state of finished deletions', () => forgetMissingBackups(deps, config));
  return names;
}

/**
 * Forgets the state of backups whose ZIP is not in the backup dir: those a prune deleted,
 * also where a crash came between the deletion and the state's update. The folder is read
 * inside the update, so a backup an export has just made (and records after its rename) is
 * present and kept. Writes nothing when nothing is to forget.
 */
export async function forgetMissingBackups(deps: BackupDeps, config: BackupConfig): Promise<void> {
  const stale = async () => {
    const present = new Set(await deps.fs.readdir(config.backupDir));
    return Object.keys((await readState(deps, config)).backups).filter((name) => !present.has(name));
  };
  // The keyring's per-backup recipients of deleted encrypted backups go too (a damaged keyring is left as it is: the export reports it).
  await bestEffort(deps, 'prune: forgetting the recipients of deleted backups', () => forgetMissingRecipients(deps, config));
  if ((await stale()).length === 0) return;
  await updateState(deps, config, async (state) => {
    const present = new Set(await deps.fs.readdir(config.backupDir));
    return forgetBackups(state, Object.keys(state.backups).filter((name) => !present.has(name)));
  });
}
