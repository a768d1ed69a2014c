/**
 * Portable copies and the pool's statistics (issue 12), over memfs + sql.js: whatever the
 * data changes and full or incremental backups, the portable copy of every backup is a
 * format-1 ZIP that verifies and restores, with no pool beside it, to exactly the data the
 * backup restores to; a missing or damaged pack stops it with the codes verify gives and
 * leaves nothing; statistics count a shared pack once on disk and once per backup in the
 * logical size.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BackupError } from '../../src/domain/errors.ts';
import { PORTABLE_DIR, exportPortable } from '../../src/domain/portableCopy.ts';
import { KEY_FILE } from '../../src/domain/keys.ts';
import { createBackupService } from '../../src/domain/service.ts';
import { createAgeEncryption } from '../../src/infra/age/index.ts';
import { arbData, propertyRuns } from '../support/arbitraries.ts';
import { populate, readState, sha256, type DataDirState } from '../support/dataDirState.ts';
import { BACKUP_DIR, DATA_DIR, createMemoryHarness, type MemoryHarness } from '../support/memoryHarness.ts';

type Step =
  | { readonly kind: 'add'; readonly seed: number; readonly size: number }
  | { readonly kind: 'remove'; readonly pick: number }
  | { readonly kind: 'rows' }
  | { readonly kind: 'full' }
  | { readonly kind: 'incremental' };

const smallData = arbData.map((d) => ({ ...d, documents: d.documents.slice(0, 5).map((doc) => ({ ...doc, size: Math.min(doc.size, 40_000) })) }));

const arbStep: fc.Arbitrary<Step> = fc.oneof(
  fc.record({ kind: fc.constant('add' as const), seed: fc.nat(1_000_000), size: fc.integer({ min: 0, max: 30_000 }) }),
  fc.record({ kind: fc.constant('remove' as const), pick: fc.nat() }),
  fc.constant({ kind: 'rows' as const }),
  fc.constant({ kind: 'full' as const }),
  { arbitrary: fc.constant({ kind: 'incremental' as const }), weight: 3 },
);

/** Deterministic bytes: text that compresses for even seeds, noise (stored, not deflated) for odd ones. */
function bytesOf(seed: number, size: number): Uint8Array {
  const out = new Uint8Array(size);
  let x = seed * 2654435761 + 1;
  for (let i = 0; i < size; i += 1) {
    x = (x * 1103515245 + 12345) >>> 0;
    out[i] = seed % 2 === 0 ? 97 + ((x >>> 16) % 6) : x >>> 24;
  }
  return out;
}

async function addDocument(h: MemoryHarness, seed: number, size: number, caseId: number | null = null): Promise<string> {
  const bytes = bytesOf(seed, size);
  const sha = sha256(bytes);
  await h.memfs.mkdir(`${DATA_DIR}/files/${sha.slice(0, 2)}`);
  await h.memfs.writeFile(`${DATA_DIR}/files/${sha.slice(0, 2)}/${sha}`, bytes);
  await h.db.write('INSERT INTO documents (case_id, name, sha256, size) VALUES (?, ?, ?, ?)', [caseId, `doc-${seed}.pdf`, sha, bytes.length]);
  return sha;
}

async function removeDocument(h: MemoryHarness, pick: number): Promise<void> {
  const files = `${DATA_DIR}/files`;
  if (!(await h.memfs.exists(files))) return;
  const paths: string[] = [];
  for (const prefix of await h.memfs.readdir(files)) for (const name of await h.memfs.readdir(`${files}/${prefix}`)) paths.push(`${files}/${prefix}/${name}`);
  if (paths.length === 0) return;
  const path = paths[pick % paths.length]!;
  await h.memfs.remove(path);
  await h.db.write('DELETE FROM documents WHERE sha256 = ?', [path.slice(-64)]);
}

/** Every file under `dir` (relative names). */
async function filesUnder(h: MemoryHarness, dir: string): Promise<string[]> {
  if (!(await h.memfs.exists(dir))) return [];
  const out: string[] = [];
  for (const name of await h.memfs.readdir(dir)) {
    const path = `${dir}/${name}`;
    if ((await h.memfs.stat(path)).kind === 'directory') out.push(...(await filesUnder(h, path)).map((n) => `${name}/${n}`));
    else out.push(name);
  }
  return out;
}

const USB = '/media/usb';

async function runScenario(initial: Parameters<typeof populate>[1], steps: readonly Step[]): Promise<void> {
  const h = await createMemoryHarness();
  await populate(h, initial);
  let changes = 0;
  for (const step of steps) {
    if (step.kind === 'add') await addDocument(h, step.seed, step.size);
    else if (step.kind === 'remove') await removeDocument(h, step.pick);
    else if (step.kind === 'rows') {
      changes += 1;
      await h.db.write('INSERT INTO cases (title, notes) VALUES (?, NULL)', [`case of change ${changes}`]);
      await h.db.write('UPDATE users SET email = ?', [`changed-${changes}@example.org`]);
    } else await h.service.exportNow(step.kind === 'incremental' ? { incremental: true } : {});
  }
  // Each backup restored as it is (the reference), and its portable copy made.
  const expected = new Map<string, DataDirState>();
  const copies: { fileName: string; copy: string; createdAt: string; counts: unknown }[] = [];
  for (const backup of await h.service.listBackups()) {
    const restored = await h.service.restoreFromZip(backup.filePath);
    expected.set(backup.fileName, await readState(h.memfs));
    const portable = await h.service.exportPortable(backup.filePath);
    expect(portable.filePath.startsWith(`${BACKUP_DIR}/${PORTABLE_DIR}/`)).toBe(true);
    expect(portable.metadata).toMatchObject({ formatVersion: 1, createdAt: restored.metadata.createdAt, counts: restored.metadata.counts, options: restored.metadata.options });
    copies.push({ fileName: backup.fileName, copy: portable.filePath, createdAt: restored.metadata.createdAt, counts: restored.metadata.counts });
  }
  // Carried to a drive with no pool beside it, and the backup dir's pool gone too.
  await h.memfs.mkdir(USB);
  for (const { copy } of copies) {
    const name = copy.slice(copy.lastIndexOf('/') + 1);
    await h.memfs.writeFile(`${USB}/${name}`, await h.memfs.readFile(copy));
    await h.memfs.writeFile(`${USB}/${name}.sha256`, await h.memfs.readFile(`${copy}.sha256`));
  }
  await h.memfs.remove(`${BACKUP_DIR}/pool`);
  for (const { fileName, copy, createdAt, counts } of copies) {
    const carried = `${USB}/${copy.slice(copy.lastIndexOf('/') + 1)}`;
    const verified = await h.service.verifyBackup(carried);
    expect(verified).toMatchObject({ valid: true, sidecarChecked: true, metadata: { formatVersion: 1, createdAt, counts } });
    await h.service.restoreFromZip(carried);
    expect(await readState(h.memfs), `the portable copy of ${fileName} restores to what ${fileName} restores to`).toEqual(expected.get(fileName));
  }
}

describe('exportPortable', () => {
  it('makes of every backup, full or incremental, a format-1 copy that verifies and restores without the pool to exactly what the backup restores to', async () => {
    await fc.assert(
      fc.asyncProperty(smallData, fc.array(arbStep, { minLength: 1, maxLength: 10 }), async (data, steps) => {
        await runScenario(data, [...steps, { kind: 'incremental' }]);
      }),
      { numRuns: Math.ceil(propertyRuns(40) / 2) },
    );
  });

  it('fails with POOL_OBJECT_MISSING naming the documents and cases when a pack is missing, and leaves no file', async () => {
    const h = await createMemoryHarness();
    await h.db.write(`INSERT INTO cases (id, title) VALUES (7, 'Doe v. Roe')`);
    await addDocument(h, 11, 2000, 7);
    const made = await h.service.exportNow({ incremental: true });
    await h.memfs.remove(`${BACKUP_DIR}/pool/${made.incremental!.newPack!}`);
    const before = await filesUnder(h, BACKUP_DIR);
    const error = await h.service.exportPortable(made.filePath).then(() => null, (e: unknown) => e);
    expect(error).toBeInstanceOf(BackupError);
    expect((error as BackupError).code).toBe('POOL_OBJECT_MISSING');
    expect((error as BackupError).message).toContain('doc-11.pdf');
    expect((error as BackupError).message).toContain('"Doe v. Roe" (case 7)');
    // Nothing written but the audit line (and the empty portable folder is not even made).
    expect((await filesUnder(h, BACKUP_DIR)).filter((n) => n !== 'casevault-audit.jsonl')).toEqual(before.filter((n) => n !== 'casevault-audit.jsonl'));
    expect(await filesUnder(h, `${BACKUP_DIR}/${PORTABLE_DIR}`)).toEqual([]);
    expect(await filesUnder(h, '/tmp')).toEqual([]);
  });

  it('fails with POOL_OBJECT_DAMAGED when a pack holds other bytes than the manifest says (valid ZIP, same size), and leaves no file', async () => {
    const h = await createMemoryHarness();
    await addDocument(h, 2, 5000); // compressible: deflated
    const sha = await addDocument(h, 13, 6000); // noise: stored, so the same size with other bytes
    const made = await h.service.exportNow({ incremental: true });
    const packPath = `${BACKUP_DIR}/pool/${made.incremental!.newPack!}`;
    const size = (await h.memfs.stat(packPath)).size;
    // The pack written again by the same writer, one document's bytes changed (same length, valid CRC).
    const reader = await h.deps.archive.open(packPath);
    const entries: [string, Uint8Array][] = [];
    for (const entry of reader.entries) {
      const chunks: Uint8Array[] = [];
      for await (const chunk of reader.openEntry(entry)) chunks.push(chunk.slice());
      const bytes = new Uint8Array(Buffer.concat(chunks));
      if (entry.name.endsWith(sha)) bytes[100] = bytes[100]! ^ 0xff;
      entries.push([entry.name, bytes]);
    }
    await reader.close();
    await h.memfs.remove(packPath);
    const writer = h.deps.archive.createWriter(await h.memfs.openWrite(packPath), { level: 6, modified: new Date(made.createdAt) });
    for (const [name, bytes] of entries) await writer.add(name, (async function* () { yield bytes; })());
    await writer.finish();
    expect((await h.memfs.stat(packPath)).size, 'the forged pack has the size the manifest says').toBe(size);
    const error = await h.service.exportPortable(made.filePath).then(() => null, (e: unknown) => e);
    expect((error as BackupError).code).toBe('POOL_OBJECT_DAMAGED');
    expect((error as BackupError).message).toContain('doc-13.pdf');
    expect(await filesUnder(h, `${BACKUP_DIR}/${PORTABLE_DIR}`)).toEqual([]);
  });

  it('writes into a chosen folder, refuses the backup dir itself (every ZIP there is listed), and names a second copy apart', async () => {
    const h = await createMemoryHarness();
    await addDocument(h, 4, 3000);
    const made = await h.service.exportNow({ incremental: true });
    await h.memfs.mkdir(USB);
    const first = await h.service.exportPortable(made.filePath, { to: USB });
    const second = await h.service.exportPortable(made.filePath, { to: USB });
    expect(first.filePath).toMatch(/^\/media\/usb\/casevault-portable-\d{8}T\d{9}Z\.zip$/);
    expect(second.fileName).toBe(first.fileName.replace('.zip', '-1.zip'));
    expect((await h.memfs.readdir(USB)).sort()).toEqual([first.fileName, `${first.fileName}.sha256`, second.fileName, `${second.fileName}.sha256`].sort());
    for (const to of [BACKUP_DIR, `${BACKUP_DIR}/`]) {
      const error = await h.service.exportPortable(made.filePath, { to }).then(() => null, (e: unknown) => e);
      expect((error as BackupError).code).toBe('INVALID_INPUT');
    }
    expect((await h.service.listBackups()).map((b) => b.fileName)).toEqual([made.fileName]);
    const audit = await h.service.readAuditLog();
    expect(audit.entries.filter((e) => e.action === 'portable').map((e) => `${e.result} ${e.code ?? ''}`)).toEqual(['ok ', 'ok ', 'failed INVALID_INPUT', 'failed INVALID_INPUT']);
  });

  it('is exclusive: BUSY while another operation runs', async () => {
    const h = await createMemoryHarness();
    await addDocument(h, 4, 3000);
    const made = await h.service.exportNow({});
    const running = h.service.exportNow({});
    await expect(h.service.exportPortable(made.filePath)).rejects.toMatchObject({ code: 'BUSY' });
    await running;
    await expect(exportPortable(h.deps, h.config, '')).rejects.toMatchObject({ code: 'INVALID_INPUT' });
  });
});

describe('exportPortable of an encrypted backup', () => {
  const PASSWORD = 'correct horse battery staple';
  const encryption = createAgeEncryption({ keyFile: { workFactor: 10 } });

  it('is encrypted, opens with the password (its key file beside it) and the recovery key, and is refused without keys rather than written in the clear', async () => {
    const h = await createMemoryHarness();
    const service = createBackupService({ ...h.deps, encryption }, h.config);
    const offer = await service.keyInit(PASSWORD);
    await service.keyConfirm(offer.recoveryKey);
    await addDocument(h, 6, 9000);
    await addDocument(h, 7, 4000);
    const made = await service.exportNow({ incremental: true });
    const state = await readState(h.memfs);
    expect(made.fileName).toMatch(/\.zip\.age$/);
    expect(await codeOf(service.exportPortable(made.filePath))).toBe('ENCRYPTED_NEEDS_KEY');
    await h.memfs.mkdir(USB);
    const copy = await service.exportPortable(made.filePath, { to: USB }, { unlock: { password: PASSWORD } });
    expect(copy).toMatchObject({ encrypted: true, keyFile: `${USB}/${KEY_FILE}`, metadata: { formatVersion: 1 } });
    expect(copy.fileName).toMatch(/^casevault-portable-.*\.zip\.age$/);
    // Encryption on with its key file gone: refused, nothing written (never a plaintext copy).
    await h.memfs.remove(`${BACKUP_DIR}/${KEY_FILE}`);
    expect(await codeOf(service.exportPortable(made.filePath, {}, { unlock: { recoveryKey: offer.recoveryKey } }))).toBe('ENCRYPTION_UNAVAILABLE');
    expect(await filesUnder(h, `${BACKUP_DIR}/${PORTABLE_DIR}`)).toEqual([]);
    // The copy alone: no pool, no key file in the backup dir; the one beside it opens it with the password.
    await h.memfs.remove(`${BACKUP_DIR}/pool`);
    await h.db.write('DELETE FROM users');
    expect(await codeOf(service.verifyBackup(copy.filePath))).toBe('ENCRYPTED_NEEDS_KEY');
    await service.verifyBackup(copy.filePath, { unlock: { recoveryKey: offer.recoveryKey } });
    await service.restoreFromZip(copy.filePath, { unlock: { password: PASSWORD } });
    expect(await readState(h.memfs)).toEqual(state);
  });
});

async function codeOf(promise: Promise<unknown>): Promise<string | null> {
  return promise.then(() => null, (e: unknown) => (e instanceof BackupError ? e.code : String(e)));
}

describe('getStatistics', () => {
  it('counts a pack shared by two incremental backups twice in the logical size and once on disk', async () => {
    const h = await createMemoryHarness();
    await addDocument(h, 1, 20_000);
    await addDocument(h, 3, 30_000);
    const full = await h.service.exportNow({});
    const first = await h.service.exportNow({ incremental: true });
    await h.db.write(`INSERT INTO cases (title) VALUES ('a change of rows only')`);
    const second = await h.service.exportNow({ incremental: true });
    expect(second.incremental).toMatchObject({ newPack: null, reused: 2 });
    const pack = first.incremental!.newPack!;
    const packSize = (await h.memfs.stat(`${BACKUP_DIR}/pool/${pack}`)).size;
    // A portable copy is not a backup of the list, nor counted.
    await h.service.exportPortable(second.filePath);
    const stats = await h.service.getStatistics();
    const backups = full.size + first.size + second.size;
    expect(stats).toMatchObject({
      totalBackups: 3,
      totalSize: backups,
      poolPacks: 1,
      poolBytes: packSize,
      logicalBytes: backups + 2 * packSize,
      diskBytes: backups + packSize,
      savedBytes: packSize,
    });
    expect(packSize).toBeGreaterThan(30_000);
  });

  it('is all zeros for the pool without one, and needs no backup dir', async () => {
    const h = await createMemoryHarness();
    expect(await h.service.getStatistics()).toMatchObject({ totalBackups: 0, poolPacks: 0, poolBytes: 0, logicalBytes: 0, diskBytes: 0, savedBytes: 0 });
    await addDocument(h, 5, 1000);
    const full = await h.service.exportNow({});
    expect(await h.service.getStatistics()).toMatchObject({ poolPacks: 0, logicalBytes: full.size, diskBytes: full.size, savedBytes: 0 });
  });
});
