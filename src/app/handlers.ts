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
 */
import type { BackupConfig, BackupDeps } from '../domain/deps.ts';
import { findDocuments } from '../domain/documents.ts';
import { BackupError, toBackupError } from '../domain/errors.ts';
import { openBackup } from '../domain/readBackup.ts';
import type { BackupService } from '../domain/service.ts';
import { isBackupFileName } from '../domain/backupFiles.ts';
import { SETTINGS_FILE } from '../domain/layout.ts';
import {
  requestSchemas,
  type AppEvent,
  type SchedulerState,
  type Channel,
  type CurrentCounts,
  type Envelope,
  type EventPayloads,
  type Failure,
  type Success,
} from '../contract/channels.ts';
import type { z } from 'zod';
import { annotatedBackups, statusView } from './protectionViews.ts';

/** What the composition root gives the handlers. */
export interface BackupRuntime {
  readonly service: BackupService;
  readonly deps: BackupDeps;
  readonly config: BackupConfig;
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

type LongOperation = EventPayloads['backup:progress']['operation'];
type Run = { signal: AbortSignal; onProgress: (p: EventPayloads['backup:progress']['progress']) => void };

const SUMMARY = {
  export: { ok: 'Backup exported successfully', fail: 'Failed to export backup', cancelled: 'Export cancelled' },
  restore: { ok: 'Backup restored successfully', fail: 'Failed to restore backup', cancelled: 'Restore cancelled' },
  verify: { ok: 'Backup verified: it is intact', fail: 'Backup verification failed', cancelled: 'Verification cancelled' },
  drill: { ok: 'Backups checked', fail: 'Failed to check the backups', cancelled: 'Check of the backups cancelled' },
  undo: { ok: 'The last restore was undone', fail: 'Failed to undo the restore', cancelled: 'Undo cancelled' },
} as const;

const GENERIC_INTERNAL = 'An unexpected error occurred; the details were written to the log.';

export function createBackupIpc(ctx: IpcContext): BackupIpc {
  const { service, deps, config } = ctx.runtime;
  const allowed = new Set<string>();
  let running: { operation: LongOperation; id: string; controller: AbortController } | null = null;

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
        { signal: controller.signal, onProgress: (progress) => call.emit('backup:progress', { operationId: id, operation, progress }) },
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
  function longOperation<C extends 'backup:restoreFromZip' | 'backup:verifyBackup' | 'backup:drillNow' | 'backup:undoRestore'>(
    channel: C,
    operation: 'restore' | 'verify' | 'drill' | 'undo',
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
      const r = await service.restoreFromZip(resolveSource(request, 'restore'), run);
      return { operationId: id, restoreId: r.restoreId, restoredAt: r.restoredAt, metadata: r.metadata, errors: r.errors, safetyCopy: r.safetyCopy };
    }),

    'backup:verifyBackup': longOperation('backup:verifyBackup', 'verify', async (request, run, id) => {
      const r = await service.verifyBackup(resolveSource(request, 'verify'), run);
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

    // The restore's own first step (open and check names, seals, limits), so a broken backup
    // is reported before the person is asked to confirm; the restore checks everything again.
    'backup:inspectBackup': handler('backup:inspectBackup', 'restore', { ok: 'Backup read', fail: 'Failed to restore backup' }, async (request) => {
      const path = resolveSource(request, 'restore');
      const backup = await openBackup(deps, config, path, 'restore');
      try {
        const stat = await deps.fs.stat(path);
        return { fileName: deps.fs.basename(path), size: stat.size, metadata: backup.metadata };
      } finally {
        await backup.reader.close();
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
  };

  return { handlers, allowFile: (path) => void allowed.add(path) };
}
