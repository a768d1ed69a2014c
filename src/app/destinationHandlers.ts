/**
 * The handler table's channels for copies off the machine (issue 14; the contract's part is
 * src/contract/destinations.ts), registered in the table by handlers.ts, which lends them its
 * envelope, its payload parsing and its one-long-operation-at-a-time slot (so `backup:cancel`
 * stops a copy or a download like an export).
 * An S3 secret key comes in with an add or a test and never goes out: it is lent to the
 * destination's target while it is probed (credentials.ts) and, once the destination is
 * added, saved in the host's credential store; every answer carries only whether a key is
 * stored and the key id's last 4 characters. Errors of the S3 adapter hold no secret (its
 * contract); zod's refusals name the field, never its value.
 */
import type { DestinationView, CopyReportView, Channel } from '../contract/channels.ts';
import type { BackupConfig, BackupDeps } from '../domain/deps.ts';
import { readState } from '../domain/backupState.ts';
import { parseTarget, probeDestination, storeOf, type DestinationEntry } from '../domain/destinations.ts';
import { BackupError, toBackupError } from '../domain/errors.ts';
import type { BackupService } from '../domain/service.ts';
import { credentialSummary, type CredentialResolver, type CredentialStore } from './credentials.ts';
import type { CallContext, Handler } from './handlers.ts';
import type { destinationRequestSchemas } from '../contract/destinations.ts';
import type { Success } from '../contract/channels.ts';
import type { z } from 'zod';

type DestinationChannel = keyof typeof destinationRequestSchemas;
type Request<C extends DestinationChannel> = z.output<(typeof destinationRequestSchemas)[C]>;
type Body<C extends DestinationChannel> = (request: Request<C>, call: CallContext) => Promise<(Omit<Success<C>, 'success' | 'message'> & { message?: string }) | Success<C>>;
type Run = { readonly signal: AbortSignal };

/** How long the list waits for one destination's listing before it says it could not list it. */
export const LIST_TIMEOUT_MS = 10_000;

export interface DestinationTools {
  readonly service: BackupService;
  readonly deps: BackupDeps;
  readonly config: BackupConfig;
  readonly credentials: { readonly store: CredentialStore; readonly resolver: CredentialResolver };
  readonly chooseFolder?: (() => Promise<string | null>) | undefined;
  handler<C extends DestinationChannel>(channel: C, operation: string, summary: { ok: string; fail: string }, body: Body<C>): Handler<C>;
  /** The table's long-operation slot: one at a time, cancellable by its id. */
  exclusive<T>(operation: 'copy' | 'download', requestedId: string | undefined, call: CallContext, run: (options: Run, id: string) => Promise<T>): Promise<T>;
  /** A failure envelope for a long operation (CANCELLED worded as cancelled). */
  long<C extends 'backup:copyNow' | 'backup:downloadBackup'>(channel: C, operation: 'copy' | 'download', summary: { ok: string; fail: string; cancelled: string }, body: Body<C>): Handler<C>;
}

const COPY = { ok: 'Copied', fail: 'Failed to copy the backups', cancelled: 'Copy cancelled' };
const DOWNLOAD = { ok: 'Backup fetched', fail: 'Failed to fetch the backup', cancelled: 'Download cancelled' };

export function destinationHandlers(t: DestinationTools): { [C in DestinationChannel]: Handler<C> } {
  const { service, deps, config } = t;
  const { store: keys, resolver } = t.credentials;

  async function view(entry: DestinationEntry, copies: Awaited<ReturnType<typeof readState>>['copies'] | null): Promise<DestinationView> {
    const record = copies?.[entry.name] ?? null;
    let backups: string[] | null = null;
    let listError: DestinationView['listError'] = null;
    try {
      backups = (await service.destBackups(entry.name, { signal: AbortSignal.timeout(LIST_TIMEOUT_MS) })).map((b) => b.fileName);
    } catch (error) {
      const e = toBackupError(error, `list ${entry.name}`);
      // A listing that took too long: the destination did not answer.
      listError = e.code === 'CANCELLED' ? { code: 'DEST_UNREACHABLE', message: `list ${entry.name}: no answer within ${LIST_TIMEOUT_MS / 1000} s` } : { code: e.code, message: e.message };
    }
    return {
      name: entry.name,
      enabled: entry.enabled,
      target: entry.target,
      description: storeOf(deps, entry.target).description,
      addedAt: entry.addedAt,
      lastCopy: record ? { at: record.at, outcome: record.outcome, code: record.code, message: record.message, failingSince: record.failingSince } : null,
      backups,
      listError,
      credentials: entry.target.kind === 's3' ? credentialSummary(await keys.get(entry.name).catch(() => null)) : null,
    };
  }

  const copiesNow = () => readState(deps, config).then((s) => s.copies, () => null);
  const viewOf = async (name: string) => {
    const entry = (await service.destinations()).find((d) => d.name.toLowerCase() === name.toLowerCase());
    if (!entry) throw new BackupError('NOT_FOUND', `destination: there is none named ${JSON.stringify(name)}`);
    return view(entry, await copiesNow());
  };
  const reportView = (r: { destination: string; copied: readonly string[]; present: readonly string[]; warnings: readonly string[]; failure: CopyReportView['failure'] }): CopyReportView => ({
    destination: r.destination,
    copied: [...r.copied],
    present: [...r.present],
    warnings: [...r.warnings],
    failure: r.failure,
  });

  return {
    'backup:listDestinations': t.handler('backup:listDestinations', 'destinations', { ok: 'Destinations listed', fail: 'Failed to list the copy destinations' }, async () => {
      const [entries, copies] = await Promise.all([service.destinations(), copiesNow()]);
      return {
        destinations: await Promise.all(entries.map((e) => view(e, copies))),
        keys: { where: keys.where, unavailable: keys.unavailable() },
        canChooseFolder: t.chooseFolder !== undefined,
      };
    }),

    'backup:addDestination': t.handler('backup:addDestination', 'dest add', { ok: 'Destination added', fail: 'Failed to add the destination' }, async ({ name, target, credentials }) => {
      if (credentials !== undefined && target.kind !== 's3') throw new BackupError('INVALID_INPUT', 'dest add: keys go with an S3 destination only');
      if (credentials !== undefined) {
        const why = keys.unavailable();
        if (why !== null) throw new BackupError('PERMISSION_DENIED', `dest add: ${why}`);
      }
      const parsed = parseTarget(target);
      const { entry, probe } = await resolver.lend(parsed, credentials ?? null, () => service.destAdd(name, parsed));
      if (credentials !== undefined) {
        try {
          await keys.set(entry.name, credentials);
        } catch (error) {
          // Not added without its keys: it would copy with the wrong ones (the default chain).
          await service.destRemove(entry.name).catch(() => {});
          throw error;
        }
      }
      return { message: `${entry.name} added`, destination: await viewOf(entry.name), warnings: probe.warnings };
    }),

    'backup:testDestination': t.handler('backup:testDestination', 'dest test', { ok: 'Connection works', fail: 'The destination did not pass the test' }, async (request) => {
      if (request.name !== undefined) return { probe: await service.destTest(request.name) };
      const parsed = parseTarget(request.target);
      return { probe: await resolver.lend(parsed, request.credentials ?? null, () => probeDestination(deps, config, parsed)) };
    }),

    'backup:removeDestination': t.handler('backup:removeDestination', 'dest remove', { ok: 'Destination removed', fail: 'Failed to remove the destination' }, async ({ name }) => {
      const entry = await service.destRemove(name);
      await keys.delete(entry.name).catch((error: unknown) => deps.log?.(`dest remove: the keys of ${entry.name} could not be forgotten`, error instanceof Error ? error.message : undefined));
      return { message: `${entry.name} removed; the copies there stay where they are`, name: entry.name };
    }),

    'backup:enableDestination': t.handler('backup:enableDestination', 'dest', { ok: 'Destination changed', fail: 'Failed to change the destination' }, async ({ name, enabled }) => {
      const entry = await service.destEnable(name, enabled);
      return { message: enabled ? `Copies to ${entry.name} are on` : `Copies to ${entry.name} are off`, name: entry.name, enabled: entry.enabled };
    }),

    'backup:copyNow': t.long('backup:copyNow', 'copy', COPY, async (request, call) =>
      t.exclusive('copy', request?.operationId, call, async ({ signal }, id) => {
        const to = request?.to;
        const reports = await service.copy({
          ...(to !== undefined ? { to } : {}),
          ...(request?.fileName !== undefined ? { fileName: request.fileName } : {}),
          signal,
          onProgress: (p) => call.emit('backup:copyProgress', { operationId: id, operation: 'copy', destination: to ?? null, fileName: p.fileName, done: p.done, total: p.total }),
        });
        // One destination asked for: its failure is the answer's (its code reaches the toast).
        const only = to !== undefined ? reports[0] : undefined;
        if (only?.failure) throw new BackupError(only.failure.code, only.failure.message);
        const copied = reports.reduce((n, r) => n + r.copied.length, 0);
        return { message: copied === 0 ? 'Every backup was there already' : `Copied ${copied} backup${copied === 1 ? '' : 's'}`, operationId: id, reports: reports.map(reportView) };
      }),
    ),

    'backup:destinationBackups': t.handler('backup:destinationBackups', 'dest list', { ok: 'Backups listed', fail: 'Failed to list the backups there' }, async ({ name }) => ({
      name,
      backups: (await service.destBackups(name)).map((b) => ({ fileName: b.fileName, size: b.size, createdAt: b.createdAt, encrypted: b.encrypted })),
    })),

    'backup:downloadBackup': t.long('backup:downloadBackup', 'download', DOWNLOAD, async ({ name, fileName, operationId }, call) =>
      t.exclusive('download', operationId, call, async ({ signal }, id) => {
        // Already here (copied from here, or fetched before): used as it is.
        if (fileName !== 'latest' && (await service.listBackups()).some((b) => b.fileName === fileName)) {
          return { message: `${fileName} is in the backup folder already`, operationId: id, fileName, downloaded: false };
        }
        const local = await service.download(name, fileName, {
          signal,
          onProgress: (p) => call.emit('backup:copyProgress', { operationId: id, operation: 'download', destination: name, fileName: p.fileName, done: p.done, total: p.total }),
        });
        return { message: `${local} fetched from ${name}`, operationId: id, fileName: local, downloaded: true };
      }),
    ),

    'backup:chooseFolder': t.handler('backup:chooseFolder', 'choose folder', { ok: 'Folder chosen', fail: 'Failed to open the folder dialog' }, async () => {
      const path = t.chooseFolder ? await t.chooseFolder() : null;
      return path === null ? { message: 'No folder chosen', cancelled: true } : { cancelled: false, path };
    }),
  };
}

export type { Channel };
