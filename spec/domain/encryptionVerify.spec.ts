/**
 * A full verify of an encrypted backup (issue 13) authenticates every chunk of the file, and
 * each once: the ZIP reader's reads authenticate the chunks they read, and authenticateAll
 * then decrypts only those they did not (bench/RESULTS.md: it decrypted every chunk a second
 * time). A property: a byte flipped in any chunk, with the sidecar rewritten to match (as
 * whoever altered the file could), fails the verify with ENCRYPTED_DAMAGED naming that chunk.
 */
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BackupError } from '../../src/domain/errors.ts';
import { createBackupService } from '../../src/domain/service.ts';
import { createAgeEncryption } from '../../src/infra/age/index.ts';
import type { DecryptingReadHandle } from '../../src/infra/age/decryptingReadHandle.ts';
import { SEALED_CHUNK_SIZE } from '../../src/infra/age/stream.ts';
import type { Encryption } from '../../src/ports/encryption.ts';
import { propertyRuns } from '../support/arbitraries.ts';
import { populate } from '../support/dataDirState.ts';
import { BACKUP_DIR, createMemoryHarness } from '../support/memoryHarness.ts';

const PASSWORD = 'correct horse battery staple';
// A low scrypt work factor keeps the spec fast; the real key file uses 2^18 (keyFile.spec.ts).
const age = createAgeEncryption({ keyFile: { workFactor: 10 } });

/** What a decrypting handle had authenticated and decrypted when authenticateAll began. */
type Before = { authenticated: number; decrypted: number };

/** The age adapter, keeping each decrypting handle it opens (and its counts when authenticateAll began). */
function watched(inner: Encryption) {
  const opened: { handle: DecryptingReadHandle; beforeAuthenticateAll: Before | null }[] = [];
  const encryption: Encryption = {
    ...inner,
    async openDecrypting(handle, keys, label) {
      const decrypting = (await inner.openDecrypting(handle, keys, label)) as DecryptingReadHandle;
      const record = { handle: decrypting, beforeAuthenticateAll: null as Before | null };
      opened.push(record);
      const authenticateAll = decrypting.authenticateAll.bind(decrypting);
      return Object.assign(Object.create(decrypting) as DecryptingReadHandle, {
        read: decrypting.read.bind(decrypting),
        close: decrypting.close.bind(decrypting),
        authenticateAll: (options?: Parameters<DecryptingReadHandle['authenticateAll']>[0]) => {
          record.beforeAuthenticateAll = { authenticated: decrypting.chunksAuthenticated, decrypted: decrypting.chunksDecrypted };
          return authenticateAll(options);
        },
      });
    },
  };
  return { encryption, opened };
}

/**
 * `small` documents of 3–33 KB, several to a 64 KiB chunk (neighbours share chunks), and two
 * larger ones across chunks, some compressible.
 */
const dataOf = (small: number) => ({
  users: [{ name: 'Ana', email: null }],
  cases: [{ title: 'Case 1', notes: 'n' }],
  tasks: [],
  hearings: [],
  orders: [],
  documents: [
    ...Array.from({ length: small }, (_, i) => ({ seed: 100 + i, size: 3_000 + ((i * 7_919) % 30_000), compressible: i % 3 === 0 })),
    { seed: 7, size: 900_000, compressible: false },
    { seed: 8, size: 600_000, compressible: true },
  ],
  settings: { theme: 'dark' },
});

async function world(data: ReturnType<typeof dataOf>) {
  const h = await createMemoryHarness();
  const watch = watched(age);
  const service = createBackupService({ ...h.deps, encryption: watch.encryption }, h.config);
  await populate(h, data);
  const offer = await service.keyInit(PASSWORD);
  await service.keyConfirm(offer.recoveryKey);
  const backup = await service.exportNow();
  return { ...h, service, opened: watch.opened, recoveryKey: offer.recoveryKey, backup };
}

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

describe('verifyBackup, encrypted', () => {
  it('authenticates every chunk of the file, decrypting none twice for the check', async () => {
    // More chunks than the decrypting view caches (32), so the order of the reads matters.
    const w = await world(dataOf(400));
    const result = await w.service.verifyBackup(w.backup.filePath, { unlock: { password: PASSWORD } });
    expect(result).toMatchObject({ valid: true, encrypted: true, sidecarChecked: true });
    expect(w.opened).toHaveLength(1);
    const [{ handle, beforeAuthenticateAll }] = w.opened as [(typeof w.opened)[number]];
    const { chunks } = handle.info;
    expect(chunks).toBeGreaterThan(100);
    expect(handle.chunksAuthenticated).toBe(chunks);
    // authenticateAll decrypted exactly the chunks the reads had not authenticated, each once.
    const before = beforeAuthenticateAll!;
    expect(before).not.toBeNull();
    expect(handle.chunksDecrypted - before.decrypted).toBe(chunks - before.authenticated);
    // The ZIP check's pass over every local header, then the extraction's in the archive's
    // order: each chunk decrypted at most twice by reads (it was ~4 times in size order).
    const byReads = before.decrypted;
    expect(byReads).toBeLessThanOrEqual(2 * chunks);
  });

  it('fails with ENCRYPTED_DAMAGED naming the chunk when a byte of any chunk is flipped, the sidecar rewritten to match', async () => {
    const w = await world(dataOf(40));
    const original = await w.memfs.readFile(w.backup.filePath);
    await w.service.verifyBackup(w.backup.filePath, { unlock: { recoveryKey: w.recoveryKey } });
    const { chunks, payloadOffset } = w.opened[0]!.handle.info;
    expect(chunks).toBeGreaterThan(20);
    const path = `${BACKUP_DIR}/damaged.zip.age`;
    await fc.assert(
      fc.asyncProperty(fc.nat(chunks - 1), fc.nat(SEALED_CHUNK_SIZE - 1), fc.integer({ min: 1, max: 255 }), fc.boolean(), async (chunk, offset, mask, byPassword) => {
        const damaged = original.slice();
        damaged[Math.min(original.length - 1, payloadOffset + chunk * SEALED_CHUNK_SIZE + offset)]! ^= mask;
        await w.memfs.writeFile(path, damaged);
        await w.memfs.writeFile(`${path}.sha256`, new TextEncoder().encode(`${sha256(damaged)}  damaged.zip.age\n`));
        const error = await w.service.verifyBackup(path, { unlock: byPassword ? { password: PASSWORD } : { recoveryKey: w.recoveryKey } }).then(
          () => null,
          (e: unknown) => e,
        );
        expect(error, `chunk ${chunk + 1} of ${chunks}, offset ${offset}`).toBeInstanceOf(BackupError);
        expect((error as BackupError).code).toBe('ENCRYPTED_DAMAGED');
        expect((error as BackupError).message).toMatch(new RegExp(`: chunk ${chunk + 1} of ${chunks} \\(bytes \\d+–\\d+ of the file\\)`));
      }),
      { numRuns: propertyRuns(60), seed: 1315 },
    );
  });
});
