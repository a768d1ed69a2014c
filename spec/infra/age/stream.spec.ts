/**
 * The payload (STREAM): the encrypting WriteHandle and the seekable decrypting ReadHandle
 * round-trip every size where chunking changes (0, 1, 65535, 65536, 65537, multi-MB) on
 * every sealing path, in any write pattern; random and parallel reads return the
 * plaintext's bytes; the final chunk is authenticated at open; and a property: any flipped
 * byte, dropped, repeated or swapped chunk, truncation or appended bytes is refused with
 * a coded error, and no read ever returns a byte that is not the original's at its offset.
 * authenticateAll after any reads (in parallel too) authenticates every chunk, and decrypts
 * only those no read did; a byte flipped in any chunk fails it, naming that chunk.
 */
import { Decrypter } from 'age-encryption';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { BackupError } from '../../../src/domain/errors.ts';
import { nobleChunkCipher, nodeChunkCipher } from '../../../src/infra/age/chunkCipher.ts';
import { inspectAgeFile } from '../../../src/infra/age/decryptingReadHandle.ts';
import { createEncryptingWriteHandle, type EncryptOptions } from '../../../src/infra/age/encryptingWriteHandle.ts';
import { generateIdentity, type X25519Identity } from '../../../src/infra/age/keys.ts';
import { CHUNK_SIZE, SEALED_CHUNK_SIZE, sealedSize } from '../../../src/infra/age/stream.ts';
import { propertyRuns } from '../../support/arbitraries.ts';
import { bytesOf, codeOf, memoryReadHandle, memoryWriteHandle, sha256 } from './ageHelpers.ts';
import { encryptBytes, openBytes, readAll } from './streamHelpers.ts';

const identity = generateIdentity();
const recipients = [identity.recipient];
const SIZES = [0, 1, 65535, 65536, 65537, 2 * 65536, 5 * (1 << 20) + 123];
const PATHS: [string, Omit<EncryptOptions, 'recipients'>][] = [
  ['node:crypto inline', { cipher: nodeChunkCipher, workers: 0 }],
  ['node:crypto, 1 worker', { cipher: nodeChunkCipher, workers: 1 }],
  ['node:crypto, 2 workers, batches of 3 chunks', { cipher: nodeChunkCipher, workers: 2, batchChunks: 3 }],
  ['@noble/ciphers inline', { cipher: nobleChunkCipher }],
];

describe.each(PATHS)('age payload, sealed by %s', (_, path) => {
  it.each(SIZES)('round-trips %i bytes, and age-encryption decrypts it', async (size) => {
    const plain = bytesOf(size, size + 1);
    const file = await encryptBytes(plain, { recipients, ...path });
    const info = await inspectAgeFile(memoryReadHandle(file));
    expect(info.plaintextSize).toBe(size);
    expect(info.chunks).toBe(Math.max(1, Math.ceil(size / CHUNK_SIZE)));
    expect(file.length).toBe(info.payloadOffset + sealedSize(size));
    expect(sha256(await readAll(file, [identity], path.cipher))).toBe(sha256(plain));
    const decrypter = new Decrypter();
    decrypter.addIdentity(identity.encode());
    expect(sha256(await decrypter.decrypt(file))).toBe(sha256(plain));
  });
});

describe('age payload', () => {
  it('writes the same plaintext the same way whatever the writes look like', async () => {
    const plain = bytesOf(3 * 65536 + 1000, 9);
    for (const writeSize of [1, 1000, 65535, 65536, 65537, 200_000, 4 << 20]) {
      const sizes = writeSize === 1 ? plain.subarray(0, 70_000) : plain; // 1-byte writes: enough to cross a chunk
      const file = await encryptBytes(sizes, { recipients, batchChunks: 2, workers: 1 }, writeSize);
      expect(sha256(await readAll(file, [identity])), `writes of ${writeSize}`).toBe(sha256(sizes));
    }
  });

  it('writes an empty payload as one empty final chunk (a 16-byte tag after the nonce)', async () => {
    const file = await encryptBytes(new Uint8Array(0), { recipients });
    const info = await inspectAgeFile(memoryReadHandle(file));
    expect(file.length - info.payloadOffset).toBe(16);
    const handle = await openBytes(file, [identity]);
    expect(handle.size).toBe(0);
    expect((await handle.read(0, 100)).length).toBe(0);
    await handle.close();
  });

  it('encrypts to several recipients, each of whom opens it', async () => {
    const others = [generateIdentity(), generateIdentity()];
    const plain = bytesOf(100_000, 3);
    const file = await encryptBytes(plain, { recipients: [identity.recipient, ...others.map((o) => o.recipient)] });
    for (const who of [identity, ...others]) expect(sha256(await readAll(file, [who]))).toBe(sha256(plain));
    expect(await codeOf(readAll(file, [generateIdentity()]))).toBe('WRONG_KEY');
    expect(await codeOf(readAll(file, []))).toBe('ENCRYPTED_NEEDS_KEY');
  });

  it('authenticates the final chunk at open, and nothing else', async () => {
    const plain = bytesOf(10 * 65536 + 5, 4);
    const file = await encryptBytes(plain, { recipients });
    const inner = memoryReadHandle(file);
    const { openDecryptingReadHandle } = await import('../../../src/infra/age/decryptingReadHandle.ts');
    const handle = await openDecryptingReadHandle(inner, { identities: [identity] });
    expect(handle.chunksDecrypted).toBe(1);
    expect(inner.reads).toBeLessThanOrEqual(3); // header, nonce, final chunk
    // The final chunk is then served without decrypting it again.
    expect(await handle.read(handle.size - 5, 5)).toEqual(plain.subarray(plain.length - 5));
    expect(handle.chunksDecrypted).toBe(1);
    // authenticateAll checks the 10 others (the final one authenticated at open), reporting
    // progress up to the file's size.
    const progress: number[] = [];
    await handle.authenticateAll({ onProgress: (done) => progress.push(done) });
    expect(handle.chunksDecrypted).toBe(11);
    expect(handle.chunksAuthenticated).toBe(11);
    expect(progress.at(-1)).toBe(file.length);
    const aborted = new AbortController();
    aborted.abort();
    expect(await codeOf(handle.authenticateAll({ signal: aborted.signal }))).toBe('CANCELLED');
    await handle.close();
    expect(inner.closed).toBe(true);
  });

  describe('random access', () => {
    let plain: Uint8Array;
    let file: Uint8Array;
    beforeAll(async () => {
      plain = bytesOf(3 * (1 << 20) + 4321, 77);
      file = await encryptBytes(plain, { recipients });
    });

    it('returns the plaintext at any offset and length, into a given buffer or not', async () => {
      const handle = await openBytes(file, [identity], undefined, 4);
      try {
        await fc.assert(
          fc.asyncProperty(fc.nat(plain.length + 100), fc.nat(300_000), fc.boolean(), async (position, length, useInto) => {
            const into = useInto ? new Uint8Array(length + 7).fill(0xee) : undefined;
            const got = await handle.read(position, length, into);
            const want = plain.subarray(Math.min(position, plain.length), Math.min(plain.length, position + length));
            expect(Buffer.from(got).equals(Buffer.from(want))).toBe(true);
            if (into && got.length > 0) expect(got.buffer).toBe(into.buffer);
          }),
          { numRuns: propertyRuns(), seed: 13 },
        );
      } finally {
        await handle.close();
      }
    });

    it('serves parallel reads from one handle, decrypting a shared chunk once', async () => {
      const handle = await openBytes(file, [identity]);
      const ranges = Array.from({ length: 64 }, (_, i) => [((i * 2_654_435_761) >>> 0) % plain.length, 1 + ((i * 40_503) % 200_000)] as const);
      const results = await Promise.all(ranges.map(([p, l]) => handle.read(p, l)));
      results.forEach((got, i) => {
        const [p, l] = ranges[i]!;
        expect(Buffer.from(got).equals(Buffer.from(plain.subarray(p, p + l)))).toBe(true);
      });
      // Many small reads of one chunk at once: one decryption.
      const before = handle.chunksDecrypted;
      await Promise.all(Array.from({ length: 20 }, (_, i) => handle.read(65536 * 7 + i * 100, 50)));
      expect(handle.chunksDecrypted - before).toBe(1);
      // And again later: from the cache.
      await handle.read(65536 * 7 + 10, 10);
      expect(handle.chunksDecrypted - before).toBe(1);
      await handle.close();
    });

    it('refuses a read after close, and misuse (negative ranges) at once', async () => {
      const handle = await openBytes(file, [identity]);
      await expect(handle.read(-1, 5)).rejects.toThrow(RangeError);
      await handle.close();
      await expect(handle.read(0, 5)).rejects.toThrow(/closed/);
    });
  });

  it('aborts the inner handle on abort, on a failed close and without recipients (never a plaintext file)', async () => {
    const sink = memoryWriteHandle();
    const handle = await createEncryptingWriteHandle(sink, { recipients });
    await handle.write(bytesOf(1000));
    await handle.abort();
    expect(sink.aborted).toBe(true);
    expect(sink.closed).toBe(false);

    const empty = memoryWriteHandle();
    expect(await codeOf(createEncryptingWriteHandle(empty, { recipients: [] }))).toBe('INVALID_INPUT');
    expect(empty.aborted).toBe(true);
    expect(empty.bytes().length).toBe(0);

    // The disk fails on the third write: the failure surfaces, and the caller's abort removes the file.
    let writes = 0;
    let aborted = false;
    const inner = {
      write: async () => {
        writes += 1;
        if (writes === 3) throw new BackupError('NO_SPACE', 'write: no space');
      },
      close: async () => {},
      abort: async () => {
        aborted = true;
      },
    };
    const writer = await createEncryptingWriteHandle(inner, { recipients, batchChunks: 1, workers: 1 });
    const outcome = (async () => {
      try {
        for (let i = 0; i < 20; i += 1) await writer.write(bytesOf(65536, i));
        await writer.close();
      } catch (error) {
        await writer.abort();
        throw error;
      }
    })();
    expect(await codeOf(outcome)).toBe('NO_SPACE');
    expect(aborted).toBe(true);
  });
});

// ---- tampering ----

type Tamper =
  | { kind: 'flip'; at: number; bit: number }
  | { kind: 'truncate'; to: number }
  | { kind: 'append'; count: number; seed: number }
  | { kind: 'drop'; chunk: number }
  | { kind: 'duplicate'; chunk: number }
  | { kind: 'swap'; a: number; b: number };

function chunksOf(file: Uint8Array, payloadOffset: number): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let at = payloadOffset; at < file.length; at += SEALED_CHUNK_SIZE) out.push(file.subarray(at, Math.min(file.length, at + SEALED_CHUNK_SIZE)));
  return out;
}

function tamper(file: Uint8Array, payloadOffset: number, t: Tamper): Uint8Array {
  const head = file.subarray(0, payloadOffset);
  const chunks = chunksOf(file, payloadOffset);
  switch (t.kind) {
    case 'flip': {
      const out = Uint8Array.from(file);
      out[t.at]! ^= 1 << t.bit;
      return out;
    }
    case 'truncate':
      return file.slice(0, t.to);
    case 'append':
      return new Uint8Array(Buffer.concat([file, bytesOf(t.count, t.seed)]));
    case 'drop':
      return new Uint8Array(Buffer.concat([head, ...chunks.filter((_, i) => i !== t.chunk)]));
    case 'duplicate':
      return new Uint8Array(Buffer.concat([head, ...chunks.flatMap((c, i) => (i === t.chunk ? [c, c] : [c]))]));
    case 'swap': {
      const swapped = [...chunks];
      [swapped[t.a], swapped[t.b]] = [swapped[t.b]!, swapped[t.a]!];
      return new Uint8Array(Buffer.concat([head, ...swapped]));
    }
  }
}

/**
 * Opens the tampered file and reads every chunk in a random order. Resolves the code it
 * was refused with, or 'accepted'; throws if a read returned a byte that is not the
 * original's at its offset.
 */
async function verdict(file: Uint8Array, original: Uint8Array, identities: readonly X25519Identity[], order: number[]): Promise<string> {
  let handle;
  try {
    handle = await openBytes(file, identities);
  } catch (error) {
    if (error instanceof BackupError) return error.code;
    throw error;
  }
  try {
    const chunks = Math.max(1, Math.ceil(handle.size / CHUNK_SIZE));
    const sequence = [...Array(chunks).keys()].sort((a, b) => (order[a % order.length]! - order[b % order.length]!) || a - b);
    for (const chunk of sequence) {
      const got = await handle.read(chunk * CHUNK_SIZE, CHUNK_SIZE);
      const want = original.subarray(chunk * CHUNK_SIZE, chunk * CHUNK_SIZE + got.length);
      if (!Buffer.from(got).equals(Buffer.from(want))) throw new Error(`chunk ${chunk}: a read returned bytes that are not the original's`);
    }
    await handle.authenticateAll();
    return handle.size === original.length ? 'accepted' : `accepted with size ${handle.size}`;
  } catch (error) {
    if (error instanceof BackupError) return error.code;
    throw error;
  } finally {
    await handle.close();
  }
}

describe('age payload, tampered', () => {
  const cases: { size: number; plain: Uint8Array; file: Uint8Array; payloadOffset: number }[] = [];
  beforeAll(async () => {
    for (const size of [0, 1, 65536, 65537, 4 * 65536 + 300]) {
      const plain = bytesOf(size, size + 11);
      const file = await encryptBytes(plain, { recipients: [identity.recipient, generateIdentity().recipient] });
      cases.push({ size, plain, file, payloadOffset: (await inspectAgeFile(memoryReadHandle(file))).payloadOffset });
    }
  });

  const arbTamper = (file: Uint8Array, chunks: number): fc.Arbitrary<Tamper> =>
    fc.oneof(
      fc.record({ kind: fc.constant('flip' as const), at: fc.nat(file.length - 1), bit: fc.nat(7) }),
      fc.record({ kind: fc.constant('truncate' as const), to: fc.nat(file.length - 1) }),
      fc.record({ kind: fc.constant('append' as const), count: fc.integer({ min: 1, max: 2 * SEALED_CHUNK_SIZE }), seed: fc.nat() }),
      fc.record({ kind: fc.constant('drop' as const), chunk: fc.nat(chunks - 1) }),
      fc.record({ kind: fc.constant('duplicate' as const), chunk: fc.nat(chunks - 1) }),
      ...(chunks > 1 ? [fc.record({ kind: fc.constant('swap' as const), a: fc.nat(chunks - 1), b: fc.nat(chunks - 1) }).filter((t) => t.a !== t.b)] : []),
    );

  it('refuses any flipped byte, dropped, repeated or swapped chunk, truncation or appended bytes with a coded error', async () => {
    for (const c of cases) {
      const chunks = chunksOf(c.file, c.payloadOffset).length;
      await fc.assert(
        fc.asyncProperty(arbTamper(c.file, chunks), fc.array(fc.nat(1000), { minLength: 1, maxLength: 8 }), async (t, order) => {
          const code = await verdict(tamper(c.file, c.payloadOffset, t), c.plain, [identity], order);
          // A flip inside a stanza can only make it unopenable to this key (age cannot tell
          // that from a stranger's stanza); one in the version line can read as another
          // version. Anywhere else, and for every other change: damaged.
          const inHeader = t.kind === 'flip' && t.at < c.payloadOffset - 16;
          const allowed = inHeader ? ['ENCRYPTED_DAMAGED', 'WRONG_KEY', 'UNSUPPORTED'] : ['ENCRYPTED_DAMAGED'];
          expect(allowed, `${c.size} bytes, ${JSON.stringify(t).slice(0, 100)}: ${code}`).toContain(code);
        }),
        { numRuns: propertyRuns(), seed: c.size + 1 },
      );
    }
  });

  it('names the chunk that fails', async () => {
    const c = cases.find((x) => x.size === 4 * 65536 + 300)!;
    const out = tamper(c.file, c.payloadOffset, { kind: 'flip', at: c.payloadOffset + SEALED_CHUNK_SIZE + 10, bit: 3 });
    const handle = await openBytes(out, [identity]);
    await expect(handle.read(0, 65536)).resolves.toHaveLength(65536);
    const error = await handle.read(65536, 10).catch((e: unknown) => e as BackupError);
    expect(error).toBeInstanceOf(BackupError);
    expect((error as BackupError).code).toBe('ENCRYPTED_DAMAGED');
    expect((error as BackupError).message).toMatch(/^test\.zip\.age: chunk 2 of 5 \(bytes \d+–\d+ of the file\) does not authenticate/);
    await handle.close();
    const cut = tamper(c.file, c.payloadOffset, { kind: 'truncate', to: c.payloadOffset + 4 * SEALED_CHUNK_SIZE });
    const truncated = await openBytes(cut, [identity]).catch((e: unknown) => e as BackupError);
    expect((truncated as BackupError).message).toMatch(/chunk 4 of 4 .* does not authenticate as the final chunk: the file was truncated/);
  });
});

describe('authenticateAll after reads', () => {
  // 23 chunks: reads of up to 5 chunks leave gaps, and runs of up to 17 cross them.
  const plain = bytesOf(22 * CHUNK_SIZE + 999, 23);
  let file: Uint8Array;
  let payloadOffset: number;
  const chunks = 23;
  beforeAll(async () => {
    file = await encryptBytes(plain, { recipients });
    payloadOffset = (await inspectAgeFile(memoryReadHandle(file))).payloadOffset;
  });

  /** Reads in batches run at once (so some are under way when authenticateAll starts). */
  const arbReads = fc.array(
    fc.array(fc.record({ position: fc.nat(plain.length - 1), length: fc.integer({ min: 1, max: 5 * CHUNK_SIZE }) }), { minLength: 1, maxLength: 4 }),
    { maxLength: 5 },
  );
  /** Runs the batches one after another; with `lastConcurrent`, the last one's reads are started, not awaited. */
  const readBatches = async (handle: Awaited<ReturnType<typeof openBytes>>, batches: { position: number; length: number }[][], lastConcurrent: boolean): Promise<{ last: Promise<unknown> }> => {
    for (let b = 0; b < batches.length; b += 1) {
      const reads = Promise.all(batches[b]!.map((r) => handle.read(r.position, r.length)));
      if (lastConcurrent && b === batches.length - 1) return { last: reads };
      await reads;
    }
    return { last: Promise.resolve() };
  };

  it('authenticates every chunk, decrypting only those no read has, also while reads are under way', async () => {
    await fc.assert(
      fc.asyncProperty(arbReads, fc.boolean(), fc.nat(40), async (batches, lastConcurrent, cacheChunks) => {
        const handle = await openBytes(file, [identity], undefined, cacheChunks || undefined);
        try {
          // The last batch still under way when authenticateAll starts, or every read done.
          const { last: underWay } = await readBatches(handle, batches, lastConcurrent);
          const before = handle.chunksAuthenticated;
          const decryptedBefore = handle.chunksDecrypted;
          await handle.authenticateAll();
          await underWay;
          expect(handle.chunksAuthenticated).toBe(chunks);
          // After the reads: exactly the chunks they did not authenticate, each once.
          if (!lastConcurrent) expect(handle.chunksDecrypted - decryptedBefore).toBe(chunks - before);
        } finally {
          await handle.close();
        }
      }),
      { numRuns: propertyRuns(), seed: 1313 },
    );
  });

  it('fails, naming the chunk, when a byte of any chunk is flipped, whatever was read before', async () => {
    await fc.assert(
      fc.asyncProperty(fc.nat(chunks - 1), fc.nat(SEALED_CHUNK_SIZE - 1), fc.integer({ min: 1, max: 255 }), arbReads, async (chunk, offset, mask, batches) => {
        const damaged = file.slice();
        const at = Math.min(file.length - 1, payloadOffset + chunk * SEALED_CHUNK_SIZE + offset);
        damaged[at]! ^= mask;
        const named = new RegExp(`: chunk ${chunk + 1} of ${chunks} \\(`);
        let error: unknown;
        let handle: Awaited<ReturnType<typeof openBytes>> | undefined;
        try {
          handle = await openBytes(damaged, [identity]);
          // A read that covers the damaged chunk fails on it; reads that do not succeed.
          await readBatches(handle, batches, false).catch((e: unknown) => {
            expect((e as BackupError).message).toMatch(named);
          });
          await handle.authenticateAll();
        } catch (e) {
          error = e;
        } finally {
          await handle?.close();
        }
        expect(error, `chunk ${chunk + 1}, offset ${offset}`).toBeInstanceOf(BackupError);
        expect((error as BackupError).code).toBe('ENCRYPTED_DAMAGED');
        expect((error as BackupError).message).toMatch(named);
      }),
      { numRuns: propertyRuns(), seed: 1314 },
    );
  });
});
