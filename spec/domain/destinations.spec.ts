import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EMPTY_STATE, setPinned, writeState } from '../../src/domain/backupState.ts';
import type { BackupDeps } from '../../src/domain/deps.ts';
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
import { KEY_FILE } from '../../src/domain/keys.ts';
import { DEFAULT_POLICY, writePolicy } from '../../src/domain/policy.ts';
import { createMemoryDestinations, type MemoryDestinations } from '../../src/infra/memfs/memoryDestination.ts';
import type { DestinationStore, DestinationTarget } from '../../src/ports/destination.ts';
import { propertyRuns } from '../support/arbitraries.ts';
import { BACKUP_DIR, createBackupDirWorld, type BackupDirWorld } from '../support/backupDirWorld.ts';
import { codeOf } from '../support/codeOf.ts';

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
 * injected fault) must be: byte for byte the local one, with the same sidecar.
 */
async function expectRemoteWhole(w: BackupDirWorld, world: MemoryDestinations, target: DestinationTarget): Promise<string[]> {
  const objects = world.objects(target);
  const prefix = target.kind === 's3' ? target.prefix : '';
  const listed = [...objects.keys()].map((k) => k.slice(prefix.length)).filter((n) => n.endsWith('.zip') && objects.has(`${prefix}${n}.sha256`));
  for (const name of listed) {
    const local = await w.memfs.readFile(`${BACKUP_DIR}/${name}`).catch(() => null);
    if (local === null) continue; // pruned locally: only the destination has it now
    expect(sha(objects.get(prefix + name)!), `${name} on the destination is the backup`).toBe(sha(local));
    expect(new TextDecoder().decode(objects.get(`${prefix}${name}.sha256`)!)).toBe(new TextDecoder().decode(await w.memfs.readFile(`${BACKUP_DIR}/${name}.sha256`)));
  }
  return listed;
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
  it('property: whatever fails on the way, a listed remote backup is always whole; a run without faults then copies every backup', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.record({
            newBackups: fc.integer({ min: 0, max: 2 }),
            fault: fc.option(fc.record({ operation: fc.constantFrom('put', 'list', 'remove', 'get', 'probe', '*'), code: fc.constantFrom('DEST_UNREACHABLE', 'IO_ERROR', 'NO_SPACE', 'DEST_ACCESS_DENIED'), after: fc.integer({ min: 0, max: 6 }) }), { nil: null }),
          }),
          { minLength: 1, maxLength: 5 },
        ),
        async (steps) => {
          const { w, world } = await setUp();
          const entry: DestinationEntry = (await addDestination(w.deps, w.config, { name: 'Offsite', target: S3 })).entry;
          let hour = 0;
          for (const step of steps) {
            for (let i = 0; i < step.newBackups; i++) await w.addBackup(new Date(Date.parse('2026-11-20T00:00:00Z') + hour++ * 3_600_000), 100 + hour * 37);
            if (step.fault) world.fail(step.fault.operation, step.fault.code as never, 1, step.fault.after);
            const report = await syncDestination(w.deps, w.config, entry);
            if (report.failure) expect(report.failure.code).toMatch(/^(DEST_UNREACHABLE|IO_ERROR|NO_SPACE|DEST_ACCESS_DENIED)$/);
            await expectRemoteWhole(w, world, S3);
          }
          world.clearFaults();
          const final = await syncDestination(w.deps, w.config, entry);
          expect(final.failure).toBeNull();
          const local = (await w.names()).filter((n) => n.endsWith('.zip'));
          expect((await expectRemoteWhole(w, world, S3)).sort()).toEqual(local.sort());
          expect([...world.objects(S3).keys()].filter((k) => k.includes('.partial-'))).toEqual([]);
        },
      ),
      { numRuns: propertyRuns(40) },
    );
  });

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
