/**
 * Incremental backups and the pool (issue 12), over memfs + sql.js: whatever the sequence
 * of data changes, full and incremental backups, deletions and collections, every kept
 * backup restores to exactly the data it was taken from; a collector that breaks its rule
 * is caught; and a kill at any step of an incremental export or of a collection leaves every
 * listed backup restorable.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createBackupService, type ServiceHooks } from '../../src/domain/service.ts';
import { collectPool, poolDir, poolGarbage } from '../../src/domain/pool.ts';
import { isPackFileName, packsOfSidecar } from '../../src/domain/backupFiles.ts';
import { BackupError } from '../../src/domain/errors.ts';
import { arbData, propertyRuns } from '../support/arbitraries.ts';
import { createZipArchive } from '../../src/infra/zip/zipArchive.ts';
import { populate, readState, sha256, type DataDirState } from '../support/dataDirState.ts';
import { BACKUP_DIR, DATA_DIR, createMemoryHarness, type MemoryHarness } from '../support/memoryHarness.ts';
import { faultyFileSystem } from '../support/faultyFileSystem.ts';

type Step =
  | { readonly kind: 'add'; readonly seed: number; readonly size: number }
  | { readonly kind: 'remove'; readonly pick: number }
  | { readonly kind: 'rows' }
  | { readonly kind: 'full' }
  | { readonly kind: 'incremental' }
  | { readonly kind: 'delete'; readonly pick: number }
  | { readonly kind: 'collect' };

/** The round-trip's data, smaller: a sequence restores every backup it keeps. */
const smallData = arbData.map((d) => ({ ...d, documents: d.documents.slice(0, 6).map((doc) => ({ ...doc, size: Math.min(doc.size, 50_000) })) }));

const arbStep: fc.Arbitrary<Step> = fc.oneof(
  fc.record({ kind: fc.constant('add' as const), seed: fc.nat(1_000_000), size: fc.integer({ min: 0, max: 40_000 }) }),
  fc.record({ kind: fc.constant('remove' as const), pick: fc.nat() }),
  fc.constant({ kind: 'rows' as const }),
  fc.constant({ kind: 'full' as const }),
  { arbitrary: fc.constant({ kind: 'incremental' as const }), weight: 3 },
  fc.record({ kind: fc.constant('delete' as const), pick: fc.nat() }),
  fc.constant({ kind: 'collect' as const }),
);

/** Deterministic bytes for a document: text that compresses for even seeds, noise for odd ones. */
function bytesOf(seed: number, size: number): Uint8Array {
  const out = new Uint8Array(size);
  let x = seed * 2654435761 + 1;
  for (let i = 0; i < size; i += 1) {
    x = (x * 1103515245 + 12345) >>> 0;
    out[i] = seed % 2 === 0 ? 97 + ((x >>> 16) % 6) : x >>> 24;
  }
  return out;
}

async function addDocument(h: MemoryHarness, seed: number, size: number): Promise<void> {
  const bytes = bytesOf(seed, size);
  const sha = sha256(bytes);
  await h.memfs.mkdir(`${DATA_DIR}/files/${sha.slice(0, 2)}`);
  await h.memfs.writeFile(`${DATA_DIR}/files/${sha.slice(0, 2)}/${sha}`, bytes);
  await h.db.write('INSERT INTO documents (case_id, name, sha256, size) VALUES (NULL, ?, ?, ?)', [`doc-${seed}.pdf`, sha, bytes.length]);
}

async function documentPaths(h: MemoryHarness): Promise<string[]> {
  const paths: string[] = [];
  const files = `${DATA_DIR}/files`;
  if (!(await h.memfs.exists(files))) return paths;
  for (const prefix of await h.memfs.readdir(files)) for (const name of await h.memfs.readdir(`${files}/${prefix}`)) paths.push(`${files}/${prefix}/${name}`);
  return paths;
}

/** The packs kept backups' sidecars list, and the pool's packs. */
async function poolView(h: MemoryHarness): Promise<{ listed: Map<string, string[]>; pool: string[] }> {
  const listed = new Map<string, string[]>();
  for (const b of await h.service.listBackups()) {
    listed.set(b.fileName, packsOfSidecar(new TextDecoder().decode(await h.memfs.readFile(`${b.filePath}.sha256`))) ?? []);
  }
  const dir = `${BACKUP_DIR}/pool`;
  const pool = (await h.memfs.exists(dir)) ? (await h.memfs.readdir(dir)).filter(isPackFileName) : [];
  return { listed, pool };
}

/**
 * Runs the steps, then restores every backup still listed and compares with the data it was
 * taken from. `collect` replaces the collector (to break it on purpose). Throws on a mismatch.
 */
async function runScenario(initial: Parameters<typeof populate>[1], steps: readonly Step[], collect?: (h: MemoryHarness) => Promise<void>): Promise<void> {
  const h = await createMemoryHarness();
  const collector = collect ? () => collect(h) : () => collectPool(h.deps, h.config).then(() => {});
  // Deletions collect through the hook, as the composition's lock does.
  const hooks: ServiceHooks = { aroundCollect: async () => (await collector(), null) };
  const service = createBackupService(h.deps, h.config, hooks);
  await populate(h, initial);
  const taken = new Map<string, DataDirState>();
  let changes = 0;
  for (const step of steps) {
    switch (step.kind) {
      case 'add':
        await addDocument(h, step.seed, step.size);
        break;
      case 'remove': {
        const paths = await documentPaths(h);
        if (paths.length > 0) {
          const path = paths[step.pick % paths.length]!;
          await h.memfs.remove(path);
          await h.db.write('DELETE FROM documents WHERE sha256 = ?', [path.slice(-64)]);
        }
        break;
      }
      case 'rows':
        changes += 1;
        await h.db.write('INSERT INTO cases (title, notes) VALUES (?, NULL)', [`case added by change ${changes}`]);
        await h.db.write('UPDATE users SET email = ?', [`changed-${changes}@example.org`]);
        break;
      case 'full':
      case 'incremental': {
        const made = await service.exportNow(step.kind === 'incremental' ? { incremental: true } : {});
        taken.set(made.fileName, await readState(h.memfs));
        break;
      }
      case 'delete': {
        const listed = await service.listBackups();
        if (listed.length > 0) await service.deleteBackup(listed[step.pick % listed.length]!.fileName);
        break;
      }
      case 'collect':
        await collector();
        break;
    }
  }
  const { listed, pool } = await poolView(h);
  // Mark and sweep left no garbage behind after a collection of the end state.
  for (const backup of await service.listBackups()) {
    const result = await service.verifyBackup(backup.filePath);
    if (!result.valid) throw new Error(`${backup.fileName} does not verify`);
    await service.restoreFromZip(backup.filePath);
    expect(await readState(h.memfs), `${backup.fileName} restores to the data it was taken from`).toEqual(taken.get(backup.fileName));
  }
  // Every listed pack is in the pool (the collector never took one a backup needs).
  for (const [name, packs] of listed) for (const pack of packs) expect(pool, `${name} needs ${pack}`).toContain(pack);
}

describe('the pool', () => {
  it('keeps every kept backup restoring to exactly its data, whatever the changes, backups, deletions and collections', async () => {
    await fc.assert(
      fc.asyncProperty(smallData, fc.array(arbStep, { minLength: 1, maxLength: 12 }), async (data, steps) => {
        await runScenario(data, steps);
      }),
      { numRuns: Math.ceil(propertyRuns(60) / 2) },
    );
  });

  it('catches a collector that deletes one pack a kept backup still lists', async () => {
    // The broken collector: the real one, then one more pack taken that a listed backup needs.
    const broken = async (h: MemoryHarness) => {
      await collectPool(h.deps, h.config);
      const { listed } = await poolView(h);
      const needed = [...listed.values()].flat();
      if (needed.length > 0) await h.memfs.remove(`${poolDir(h.deps, h.config)}/${needed[0]!}`);
    };
    const outcome = await fc.check(
      fc.asyncProperty(smallData, fc.array(arbStep, { minLength: 1, maxLength: 12 }), async (data, steps) => {
        await runScenario(data, steps, broken);
      }),
      { numRuns: 200 },
    );
    expect(outcome.failed).toBe(true);
    expect(String(outcome.errorInstance)).toMatch(/POOL_OBJECT_MISSING|missing from its pool|needs/);
  });

  it('decides garbage as mark and sweep: never a listed pack, every unlisted one, nothing when a backup is unknown', () => {
    // A small name space, so that listed and unlisted packs meet.
    const pack = fc.nat(30).map((n) => `${n.toString(16).padStart(64, '0')}.zip`);
    fc.assert(
      fc.property(fc.array(fc.array(pack, { maxLength: 4 }), { maxLength: 5 }), fc.array(pack, { maxLength: 8 }), fc.boolean(), (listed, extra, unknown) => {
        const pool = [...new Set([...listed.flat(), ...extra])];
        const garbage = poolGarbage({ listed, unknown, pool });
        if (unknown) expect(garbage).toEqual([]);
        else expect(new Set(garbage)).toEqual(new Set(pool.filter((p) => !listed.flat().includes(p))));
      }),
    );
  });

  it('stores only the documents the pool lacks: a second incremental backup of the same data writes no pack', async () => {
    const h = await createMemoryHarness();
    await populate(h, { users: [], cases: [], tasks: [], hearings: [], orders: [], documents: [{ seed: 1, size: 5000, compressible: true }, { seed: 2, size: 7000, compressible: false }], settings: { a: 1 } } as never);
    const first = await h.service.exportNow({ incremental: true });
    expect(first.incremental?.newDocuments).toBe(2);
    const second = await h.service.exportNow({ incremental: true });
    expect(second.incremental).toMatchObject({ newDocuments: 0, newPack: null, reused: 2 });
    await addDocument(h, 3, 3000);
    const third = await h.service.exportNow({ incremental: true });
    expect(third.incremental).toMatchObject({ newDocuments: 1, reused: 2 });
    expect((await poolView(h)).pool).toHaveLength(2);
    expect(third.metadata.formatVersion).toBe(2);
    expect(third.metadata.counts.files).toBe(3);
  });

  it('names the documents and cases a missing pack affects (POOL_OBJECT_MISSING), and changes nothing', async () => {
    const h = await createMemoryHarness();
    await h.db.write(`INSERT INTO cases (id, title) VALUES (7, 'Doe v. Roe')`);
    const bytes = bytesOf(11, 2000);
    const sha = sha256(bytes);
    await h.memfs.mkdir(`${DATA_DIR}/files/${sha.slice(0, 2)}`);
    await h.memfs.writeFile(`${DATA_DIR}/files/${sha.slice(0, 2)}/${sha}`, bytes);
    await h.db.write('INSERT INTO documents (case_id, name, sha256, size) VALUES (7, ?, ?, ?)', ['statement.pdf', sha, bytes.length]);
    const made = await h.service.exportNow({ incremental: true });
    await h.memfs.remove(`${BACKUP_DIR}/pool/${made.incremental!.newPack!}`);
    const before = await readState(h.memfs);
    for (const attempt of [() => h.service.verifyBackup(made.filePath), () => h.service.restoreFromZip(made.filePath)]) {
      const error = await attempt().then(() => null, (e: unknown) => e);
      expect(error).toBeInstanceOf(BackupError);
      expect((error as BackupError).code).toBe('POOL_OBJECT_MISSING');
      expect((error as BackupError).message).toContain('statement.pdf');
      expect((error as BackupError).message).toContain('"Doe v. Roe" (case 7)');
    }
    expect(await readState(h.memfs)).toEqual(before);
  });
});

describe('a kill at any step', () => {
  /** A world with one incremental backup made and a document added since. */
  async function world() {
    const h = await createMemoryHarness();
    await populate(h, { users: [{ name: 'a', email: 'a@x' }], cases: [], tasks: [], hearings: [], orders: [], documents: [{ seed: 1, size: 30_000, compressible: true }, { seed: 2, size: 20_000, compressible: false }], settings: { a: 1 } } as never);
    const first = await h.service.exportNow({ incremental: true });
    const firstState = await readState(h.memfs);
    await addDocument(h, 99, 25_000);
    await h.db.write('UPDATE users SET email = ?', ['b@x']);
    return { h, first, firstState };
  }

  /** Every listed backup verifies and restores to its data, after the next start's recovery and a collection. */
  async function expectAllRestore(h: MemoryHarness, states: Map<string, DataDirState>, context: string) {
    const service = createBackupService(h.deps, h.config);
    await service.recover();
    // The next export's clean-up and the next collection run before anything else reads.
    await collectPool(h.deps, h.config);
    for (const backup of await service.listBackups()) {
      const expected = states.get(backup.fileName);
      expect(expected, `${context}: ${backup.fileName} is one of ours`).toBeDefined();
      expect((await service.verifyBackup(backup.filePath)).valid, context).toBe(true);
      await service.restoreFromZip(backup.filePath);
      expect(await readState(h.memfs), `${context}: ${backup.fileName}`).toEqual(expected);
    }
  }

  it('of an incremental export leaves every listed backup restorable', async () => {
    const probe = await world();
    const counting = faultyFileSystem(probe.h.memfs, null);
    await createBackupService({ ...probe.h.deps, fs: counting, archive: createZipArchive(counting) }, probe.h.config).exportNow({ incremental: true });
    const steps = counting.ops;
    expect(steps).toBeGreaterThan(10);
    for (let k = 1; k <= steps; k += 1) {
      const w = await world();
      const second = await readState(w.h.memfs);
      const faulty = faultyFileSystem(w.h.memfs, { failAt: k, mode: 'crash' });
      const made = await createBackupService({ ...w.h.deps, fs: faulty, archive: createZipArchive(faulty) }, w.h.config)
        .exportNow({ incremental: true })
        .catch(() => null);
      const states = new Map([[w.first.fileName, w.firstState]]);
      // A kill after the rename: the backup is listed and complete.
      const listed = (await w.h.service.listBackups()).map((b) => b.fileName);
      for (const name of listed) if (name !== w.first.fileName) states.set(name, second);
      if (made) states.set(made.fileName, second);
      await expectAllRestore(w.h, states, `killed at ${faulty.trace[k - 1]}`);
    }
  }, 300_000);

  it('of a deletion and its collection leaves every listed backup restorable, and the next collection takes what is left', async () => {
    const probe = await world();
    const second = await probe.h.service.exportNow({ incremental: true });
    const secondState = await readState(probe.h.memfs);
    const seed: [string, Uint8Array][] = [];
    const walk = async (dir: string) => {
      for (const name of await probe.h.memfs.readdir(dir)) {
        const path = `${dir}/${name}`;
        if ((await probe.h.memfs.stat(path)).kind === 'directory') await walk(path);
        else seed.push([path, await probe.h.memfs.readFile(path)]);
      }
    };
    await walk(BACKUP_DIR);
    const counting = faultyFileSystem(probe.h.memfs, null);
    await createBackupService({ ...probe.h.deps, fs: counting, archive: createZipArchive(counting) }, probe.h.config).deleteBackup(probe.first.fileName);
    const steps = counting.ops;
    for (let k = 1; k <= steps; k += 1) {
      const w = await world();
      await w.h.memfs.remove(BACKUP_DIR);
      for (const [path, bytes] of seed) {
        await w.h.memfs.mkdir(path.slice(0, path.lastIndexOf('/')));
        await w.h.memfs.writeFile(path, bytes);
      }
      const faulty = faultyFileSystem(w.h.memfs, { failAt: k, mode: 'crash' });
      await createBackupService({ ...w.h.deps, fs: faulty, archive: createZipArchive(faulty) }, w.h.config).deleteBackup(w.first.fileName).catch(() => {});
      const states = new Map([[probe.first.fileName, probe.firstState], [second.fileName, secondState]]);
      await expectAllRestore(w.h, states, `killed at ${faulty.trace[k - 1]}`);
      // After the next collection, only what the listed backups need is left in the pool.
      const { listed, pool } = await poolView(w.h);
      expect(new Set(pool)).toEqual(new Set([...listed.values()].flat()));
    }
  }, 300_000);
});

describe('an encrypted pool', () => {
  it('encrypts packs too (nothing of a document in the clear), reuses them without a key, and opens them with the password or the recovery key', async () => {
    const { createAgeEncryption } = await import('../../src/infra/age/index.ts');
    const encryption = createAgeEncryption({ keyFile: { workFactor: 10 } });
    const h = await createMemoryHarness();
    const deps = { ...h.deps, encryption };
    const service = createBackupService(deps, h.config);
    const offer = await service.keyInit('correct horse battery staple');
    await service.keyConfirm(offer.recoveryKey);
    const secret = 'PRIVILEGED attorney-client memo '.repeat(200);
    const bytes = new TextEncoder().encode(secret);
    const sha = sha256(bytes);
    await h.memfs.mkdir(`${DATA_DIR}/files/${sha.slice(0, 2)}`);
    await h.memfs.writeFile(`${DATA_DIR}/files/${sha.slice(0, 2)}/${sha}`, bytes);
    await h.db.write('INSERT INTO documents (case_id, name, sha256, size) VALUES (NULL, ?, ?, ?)', ['memo.txt', sha, bytes.length]);
    const first = await service.exportNow({ incremental: true });
    const firstState = await readState(h.memfs);
    expect(first.fileName).toMatch(/\.zip\.age$/);
    expect(first.incremental!.newPack).toMatch(/^[0-9a-f]{64}\.zip\.age$/);
    const pack = await h.memfs.readFile(`${BACKUP_DIR}/pool/${first.incremental!.newPack!}`);
    const clear = new TextDecoder('latin1').decode(pack);
    expect(clear).not.toContain('PRIVILEGED');
    expect(clear).not.toContain(sha); // not even the document's name
    // The next scheduled backup has no password: it still finds the document in the pool.
    await addDocument(h, 5, 4000);
    const second = await service.exportNow({ incremental: true });
    expect(second.incremental).toMatchObject({ newDocuments: 1, reused: 1 });
    const secondState = await readState(h.memfs);
    // Without a key: ENCRYPTED_NEEDS_KEY, never a pool error.
    expect(await service.verifyBackup(second.filePath).then(() => 'ok', (e: BackupError) => e.code)).toBe('ENCRYPTED_NEEDS_KEY');
    expect((await service.verifyBackup(second.filePath, { unlock: { password: 'correct horse battery staple' } })).valid).toBe(true);
    await service.restoreFromZip(first.filePath, { unlock: { recoveryKey: offer.recoveryKey } });
    expect(await readState(h.memfs)).toEqual(firstState);
    await service.restoreFromZip(second.filePath, { unlock: { password: 'correct horse battery staple' } });
    expect(await readState(h.memfs)).toEqual(secondState);
  });
});

describe('a drill without the key', () => {
  it('checks an encrypted incremental backup\'s packs against their names: a missing or altered pack is found without the password', async () => {
    const { createAgeEncryption } = await import('../../src/infra/age/index.ts');
    const { checkSidecarOnly } = await import('../../src/domain/encryptedBackup.ts');
    const encryption = createAgeEncryption({ keyFile: { workFactor: 10 } });
    const h = await createMemoryHarness();
    const service = createBackupService({ ...h.deps, encryption }, h.config);
    const offer = await service.keyInit('correct horse battery staple');
    await service.keyConfirm(offer.recoveryKey);
    await addDocument(h, 8, 9000);
    const made = await service.exportNow({ incremental: true });
    const deps = { ...h.deps, encryption };
    expect(await checkSidecarOnly(deps, made.filePath)).toBe(true);
    const pack = `${BACKUP_DIR}/pool/${made.incremental!.newPack!}`;
    const bytes = await h.memfs.readFile(pack);
    const altered = bytes.slice();
    altered[altered.length >> 1]! ^= 1;
    await h.memfs.writeFile(pack, altered);
    expect(await checkSidecarOnly(deps, made.filePath).then(() => 'ok', (e: BackupError) => e.code)).toBe('POOL_OBJECT_DAMAGED');
    await h.memfs.remove(pack);
    expect(await checkSidecarOnly(deps, made.filePath).then(() => 'ok', (e: BackupError) => e.code)).toBe('POOL_OBJECT_MISSING');
    await h.memfs.writeFile(pack, bytes);
    expect(await checkSidecarOnly(deps, made.filePath)).toBe(true);
  });
});

describe('an incremental export of a large store', () => {
  it('neither reads nor stats the documents the pool holds, only the new ones', async () => {
    const h = await createMemoryHarness();
    for (let seed = 1; seed <= 20; seed += 1) await addDocument(h, seed, 1000 + seed);
    await h.service.exportNow({ incremental: true });
    await addDocument(h, 500, 3000);
    const counting = faultyFileSystem(h.memfs, null);
    const made = await createBackupService({ ...h.deps, fs: counting, archive: createZipArchive(counting) }, h.config).exportNow({ incremental: true });
    expect(made.incremental).toMatchObject({ newDocuments: 1, reused: 20 });
    // Any operation on a document's file (the prefix folders are listed and stat'ed, as ever).
    const touched = counting.trace.filter((op) => op.includes(`${DATA_DIR}/files/`) && /files\/[0-9a-f]{2}\/[0-9a-f]{64}/.test(op));
    const newSha = sha256(bytesOf(500, 3000));
    expect(touched.length).toBeGreaterThan(0);
    for (const op of touched) expect(op, 'only the new document is touched').toContain(newSha);
  });
});
