/**
 * The handler table: one async function per channel of the IPC contract
 * (src/contract/channels.ts), host-neutral, shared by the Electron main process
 * (ipcMain.handle) and the browser shell (HTTP), which both import it from here. Each handler
 *  1. validates its payload with the channel's zod schema (INVALID_INPUT otherwise),
 *  2. runs the use case, with an AbortController per long operation (export, restore,
 *     verify) so `backup:cancel` can stop it, and progress sent as `backup:progress`,
 *  3. answers with the seed's envelope, and never throws: a BackupError keeps its code and
 *     message, an abort is CANCELLED, anything else is INTERNAL with a generic message and
 *     the detail in the log.
 * A renderer names a backup by its file name in the backup dir, or by a path that the
 * file dialog (or the browser shell's upload) returned; any other path is refused.
 * Encryption (issue 13): a password or recovery key comes in (to open a backup, set up or
 * change the keys) and never goes back out: not in a response, an event, the log or the
 * audit log. Only the set-up's new recovery key leaves, once; the set-up then waits here, in
 * memory, for it to be typed back (KEY_SETUP_TTL_MS, one at a time: a new one replaces it).
 */
import type { BackupConfig, BackupDeps } from '../domain/deps.ts';
import { findDocuments } from '../domain/documents.ts';
import { BackupError, toBackupError } from '../domain/errors.ts';
import { openBackup } from '../domain/readBackup.ts';
import type { BackupService } from '../domain/service.ts';
import { isBackupFileName } from '../domain/backupFiles.ts';
import { SETTINGS_FILE } from '../domain/layout.ts';
import {
  KEY_SETUP_TTL_MS,
  requestSchemas,
  type AppEvent,
  type SchedulerState,
  type Channel,
  type CurrentCounts,
  type Envelope,
  type EventPayloads,
  type Failure,
  type Success,
  type UnlockRequest,
} from '../contract/channels.ts';
import type { Unlock } from '../domain/deps.ts';
import { MIN_PASSWORD_LENGTH } from '../domain/keys.ts';
import type { z } from 'zod';
import { annotatedBackups, statusView } from './protectionViews.ts';
import { createCredentialResolver, createMemoryCredentialStore, type CredentialResolver, type CredentialStore } from './credentials.ts';
import { destinationHandlers, type DestinationTools } from './destinationHandlers.ts';

/** What the composition root gives the handlers. */
export interface BackupRuntime {
  readonly service: BackupService;
  readonly deps: BackupDeps;
  readonly config: BackupConfig;
  /** Where S3 keys typed into the page are kept, and how they reach the destinations (compose.ts); default: memory, unused by the destinations. */
  readonly credentials?: { readonly store: CredentialStore; readonly resolver: CredentialResolver };
}

export interface IpcContext {
  readonly runtime: BackupRuntime;
  /** Shows a file dialog; resolves the chosen path, or null if the person cancelled. */
  chooseFile(): Promise<string | null>;
  /** Where the detail of an INTERNAL error goes. */
  log(message: string, error?: unknown): void;
  /** This host's scheduler: its state for the status, and woken when the policy changes. */
  readonly scheduler?: { readonly state: SchedulerState; wake(): void };
  /** Whether this host backs up when the app quits (Electron does; the browser shell cannot). */
  readonly backupOnQuit?: boolean;
  /** A folder dialog for a copy destination (the desktop app); absent: the page types the path. */
  chooseFolder?(): Promise<string | null>;
}

/** Per call: where this caller's events go (the sending window, or the shell's event stream). */
export interface CallContext {
  emit<E extends AppEvent>(event: E, payload: EventPayloads[E]): void;
}

export type Handler<C extends Channel> = (payload: unknown, call: CallContext) => Promise<Envelope<C>>;
export type HandlerTable = { readonly [C in Channel]: Handler<C> };

export interface BackupIpc {
  readonly handlers: HandlerTable;
  /** Lets `backup:restoreFromZip`/`verify`/`inspect` read `path` (a file the person chose). */
  allowFile(path: string): void;
}

type LongOperation = EventPayloads['backup:progress']['operation'] | 'copy' | 'download';
type Run = { signal: AbortSignal; onProgress: (p: EventPayloads['backup:progress']['progress']) => void };

const SUMMARY = {
  export: { ok: 'Backup exported successfully', fail: 'Failed to export backup', cancelled: 'Export cancelled' },
  restore: { ok: 'Backup restored successfully', fail: 'Failed to restore backup', cancelled: 'Restore cancelled' },
  verify: { ok: 'Backup verified: it is intact', fail: 'Backup verification failed', cancelled: 'Verification cancelled' },
  drill: { ok: 'Backups checked', fail: 'Failed to check the backups', cancelled: 'Check of the backups cancelled' },
  undo: { ok: 'The last restore was undone', fail: 'Failed to undo the restore', cancelled: 'Undo cancelled' },
  portable: { ok: 'Portable copy written', fail: 'Failed to write a portable copy', cancelled: 'Portable copy cancelled' },
} as const;

/**
 * What opens an encrypted backup, as the domain takes it. A recovery key may be typed in
 * groups or in lower case (Bech32 ignores case): spaces go, letters go up.
 */
function unlockOf(request: UnlockRequest | undefined): Unlock | undefined {
  if (request === undefined) return undefined;
  return {
    ...(request.password !== undefined ? { password: request.password } : {}),
    ...(request.recoveryKey !== undefined ? { recoveryKey: recoveryKeyAsTyped(request.recoveryKey) } : {}),
  };
}
const recoveryKeyAsTyped = (text: string) => text.replace(/\s+/g, '').toUpperCase();
const withUnlock = <R extends object>(run: R, request: { unlock?: UnlockRequest | undefined }): R & { unlock?: Unlock } => {
  const unlock = unlockOf(request.unlock);
  return unlock ? { ...run, unlock } : run;
};

const GENERIC_INTERNAL = 'An unexpected error occurred; the details were written to the log.';

export function createBackupIpc(ctx: IpcContext): BackupIpc {
  const { service, deps, config } = ctx.runtime;
  const allowed = new Set<string>();
  let running: { operation: LongOperation; id: string; controller: AbortController } | null = null;
  /** The key set-up waiting for its recovery key (the service holds its keys). */
  let keySetup: { id: string; expiresAt: number } | null = null;

  function failure(error: unknown, operation: string, summary: string): Failure {
    const e = toBackupError(error, operation);
    if (e.code === 'INTERNAL') {
      ctx.log(`${operation}: ${e.message}`, error);
      return { success: false, code: 'INTERNAL', error: GENERIC_INTERNAL, message: summary };
    }
    return { success: false, code: e.code, error: e.message, message: summary };
  }

  function parse<C extends Channel>(channel: C, payload: unknown, operation: string): z.output<(typeof requestSchemas)[C]> {
    const result = requestSchemas[channel].safeParse(payload);
    if (result.success) return result.data as z.output<(typeof requestSchemas)[C]>;
    const detail = result.error.issues
      .map((issue) => `${issue.path.length > 0 ? issue.path.join('.') : 'payload'}: ${issue.message}`)
      .join('; ');
    throw new BackupError('INVALID_INPUT', `${operation}: invalid request: ${detail}`);
  }

  /** Wraps a handler body: parse errors and everything else become a Failure envelope. */
  function handler<C extends Channel>(
    channel: C,
    operation: string,
    summary: { ok: string; fail: string },
    body: (payload: z.output<(typeof requestSchemas)[C]>, call: CallContext) => Promise<(Omit<Success<C>, 'success' | 'message'> & { message?: string }) | Success<C>>,
  ): Handler<C> {
    return async (payload, call) => {
      try {
        const data = await body(parse(channel, payload, operation), call);
        return { success: true, message: summary.ok, ...data } as Success<C>;
      } catch (error) {
        return failure(error, operation, summary.fail);
      }
    };
  }

  /** Runs one long operation at a time, cancellable by its id. */
  async function exclusive<T>(
    operation: LongOperation,
    requestedId: string | undefined,
    call: CallContext,
    run: (options: Run, id: string) => Promise<T>,
  ): Promise<T> {
    if (running) {
      throw new BackupError('BUSY', `${operation}: a ${running.operation} is running; wait for it to finish or cancel it`);
    }
    const id = requestedId ?? `op-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
    const controller = new AbortController();
    running = { operation, id, controller };
    try {
      return await run(
        // A copy or a download reports its bytes as backup:copyProgress (destinationHandlers.ts), never here.
        { signal: controller.signal, onProgress: (progress) => call.emit('backup:progress', { operationId: id, operation: operation as EventPayloads['backup:progress']['operation'], progress }) },
        id,
      );
    } finally {
      running = null;
    }
  }

  /** The path of a backup the renderer named: a listed backup, or a file the person chose. */
  function resolveSource(source: { fileName?: string | undefined; filePath?: string | undefined }, operation: string): string {
    if (source.fileName !== undefined) {
      if (!isBackupFileName(source.fileName) || source.fileName.includes('..')) {
        throw new BackupError('INVALID_INPUT', `${operation}: "${source.fileName}" is not the name of a backup`);
      }
      return deps.fs.join(config.backupDir, source.fileName);
    }
    const path = source.filePath ?? '';
    const inBackupDir = deps.fs.dirname(path) === config.backupDir && isBackupFileName(deps.fs.basename(path));
    if (!allowed.has(path) && !inBackupDir) {
      throw new BackupError('INVALID_INPUT', `${operation}: ${path} was not chosen in the file dialog; choose the backup file first`);
    }
    return path;
  }

  /** A long operation of the page: one at a time, cancellable by its id, progress to the caller. */
  function longOperation<C extends 'backup:restoreFromZip' | 'backup:verifyBackup' | 'backup:exportPortable' | 'backup:drillNow' | 'backup:undoRestore'>(
    channel: C,
    operation: 'restore' | 'verify' | 'portable' | 'drill' | 'undo',
    body: (request: z.output<(typeof requestSchemas)[C]>, run: Run, id: string) => Promise<Omit<Success<C>, 'success' | 'message'>>,
  ): Handler<C> {
    const summary = SUMMARY[operation];
    return async (payload, call) => {
      try {
        const request = parse(channel, payload, operation);
        const data = await exclusive(operation, request?.operationId, call, (run, id) => body(request, run, id));
        return { success: true, message: summary.ok, ...data } as Success<C>;
      } catch (error) {
        const f = failure(error, operation, summary.fail);
        return f.code === 'CANCELLED' ? { ...f, message: summary.cancelled } : f;
      }
    };
  }

  async function currentCounts(): Promise<CurrentCounts> {
    const counts = await deps.db.counts();
    const scan = await findDocuments(deps.fs, config.dataDir);
    return {
      users: counts.users,
      cases: counts.cases,
      tasks: counts.tasks,
      hearings: counts.hearings,
      orders: counts.orders,
      files: scan.documents.length,
      bytes: scan.documents.reduce((sum, d) => sum + d.size, 0),
    };
  }

  const credentialStore = ctx.runtime.credentials?.store ?? createMemoryCredentialStore();
  const destinationTools: DestinationTools = {
    service,
    deps,
    config,
    credentials: ctx.runtime.credentials ?? { store: credentialStore, resolver: createCredentialResolver(credentialStore, () => service.destinations()) },
    chooseFolder: ctx.chooseFolder ? () => ctx.chooseFolder!() : undefined,
    handler: (channel, operation, summary, body) => handler(channel, operation, summary, body as never),
    exclusive: (operation, requestedId, call, run) => exclusive(operation, requestedId, call, run),
    long: (channel, operation, summary, body) => async (payload, call) => {
      try {
        const data = await body(parse(channel, payload, operation) as never, call);
        return { success: true, message: summary.ok, ...data } as never;
      } catch (error) {
        const f = failure(error, operation, summary.fail);
        return f.code === 'CANCELLED' ? { ...f, message: summary.cancelled } : f;
      }
    },
  };

  const handlers: HandlerTable = {
    'backup:exportNow': async (payload, call) => {
      try {
        const request = parse('backup:exportNow', payload, 'export') ?? {};
        const { operationId, ...options } = request;
        const result = await exclusive('export', operationId, call, async (run, id) => ({
          operationId: id,
          ...(await service.exportNow(options, run)),
        }));
        return {
          success: true,
          message: SUMMARY.export.ok,
          operationId: result.operationId,
          backupId: result.backupId,
          fileName: result.fileName,
          filePath: result.filePath,
          size: result.size,
          createdAt: result.createdAt,
          checksum: result.checksum,
          metadata: result.metadata,
          warnings: result.warnings,
        };
      } catch (error) {
        const f = failure(error, 'export', SUMMARY.export.fail);
        return f.code === 'CANCELLED' ? { ...f, message: SUMMARY.export.cancelled } : f;
      }
    },

    'backup:restoreFromZip': longOperation('backup:restoreFromZip', 'restore', async (request, run, id) => {
      const r = await service.restoreFromZip(resolveSource(request, 'restore'), withUnlock(run, request));
      return { operationId: id, restoreId: r.restoreId, restoredAt: r.restoredAt, metadata: r.metadata, errors: r.errors, safetyCopy: r.safetyCopy };
    }),

    'backup:verifyBackup': longOperation('backup:verifyBackup', 'verify', async (request, run, id) => {
      const r = await service.verifyBackup(resolveSource(request, 'verify'), withUnlock(run, request));
      return {
        operationId: id,
        fileName: r.fileName,
        size: r.size,
        checksum: r.checksum,
        sidecarChecked: r.sidecarChecked,
        entries: r.entries,
        metadata: r.metadata,
      };
    }),

    'backup:exportPortable': longOperation('backup:exportPortable', 'portable', async (request, run, id) => {
      const r = await service.exportPortable(resolveSource(request, 'portable copy'), {}, withUnlock(run, request));
      return {
        operationId: id,
        source: request.fileName,
        fileName: r.fileName,
        filePath: r.filePath,
        folder: deps.fs.dirname(r.filePath),
        size: r.size,
        checksum: r.checksum,
        encrypted: r.encrypted,
        metadata: r.metadata,
        warnings: r.warnings,
      };
    }),

    // The restore's own first step (open and check names, seals, limits), so a broken backup
    // is reported before the person is asked to confirm; the restore checks everything again.
    'backup:inspectBackup': handler('backup:inspectBackup', 'restore', { ok: 'Backup read', fail: 'Failed to restore backup' }, async (request) => {
      const path = resolveSource(request, 'restore');
      const backup = await openBackup(deps, config, path, 'restore', unlockOf(request.unlock));
      try {
        const stat = await deps.fs.stat(path);
        return { fileName: deps.fs.basename(path), size: stat.size, metadata: backup.metadata };
      } finally {
        await backup.close();
      }
    }),

    'backup:listBackups': handler('backup:listBackups', 'list', { ok: 'Backups listed successfully', fail: 'Failed to list backups' }, async () => ({
      backupDir: config.backupDir,
      backups: await annotatedBackups(service),
    })),

    'backup:deleteBackup': handler('backup:deleteBackup', 'delete', { ok: 'Backup deleted successfully', fail: 'Failed to delete backup' }, async (request) =>
      service.deleteBackup(request.fileName),
    ),

    'backup:getStatistics': handler('backup:getStatistics', 'statistics', { ok: 'Statistics loaded', fail: 'Failed to get statistics' }, async () => ({
      statistics: await service.getStatistics(),
    })),

    'backup:getCurrentCounts': handler('backup:getCurrentCounts', 'counts', { ok: 'Counts loaded', fail: 'Failed to count the current data' }, async () => ({
      counts: await currentCounts(),
      dataDir: config.dataDir,
      hasSettings: await deps.fs.exists(deps.fs.join(config.dataDir, SETTINGS_FILE)),
    })),

    'backup:chooseFile': handler('backup:chooseFile', 'choose file', { ok: 'File chosen', fail: 'Failed to open the file dialog' }, async () => {
      const path = await ctx.chooseFile();
      if (path === null) return { success: true, message: 'No file chosen', cancelled: true };
      allowed.add(path);
      return { cancelled: false, filePath: path, fileName: deps.fs.basename(path) };
    }),

    'backup:cancel': handler('backup:cancel', 'cancel', { ok: 'Cancellation requested', fail: 'Failed to cancel' }, async (request) => {
      if (!running || running.id !== request.operationId) return { success: true, message: 'Nothing to cancel', cancelled: false };
      running.controller.abort();
      return { cancelled: true };
    }),

    // ---- automatic protection (issue 11) ------------------------------------------------

    'backup:getPolicy': handler('backup:getPolicy', 'policy', { ok: 'Policy loaded', fail: 'Failed to read the backup policy' }, async () => ({
      ...(await service.readPolicy()),
      backupOnQuit: ctx.backupOnQuit ?? false,
    })),

    'backup:setPolicy': handler('backup:setPolicy', 'policy', { ok: 'Backup policy saved', fail: 'Failed to save the backup policy' }, async (patch) => {
      const policy = await service.updatePolicy(patch);
      ctx.scheduler?.wake(); // it follows the new policy at once (a first backup, a new interval)
      return { policy };
    }),

    'backup:getStatus': handler('backup:getStatus', 'status', { ok: 'Status loaded', fail: 'Failed to read the status of the backups' }, async () => ({
      status: await statusView(service, ctx.scheduler?.state ?? 'idle'),
    })),

    'backup:prune': handler('backup:prune', 'prune', { ok: 'Backups pruned', fail: 'Failed to prune the backups' }, async ({ dryRun }) => {
      const result = await service.prune({ dryRun });
      return {
        ...(dryRun ? { message: 'What the policy keeps' } : {}),
        dryRun,
        verdicts: result.decision.verdicts.map((v) => ({ fileName: v.fileName, createdAt: v.createdAt, keep: v.keep, reasons: v.reasons.map((r) => r.text) })),
        deleted: result.deleted.map((b) => b.fileName),
      };
    }),

    'backup:pinBackup': handler('backup:pinBackup', 'pin', { ok: 'Pin changed', fail: 'Failed to change the pin' }, async ({ fileName, pinned }) => {
      await (pinned ? service.pin(fileName) : service.unpin(fileName));
      return { message: pinned ? 'Backup pinned' : 'Backup unpinned', fileName, pinned };
    }),

    'backup:drillNow': longOperation('backup:drillNow', 'drill', async (request, run, id) => {
      const report = await service.drill({ all: request?.all === true, ...run });
      return {
        operationId: id,
        outcome: report.outcome,
        results: report.results.map((r) => ({ fileName: r.fileName, result: r.result, code: r.code, message: r.message })),
        notReached: [...report.notReached],
      };
    }),

    'backup:undoRestore': longOperation('backup:undoRestore', 'undo', async (_request, run, id) => {
      const r = await service.undoRestore(run);
      return { operationId: id, undoneAt: r.undoneAt, safetyCopy: r.safetyCopy, errors: r.errors };
    }),

    // ---- encryption (issue 13): secrets in, public keys out ----------------------------

    'backup:getKeys': handler('backup:getKeys', 'key show', { ok: 'Encryption keys read', fail: 'Failed to read the encryption keys' }, async () => ({
      keys: await service.keyShow(),
      minPasswordLength: MIN_PASSWORD_LENGTH,
    })),

    'backup:beginKeySetup': handler('backup:beginKeySetup', 'key init', { ok: 'Recovery key made: write it down', fail: 'Failed to set up encryption' }, async ({ password }) => {
      const offer = await service.keyInit(password);
      const expiresAt = deps.clock.now().getTime() + KEY_SETUP_TTL_MS;
      keySetup = { id: globalThis.crypto.randomUUID(), expiresAt };
      return {
        setupId: keySetup.id,
        expiresAt: new Date(expiresAt).toISOString(),
        recoveryKey: offer.recoveryKey,
        recoveryPublicKey: offer.recoveryPublicKey,
        passwordPublicKey: offer.passwordPublicKey,
      };
    }),

    'backup:confirmKeySetup': handler('backup:confirmKeySetup', 'key init', { ok: 'Encryption is on', fail: 'Failed to set up encryption' }, async ({ setupId, recoveryKey }) => {
      if (keySetup === null || keySetup.id !== setupId) {
        throw new BackupError('INVALID_INPUT', 'key init: this set-up is no longer waiting (a newer one replaced it, or casevault restarted); nothing was turned on: start the set-up again');
      }
      if (deps.clock.now().getTime() > keySetup.expiresAt) {
        keySetup = null;
        throw new BackupError('INVALID_INPUT', `key init: the set-up waited more than ${KEY_SETUP_TTL_MS / 60_000} minutes for its recovery key and was dropped; nothing was turned on: start the set-up again`);
      }
      // A recovery key that does not match leaves the set-up waiting, to be typed again.
      const keys = await service.keyConfirm(recoveryKeyAsTyped(recoveryKey));
      keySetup = null;
      return { keys };
    }),

    'backup:changePassword': handler('backup:changePassword', 'key passwd', { ok: 'Password changed', fail: 'Failed to change the password' }, async ({ unlock, newPassword }) => {
      const r = await service.keyPasswd(unlockOf(unlock)!, newPassword);
      return { keys: { encryption: r.encryption, keyFile: r.keyFile, recipients: r.recipients }, newKey: r.newKey };
    }),

    'backup:setEncryption': handler('backup:setEncryption', 'key', { ok: 'Encryption changed', fail: 'Failed to change encryption' }, async ({ on }) => ({
      message: on ? 'Encryption is on: new backups are encrypted' : 'Encryption is off: new backups are not encrypted',
      keys: await service.setEncryption(on),
    })),

    // ---- copies off the machine (issue 14): destinationHandlers.ts --------------------
    ...destinationHandlers(destinationTools),
  };

  return { handlers, allowFile: (path) => void allowed.add(path) };
}
