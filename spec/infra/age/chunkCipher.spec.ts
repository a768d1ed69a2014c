/**
 * The two ChaCha20-Poly1305 paths give the same bytes: node:crypto's (Node) and
 * @noble/ciphers' (Electron, whose BoringSSL has no `chacha20-poly1305` in createCipheriv),
 * and the worker threads' (sealingPool.ts, which has its own copy of the nonce layout).
 * Then the whole stack with node:crypto's cipher taken away, as in Electron: detection
 * falls back, and what it writes and reads is what the native path writes and reads.
 */
import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { defaultChunkCipher, nobleChunkCipher, nodeChunkCipher } from '../../../src/infra/age/chunkCipher.ts';
import { createSealingPool } from '../../../src/infra/age/sealingPool.ts';
import { chunkNonce, sealChunks, sealedSize } from '../../../src/infra/age/stream.ts';
import { bytesOf, memoryReadHandle, memoryWriteHandle, sha256 } from './ageHelpers.ts';

describe('ChaCha20-Poly1305 paths', () => {
  afterEach(() => {
    vi.doUnmock('node:crypto');
    vi.resetModules();
  });

  it('node:crypto is detected here (Node); both ciphers agree byte for byte, open each other, and refuse a flipped bit', () => {
    expect(defaultChunkCipher().name).toBe('node:crypto');
    const key = randomBytes(32);
    const nonce = randomBytes(12);
    for (const length of [0, 1, 63, 64, 65, 1000, 65536]) {
      const plain = bytesOf(length, length + 1);
      const a = new Uint8Array(length + 16);
      const b = new Uint8Array(length + 16);
      nodeChunkCipher.forKey(key).seal(nonce, plain, a);
      nobleChunkCipher.forKey(key).seal(nonce, plain, b);
      expect(Buffer.from(a).equals(Buffer.from(b)), `length ${length}`).toBe(true);
      for (const opener of [nodeChunkCipher, nobleChunkCipher]) {
        const out = opener.forKey(key).open(nonce, a);
        expect(out && Buffer.from(out).equals(Buffer.from(plain))).toBe(true);
        const bad = Uint8Array.from(a);
        bad[Math.floor(bad.length / 2)]! ^= 1;
        expect(opener.forKey(key).open(nonce, bad)).toBeUndefined();
        expect(opener.forKey(key).open(nonce, new Uint8Array(15))).toBeUndefined();
      }
    }
  });

  it('seals payload chunks to identical bytes inline (both ciphers) and in worker threads', async () => {
    const key = new Uint8Array(randomBytes(32));
    const pool = createSealingPool(2);
    try {
      for (const [length, first, final] of [
        [0, 0, true],
        [1, 0, true],
        [65536, 0, true],
        [65536 * 3, 7, false],
        [65536 * 2 + 5, 2 ** 32 + 3, true], // a counter past 32 bits
      ] as const) {
        const plain = bytesOf(length, length + first);
        const outs = [nodeChunkCipher, nobleChunkCipher].map((cipher) => {
          const out = new Uint8Array(sealedSize(length));
          sealChunks(cipher.forKey(key), first, plain, final, out);
          return Buffer.from(out);
        });
        // A larger output buffer than needed, as the write handle's reused ones are.
        const back = await pool.seal(key, first, plain.slice().buffer, length, final, new ArrayBuffer(sealedSize(length) + 100));
        expect(back.plain.byteLength).toBe(length);
        const pooled = Buffer.from(back.out, 0, sealedSize(length));
        expect(outs[1]!.equals(outs[0]!), `noble, ${length}@${first}`).toBe(true);
        expect(pooled.equals(outs[0]!), `workers, ${length}@${first}`).toBe(true);
      }
    } finally {
      await pool.close();
    }
  });

  it('puts the counter big-endian in bytes 0–10 and the final flag in byte 11', () => {
    expect(Buffer.from(chunkNonce(0, false)).toString('hex')).toBe('000000000000000000000000');
    expect(Buffer.from(chunkNonce(1, true)).toString('hex')).toBe('000000000000000000000101');
    expect(Buffer.from(chunkNonce(0x0102030405, false)).toString('hex')).toBe('000000000000010203040500');
  });

  it("falls back to @noble/ciphers where createCipheriv refuses chacha20-poly1305 (Electron's BoringSSL), and writes what Node reads", async () => {
    vi.resetModules();
    vi.doMock('node:crypto', async (importOriginal) => {
      const real = await importOriginal<typeof import('node:crypto')>();
      const refuse = (name: string) => {
        if (name.toLowerCase() === 'chacha20-poly1305') throw new Error('Unknown cipher');
      };
      return {
        ...real,
        getCiphers: () => real.getCiphers().filter((c) => c !== 'chacha20-poly1305'),
        createCipheriv: ((name: string, ...rest: unknown[]) => (refuse(name), (real.createCipheriv as (...a: unknown[]) => unknown)(name, ...rest))) as typeof real.createCipheriv,
        createDecipheriv: ((name: string, ...rest: unknown[]) => (refuse(name), (real.createDecipheriv as (...a: unknown[]) => unknown)(name, ...rest))) as typeof real.createDecipheriv,
      };
    });
    const electronLike = await import('../../../src/infra/age/index.ts');
    expect(electronLike.defaultChunkCipher().name).toBe('@noble/ciphers');
    vi.doUnmock('node:crypto');
    vi.resetModules();
    const nodeLike = await import('../../../src/infra/age/index.ts');
    expect(nodeLike.defaultChunkCipher().name).toBe('node:crypto');

    const identity = nodeLike.generateIdentity();
    const plain = bytesOf(3 * 65536 + 77, 5);
    const { encryptBytes, readAll } = await import('./streamHelpers.ts');
    // "Electron" writes and reads with its module's defaults: its node:crypto throws for
    // chacha20-poly1305, so every stanza and chunk goes through @noble/ciphers.
    const sink = memoryWriteHandle();
    const writer = await electronLike.createEncryptingWriteHandle(sink, { recipients: [electronLike.parseRecipient(identity.recipient.encode())] });
    for (let at = 0; at < plain.length; at += 100_000) await writer.write(plain.subarray(at, at + 100_000));
    await writer.close();
    const fromElectron = sink.bytes();
    const electronRead = async (file: Uint8Array) => {
      const handle = await electronLike.openDecryptingReadHandle(memoryReadHandle(file), { identities: [electronLike.parseIdentity(identity.encode())] });
      const out = await handle.read(0, handle.size);
      await handle.close();
      return out;
    };
    const fromNode = await encryptBytes(plain, { recipients: [identity.recipient] });
    expect(sha256(await readAll(fromElectron, [identity]))).toBe(sha256(plain));
    expect(sha256(await electronRead(fromNode))).toBe(sha256(plain));
    expect(sha256(await electronRead(fromElectron))).toBe(sha256(plain));
  });
});
