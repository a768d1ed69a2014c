/**
 * A WriteHandle that encrypts: the ZIP writer (or anything else) writes plaintext into it,
 * and it writes an age v1 file to the inner WriteHandle, encrypted to X25519 recipients.
 * - At creation: a fresh 16-byte file key, one X25519 stanza per recipient (each with its
 *   own ephemeral key), the MAC'd header and a fresh 16-byte payload nonce, written first.
 * - Plaintext is copied into batches of 64 chunks (4 MiB, the ZIP writer's write size); a
 *   full batch is sealed once a further byte shows it is not the last, so only `close`
 *   seals a final chunk (full or short; for an empty file, the one empty final chunk).
 * - Batches seal on the calling thread, or in parallel in worker threads (sealingPool.ts,
 *   node:crypto's cipher only; by default where there are more than 2 cores); their output
 *   is written in order, and at most `maxInFlight` batches wait, so memory is bounded. A
 *   failure surfaces at the next `write` or at `close`.
 * - `write` is done with its chunk when it resolves (it copied it), as the port asks; the
 *   inner handle must be done with each chunk when its `write` resolves too (node:fs and
 *   memfs are), since sealed buffers are reused.
 * - `close` seals the final batch, writes it and closes (fsyncs) the inner handle; `abort`
 *   aborts the inner handle (which removes the file) and never rejects.
 */
import { randomBytes } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { BackupError } from '../../domain/errors.ts';
import type { WriteHandle } from '../../ports/fileSystem.ts';
import { defaultChunkCipher, nodeChunkCipher, type ChunkCipher } from './chunkCipher.ts';
import { encodeHeader, newFileKey, wrapForRecipient } from './header.ts';
import { generateIdentity, type X25519Recipient } from './keys.ts';
import { createSealingPool, type SealingPool } from './sealingPool.ts';
import { CHUNK_SIZE, PAYLOAD_NONCE_SIZE, payloadKey, sealChunks, sealedSize } from './stream.ts';

export interface EncryptOptions {
  /** Who can open the file: at least one. */
  readonly recipients: readonly X25519Recipient[];
  /** Defaults to node:crypto's where it has ChaCha20-Poly1305, else @noble/ciphers'. */
  readonly cipher?: ChunkCipher;
  /**
   * Worker threads that seal batches (node:crypto's cipher only); 0 seals inline. Default:
   * 1 where there are more than 2 cores, else 0. On this project's 2-core machines, under
   * an export's load, a worker cost 10–25 % more CPU per byte (hand-offs, its own isolate)
   * and bought no wall time (spec/infra/age/bench.ts), while inline sealing runs at about
   * 75 % of the bare cipher's speed (the rest is copying the writes into batches).
   */
  readonly workers?: number;
  /** Chunks per batch (default 64: 4 MiB). */
  readonly batchChunks?: number;
  /** Batches sealing or waiting to be written before `write` waits (default workers + 2). */
  readonly maxInFlight?: number;
}

export interface EncryptingWriteHandle extends WriteHandle {
  /** The recipients (age1…) the file is encrypted to. */
  readonly recipients: readonly string[];
  /** Plaintext bytes written so far. */
  readonly plaintextBytes: () => number;
  /** The age file's size for a plaintext of `size` bytes: header, nonce and sealed chunks. */
  readonly encryptedSize: (size: number) => number;
}

/**
 * An encrypting WriteHandle over `inner`, which it owns: it closes it in `close`, aborts it
 * in `abort`, and aborts it if this call fails. Rejects with INVALID_INPUT without recipients
 * (never a plaintext file), or with the inner handle's error for the header's write.
 */
export async function createEncryptingWriteHandle(inner: WriteHandle, options: EncryptOptions): Promise<EncryptingWriteHandle> {
  let header: Uint8Array;
  try {
    if (options.recipients.length === 0) throw new BackupError('INVALID_INPUT', 'encrypt: no recipient (public key) to encrypt to; nothing was written');
    const cipher = options.cipher ?? defaultChunkCipher();
    const fileKey = newFileKey();
    header = encodeHeader(
      options.recipients.map((r) => wrapForRecipient(fileKey, r, generateIdentity(), cipher)),
      fileKey,
    );
    const nonce = new Uint8Array(randomBytes(PAYLOAD_NONCE_SIZE));
    const start = new Uint8Array(header.length + nonce.length);
    start.set(header);
    start.set(nonce, header.length);
    await inner.write(start);
    return handle(inner, options, cipher, payloadKey(fileKey, nonce), header.length + nonce.length);
  } catch (error) {
    await inner.abort();
    throw error;
  }
}

function handle(inner: WriteHandle, options: EncryptOptions, cipher: ChunkCipher, key: Uint8Array, prefix: number): EncryptingWriteHandle {
  const batchBytes = Math.max(1, Math.trunc(options.batchChunks ?? 64)) * CHUNK_SIZE;
  const workers = cipher === nodeChunkCipher ? Math.max(0, Math.trunc(options.workers ?? (availableParallelism() > 2 ? 1 : 0))) : 0;
  const maxInFlight = Math.max(1, options.maxInFlight ?? workers + 2);
  const aead = cipher.forKey(key);
  let pool: SealingPool | undefined;
  // Plaintext batches and sealed outputs are reused (a fresh 4 MiB buffer faults in its
  // pages each time: that cost as much as the cipher). A sealed buffer comes back once the
  // inner handle has written it; a plaintext one once it is sealed.
  const freePlain: ArrayBuffer[] = [];
  const freeSealed: ArrayBuffer[] = [];
  const takePlain = () => freePlain.pop() ?? new ArrayBuffer(batchBytes);
  const takeSealed = () => freeSealed.pop() ?? new ArrayBuffer(sealedSize(batchBytes));
  let batch = new Uint8Array(takePlain());
  let filled = 0;
  let nextChunk = 0;
  let total = 0;
  let chain: Promise<void> = Promise.resolve();
  const inFlight: Promise<void>[] = [];
  let failure: { error: unknown } | undefined;
  let state: 'open' | 'closing' | 'closed' | 'aborted' = 'open';

  /** The sealed bytes of `length` bytes of `plain`, in a buffer from `freeSealed`. */
  const seal = async (plain: ArrayBuffer, length: number, first: number, final: boolean): Promise<{ out: ArrayBuffer; sealed: Uint8Array }> => {
    const size = sealedSize(length);
    const out = size <= sealedSize(batchBytes) ? takeSealed() : new ArrayBuffer(size);
    // The final batch and small files seal inline: no worker is started for a key file's worth.
    if (workers > 0 && !final) {
      const back = await (pool ??= createSealingPool(workers)).seal(key, first, plain, length, final, out);
      freePlain.push(back.plain);
      return { out: back.out, sealed: new Uint8Array(back.out, 0, size) };
    }
    sealChunks(aead, first, new Uint8Array(plain, 0, length), final, new Uint8Array(out, 0, size));
    freePlain.push(plain);
    return { out, sealed: new Uint8Array(out, 0, size) };
  };

  const dispatch = async (final: boolean) => {
    const plain = batch.buffer as ArrayBuffer;
    const length = filled;
    const first = nextChunk;
    nextChunk += Math.max(1, Math.ceil(length / CHUNK_SIZE));
    filled = 0;
    const sealed = seal(plain, length, first, final); // inline: sealed (and `plain` freed) before it returns
    batch = final ? new Uint8Array(0) : new Uint8Array(takePlain());
    const done = chain.then(async () => {
      const { out, sealed: bytes } = await sealed;
      if (state !== 'aborted') await inner.write(bytes);
      freeSealed.push(out);
    });
    done.catch((error: unknown) => {
      failure ??= { error };
    });
    sealed.catch(() => {}); // reported through `done`
    chain = done;
    inFlight.push(done);
    while (inFlight.length > maxInFlight) await inFlight.shift()!.catch(() => {});
  };

  const rethrow = () => {
    if (failure) throw failure.error;
  };

  return {
    recipients: options.recipients.map((r) => r.encode()),
    plaintextBytes: () => total,
    encryptedSize: (size) => prefix + sealedSize(size),
    async write(chunk) {
      if (state !== 'open') throw new Error(`write: the encrypting handle is ${state}`);
      rethrow();
      for (let at = 0; at < chunk.length; ) {
        // A full batch is not the last one: a further byte is here.
        if (filled === batchBytes) await dispatch(false);
        const n = Math.min(chunk.length - at, batchBytes - filled);
        batch.set(chunk.subarray(at, at + n), filled);
        filled += n;
        at += n;
        total += n;
      }
      rethrow();
    },
    async close() {
      if (state !== 'open') throw new Error(`close: the encrypting handle is ${state}`);
      state = 'closing';
      try {
        rethrow();
        await dispatch(true);
        await chain;
        rethrow();
        await pool?.close();
        await inner.close();
        state = 'closed';
      } catch (error) {
        state = 'aborted';
        await pool?.close().catch(() => {});
        await inner.abort();
        throw error;
      }
    },
    async abort() {
      if (state === 'closed' || state === 'aborted') return;
      state = 'aborted';
      await pool?.close().catch(() => {});
      await chain.catch(() => {});
      await inner.abort();
    },
  };
}
