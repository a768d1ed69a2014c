/**
 * The handler table's destination channels (issue 14) over the spec suite's service (memfs +
 * sql.js) and in-memory destinations. The S3 places here check keys like a strict server:
 * every operation asks the credential resolver (as the node composition's credentialsFor
 * does) and is DEST_ACCESS_DENIED unless it gets the bucket's secret. Checked: a typed secret
 * reaches the destination (lent while testing and adding, stored after) and never comes back
 * in a response or an event; copy now with progress and cancel; a missing folder's code.
 */
import { describe, expect, it } from 'vitest';
import { createCredentialResolver, createMemoryCredentialStore, type CredentialStore } from '../../src/app/credentials.ts';
import { createBackupIpc } from '../../src/app/handlers.ts';
import type { AppEvent, EventPayloads } from '../../src/contract/channels.ts';
import { BackupError } from '../../src/domain/errors.ts';
import { createBackupService } from '../../src/domain/service.ts';
import type { DestinationStore, DestinationTarget } from '../../src/ports/destination.ts';
import { createMemoryDestinations } from '../../src/infra/memfs/memoryDestination.ts';
import { createMemoryHarness } from '../support/memoryHarness.ts';

const SECRET = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY';
const KEY_ID = 'AKIAIOSFODNN7EXAMPLE';
const S3: DestinationTarget = { kind: 's3', endpoint: 'http://127.0.0.1:9000', region: 'us-east-1', bucket: 'firm-backups', prefix: 'casevault/', pathStyle: true, checksum: 'when-supported' };
const USB: DestinationTarget = { kind: 'folder', path: '/media/usb/casevault' };

async function world(options: { store?: CredentialStore } = {}) {
  const h = await createMemoryHarness();
  const places = createMemoryDestinations();
  const keys = options.store ?? createMemoryCredentialStore();
  let service: ReturnType<typeof createBackupService>;
  const resolver = createCredentialResolver(keys, () => service.destinations());
  /** What each S3 operation was given, as the S3 adapter would be. */
  const used: (string | undefined)[] = [];
  const strict = (target: DestinationTarget, inner: DestinationStore): DestinationStore => {
    if (target.kind !== 's3') return inner;
    const check = async () => {
      const given = await resolver.credentialsFor(target);
      used.push(given?.secretAccessKey);
      if (given?.secretAccessKey !== SECRET) throw new BackupError('DEST_ACCESS_DENIED', `${inner.description}: the signature does not match (wrong secret key)`);
    };
    return {
      description: inner.description,
      probe: async (o) => (await check(), inner.probe(o)),
      async *list(o) {
        await check();
        yield* inner.list(o);
      },
      put: async (n, s, o) => (await check(), inner.put(n, s, o)),
      get: async (n, i, o) => (await check(), inner.get(n, i, o)),
      remove: async (n) => (await check(), inner.remove(n)),
      cleanUp: async (o) => (await check(), inner.cleanUp(o)),
    };
  };
  const deps = { ...h.deps, destinations: { open: (t: DestinationTarget) => strict(t, places.open(t)) } };
  service = createBackupService(deps, h.config);
  const logged: string[] = [];
  const ipc = createBackupIpc({
    runtime: { service, deps, config: h.config, credentials: { store: keys, resolver } },
    chooseFile: async () => null,
    log: (message, error) => logged.push(`${message} ${String(error)}`),
  });
  const events: { event: AppEvent; payload: unknown }[] = [];
  const call = { emit: <E extends AppEvent>(event: E, payload: EventPayloads[E]) => void events.push({ event, payload }) };
  return { h, places, keys, ipc, call, events, used, logged, service };
}

describe('destination handlers', () => {
  it('adds a folder, copies now with progress, and lists the backups there with the last copy', async () => {
    const w = await world();
    w.places.createPlace(USB);
    const backup = await w.service.exportNow();
    expect(await w.ipc.handlers['backup:addDestination']({ name: 'USB drive', target: USB }, w.call)).toMatchObject({ success: true, destination: { name: 'USB drive', enabled: true, backups: [], credentials: null } });
    const copy = await w.ipc.handlers['backup:copyNow']({ to: 'USB drive', operationId: 'copy-1' }, w.call);
    expect(copy).toMatchObject({ success: true, operationId: 'copy-1', reports: [{ destination: 'USB drive', copied: [backup.fileName], failure: null }] });
    const progress = w.events.filter((e) => e.event === 'backup:copyProgress').map((e) => e.payload as EventPayloads['backup:copyProgress']);
    expect(progress.length).toBeGreaterThan(0);
    expect(progress.at(-1)).toMatchObject({ operationId: 'copy-1', operation: 'copy', destination: 'USB drive', fileName: backup.fileName, done: backup.size, total: backup.size });
    const list = await w.ipc.handlers['backup:listDestinations'](undefined, w.call);
    expect(list).toMatchObject({ success: true, destinations: [{ name: 'USB drive', backups: [backup.fileName], listError: null, lastCopy: { outcome: 'ok', code: null } }] });
  });

  it('answers a folder that is not there with DEST_NOT_FOUND, and adds nothing', async () => {
    const w = await world();
    const added = await w.ipc.handlers['backup:addDestination']({ name: 'USB drive', target: USB }, w.call);
    expect(added).toMatchObject({ success: false, code: 'DEST_NOT_FOUND' });
    expect(await w.service.destinations()).toEqual([]);
  });

  it('gives a copy to a destination that went away its code, and records it as the last copy', async () => {
    const w = await world();
    w.places.createPlace(USB);
    await w.service.exportNow();
    await w.ipc.handlers['backup:addDestination']({ name: 'usb', target: USB }, w.call);
    w.places.fail('probe', 'DEST_UNREACHABLE', 1);
    expect(await w.ipc.handlers['backup:copyNow']({ to: 'usb' }, w.call)).toMatchObject({ success: false, code: 'DEST_UNREACHABLE', message: 'Failed to copy the backups' });
    const list = await w.ipc.handlers['backup:listDestinations'](undefined, w.call);
    expect(list).toMatchObject({ destinations: [{ lastCopy: { outcome: 'failed', code: 'DEST_UNREACHABLE' } }] });
  });

  it('lends typed keys to a test before anything is saved, and stores nothing for it', async () => {
    const w = await world();
    w.places.createPlace(S3);
    const ok = await w.ipc.handlers['backup:testDestination']({ target: S3, credentials: { accessKeyId: KEY_ID, secretAccessKey: SECRET } }, w.call);
    expect(ok).toMatchObject({ success: true, probe: { description: expect.stringContaining('firm-backups') } });
    const wrong = await w.ipc.handlers['backup:testDestination']({ target: S3, credentials: { accessKeyId: KEY_ID, secretAccessKey: `${SECRET}x` } }, w.call);
    expect(wrong).toMatchObject({ success: false, code: 'DEST_ACCESS_DENIED' });
    // Without keys: the default chain (nothing here), refused.
    expect(await w.ipc.handlers['backup:testDestination']({ target: S3 }, w.call)).toMatchObject({ success: false, code: 'DEST_ACCESS_DENIED' });
    expect(await w.keys.get('s3')).toBeNull();
    expect(JSON.stringify([ok, wrong])).not.toContain(SECRET);
  });

  it('stores an S3 destination’s keys once it is added, uses them for copies, and never sends the secret back', async () => {
    const w = await world();
    w.places.createPlace(S3);
    const backup = await w.service.exportNow();
    const responses: unknown[] = [];
    const added = await w.ipc.handlers['backup:addDestination']({ name: 'Offsite', target: S3, credentials: { accessKeyId: KEY_ID, secretAccessKey: SECRET } }, w.call);
    responses.push(added);
    expect(added).toMatchObject({ success: true, destination: { name: 'Offsite', credentials: { stored: true, keyIdEnd: 'MPLE' } } });
    expect(await w.keys.get('Offsite')).toEqual({ accessKeyId: KEY_ID, secretAccessKey: SECRET });
    const copy = await w.ipc.handlers['backup:copyNow']({ to: 'Offsite' }, w.call);
    responses.push(copy);
    expect(copy).toMatchObject({ success: true, reports: [{ copied: [backup.fileName] }] });
    for (const channel of ['backup:listDestinations'] as const) responses.push(await w.ipc.handlers[channel](undefined, w.call));
    responses.push(await w.ipc.handlers['backup:testDestination']({ name: 'Offsite' }, w.call));
    responses.push(await w.ipc.handlers['backup:destinationBackups']({ name: 'Offsite' }, w.call));
    expect(responses.every((r) => (r as { success: boolean }).success)).toBe(true);
    const out = JSON.stringify([responses, w.events, w.logged]);
    expect(out).not.toContain(SECRET);
    expect(out).not.toContain(KEY_ID);
    expect(w.used.every((s) => s === SECRET)).toBe(true);
    // Removed: its keys go with it.
    expect(await w.ipc.handlers['backup:removeDestination']({ name: 'offsite' }, w.call)).toMatchObject({ success: true, name: 'Offsite' });
    expect(await w.keys.get('Offsite')).toBeNull();
  });

  it('adds no S3 destination whose typed keys are refused, and keeps none of them', async () => {
    const w = await world();
    w.places.createPlace(S3);
    const added = await w.ipc.handlers['backup:addDestination']({ name: 'Offsite', target: S3, credentials: { accessKeyId: KEY_ID, secretAccessKey: 'not-the-secret' } }, w.call);
    expect(added).toMatchObject({ success: false, code: 'DEST_ACCESS_DENIED' });
    expect(JSON.stringify(added)).not.toContain('not-the-secret');
    expect(await w.service.destinations()).toEqual([]);
    expect(await w.keys.get('Offsite')).toBeNull();
  });

  it('refuses typed keys where the host cannot keep them safely, saying what to use instead', async () => {
    const memory = createMemoryCredentialStore();
    const w = await world({ store: { ...memory, unavailable: () => 'no keychain: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or a profile' } });
    w.places.createPlace(S3);
    const added = await w.ipc.handlers['backup:addDestination']({ name: 'Offsite', target: S3, credentials: { accessKeyId: KEY_ID, secretAccessKey: SECRET } }, w.call);
    expect(added).toMatchObject({ success: false, code: 'PERMISSION_DENIED', error: expect.stringMatching(/AWS_ACCESS_KEY_ID/) });
    expect(await w.service.destinations()).toEqual([]);
    expect(await w.ipc.handlers['backup:listDestinations'](undefined, w.call)).toMatchObject({ keys: { unavailable: expect.stringMatching(/keychain/) } });
  });

  it('cancels a copy now through backup:cancel (CANCELLED, not a failure), and turns a destination off and on', async () => {
    const w = await world();
    w.places.createPlace(USB);
    await w.service.exportNow();
    await w.ipc.handlers['backup:addDestination']({ name: 'usb', target: USB }, w.call);
    const call = {
      emit: <E extends AppEvent>(event: E, payload: EventPayloads[E]) => {
        if (event === 'backup:copyProgress') void w.ipc.handlers['backup:cancel']({ operationId: 'copy-c' }, w.call);
        w.call.emit(event, payload);
      },
    };
    expect(await w.ipc.handlers['backup:copyNow']({ to: 'usb', operationId: 'copy-c' }, call)).toMatchObject({ success: false, code: 'CANCELLED', message: 'Copy cancelled' });
    expect(await w.ipc.handlers['backup:enableDestination']({ name: 'usb', enabled: false }, w.call)).toMatchObject({ success: true, enabled: false });
    expect(await w.ipc.handlers['backup:listDestinations'](undefined, w.call)).toMatchObject({ destinations: [{ enabled: false }] });
  });

  it('fetches a backup back into the backup dir for the restore, or uses the one already there', async () => {
    const w = await world();
    w.places.createPlace(USB);
    const backup = await w.service.exportNow();
    await w.ipc.handlers['backup:addDestination']({ name: 'usb', target: USB }, w.call);
    await w.ipc.handlers['backup:copyNow']({ to: 'usb' }, w.call);
    expect(await w.ipc.handlers['backup:downloadBackup']({ name: 'usb', fileName: backup.fileName }, w.call)).toMatchObject({ success: true, fileName: backup.fileName, downloaded: false });
    await w.service.deleteBackup(backup.fileName);
    const fetched = await w.ipc.handlers['backup:downloadBackup']({ name: 'usb', fileName: 'latest', operationId: 'dl-1' }, w.call);
    expect(fetched).toMatchObject({ success: true, fileName: backup.fileName, downloaded: true });
    expect((await w.service.listBackups()).map((b) => b.fileName)).toEqual([backup.fileName]);
    expect(w.events.some((e) => e.event === 'backup:copyProgress' && (e.payload as { operation: string }).operation === 'download')).toBe(true);
  });
});
