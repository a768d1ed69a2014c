import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { POOL_DIR, packChecksum, packsOfSidecar } from '../../src/domain/backupFiles.ts';
import { EMPTY_STATE, setPinned, writeState } from '../../src/domain/backupState.ts';
import { compactTimestamp, type BackupConfig, type BackupDeps } from '../../src/domain/deps.ts';
import {
  checkDestination,
  DESTINATIONS_FILE,
  REMOTE_KEY_FILE,
  addDestination,
  downloadBackup,
  findDestination,
  listDestinationBackups,
  readDestinations,
  removeDestination,
  syncAllDestinations,
  syncDestination,
  type DestinationEntry,
} from '../../src/domain/destinations.ts';
import { exportNow, type ExportResult } from '../../src/domain/exportBackup.ts';
import { KEY_FILE } from '../../src/domain/keys.ts';
import { DEFAULT_POLICY, writePolicy } from '../../src/domain/policy.ts';
import { createMemoryDestinations, type MemoryDestinations } from '../../src/infra/memfs/memoryDestination.ts';
import type { MemoryFileSystem } from '../../src/infra/memfs/memoryFileSystem.ts';
import type { DestinationStore, DestinationTarget } from '../../src/ports/destination.ts';
import { propertyRuns } from '../support/arbitraries.ts';
import { BACKUP_DIR, createBackupDirWorld, type BackupDirWorld } from '../support/backupDirWorld.ts';
import { codeOf } from '../support/codeOf.ts';
import { DATA_DIR, createMemoryHarness, type MemoryHarness } from '../support/memoryHarness.ts';

const USB: DestinationTarget = { kind: 'folder', path: '/media/usb/casevault' };
const S3: DestinationTarget = { kind: 's3', endpoint: 'https://s3.example.com', region: 'eu-central-1', bucket: 'firm-backups', prefix: 'office/', pathStyle: true, checksum: 'when-supported' };
const sha = (data: Uint8Array) => createHash('sha256').update(data).digest('hex');

async function setUp(): Promise<{ w: BackupDirWorld; world: MemoryDestinations; deps: BackupDeps }> {
  const w = await createBackupDirWorld({ timeZone: 'Europe/Berlin', now: '2026-11-27T12:00:00.000Z' });
  const world = createMemoryDestinations();
  world.createPlace(USB);
  world.createPlace(S3);
  const deps = { ...w.deps, destinations: world };
  (w as { deps: BackupDeps }).deps = deps;
  return { w, world, deps };
}

/**
 * What a listed remote backup (a file and its sidecar, read straight from the place, past any
 * injected fault) must be: byte for byte the local one, with the same sidecar, and every pool
 * pack its sidecar there lists there whole (its SHA-256 is its name), whether or not the backup
 * is still here.
 */
async function expectRemoteWhole(w: { memfs: MemoryFileSystem }, world: MemoryDestinations, target: DestinationTarget): Promise<string[]> {
  const objects = world.objects(target);
  const prefix = target.kind === 's3' ? target.prefix : '';
  const listed = [...objects.keys()].map((k) => k.slice(prefix.length)).filter((n) => !n.includes('/') && n.endsWith('.zip') && objects.has(`${prefix}${n}.sha256`));
  for (const name of listed) {
    const packs = packsOfSidecar(new TextDecoder().decode(objects.get(`${prefix}${name}.sha256`)!));
    expect(packs, `${name}'s sidecar there lists packs`).not.toBeNull();
    for (const pack of packs!) {
      const there = objects.get(`${prefix}${POOL_DIR}/${pack}`);
      expect(there, `${name} is listed there, so the pack pool/${pack} it needs is there`).toBeDefined();
      expect(sha(there!), `pool/${pack} there is whole`).toBe(packChecksum(pack));
    }
    const local = await w.memfs.readFile(`${BACKUP_DIR}/${name}`).catch(() => null);
    if (local === null) continue; // pruned locally: only the destination has it now
    expect(sha(objects.get(prefix + name)!), `${name} on the destination is the backup`).toBe(sha(local));
    expect(new TextDecoder().decode(objects.get(`${prefix}${name}.sha256`)!)).toBe(new TextDecoder().decode(await w.memfs.readFile(`${BACKUP_DIR}/${name}.sha256`)));
  }
  return listed;
}

/** The packs in a place's pool (names without `pool/`). */
function remotePool(world: MemoryDestinations, target: DestinationTarget): string[] {
  const prefix = `${target.kind === 's3' ? target.prefix : ''}${POOL_DIR}/`;
  return [...world.objects(target).keys()].filter((k) => k.startsWith(prefix) && !k.slice(prefix.length).startsWith('.')).map((k) => k.slice(prefix.length)).sort();
}

/** A world with a database (sql.js) and documents, for real incremental exports, and destinations. */
async function setUpIncremental(): Promise<{ h: MemoryHarness; world: MemoryDestinations; deps: BackupDeps; config: BackupConfig }> {
  const h = await createMemoryHarness();
  const world = createMemoryDestinations();
  world.createPlace(USB);
  world.createPlace(S3);
  return { h, world, deps: { ...h.deps, destinations: world }, config: h.config };
}

let documentSeed = 0;
/** A new document in the data dir (bytes that do not compress, so a pack's size is about its documents'); its path and SHA-256. */
async function addDocument(h: MemoryHarness, size: number): Promise<{ path: string; sha256: string }> {
  let x = (++documentSeed * 2654435761) >>> 0 || 1;
  const bytes = new Uint8Array(size).map(() => (x = (x * 1103515245 + 12345) >>> 0) >>> 24);
  const sha256 = sha(bytes);
  const path = `${DATA_DIR}/files/${sha256.slice(0, 2)}/${sha256}`;
  await h.memfs.mkdir(`${DATA_DIR}/files/${sha256.slice(0, 2)}`);
  await h.memfs.writeFile(path, bytes);
  await h.db.write('INSERT INTO documents (case_id, name, sha256, size) VALUES (NULL, ?, ?, ?)', [`doc-${documentSeed}.pdf`, sha256, size]);
  return { path, sha256 };
}

async function removeDocument(h: MemoryHarness, doc: { path: string; sha256: string }): Promise<void> {
  await h.memfs.remove(doc.path);
  await h.db.write('DELETE FROM documents WHERE sha256 = ?', [doc.sha256]);
}

const incremental = (deps: BackupDeps, config: BackupConfig): Promise<ExportResult> => exportNow(deps, config, { incremental: true });

/** A full backup as the other cases make them: bytes and a sidecar, all that copying reads of it. */
async function fakeFullBackup(h: MemoryHarness, size: number): Promise<string> {
  const name = `casevault-backup-${compactTimestamp(h.deps.clock.now())}.zip`;
  const bytes = new Uint8Array(size).map((_, i) => (i * 31 + size) & 0xff);
  await h.memfs.writeFile(`${BACKUP_DIR}/${name}`, bytes);
  await h.memfs.writeFile(`${BACKUP_DIR}/${name}.sha256`, new TextEncoder().encode(`${sha(bytes)}  ${name}\n`));
  return name;
}

/** The store of `world`, with every get's name recorded. */
function recordingGets(world: MemoryDestinations): { destinations: MemoryDestinations; gets: string[] } {
  const gets: string[] = [];
  return {
    gets,
    destinations: {
      ...world,
      open(target) {
        const store = world.open(target);
        return { ...store, list: store.list.bind(store), get: (name, into, options) => (gets.push(name), store.get(name, into, options)) } satisfies DestinationStore;
      },
    },
  };
}

describe('destinations: the list beside the policy', () => {
  it('adds after a probe, finds by name in any case, refuses a second of the same name, removes', async () => {
    const { w } = await setUp();
    const { entry, probe } = await addDestination(w.deps, w.config, { name: 'USB drive', target: USB });
    expect(entry).toMatchObject({ name: 'USB drive', enabled: true, target: USB });
    expect(probe.description).toContain('/media/usb/casevault');
    expect(await codeOf(addDestination(w.deps, w.config, { name: 'usb DRIVE', target: S3 }))).toBe('ALREADY_EXISTS');
    await addDestination(w.deps, w.config, { name: 'Offsite', target: S3 });
    expect((await findDestination(w.deps, w.config, 'offsite')).target).toEqual(S3);
    await removeDestination(w.deps, w.config, 'USB drive');
    expect((await readDestinations(w.deps, w.config)).map((d) => d.name)).toEqual(['Offsite']);
    expect(await codeOf(findDestination(w.deps, w.config, 'USB drive'))).toBe('NOT_FOUND');
  });

  it('a destination that is not there is refused with its code and nothing is stored', async () => {
    const { w } = await setUp();
    expect(await codeOf(addDestination(w.deps, w.config, { name: 'Gone', target: { kind: 'folder', path: '/media/not-mounted' } }))).toBe('DEST_NOT_FOUND');
    expect(await readDestinations(w.deps, w.config)).toEqual([]);
  });

  it('any target that is not valid is INVALID_INPUT naming the setting; a damaged file is POLICY_INVALID', async () => {
    const { w } = await setUp();
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.record({ kind: fc.constant('folder'), path: fc.stringMatching(/^[a-z.][a-z/]{0,10}$/) }),
          fc.record({ kind: fc.constant('s3'), bucket: fc.stringMatching(/^([A-Z_]{1,5}|[a-z]{0,2}|[a-z]{64,70})$/) }),
          fc.record({ kind: fc.constant('s3'), bucket: fc.constant('good-bucket'), endpoint: fc.constantFrom('ftp://x', 'https://key:secret@host', 'not a url') }),
          fc.record({ kind: fc.constant('s3'), bucket: fc.constant('good-bucket'), prefix: fc.constantFrom('/abs/', 'no-slash', '../up/') }),
          fc.record({ kind: fc.constantFrom('ftp', 'S3', '') }),
        ),
        async (target) => {
          expect(await codeOf(addDestination(w.deps, w.config, { name: 'x', target }))).toBe('INVALID_INPUT');
        },
      ),
      { numRuns: propertyRuns(60) },
    );
    await w.memfs.writeFile(`${BACKUP_DIR}/${DESTINATIONS_FILE}`, new TextEncoder().encode('{"version":1,"destinations":[{"name":"a"}]}'));
    expect(await codeOf(readDestinations(w.deps, w.config))).toBe('POLICY_INVALID');
  });
});

describe('copying to a destination', () => {
  it('property: full and incremental backups, retention there, and whatever fails on the way: a listed remote backup is always whole, with every pack it lists; a run without faults then copies every backup, and retention leaves only listed packs', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.record({
            newDocuments: fc.integer({ min: 0, max: 2 }),
            dropDocument: fc.boolean(),
            newBackups: fc.array(fc.constantFrom('full', 'incremental'), { maxLength: 2 }),
            prune: fc.boolean(),
            fault: fc.option(fc.record({ operation: fc.constantFrom('put', 'list', 'remove', 'get', 'probe', '*'), code: fc.constantFrom('DEST_UNREACHABLE', 'IO_ERROR', 'NO_SPACE', 'DEST_ACCESS_DENIED'), after: fc.integer({ min: 0, max: 8 }) }), { nil: null }),
          }),
          { minLength: 1, maxLength: 5 },
        ),
        async (steps) => {
          const { h, world, deps, config } = await setUpIncremental();
          await writePolicy(deps, config, { ...DEFAULT_POLICY, retention: { keepLast: 2, keepHourly: 0, keepDaily: 0, keepWeekly: 0, keepMonthly: 0, keepYearly: 0, pruneAfterBackup: true } });
          const entry: DestinationEntry = (await addDestination(deps, config, { name: 'Offsite', target: S3 })).entry;
          const documents: { path: string; sha256: string }[] = [];
          for (const step of steps) {
            for (let i = 0; i < step.newDocuments; i++) documents.push(await addDocument(h, 500 + 300 * i));
            if (step.dropDocument && documents.length > 0) await removeDocument(h, documents.shift()!);
            for (const kind of step.newBackups) kind === 'full' ? await fakeFullBackup(h, 100 + documents.length * 37) : await incremental(deps, config);
            if (step.fault) world.fail(step.fault.operation, step.fault.code as never, 1, step.fault.after);
            const report = await syncDestination(deps, config, entry, { prune: step.prune });
            if (report.failure) expect(report.failure.code).toMatch(/^(DEST_UNREACHABLE|IO_ERROR|NO_SPACE|DEST_ACCESS_DENIED)$/);
            await expectRemoteWhole(h, world, S3);
          }
          world.clearFaults();
          const final = await syncDestination(deps, config, entry);
          expect(final.failure).toBeNull();
          const local = (await h.memfs.readdir(BACKUP_DIR)).filter((n) => n.endsWith('.zip'));
          expect((await expectRemoteWhole(h, world, S3)).sort()).toEqual(local.sort());
          expect([...world.objects(S3).keys()].filter((k) => k.includes('.partial-'))).toEqual([]);

          const pruned = await syncDestination(deps, config, entry, { prune: true, only: local.sort().at(-1)! });
          expect(pruned.failure).toBeNull();
          const kept = await expectRemoteWhole(h, world, S3);
          const listedPacks = new Set(kept.flatMap((name) => packsOfSidecar(new TextDecoder().decode(world.objects(S3).get(`office/${name}.sha256`)!))!));
          expect(remotePool(world, S3), 'the pool there holds exactly the packs the backups there list').toEqual([...listedPacks].sort());
        },
      ),
      { numRuns: propertyRuns(30) },
    );
  }, 120_000);

  it('a copy cut between the file and its sidecar is finished by the next run, without copying the file again', async () => {
    const { w, world } = await setUp();
    const { entry } = await addDestination(w.deps, w.config, { name: 'Offsite', target: S3 });
    const name = await w.addBackup('2026-11-26T10:00:00Z', 5000);
    // The file went through, the sidecar did not (a crash between the two).
    const store = world.open(S3);
    await store.put(name, await w.deps.fs.openRead(`${BACKUP_DIR}/${name}`));
    expect(await listDestinationBackups(w.deps, S3)).toEqual([]);
    const before = world.bytesPut();
    const report = await syncDestination(w.deps, w.config, entry);
    expect(report).toMatchObject({ copied: [name], failure: null });
    expect(world.bytesPut() - before).toBeLessThan(200); // only the sidecar
    expect(await expectRemoteWhole(w, world, S3)).toEqual([name]);
  });

  it('a copy that arrives different is removed and copied again; if it stays different, COPY_MISMATCH and nothing is listed', async () => {
    const { w, world } = await setUp();
    const { entry } = await addDestination(w.deps, w.config, { name: 'Offsite', target: S3 });
    const name = await w.addBackup('2026-11-26T10:00:00Z', 3000);
    let corrupt = 1;
    const lying: typeof world = {
      ...world,
      open(target) {
        const store = world.open(target);
        return {
          ...store,
          list: store.list.bind(store),
          async put(n, source, options) {
            if (n.endsWith('.sha256') && corrupt > 0) {
              corrupt--;
              const data = await source.read(0, source.size);
              data[0] = data[0]! ^ 1;
              return store.put(n, { size: data.byteLength, read: async (p, l) => data.slice(p, p + l), close: async () => {} }, options);
            }
            return store.put(n, source, options);
          },
        } satisfies DestinationStore;
      },
    };
    const deps = { ...w.deps, destinations: lying };
    expect((await syncDestination(deps, w.config, entry)).failure).toBeNull();
    expect(await expectRemoteWhole(w, world, S3)).toEqual([name]);

    const other = await w.addBackup('2026-11-26T11:00:00Z', 3000);
    corrupt = 2;
    const report = await syncDestination(deps, w.config, entry);
    expect(report.failure).toMatchObject({ code: 'COPY_MISMATCH', fileName: other });
    expect(await expectRemoteWhole(w, world, S3)).toEqual([name]);
  });

  it('a destination too small for what it lacks is NO_SPACE before anything is copied', async () => {
    const { w, world } = await setUp();
    const { entry } = await addDestination(w.deps, w.config, { name: 'Offsite', target: S3 });
    await w.addBackup('2026-11-26T10:00:00Z', 3000);
    const small = { ...world, open: (t: DestinationTarget) => ({ ...world.open(t), probe: async () => ({ freeBytes: 1000, maxFileSize: null, sameDevice: false }) }) };
    const report = await syncDestination({ ...w.deps, destinations: small }, w.config, entry);
    expect(report.failure?.code).toBe('NO_SPACE');
    expect(world.bytesPut()).toBe(0);
  });

  it('a file larger than the destination file system holds is DEST_FILE_TOO_LARGE, and same-drive is a warning', async () => {
    const { w, world } = await setUp();
    const { entry } = await addDestination(w.deps, w.config, { name: 'USB', target: USB });
    await w.addBackup('2026-11-26T10:00:00Z', 3000);
    const fat = { ...world, open: (t: DestinationTarget) => ({ ...world.open(t), probe: async () => ({ freeBytes: null, maxFileSize: 2999, sameDevice: true }) }) };
    const report = await syncDestination({ ...w.deps, destinations: fat }, w.config, entry);
    expect(report.failure?.code).toBe('DEST_FILE_TOO_LARGE');
    expect(report.warnings.join(' ')).toMatch(/same drive/);
  });

  it('retention applies on the destination: it keeps what the policy keeps there, pins hold, a locked object is reported kept', async () => {
    const { w, world } = await setUp();
    const { entry } = await addDestination(w.deps, w.config, { name: 'Offsite', target: S3 });
    await writePolicy(w.deps, w.config, { ...DEFAULT_POLICY, retention: { keepLast: 2, keepHourly: 0, keepDaily: 0, keepWeekly: 0, keepMonthly: 0, keepYearly: 0, pruneAfterBackup: true } });
    const names: string[] = [];
    for (let i = 0; i < 6; i++) names.push(await w.addBackup(new Date(Date.parse('2026-11-20T00:00:00Z') + i * 86_400_000), 200));
    await writeState(w.deps, w.config, setPinned(EMPTY_STATE, names[0]!, true));
    world.locked.add(names[1]!);
    const report = await syncDestination(w.deps, w.config, entry, { prune: true });
    expect(report.failure).toBeNull();
    const remote = await listDestinationBackups(w.deps, S3);
    expect(remote.map((b) => b.fileName).sort()).toEqual([names[0]!, names[1]!, names[4]!, names[5]!].sort());
    expect(report.locked).toEqual([names[1]!]);
    expect([...report.pruned].sort()).toEqual([names[2]!, names[3]!].sort());
  });

  it('every enabled destination, none that is off', async () => {
    const { w, world } = await setUp();
    await addDestination(w.deps, w.config, { name: 'USB', target: USB });
    await addDestination(w.deps, w.config, { name: 'Offsite', target: S3 });
    const { setDestinationEnabled } = await import('../../src/domain/destinations.ts');
    await setDestinationEnabled(w.deps, w.config, 'USB', false);
    const name = await w.addBackup('2026-11-26T10:00:00Z');
    const reports = await syncAllDestinations(w.deps, w.config);
    expect(reports.map((r) => [r.destination, r.copied])).toEqual([['Offsite', [name]]]);
    expect(world.objects(USB).size).toBe(0);
  });
});

describe('incremental backups on a destination: only the packs it lacks', () => {
  it('a second copy after a small change sends only the small ZIP, the one new pack and the sidecar', async () => {
    const { h, world, deps, config } = await setUpIncremental();
    for (let i = 0; i < 5; i++) await addDocument(h, 20_000);
    const { entry } = await addDestination(deps, config, { name: 'Offsite', target: S3 });
    const first = await incremental(deps, config);
    const firstPack = first.incremental!.newPack!;
    const one = await syncDestination(deps, config, entry);
    expect(one).toMatchObject({ copied: [first.fileName], packsCopied: [firstPack], failure: null });
    expect(world.puts).toEqual([`pool/${firstPack}`, first.fileName, `${first.fileName}.sha256`]); // the packs first, the sidecar last

    await addDocument(h, 3000);
    const second = await incremental(deps, config);
    const newPack = second.incremental!.newPack!;
    const before = { bytes: world.bytesPut(), puts: world.puts.length };
    const two = await syncDestination(deps, config, entry);
    expect(two).toMatchObject({ copied: [second.fileName], present: [first.fileName], packsCopied: [newPack], packsPresent: 1, failure: null });
    expect(world.puts.slice(before.puts)).toEqual([`pool/${newPack}`, second.fileName, `${second.fileName}.sha256`]);
    const packSize = (await h.memfs.stat(`${BACKUP_DIR}/${POOL_DIR}/${newPack}`)).size;
    const sidecarSize = (await h.memfs.stat(`${second.filePath}.sha256`)).size;
    expect(world.bytesPut() - before.bytes).toBe(second.size + packSize + sidecarSize);
    expect(two.bytesCopied).toBe(second.size + packSize + sidecarSize);
    expect(packSize).toBeLessThan((await h.memfs.stat(`${BACKUP_DIR}/${POOL_DIR}/${firstPack}`)).size / 5);
    expect((await expectRemoteWhole(h, world, S3)).sort()).toEqual([first.fileName, second.fileName].sort());
    expect(remotePool(world, S3)).toEqual([firstPack, newPack].sort());
  });

  it('progress counts the pack bytes, as pool/<name>', async () => {
    const { h, deps, config } = await setUpIncremental();
    await addDocument(h, 50_000);
    const { entry } = await addDestination(deps, config, { name: 'USB', target: USB });
    const backup = await incremental(deps, config);
    const last = new Map<string, { done: number; total: number }>();
    await syncDestination(deps, config, entry, { onProgress: (p) => void last.set(p.fileName, { done: p.done, total: p.total }) });
    const pack = backup.incremental!.newPack!;
    const size = (await h.memfs.stat(`${BACKUP_DIR}/${POOL_DIR}/${pack}`)).size;
    expect(last.get(`pool/${pack}`)).toEqual({ done: size, total: size });
    expect(last.get(backup.fileName)).toEqual({ done: backup.size, total: backup.size });
  });

  it('a pack damaged here is POOL_OBJECT_DAMAGED and nothing of the backup is listed there; one missing here is POOL_OBJECT_MISSING', async () => {
    const { h, world, deps, config } = await setUpIncremental();
    await addDocument(h, 4000);
    const { entry } = await addDestination(deps, config, { name: 'Offsite', target: S3 });
    const backup = await incremental(deps, config);
    const path = `${BACKUP_DIR}/${POOL_DIR}/${backup.incremental!.newPack!}`;
    const bytes = await h.memfs.readFile(path);
    bytes[100]! ^= 0x40;
    await h.memfs.writeFile(path, bytes);
    const damaged = await syncDestination(deps, config, entry);
    expect(damaged.failure).toMatchObject({ code: 'POOL_OBJECT_DAMAGED', fileName: backup.fileName });
    expect(damaged.failure!.message).toMatch(/the pack here is damaged .*casevault verify/);
    expect(await listDestinationBackups(deps, S3)).toEqual([]);
    expect(remotePool(world, S3)).toEqual([]);
    await h.memfs.remove(path);
    expect((await syncDestination(deps, config, entry)).failure).toMatchObject({ code: 'POOL_OBJECT_MISSING', fileName: backup.fileName });
    expect(await listDestinationBackups(deps, S3)).toEqual([]);
  });

  it('retention there collects the pool there: the packs no sidecar there lists go, a locked one is reported kept, a sidecar not of ours keeps the whole pool', async () => {
    const { h, world, deps, config } = await setUpIncremental();
    await writePolicy(deps, config, { ...DEFAULT_POLICY, retention: { keepLast: 1, keepHourly: 0, keepDaily: 0, keepWeekly: 0, keepMonthly: 0, keepYearly: 0, pruneAfterBackup: true } });
    const { entry } = await addDestination(deps, config, { name: 'Offsite', target: S3 });
    const a = await addDocument(h, 3000);
    const b1 = await incremental(deps, config); // P1: a
    await addDocument(h, 3000);
    const b2 = await incremental(deps, config); // P2: b; lists P1, P2
    await removeDocument(h, a);
    await addDocument(h, 3000);
    const b3 = await incremental(deps, config); // P3: c; lists P2, P3
    const [p1, p2, p3] = [b1, b2, b3].map((b) => b.incremental!.newPack!);
    expect((await syncDestination(deps, config, entry)).failure).toBeNull();
    expect(remotePool(world, S3)).toEqual([p1!, p2!, p3!].sort());

    world.locked.add(`pool/${p1}`);
    const locked = await syncDestination(deps, config, entry, { prune: true, only: b3.fileName });
    expect(locked).toMatchObject({ failure: null, packsRemoved: [], locked: [`pool/${p1}`] });
    expect([...locked.pruned].sort()).toEqual([b1.fileName, b2.fileName].sort());
    world.locked.clear();
    const collected = await syncDestination(deps, config, entry, { prune: true, only: b3.fileName });
    expect(collected).toMatchObject({ failure: null, packsRemoved: [p1], locked: [] });
    expect(remotePool(world, S3)).toEqual([p2!, p3!].sort());
    expect(await expectRemoteWhole(h, world, S3)).toEqual([b3.fileName]);

    // A stray pack, and a sidecar there that is not one of ours: nothing is collected, and the report says why.
    const store = world.open(S3);
    const stray = new TextEncoder().encode('not listed by anything');
    await store.put(`pool/${sha(stray)}.zip`, { size: stray.byteLength, read: async (p, l) => stray.slice(p, p + l), close: async () => {} });
    const odd = new TextEncoder().encode(`${'a'.repeat(64)}  casevault-backup-20200101T000000000Z.zip\nnot a pack line\n`);
    await store.put('casevault-backup-20200101T000000000Z.zip.sha256', { size: odd.byteLength, read: async (p, l) => odd.slice(p, p + l), close: async () => {} });
    const skipped = await syncDestination(deps, config, entry, { prune: true, only: b3.fileName });
    expect(skipped).toMatchObject({ failure: null, packsRemoved: [] });
    expect(skipped.warnings.join(' ')).toMatch(/pool .* was not collected: casevault-backup-20200101T000000000Z\.zip\.sha256 there is not a sidecar of ours/);
    expect(remotePool(world, S3)).toContain(`${sha(stray)}.zip`);
    await store.remove('casevault-backup-20200101T000000000Z.zip.sha256');
    expect((await syncDestination(deps, config, entry, { prune: true, only: b3.fileName })).packsRemoved).toEqual([`${sha(stray)}.zip`]);
    expect(remotePool(world, S3)).toEqual([p2!, p3!].sort());
  });

  it('a download fetches the backup, its sidecar and only the packs the pool here lacks, each checked against its name', async () => {
    const { h, world, deps, config } = await setUpIncremental();
    for (let i = 0; i < 3; i++) await addDocument(h, 5000);
    const { entry } = await addDestination(deps, config, { name: 'Offsite', target: S3 });
    const b1 = await incremental(deps, config);
    await addDocument(h, 2000);
    const b2 = await incremental(deps, config);
    const [p1, p2] = [b1.incremental!.newPack!, b2.incremental!.newPack!];
    expect((await syncDestination(deps, config, entry)).failure).toBeNull();

    // Another machine whose pool already holds the first pack (a copy of the pool on a drive, say).
    const fresh = await setUpIncremental();
    const NEW = '/home/lawyer/new-machine/backups';
    const newConfig = { ...fresh.config, backupDir: NEW };
    await fresh.h.memfs.mkdir(`${NEW}/${POOL_DIR}`);
    await fresh.h.memfs.writeFile(`${NEW}/${POOL_DIR}/${p1}`, await h.memfs.readFile(`${BACKUP_DIR}/${POOL_DIR}/${p1}`));
    const recording = recordingGets(world);
    const progress = new Set<string>();
    expect(await downloadBackup({ ...fresh.deps, destinations: recording.destinations }, newConfig, S3, 'latest', { onProgress: (p) => void progress.add(p.fileName) })).toBe(b2.fileName);
    expect([...recording.gets].sort()).toEqual([b2.fileName, `${b2.fileName}.sha256`, `pool/${p2}`].sort());
    expect(progress).toEqual(new Set([`pool/${p2}`, b2.fileName]));
    expect((await fresh.h.memfs.readdir(`${NEW}/${POOL_DIR}`)).sort()).toEqual([p1, p2].sort());
    expect(sha(await fresh.h.memfs.readFile(`${NEW}/${POOL_DIR}/${p2}`))).toBe(packChecksum(p2));
    expect(sha(await fresh.h.memfs.readFile(`${NEW}/${b2.fileName}`))).toBe(b2.checksum);

    // A pack changed there: CHECKSUM_MISMATCH, and nothing of it or of the backup here; a pack gone there: POOL_OBJECT_MISSING.
    world.objects(S3).get(`office/pool/${p1}`)![10]! ^= 1;
    const third = await setUpIncremental();
    const before = await third.h.memfs.readdir(BACKUP_DIR).catch(() => []);
    const thirdDeps = { ...third.deps, destinations: world };
    const changed = downloadBackup(thirdDeps, third.config, S3, b1.fileName).catch((e: unknown) => e);
    const error = (await changed) as { code?: string; message?: string };
    expect(error.code).toBe('CHECKSUM_MISMATCH');
    expect(error.message).toMatch(new RegExp(`its pack pool/${p1} there has the SHA-256`));
    expect((await third.h.memfs.readdir(BACKUP_DIR).catch(() => [])).filter((n) => n !== POOL_DIR)).toEqual(before);
    expect(await third.h.memfs.readdir(`${BACKUP_DIR}/${POOL_DIR}`).catch(() => [])).toEqual([]); // no pack, no .partial
    await world.open(S3).remove(`pool/${p1}`);
    expect(await codeOf(downloadBackup(thirdDeps, third.config, S3, b1.fileName))).toBe('POOL_OBJECT_MISSING');
  });

  it('a drill reads each pack once and compares it with its name; a pack changed there is removed, and the next copy puts only it back', async () => {
    const { h, world, deps, config } = await setUpIncremental();
    for (let i = 0; i < 3; i++) await addDocument(h, 6000);
    const { entry } = await addDestination(deps, config, { name: 'Offsite', target: S3 });
    const b1 = await incremental(deps, config);
    await addDocument(h, 1000);
    const b2 = await incremental(deps, config);
    const p1 = b1.incremental!.newPack!;
    expect((await syncDestination(deps, config, entry)).failure).toBeNull();
    const clean = recordingGets(world);
    expect((await checkDestination({ ...deps, destinations: clean.destinations }, config, entry, { all: true })).checked.length).toBe(2);
    expect(clean.gets.filter((n) => n === `pool/${p1}`)).toHaveLength(1); // listed by both, read once

    world.objects(S3).get(`office/pool/${p1}`)![7]! ^= 0x10;
    const report = await checkDestination(deps, config, entry, { all: true });
    expect(report.damaged.map((d) => d.fileName).sort()).toEqual([b1.fileName, b2.fileName].sort());
    expect(report.damaged[0]!.message).toMatch(new RegExp(`its pack pool/${p1} changed there .*removed; the next run copies what it lacks again`));
    expect(remotePool(world, S3)).not.toContain(p1);

    const before = world.bytesPut();
    const again = await syncDestination(deps, config, entry);
    // The newest first: b2 puts the pack back (and its sidecar again); b1 then finds it there.
    expect(again).toMatchObject({ copied: [b2.fileName], present: [b1.fileName], packsCopied: [p1], failure: null });
    expect(world.bytesPut() - before).toBe((await h.memfs.stat(`${BACKUP_DIR}/${POOL_DIR}/${p1}`)).size + (await h.memfs.stat(`${b2.filePath}.sha256`)).size);
    expect((await expectRemoteWhole(h, world, S3)).sort()).toEqual([b1.fileName, b2.fileName].sort());
    expect((await checkDestination(deps, config, entry, { all: true })).damaged).toEqual([]);
  });
});

describe('getting a backup back from a destination', () => {
  it('downloads into an empty backup dir, checked against its sidecar; an encrypted one brings the key file', async () => {
    const { w, world } = await setUp();
    const { entry } = await addDestination(w.deps, w.config, { name: 'Offsite', target: S3 });
    const plain = await w.addBackup('2026-11-26T10:00:00Z', 4000);
    const encrypted = plain.replace('T10', 'T11') + '.age';
    const bytes = new Uint8Array(777).fill(3);
    await w.memfs.writeFile(`${BACKUP_DIR}/${encrypted}`, bytes);
    await w.memfs.writeFile(`${BACKUP_DIR}/${encrypted}.sha256`, new TextEncoder().encode(`${sha(bytes)}  ${encrypted}\n`));
    await w.memfs.writeFile(`${BACKUP_DIR}/${KEY_FILE}`, new TextEncoder().encode('age-encryption.org/v1 key file'));
    expect((await syncDestination(w.deps, w.config, entry)).failure).toBeNull();
    expect([...world.objects(S3).keys()].filter((k) => REMOTE_KEY_FILE.test(k.slice('office/'.length)))).toHaveLength(1);

    // A new machine: an empty backup dir, the destination's settings only.
    const fresh = await setUp();
    const deps = { ...fresh.deps, destinations: world };
    const NEW = '/home/lawyer/new-machine/backups';
    const config = { ...fresh.w.config, backupDir: NEW };
    expect(await downloadBackup(deps, config, S3, 'latest')).toBe(encrypted);
    expect(sha(await fresh.w.memfs.readFile(`${NEW}/${encrypted}`))).toBe(sha(bytes));
    expect(new TextDecoder().decode(await fresh.w.memfs.readFile(`${NEW}/${KEY_FILE}`))).toBe('age-encryption.org/v1 key file');
    expect(await downloadBackup(deps, config, S3, plain)).toBe(plain);
    expect(await codeOf(downloadBackup(deps, config, S3, plain))).toBe('ALREADY_EXISTS');
  });

  it('a copy changed on the destination is CHECKSUM_MISMATCH and leaves nothing in the backup dir', async () => {
    await fc.assert(
      fc.asyncProperty(fc.nat(3999), fc.integer({ min: 1, max: 255 }), async (at, xor) => {
        const { w, world } = await setUp();
        const { entry } = await addDestination(w.deps, w.config, { name: 'Offsite', target: S3 });
        const name = await w.addBackup('2026-11-26T10:00:00Z', 4000);
        await syncDestination(w.deps, w.config, entry);
        world.objects(S3).get(`office/${name}`)![at]! ^= xor;
        const fresh = await setUp();
        const deps = { ...fresh.deps, destinations: world };
        const before = await fresh.w.names();
        expect(await codeOf(downloadBackup(deps, fresh.w.config, S3, name))).toBe('CHECKSUM_MISMATCH');
        expect(await fresh.w.names()).toEqual(before);
      }),
      { numRuns: propertyRuns(20) },
    );
  });
});

describe('run-due copies to the destinations, retries a failed copy and raises the alarm when it persists', () => {
  it('after a new backup; a failure is retried 15 minutes later, COPY_FAILED once the retry fails too, cleared by a copy that works', async () => {
    const { createMemoryHarness } = await import('../support/memoryHarness.ts');
    const { createBackupService } = await import('../../src/domain/service.ts');
    const { runDue } = await import('../../src/domain/runDue.ts');
    const { readStatus } = await import('../../src/domain/status.ts');
    const { readAuditLog } = await import('../../src/domain/auditLog.ts');
    const h = await createMemoryHarness();
    const world = createMemoryDestinations();
    world.createPlace(S3);
    let t = Date.parse('2026-11-27T08:00:00.000Z');
    const deps: BackupDeps = { ...h.deps, destinations: world, clock: { now: () => new Date((t += 1000)), timeZone: () => 'Europe/Berlin' } };
    const service = createBackupService(deps, h.config);
    await service.destAdd('Offsite', S3);
    const tick = () => service.runDue();
    const status = () => readStatus(deps, h.config);

    world.fail('put', 'DEST_UNREACHABLE', 1000);
    const first = await tick();
    expect(first.backup.outcome).toBe('ok');
    expect(first.copies?.reports.map((r) => r.failure?.code)).toEqual(['DEST_UNREACHABLE']);
    let s = await status();
    expect(s.nextCopy.due).toBe(false);
    expect(Date.parse(s.nextCopy.nextDueAt!) - t).toBeGreaterThan(14 * 60_000);
    expect(s.alarms.map((a) => a.code)).not.toContain('COPY_FAILED');

    t += 16 * 60_000;
    expect((await status()).nextCopy).toMatchObject({ due: true, destinations: ['Offsite'] });
    const retry = await tick();
    expect(retry.backup.outcome).toBe('not-due');
    expect(retry.copies?.reports[0]?.failure?.code).toBe('DEST_UNREACHABLE');
    s = await status();
    expect(s.alarms.find((a) => a.code === 'COPY_FAILED')?.message).toMatch(/^Copies to Offsite have failed since .*DEST_UNREACHABLE/);

    world.clearFaults();
    t += 16 * 60_000;
    const healed = await tick();
    expect(healed.copies?.reports[0]).toMatchObject({ copied: [first.backup.fileName], failure: null });
    s = await status();
    expect(s.alarms.map((a) => a.code)).not.toContain('COPY_FAILED');
    expect(s.nextCopy).toEqual({ due: false, nextDueAt: null, destinations: [] });
    expect((await tick()).copies).toBeNull();
    const audit = await readAuditLog(deps, h.config);
    expect(audit.broken).toBeNull();
    expect(audit.entries.filter((r) => r.action === 'copy').map((r) => r.result)).toEqual(['failed', 'failed', 'ok']);
  });
});

describe('a drill on a destination', () => {
  it('property: a byte changed in any copy there is found, the copy removed, and the next copy puts it back', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 4 }), fc.nat(), fc.nat(), fc.integer({ min: 1, max: 255 }), async (count, which, offset, xor) => {
        const { w, world } = await setUp();
        const { entry } = await addDestination(w.deps, w.config, { name: 'Offsite', target: S3 });
        const names: string[] = [];
        for (let i = 0; i < count; i++) names.push(await w.addBackup(new Date(Date.parse('2026-11-20T00:00:00Z') + i * 3_600_000), 300 + i));
        expect((await syncDestination(w.deps, w.config, entry)).failure).toBeNull();
        const victim = names[which % count]!;
        const object = world.objects(S3).get(`office/${victim}`)!;
        object[offset % object.byteLength]! ^= xor;
        const report = await checkDestination(w.deps, w.config, entry, { all: true });
        expect(report.damaged.map((d) => d.fileName)).toEqual([victim]);
        expect([...report.checked].sort()).toEqual(names.filter((n) => n !== victim).sort());
        expect((await listDestinationBackups(w.deps, S3)).map((b) => b.fileName)).not.toContain(victim);
        const again = await syncDestination(w.deps, w.config, entry);
        expect(again.copied).toEqual([victim]);
        expect((await expectRemoteWhole(w, world, S3)).sort()).toEqual([...names].sort());
        expect((await checkDestination(w.deps, w.config, entry, { all: true })).damaged).toEqual([]);
      }),
      { numRuns: propertyRuns(30) },
    );
  });

  it('within a budget: at least one, least recently checked first, so every copy is read back in turn', async () => {
    const { w } = await setUp();
    const { entry } = await addDestination(w.deps, w.config, { name: 'Offsite', target: S3 });
    const names: string[] = [];
    for (let i = 0; i < 3; i++) names.push(await w.addBackup(new Date(Date.parse('2026-11-20T00:00:00Z') + i * 3_600_000), 200));
    await syncDestination(w.deps, w.config, entry);
    const seen: string[] = [];
    for (let round = 0; round < 3; round++) {
      w.now = new Date(w.now.getTime() + 3_600_000);
      const report = await checkDestination(w.deps, w.config, entry, { budgetMs: 0 });
      expect(report.checked).toHaveLength(1);
      expect(report.deferred).toHaveLength(2);
      seen.push(report.checked[0]!);
    }
    expect(seen.sort()).toEqual([...names].sort());
  });
});
