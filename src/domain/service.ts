/**
 * The backup service: the use cases of the seed (plus recovery) and of automatic protection
 * (issue 11: scheduled runs, prune, drills, pins, the policy, undo of a restore) bound to
 * their deps.
 * One operation that reads or writes backups, their state or the data dir runs at a time
 * per service: a second one (a double click, a second window) is refused with BUSY naming
 * the first, rather than queued behind a restore that will replace what it wanted to work
 * on. A scheduled run is the exception: it waits for the running operation (up to its
 * `waitMs`) rather than fail, and gives way (BUSY, never an alarm) after that.
 * Listing, statistics, the status, the policy and a dry-run prune only read, and always run.
 * Inside a scheduled run the export and the verifications are the inner, audited functions,
 * not the exclusive wrappers (the run already holds the service).
 */
import type { BackupConfig, BackupDeps, RunOptions } from './deps.ts';
import { bestEffort } from './deps.ts';
import { appendAudit, readAuditLog, type AuditAction, type AuditRecord } from './auditLog.ts';
import { SIDECAR_SUFFIX, isBackupFileName, parseSidecar } from './backupFiles.ts';
import { forgetBackups, pinBackup, readState, recordOf, removeStateLeftovers, updateState } from './backupState.ts';
import { addDestination, checkDestination, downloadBackup, findDestination, listDestinationBackups, parseTarget, probeDestination, readDestinations, removeDestination, setDestinationEnabled, syncAndRecord, type CopyOptions, type DestinationCopyReport } from './destinations.ts';
import { runDrill } from './drill.ts';
import { BackupError, isBackupError, toBackupError } from './errors.ts';
import { exportNow, type ExportResult } from './exportBackup.ts';
import { exportPortable, type PortableOptions, type PortableResult } from './portableCopy.ts';
import { cleanBackupDir, getStatistics, listBackups, type BackupListing } from './listBackups.ts';
import { POLICY_FILE, readPolicy, updatePolicy, writePolicy } from './policy.ts';
import { collectAfter, deleteBackupFiles, finishInterruptedPrunes, forgetMissingBackups, pruneBackups, DELETING_SUFFIX } from './prune.ts';
import { collectPool } from './pool.ts';
import { restoreFromZip } from './restoreBackup.ts';
import { ranIntoBusy, runDue, type RunDueReport } from './runDue.ts';
import { readStatus } from './status.ts';
import { recoverDataDir } from './swap.ts';
import { findUndo, undoRestore } from './undoRestore.ts';
import { KEYRING_FILE, addKey, beginKeySetup, changePassword, removeKey, setEncryption, showKeys, type KeySetupOffer, type KeyStatus } from './keys.ts';
import type { Unlock } from './deps.ts';
import { verifyBackup, type VerifyResult } from './verifyBackup.ts';
import type { RunTrigger } from './backupState.ts';

const ACTIVITY = {
  export: 'an export',
  restore: 'a restore',
  verify: 'a verification',
  delete: 'a deletion',
  recover: 'a recovery',
  'run-due': 'a scheduled backup run',
  prune: 'a prune',
  drill: 'a drill',
  pin: 'a change of pins',
  policy: 'a change of the backup policy',
  'undo-restore': 'an undo of a restore',
  keys: 'a change of the encryption keys',
  destinations: 'a change of the copy destinations',
  copy: 'a copy to a destination',
  download: 'a download from a destination',
  portable: 'a portable copy',
} as const;
type Activity = keyof typeof ACTIVITY;

/**
 * What the composition wraps around the operations that need more than the domain: a lock
 * between processes, a memory policy. Each is also applied inside a scheduled run.
 */
export interface ServiceHooks {
  /** Around every export (a manual one and a scheduled run's). */
  readonly aroundExport?: <T>(fn: () => Promise<T>) => Promise<T>;
  /**
   * Around the pool's collection after a prune or a delete: the export's lock between
   * processes, without its clean-up (an export in flight may be about to list a new pack);
   * resolves null when another process holds it (the next prune collects).
   */
  readonly aroundCollect?: <T>(fn: () => Promise<T>) => Promise<T | null>;
  /** Around every copy to destinations (a manual one, a scheduled run's): the export's lock between processes, by default aroundExport. */
  readonly aroundCopy?: <T>(fn: () => Promise<T>) => Promise<T>;
  /** Around every verification (a manual one, a drill's, a scheduled run's). */
  readonly aroundVerify?: <T>(fn: () => Promise<T>) => Promise<T>;
  /** Around a restore and an undo of one: the composition refuses (BUSY) where it does not own the data dir. */
  readonly aroundRestore?: <T>(operation: 'restore' | 'undo-restore', fn: () => Promise<T>) => Promise<T>;
}

export interface RunDueRequest extends Pick<RunOptions, 'signal'> {
  readonly trigger?: RunTrigger;
  /** How long to wait for a running operation (here, or in another process) before giving way with BUSY; default 0. */
  readonly waitMs?: number;
  /** How often to try again while another process holds what the backup needs; default 2 s. */
  readonly retryMs?: number;
  /** What opens encrypted backups for their verification; without it they are left unverified (DRILL_NEEDS_KEY), never failed. */
  readonly unlock?: Unlock;
}

/** A listed backup with what the state says of it (`list --json`, the page's list). */
export interface BackupWithState extends BackupListing {
  /** Whether it is pinned; null if the state cannot be read. */
  readonly pinned: boolean | null;
  /** When it was last verified (by a drill, a scheduled run or `verify`), or null. */
  readonly verifiedAt: string | null;
  /** The result of that verification: true, false (failed: see verificationCode), null (never verified, or the state cannot be read). */
  readonly verified: boolean | null;
  readonly verificationCode: string | null;
}

const pass = <T>(fn: () => Promise<T>): Promise<T> => fn();
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, Math.max(0, ms)));

export function createBackupService(deps: BackupDeps, config: BackupConfig, hooks: ServiceHooks = {}) {
  const aroundExport = hooks.aroundExport ?? pass;
  const aroundVerify = hooks.aroundVerify ?? pass;
  const aroundCopy = hooks.aroundCopy ?? aroundExport;
  const aroundRestore = hooks.aroundRestore ?? ((_operation, fn) => fn());
  const aroundCollect = hooks.aroundCollect ?? ((fn) => fn());
  const collect = () => aroundCollect(() => collectPool(deps, config));
  let running: Activity | null = null;
  let finished: () => void = () => {};
  let idle: Promise<void> = Promise.resolve();

  const busy = (activity: Activity) => new BackupError('BUSY', `${activity}: ${ACTIVITY[running!]} is running; try again when it has finished`);
  const exclusive = async <T>(activity: Activity, fn: () => Promise<T>): Promise<T> => {
    if (running) throw busy(activity);
    running = activity;
    idle = new Promise<void>((resolve) => (finished = resolve));
    try {
      return await fn();
    } finally {
      running = null;
      finished();
    }
  };
  /** Waits up to `ms` (real time) for the service to be free, then runs `fn` exclusively; BUSY if it is not free by then. */
  const whenFree = async <T>(activity: Activity, ms: number, fn: () => Promise<T>): Promise<T> => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    let expired = false;
    const deadline = new Promise<void>((resolve) => (timer = setTimeout(() => resolve(void (expired = true)), Math.max(0, ms))));
    try {
      while (running && !expired) await Promise.race([idle, deadline]);
    } finally {
      clearTimeout(timer);
    }
    return exclusive(activity, fn);
  };
  /**
   * Runs an operation and records it in the audit log, success or failure. A failure to
   * record is logged, never turned into a failure of the operation itself.
   */
  const audited = async <T>(
    action: AuditAction,
    file: string | null,
    fn: () => Promise<T>,
    describe: (result: T) => Promise<Pick<AuditRecord, 'file' | 'sha256' | 'manifestSha256'>>,
  ): Promise<T> => {
    const record = async (fields: Omit<AuditRecord, 'time' | 'action'>) => {
      try {
        await appendAudit(deps, config, { time: deps.clock.now().toISOString(), action, ...fields });
      } catch (error) {
        deps.log?.(`audit: could not record ${action} of ${file ?? 'nothing'}`, error);
      }
    };
    try {
      const result = await fn();
      await record({ ...(await describe(result)), result: 'ok', code: null });
      return result;
    } catch (error) {
      const coded = toBackupError(error, action);
      const sha256 = file === null ? null : await sidecarSha(file);
      await record({ file, sha256, manifestSha256: null, result: coded.code === 'CANCELLED' ? 'cancelled' : 'failed', code: coded.code });
      throw error;
    }
  };
  const sidecarSha = async (path: string): Promise<string | null> => {
    try {
      return parseSidecar(new TextDecoder().decode(await deps.fs.readFile(`${path}${SIDECAR_SUFFIX}`)));
    } catch {
      return null;
    }
  };
  // Key set-up is two steps (the recovery key shown, then typed back): the first one's keys wait here.
  let pendingSetup: ((recoveryKeyBack: string) => Promise<KeyStatus>) | null = null;
  const keyringFile = () => deps.fs.join(config.backupDir, KEYRING_FILE);
  /** A change of the keys, exclusive and audited (the keyring's path; never a secret). */
  const keyChange = <T>(action: AuditAction, fn: () => Promise<T>): Promise<T> =>
    exclusive('keys', () => audited(action, keyringFile(), fn, async () => ({ file: keyringFile(), sha256: null, manifestSha256: null })));
  const backupPath = (fileName: unknown) => (typeof fileName === 'string' && isBackupFileName(fileName) ? deps.fs.join(config.backupDir, fileName) : null);

  // The inner operations: audited and wrapped by the composition, not exclusive.
  const exportInner = (options: unknown, run?: RunOptions): Promise<ExportResult> =>
    aroundExport(() => audited('export', null, () => exportNow(deps, config, options, run), async (r) => ({ file: r.filePath, sha256: r.checksum, manifestSha256: r.metadata.checksum })));
  const verifyInner = (path: string, run?: RunOptions): Promise<VerifyResult> =>
    aroundVerify(() => audited('verify', path, () => verifyBackup(deps, config, path, run), async (r) => ({ file: path, sha256: r.checksum, manifestSha256: r.metadata.checksum })));
  const setPin = (fileName: unknown, pinned: boolean) =>
    exclusive('pin', () =>
      audited(pinned ? 'pin' : 'unpin', backupPath(fileName), () => pinBackup(deps, config, fileName, pinned), async () => {
        const path = backupPath(fileName);
        return { file: path, sha256: path === null ? null : await sidecarSha(path), manifestSha256: null };
      }),
    );

  const destLabel = (name: unknown, target: unknown): string => {
    const t = target as Partial<Record<string, unknown>> | null;
    const where = t?.kind === 'folder' ? String(t.path) : t?.kind === 's3' ? `s3://${String(t.bucket)}/${String(t.prefix ?? '')}${t.endpoint ? ` at ${String(t.endpoint)}` : ''}` : null;
    return `destination ${String(name).slice(0, 40)}${where ? ` (${where.slice(0, 300)})` : ''}`;
  };
  /** A stored destination's name, or a target given whole (validated). */
  const targetOf = async (where: unknown) => (typeof where === 'string' ? (await findDestination(deps, config, where)).target : parseTarget(where));
  /** The copies, each recorded in the audit log (the backup, and the code if it failed). */
  const copyAudited = async (options: { fileName?: string; to?: string; prune?: boolean } & CopyOptions): Promise<DestinationCopyReport[]> => {
    const entries = options.to !== undefined ? [await findDestination(deps, config, options.to)] : (await readDestinations(deps, config)).filter((d) => d.enabled);
    const reports: DestinationCopyReport[] = [];
    for (const entry of entries) {
      const report = await syncAndRecord(deps, config, entry, {
        ...(options.fileName !== undefined ? { only: options.fileName } : {}),
        ...(options.prune ? { prune: true } : {}),
        ...(options.signal ? { signal: options.signal } : {}),
        ...(options.onProgress ? { onProgress: options.onProgress } : {}),
      });
      reports.push(report);
      await recordCopies(report);
    }
    return reports;
  };
  const recordCopies = async (report: DestinationCopyReport) => {
    const lines: Omit<AuditRecord, 'time' | 'action' | 'sha256' | 'manifestSha256'>[] = report.copied.map((name) => ({ file: `${deps.fs.join(config.backupDir, name)} -> ${report.destination}`, result: 'ok', code: null }));
    if (report.failure) lines.push({ file: `${report.failure.fileName ? deps.fs.join(config.backupDir, report.failure.fileName) : config.backupDir} -> ${report.destination}`, result: 'failed', code: report.failure.code });
    for (const line of lines) {
      try {
        await appendAudit(deps, config, { time: deps.clock.now().toISOString(), action: 'copy', sha256: null, manifestSha256: null, ...line });
      } catch (error) {
        deps.log?.(`audit: could not record a copy to ${report.destination}`, error);
      }
    }
  };

  return {
    config,
    /** What runs now, for a UI that wants to say so before it asks. */
    get activity(): Activity | null {
      return running;
    },
    exportNow: (options?: unknown, run?: RunOptions) => exclusive('export', () => exportInner(options, run)),
    restoreFromZip: (path: string, run?: RunOptions) =>
      exclusive('restore', () =>
        aroundRestore('restore', () =>
          audited('restore', path, () => restoreFromZip(deps, config, path, run), async (r) => ({ file: path, sha256: await sidecarSha(path), manifestSha256: r.metadata.checksum })),
        ),
      ),
    verifyBackup: (path: string, run?: RunOptions) => exclusive('verify', () => verifyInner(path, run)),
    /**
     * A portable copy of a backup (portableCopy.ts): one self-contained format-1 ZIP, in
     * `<backupDir>/portable/` or the folder `to`. Under the export's lock (no collection takes
     * a pack it reads, no other copy writes beside it) and audited as 'portable'.
     */
    exportPortable: (path: string, options: PortableOptions = {}, run?: RunOptions): Promise<PortableResult> =>
      exclusive('portable', () =>
        aroundExport(() =>
          audited('portable', path, () => exportPortable(deps, config, path, options, run), async (r) => ({ file: `${path} -> ${r.filePath}`, sha256: r.checksum, manifestSha256: r.metadata.checksum })),
        ),
      ),
    listBackups: () => listBackups(deps, config),
    /** The list with each backup's pin and last verification; a damaged state leaves those null and says why. */
    listBackupsWithState: async (): Promise<{ backups: BackupWithState[]; stateError: string | null }> => {
      const backups = await listBackups(deps, config);
      let state;
      try {
        state = await readState(deps, config);
      } catch (error) {
        if (!isBackupError(error) || error.code !== 'STATE_CORRUPT') throw error;
        return { backups: backups.map((b) => ({ ...b, pinned: null, verifiedAt: null, verified: null, verificationCode: null })), stateError: error.message };
      }
      return {
        backups: backups.map((b) => {
          const record = recordOf(state, b.fileName);
          const v = record.verification;
          return { ...b, pinned: record.pinned, verifiedAt: v?.at ?? null, verified: v ? v.result === 'ok' : null, verificationCode: v?.result === 'failed' ? v.code : null };
        }),
        stateError: null,
      };
    },
    /**
     * Deletes a backup in the crash-safe order of a prune (unlisted first, then its sidecar,
     * then the file) and forgets what the state remembers of it.
     */
    deleteBackup: (fileName: unknown) =>
      exclusive('delete', () =>
        audited('delete', typeof fileName === 'string' ? fileName : null, async () => {
          const deleted = await deleteListedBackup(deps, config, fileName);
          // The packs only it needed go too (a failure is logged; the next prune collects).
          await collectAfter(deps, config, collect);
          // The backup is gone: a state that cannot be updated keeps a stale record, which the next prune forgets.
          try {
            await updateState(deps, config, (s) => (s.backups[deleted.fileName] ? forgetBackups(s, [deleted.fileName]) : s));
          } catch (error) {
            deps.log?.(`delete: could not forget the state of ${deleted.fileName}`, error);
          }
          return deleted;
        }, async (deleted) => ({ file: deleted.filePath, sha256: deleted.checksum, manifestSha256: null })),
      ),
    /** The audit log, and whether its chain is whole. */
    readAuditLog: () => readAuditLog(deps, config),
    getStatistics: () => getStatistics(deps, config),
    /**
     * At start-up, before the database opens: finish an interrupted restore (or undo), clean
     * an interrupted export, finish interrupted deletions, remove half-written state files.
     */
    recover: () =>
      exclusive('recover', async () => ({
        dataDir: await recoverDataDir(deps.fs, config.dataDir),
        removedFromBackupDir: await recoverBackupDir(deps, config),
      })),

    // ---- automatic protection (issue 11) ----------------------------------------------

    /**
     * Does what is due now (runDue.ts): backup (after a quick_check of the live database),
     * verify it, prune, drill. Waits up to `waitMs` for an operation running here, and
     * retries while another process holds the backup dir's export; after that the report
     * says 'busy' (or, if this service stayed busy, it rejects with BUSY): a run that gave
     * way, never an alarm.
     */
    runDue: async (request: RunDueRequest = {}): Promise<RunDueReport> => {
      const waitMs = request.waitMs ?? 0;
      const retryMs = request.retryMs ?? 2000;
      const started = Date.now();
      for (;;) {
        const left = waitMs - (Date.now() - started);
        const report = await whenFree('run-due', left, () =>
          runDue(deps, config, {
            trigger: request.trigger ?? 'schedule',
            ...(request.signal ? { signal: request.signal } : {}),
            ...(request.unlock ? { unlock: request.unlock } : {}),
            exportNow: (options, run) => exportInner(options, run),
            collect,
            verify: (path, run) => verifyInner(path, run),
            copy: (entry, run) => aroundCopy(() => copyAudited({ to: entry.name, prune: run.prune, ...(run.signal ? { signal: run.signal } : {}) })).then((r) => r[0]!),
          }),
        );
        const remaining = waitMs - (Date.now() - started);
        if (!ranIntoBusy(report) || remaining <= 0 || request.signal?.aborted) return report;
        await sleep(Math.min(retryMs, remaining));
      }
    },
    /** Applies the retention policy (prune.ts); a dry run decides and deletes nothing, and always runs. */
    prune: (options: { dryRun?: boolean } = {}) =>
      options.dryRun ? pruneBackups(deps, config, { dryRun: true }) : exclusive('prune', () => pruneBackups(deps, config, { collect })),
    /** Re-verifies stored backups: the due ones within the drill's budget (or the longest unverified), or all. */
    drill: (options: { all?: boolean } & RunOptions = {}) =>
      exclusive('drill', () =>
        runDrill(deps, config, {
          mode: options.all ? 'all' : 'rotation',
          verify: (path, run) => verifyInner(path, { ...run, ...(options.onProgress ? { onProgress: options.onProgress } : {}), ...(options.unlock ? { unlock: options.unlock } : {}) }),
          ...(options.signal ? { signal: options.signal } : {}),
          ...(options.unlock ? { unlock: options.unlock } : {}),
        }),
      ),
    /** A pinned backup is never pruned. NOT_FOUND if there is no such backup. */
    pin: (fileName: unknown) => setPin(fileName, true),
    unpin: (fileName: unknown) => setPin(fileName, false),
    /** The last backup, the last verified-good one, what runs next, the alarms. Never rejects for a damaged policy or state: they are alarms. */
    status: () => readStatus(deps, config),
    readPolicy: () => readPolicy(deps, config),
    /** Merges `patch` into the stored policy (INVALID_INPUT if the result is not valid). */
    updatePolicy: (patch: unknown) =>
      exclusive('policy', () => audited('policy', deps.fs.join(config.backupDir, POLICY_FILE), () => updatePolicy(deps, config, patch), async () => ({ file: deps.fs.join(config.backupDir, POLICY_FILE), sha256: null, manifestSha256: null }))),
    /** Stores `policy` whole (INVALID_INPUT if it is not valid), also over a damaged policy file. */
    replacePolicy: (policy: unknown) =>
      exclusive('policy', () => audited('policy', deps.fs.join(config.backupDir, POLICY_FILE), () => writePolicy(deps, config, policy), async () => ({ file: deps.fs.join(config.backupDir, POLICY_FILE), sha256: null, manifestSha256: null }))),
    // ---- encryption keys (issue 13; keys.ts) ------------------------------------------

    /** Whether encryption is on and the public keys new backups are encrypted to; no secret. Always runs. */
    keyShow: (): Promise<KeyStatus> => showKeys(deps, config),
    /**
     * Step 1 of turning encryption on: makes the password key and the recovery key and
     * resolves with the recovery key, to be shown once. Nothing is written until keyConfirm.
     */
    keyInit: (password: unknown): Promise<KeySetupOffer> =>
      exclusive('keys', async () => {
        const { offer, commit } = await beginKeySetup(deps, config, password);
        pendingSetup = commit;
        return offer;
      }),
    /** Step 2: the recovery key typed (or read) back; writes the key file and the keyring, and encryption is on. */
    keyConfirm: (recoveryKeyBack: unknown): Promise<KeyStatus> =>
      keyChange('key-init', async () => {
        if (!pendingSetup) throw new BackupError('INVALID_INPUT', 'key init: no key set-up is waiting for its recovery key; start again');
        if (typeof recoveryKeyBack !== 'string') throw new BackupError('INVALID_INPUT', 'key init: no recovery key given back');
        const status = await pendingSetup(recoveryKeyBack);
        pendingSetup = null;
        return status;
      }),
    /** A new password, with the old one or the recovery key (keys.ts changePassword). */
    keyPasswd: (unlock: Unlock, newPassword: unknown) => keyChange('key-passwd', () => changePassword(deps, config, unlock, newPassword)),
    keyAdd: (publicKey: unknown, label: string | null = null) => keyChange('key-add', () => addKey(deps, config, publicKey, label)),
    keyRemove: (publicKey: unknown) => keyChange('key-remove', () => removeKey(deps, config, publicKey)),
    /** Turning encryption off (or back on) is an explicit act, recorded in the audit log. */
    setEncryption: (on: boolean) => keyChange(on ? 'encryption-on' : 'encryption-off', () => setEncryption(deps, config, on)),

    // ---- copies off the machine (issue 14; destinations.ts) --------------------------

    destinations: () => readDestinations(deps, config),
    /** Adds a destination after probing it (written, read back and removed): a destination that cannot be written is refused. */
    destAdd: (name: unknown, target: unknown, run: Pick<RunOptions, 'signal'> = {}) =>
      exclusive('destinations', () => audited('dest-add', destLabel(name, target), () => addDestination(deps, config, { name, target }, run), async () => ({ file: destLabel(name, target), sha256: null, manifestSha256: null }))),
    destRemove: (name: unknown) =>
      exclusive('destinations', () => audited('dest-remove', destLabel(name, null), () => removeDestination(deps, config, name), async (e) => ({ file: destLabel(e.name, e.target), sha256: null, manifestSha256: null }))),
    destEnable: (name: unknown, enabled: boolean) =>
      exclusive('destinations', () => audited(enabled ? 'dest-on' : 'dest-off', destLabel(name, null), () => setDestinationEnabled(deps, config, name, enabled), async (e) => ({ file: destLabel(e.name, e.target), sha256: null, manifestSha256: null }))),
    /** Is a stored destination there and writable now? */
    destTest: async (name: unknown, run: Pick<RunOptions, 'signal'> = {}) => probeDestination(deps, config, (await findDestination(deps, config, name)).target, run),
    /** The whole backups on a destination (a stored one's name, or a target given whole: a new machine has none stored). */
    destBackups: async (where: unknown, run: Pick<RunOptions, 'signal'> = {}) => listDestinationBackups(deps, await targetOf(where), run),
    /**
     * Copies backups to destinations (`to`: one by name, else every enabled one): `fileName`
     * only, or every backup a destination lacks. Holds the backup dir's export lock (no other
     * process copies or exports meanwhile). A destination's failure is in its report.
     */
    copy: (options: { fileName?: string; to?: string; prune?: boolean } & CopyOptions = {}) =>
      exclusive('copy', () => aroundCopy(() => copyAudited(options))),
    /** Reads back the backups on a destination (all, or within the drill's budget) and removes a copy that changed there (checkDestination). */
    destCheck: (name: unknown, options: { all?: boolean; signal?: AbortSignal } = {}) =>
      exclusive('drill', async () => {
        const entry = await findDestination(deps, config, name);
        const { policy } = await readPolicy(deps, config);
        const label = destLabel(entry.name, entry.target);
        const report = await checkDestination(deps, config, entry, { ...options, budgetMs: policy.drill.budgetMinutes * 60_000 });
        const code = report.failure?.code ?? (report.damaged.length > 0 ? 'CHECKSUM_MISMATCH' : null);
        try {
          await appendAudit(deps, config, { time: deps.clock.now().toISOString(), action: 'dest-check', file: label, sha256: null, manifestSha256: null, result: code ? 'failed' : 'ok', code });
        } catch (error) {
          deps.log?.(`audit: could not record the check of ${entry.name}`, error);
        }
        return report;
      }),
    /** Downloads a backup from a destination into the backup dir, checked against its sidecar; resolves with its file name. */
    download: (where: unknown, fileName: string, options: CopyOptions = {}) =>
      exclusive('download', async () => {
        const target = await targetOf(where);
        return audited('download', deps.fs.join(config.backupDir, fileName), () => downloadBackup(deps, config, target, fileName, options), async (name) => {
          const path = deps.fs.join(config.backupDir, name);
          return { file: path, sha256: await sidecarSha(path), manifestSha256: null };
        });
      }),

    /** What "Undo the last restore" would put back, or null when there is nothing to undo. */
    findUndo: () => findUndo(deps, config),
    /** Puts the data dir from before the last restore back (undoRestore.ts); NOT_FOUND if there is none. */
    undoRestore: (run?: RunOptions) =>
      exclusive('undo-restore', () =>
        aroundRestore('undo-restore', async () => {
          const offer = await findUndo(deps, config).catch(() => null);
          return audited('undo-restore', offer?.safetyCopy ?? null, () => undoRestore(deps, config, run), async (r) => ({ file: r.restoredFrom, sha256: null, manifestSha256: null }));
        }),
      ),
  };
}

/** Deletes a listed backup (only a listed name: no separators, no `..`) in the crash-safe order; resolves with what it deleted. */
async function deleteListedBackup(deps: BackupDeps, config: BackupConfig, fileName: unknown): Promise<BackupListing> {
  if (typeof fileName !== 'string' || !isBackupFileName(fileName) || fileName.includes('..')) {
    throw new BackupError('INVALID_INPUT', `delete: "${String(fileName)}" is not the name of a backup`);
  }
  const backup = (await listBackups(deps, config)).find((b) => b.fileName === fileName);
  if (!backup) throw new BackupError('NOT_FOUND', `delete: there is no backup named ${fileName} in ${config.backupDir} (the list of backups shows their names)`);
  await deleteBackupFiles(deps, config, fileName);
  await deps.fs.syncDir(config.backupDir);
  return backup;
}

/**
 * The backup dir's part of start-up recovery: what an interrupted export left, deletions a
 * crash interrupted, half-written state or policy files. Resolves with the names removed.
 */
export async function recoverBackupDir(deps: BackupDeps, config: BackupConfig): Promise<string[]> {
  const finished = await finishInterruptedPrunes(deps, config);
  // A deletion killed after its last removal left only the state's record: forget it too (never a start-up failure).
  if (await deps.fs.exists(config.backupDir)) await bestEffort(deps, 'start-up: forgetting the state of deleted backups', () => forgetMissingBackups(deps, config));
  return [
    ...(await cleanBackupDir(deps, config)),
    ...finished.map((name) => `${name}${DELETING_SUFFIX}`),
    ...(await removeStateLeftovers(deps, config)),
  ];
}

export type BackupService = ReturnType<typeof createBackupService>;
