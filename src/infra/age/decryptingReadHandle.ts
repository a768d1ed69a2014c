/**
 * A seekable plaintext view of an age file: a ReadHandle over the ciphertext's ReadHandle,
 * so the ZIP reader (and everything above it) reads an encrypted backup as it reads a plain
 * one. Go age's DecryptReaderAt (1.3) is the model.
 * - open: read and parse the header (up to 1 MiB, in growing reads), unwrap the file key,
 *   check the MAC, read the payload nonce; from the ciphertext's size alone, the chunk
 *   count and the plaintext size (a size no valid payload has is refused here); then
 *   decrypt and authenticate the FINAL chunk with the final flag, before any byte is
 *   handed out. That is where the ZIP's end records and central directory live, and it
 *   is what makes a truncation at a chunk boundary or appended bytes fail at once.
 * - read(position, length): the chunks that cover the range; one read of the inner handle
 *   for the sealed chunks not cached, each chunk authenticated with its index (and the
 *   final flag on the last), so a chunk flipped, dropped, repeated or moved fails its tag
 *   (ENCRYPTED_DAMAGED naming the chunk and its offsets). Nothing of a chunk that fails
 *   is returned.
 * - A small LRU cache of decrypted chunks (default 32, 2 MiB) keeps the chunks at the
 *   edges of reads, where the parallel extraction's neighbouring reads and the ZIP check's
 *   small header reads meet; the final chunk is kept for the handle's life. A chunk
 *   already being decrypted for one read is awaited, not decrypted again, by another.
 * - Which chunks have authenticated is remembered (one byte per chunk, 16 KB for a 1 GiB
 *   file), so `authenticateAll` decrypts only those no read has: a full verify
 *   authenticates every chunk of the file and each once, not once for the ZIP reader and
 *   again for the check (issue 13, bench/RESULTS.md).
 */
import { BackupError } from '../../domain/errors.ts';
import type { ReadHandle } from '../../ports/fileSystem.ts';
import { defaultChunkCipher, type ChunkCipher } from './chunkCipher.ts';
import { MAX_HEADER_SIZE, parseHeader, unwrapFileKey, type AgeHeader, type Stanza } from './header.ts';
import type { X25519Identity } from './keys.ts';
import { CHUNK_SIZE, chunkNonce, PAYLOAD_NONCE_SIZE, payloadKey, payloadLayout, SEALED_CHUNK_SIZE } from './stream.ts';

export interface DecryptOptions {
  /** The keys to try (the password slot's, opened from the key file, and/or the recovery key). */
  readonly identities: readonly X25519Identity[];
  /** Names the file in messages (a path or a backup name). */
  readonly label?: string;
  /** Decrypted chunks kept (64 KiB each), besides the final one. Default 32. */
  readonly cacheChunks?: number;
  /** Defaults to node:crypto's where it has ChaCha20-Poly1305, else @noble/ciphers'. */
  readonly cipher?: ChunkCipher;
}

/** What can be known of an age file without a key: its recipients and sizes. */
export interface AgeFileInfo {
  readonly stanzas: readonly Stanza[];
  /** Bytes of header and payload nonce: where the first sealed chunk begins. */
  readonly payloadOffset: number;
  readonly chunks: number;
  /** The plaintext's size (the ZIP's), from the ciphertext's size. */
  readonly plaintextSize: number;
}

export interface DecryptingReadHandle extends ReadHandle {
  readonly info: AgeFileInfo;
  /**
   * Authenticates every chunk that no read of this handle has (front to back, without
   * keeping them; one being decrypted for a read is awaited): once it resolves, every chunk
   * of the file has been authenticated, whatever the reader above read (a ZIP's gaps
   * included), and none twice. `onProgress` gets the ciphertext bytes checked so far.
   * Rejects with ENCRYPTED_DAMAGED naming the first chunk that fails, or with CANCELLED
   * once `signal` aborts.
   */
  authenticateAll(options?: { signal?: AbortSignal; onProgress?: (done: number, total: number) => void }): Promise<void>;
  /** Chunks decrypted so far (each authenticated), cache hits not counted: for tests and progress. */
  readonly chunksDecrypted: number;
  /** Distinct chunks authenticated so far (by reads or authenticateAll): `info.chunks` once all are. */
  readonly chunksAuthenticated: number;
}

/** Reads the header (and its size) from the start of `inner`, in reads that grow up to MAX_HEADER_SIZE. */
async function readHeader(inner: ReadHandle, label: string): Promise<AgeHeader> {
  let want = 4096;
  for (;;) {
    const length = Math.min(want, inner.size, MAX_HEADER_SIZE + 1);
    const bytes = await inner.read(0, length);
    const atEnd = bytes.length >= inner.size;
    const header = parseHeader(bytes, atEnd, label);
    if (header) return header;
    if (bytes.length > MAX_HEADER_SIZE) throw new BackupError('ENCRYPTED_DAMAGED', `${label}: the age header is damaged: it is longer than ${MAX_HEADER_SIZE} bytes`);
    if (bytes.length < length) throw new BackupError('ENCRYPTED_DAMAGED', `${label}: the file ends at ${bytes.length} bytes, before its size of ${inner.size} (it changed while it was read)`);
    want *= 4;
  }
}

function layoutOf(inner: ReadHandle, header: AgeHeader, label: string): { chunks: number; plaintextSize: number; payloadOffset: number } {
  const payloadOffset = header.size + PAYLOAD_NONCE_SIZE;
  if (inner.size < payloadOffset) {
    throw new BackupError('ENCRYPTED_DAMAGED', `${label}: the file ends at ${inner.size} bytes, inside the payload's ${PAYLOAD_NONCE_SIZE}-byte nonce (truncated)`);
  }
  const sealed = inner.size - payloadOffset;
  const layout = payloadLayout(sealed);
  if (!layout) {
    const why = sealed === 0 ? 'there is no chunk after the nonce' : `no valid payload has ${sealed} bytes (its last chunk would be shorter than a tag, or empty)`;
    throw new BackupError('ENCRYPTED_DAMAGED', `${label}: the encrypted payload is truncated or has bytes added: ${why}`);
  }
  return { chunks: layout.chunks, plaintextSize: layout.size, payloadOffset };
}

/** The header and sizes of an age file, without a key: what `list` needs (recipients, plaintext size). Rejects with ENCRYPTED_DAMAGED, UNSUPPORTED. */
export async function inspectAgeFile(inner: ReadHandle, label = 'age file'): Promise<AgeFileInfo> {
  const header = await readHeader(inner, label);
  return { stanzas: header.stanzas, ...layoutOf(inner, header, label) };
}

/** Does this start like an age file? (The first bytes of a `.zip.age`: `age-encryption.org/`.) */
export function looksLikeAge(firstBytes: Uint8Array): boolean {
  return Buffer.from(firstBytes.subarray(0, 19)).toString('latin1') === 'age-encryption.org/';
}

/**
 * Opens `inner` (an age file) as its plaintext. Takes ownership of `inner`: the returned
 * handle's `close` closes it, and so does a failed open. Rejects with ENCRYPTED_NEEDS_KEY,
 * WRONG_KEY, ENCRYPTED_DAMAGED (header, size, or the final chunk), UNSUPPORTED.
 */
export async function openDecryptingReadHandle(inner: ReadHandle, options: DecryptOptions): Promise<DecryptingReadHandle> {
  const label = options.label ?? 'decrypt';
  try {
    return await open(inner, options, label);
  } catch (error) {
    await inner.close().catch(() => {});
    throw error;
  }
}

async function open(inner: ReadHandle, options: DecryptOptions, label: string): Promise<DecryptingReadHandle> {
  const cipher = options.cipher ?? defaultChunkCipher();
  const header = await readHeader(inner, label);
  const fileKey = unwrapFileKey(header, options.identities, label, cipher);
  const { chunks, plaintextSize, payloadOffset } = layoutOf(inner, header, label);
  const nonce = await inner.read(header.size, PAYLOAD_NONCE_SIZE);
  if (nonce.length !== PAYLOAD_NONCE_SIZE) throw new BackupError('ENCRYPTED_DAMAGED', `${label}: the file ends inside the payload nonce (it changed while it was read)`);
  const aead = cipher.forKey(payloadKey(fileKey, nonce));
  const sealedEnd = inner.size;
  const capacity = Math.max(1, options.cacheChunks ?? 32);
  let decrypted = 0;
  // 1 where a chunk has authenticated: authenticateAll skips it.
  const authenticated = new Uint8Array(chunks);
  let authenticatedCount = 0;

  const chunkDamaged = (index: number, detail: string) => {
    const start = payloadOffset + index * SEALED_CHUNK_SIZE;
    const end = Math.min(sealedEnd, start + SEALED_CHUNK_SIZE);
    return new BackupError('ENCRYPTED_DAMAGED', `${label}: chunk ${index + 1} of ${chunks} (bytes ${start}–${end} of the file) ${detail}`);
  };

  /** Decrypts the sealed chunks `first…` found in `sealed` (read from the file in one piece). */
  const openChunks = (first: number, sealed: Uint8Array): Uint8Array[] => {
    const out: Uint8Array[] = [];
    const nonceBytes = new Uint8Array(12);
    for (let at = 0, index = first; at < sealed.length; at += SEALED_CHUNK_SIZE, index += 1) {
      const plain = aead.open(chunkNonce(index, index === chunks - 1, nonceBytes), sealed.subarray(at, Math.min(sealed.length, at + SEALED_CHUNK_SIZE)));
      if (!plain) {
        throw chunkDamaged(index, index === chunks - 1 ? 'does not authenticate as the final chunk: the file was truncated, extended, damaged or altered' : 'does not authenticate: it was damaged, altered, dropped, repeated or moved');
      }
      decrypted += 1;
      if (authenticated[index] === 0) {
        authenticated[index] = 1;
        authenticatedCount += 1;
      }
      out.push(plain);
    }
    return out;
  };

  // Sealed bytes are read in runs of up to 17 chunks (a 1 MiB read at any alignment). A run
  // of more than 2 chunks reads into one of a few buffers of that size, reused once its
  // chunks are decrypted (into new memory): a long read does not fault in fresh pages for
  // every MiB. A run of 1 or 2 (a small entry, a local header: a restore has 16 in flight)
  // reads into a buffer of its own size; a 1.1 MB one each was ~40 MB more peak RSS.
  const RUN = 17;
  const FULL_RUN = RUN * SEALED_CHUNK_SIZE;
  const spare: Uint8Array[] = [];
  const readRun = async (first: number, count: number): Promise<Uint8Array[]> => {
    const start = payloadOffset + first * SEALED_CHUNK_SIZE;
    const length = Math.min(sealedEnd, start + count * SEALED_CHUNK_SIZE) - start;
    const buffer = length > 2 * SEALED_CHUNK_SIZE ? (spare.pop() ?? new Uint8Array(FULL_RUN)) : new Uint8Array(length);
    try {
      const bytes = await inner.read(start, length, buffer);
      if (bytes.length !== length) throw chunkDamaged(first + Math.floor(bytes.length / SEALED_CHUNK_SIZE), `is cut off: the file ends at ${start + bytes.length} bytes (it changed while it was read)`);
      return openChunks(first, bytes);
    } finally {
      if (buffer.length === FULL_RUN && spare.length < 4) spare.push(buffer);
    }
  };
  const readSealed = async (first: number, count: number): Promise<Uint8Array[]> => {
    const out: Uint8Array[] = [];
    for (let i = first; i < first + count; i += RUN) out.push(...(await readRun(i, Math.min(RUN, first + count - i))));
    return out;
  };

  // The final chunk, authenticated before anything is trusted.
  const finalIndex = chunks - 1;
  const finalChunk = (await readSealed(finalIndex, 1))[0]!;

  // LRU: a Map's order is insertion order; a hit moves the chunk to the end.
  const cache = new Map<number, Uint8Array>();
  const pending = new Map<number, Promise<Uint8Array>>();
  const remember = (index: number, plain: Uint8Array) => {
    if (index === finalIndex) return;
    cache.delete(index);
    cache.set(index, plain);
    while (cache.size > capacity) cache.delete(cache.keys().next().value!);
  };
  const cached = (index: number): Uint8Array | undefined => {
    if (index === finalIndex) return finalChunk;
    const plain = cache.get(index);
    if (plain) remember(index, plain);
    return plain;
  };

  /**
   * The chunks `first…last`, each from the cache, from a decryption under way, or read in
   * runs: one inner read per run of chunks that are neither.
   */
  const chunksFor = async (first: number, last: number): Promise<Uint8Array[]> => {
    const result: (Uint8Array | Promise<Uint8Array>)[] = [];
    let runStart = -1;
    const flush = (end: number) => {
      if (runStart < 0) return;
      const start = runStart;
      runStart = -1;
      const run = readSealed(start, end - start);
      for (let i = start; i < end; i += 1) {
        const one = run.then((plains) => plains[i - start]!);
        one.catch(() => {}); // the read that asked for it sees the failure
        pending.set(i, one);
        void one.then(
          () => pending.delete(i),
          () => pending.delete(i),
        );
        result.push(one);
      }
    };
    for (let i = first; i <= last; i += 1) {
      const hit = cached(i) ?? pending.get(i);
      if (hit) {
        flush(i);
        result.push(hit);
      } else if (runStart < 0) {
        runStart = i;
      }
    }
    flush(last + 1);
    return Promise.all(result);
  };

  let closed = false;
  return {
    size: plaintextSize,
    info: { stanzas: header.stanzas, payloadOffset, chunks, plaintextSize },
    get chunksDecrypted() {
      return decrypted;
    },
    get chunksAuthenticated() {
      return authenticatedCount;
    },
    async read(position, length, into) {
      if (closed) throw new Error('read: the handle is closed');
      if (!Number.isSafeInteger(position) || position < 0 || !Number.isSafeInteger(length) || length < 0) {
        throw new RangeError(`read: invalid range ${position}+${length}`);
      }
      const end = Math.min(plaintextSize, position + length);
      if (end <= position) return (into ?? new Uint8Array(0)).subarray(0, 0);
      const out = into ? into.subarray(0, end - position) : new Uint8Array(end - position);
      const first = Math.floor(position / CHUNK_SIZE);
      const last = Math.floor((end - 1) / CHUNK_SIZE);
      const plains = await chunksFor(first, last);
      for (let i = first; i <= last; i += 1) {
        const plain = plains[i - first]!;
        const chunkStart = i * CHUNK_SIZE;
        const from = Math.max(position, chunkStart) - chunkStart;
        const to = Math.min(end, chunkStart + plain.length) - chunkStart;
        out.set(plain.subarray(from, to), chunkStart + from - position);
        // Edges are kept: a neighbouring read (the next entry's header, the other half of a
        // chunk) comes for them; chunks read whole in the middle of a range rarely come back.
        if (i === first || i === last) remember(i, plain);
      }
      return out;
    },
    async authenticateAll({ signal, onProgress } = {}) {
      // Runs of up to RUN chunks that no read has authenticated, front to back; a chunk a
      // read is decrypting now is awaited there (its failure is this one's).
      let index = 0;
      while (index < chunks) {
        if (signal?.aborted) throw new BackupError('CANCELLED', `${label}: cancelled`);
        if (authenticated[index] === 1) {
          index += 1;
          continue;
        }
        const underWay = pending.get(index);
        if (underWay) {
          await underWay;
          continue; // it authenticated (or the read it belongs to threw above)
        }
        let end = index + 1;
        while (end < chunks && end - index < RUN && authenticated[end] === 0 && !pending.has(end)) end += 1;
        await readRun(index, end - index);
        index = end;
        onProgress?.(Math.min(sealedEnd, payloadOffset + index * SEALED_CHUNK_SIZE), sealedEnd);
      }
      onProgress?.(sealedEnd, sealedEnd);
    },
    async close() {
      if (closed) return;
      closed = true;
      cache.clear();
      await inner.close();
    },
  };
}
