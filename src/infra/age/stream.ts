/**
 * age's payload: the STREAM construction of the C2SP age spec. After the header come a
 * 16-byte nonce and the plaintext in 64 KiB chunks, each sealed with ChaCha20-Poly1305
 * under payload key = HKDF-SHA-256(ikm = file key, salt = nonce, info = "payload"), with
 * the 12-byte nonce counter (11 bytes, big-endian, from 0) || final flag (1 on the last
 * chunk only). Only the last chunk may be short, and only an empty payload has an empty
 * chunk (its one, final chunk). So the ciphertext's size says how many chunks there are
 * and the plaintext's size, and a chunk dropped, repeated, moved or cut off fails its tag.
 */
import { hkdfSync } from 'node:crypto';
import { TAG_SIZE, type ChunkAead } from './chunkCipher.ts';

export const CHUNK_SIZE = 64 * 1024;
export const SEALED_CHUNK_SIZE = CHUNK_SIZE + TAG_SIZE;
export const PAYLOAD_NONCE_SIZE = 16;
export const FILE_KEY_SIZE = 16;

/** HKDF-SHA-256 with a 32-byte output, the only length age derives. */
export function hkdf32(ikm: Uint8Array, salt: Uint8Array, info: string): Uint8Array {
  return new Uint8Array(hkdfSync('sha256', ikm, salt, info, 32));
}

export function payloadKey(fileKey: Uint8Array, nonce: Uint8Array): Uint8Array {
  return hkdf32(fileKey, nonce, 'payload');
}

/** The 12-byte ChaCha20-Poly1305 nonce of chunk `index` (< 2^53, far below the 2^88 the counter allows). */
export function chunkNonce(index: number, final: boolean, into = new Uint8Array(12)): Uint8Array {
  into.fill(0);
  const high = Math.floor(index / 2 ** 32);
  into[3] = (high >>> 24) & 0xff;
  into[4] = (high >>> 16) & 0xff;
  into[5] = (high >>> 8) & 0xff;
  into[6] = high & 0xff;
  new DataView(into.buffer, into.byteOffset, 12).setUint32(7, index >>> 0);
  into[11] = final ? 1 : 0;
  return into;
}

/** Bytes of sealed chunks for a plaintext of `size` bytes (an empty one is one empty chunk). */
export function sealedSize(size: number): number {
  return size + TAG_SIZE * Math.max(1, Math.ceil(size / CHUNK_SIZE));
}

/**
 * The chunk count and plaintext size of `sealed` bytes of chunks, or undefined when no
 * valid payload has that size: none at all, a last chunk of only a tag after others
 * (an empty final chunk), or a piece too short to hold a tag.
 */
export function payloadLayout(sealed: number): { chunks: number; size: number } | undefined {
  if (sealed < TAG_SIZE) return undefined;
  const chunks = Math.max(1, Math.ceil(sealed / SEALED_CHUNK_SIZE));
  const last = sealed - (chunks - 1) * SEALED_CHUNK_SIZE;
  if (last < TAG_SIZE || (chunks > 1 && last === TAG_SIZE)) return undefined;
  return { chunks, size: sealed - chunks * TAG_SIZE };
}

/**
 * Seals `plaintext` as chunks `first`, `first + 1`, … into `out` (its sealed size). Every
 * chunk but a short last one is 64 KiB; when `final`, the last chunk carries the final flag
 * (and an empty plaintext is one empty final chunk).
 */
export function sealChunks(aead: ChunkAead, first: number, plaintext: Uint8Array, final: boolean, out: Uint8Array): void {
  const count = Math.max(1, Math.ceil(plaintext.length / CHUNK_SIZE));
  if (!final && plaintext.length !== count * CHUNK_SIZE) throw new Error('sealChunks: only the final chunk may be short');
  const nonce = new Uint8Array(12);
  for (let i = 0; i < count; i += 1) {
    const start = i * CHUNK_SIZE;
    const end = Math.min(plaintext.length, start + CHUNK_SIZE);
    const at = i * SEALED_CHUNK_SIZE;
    aead.seal(chunkNonce(first + i, final && i === count - 1, nonce), plaintext.subarray(start, end), out.subarray(at, at + end - start + TAG_SIZE));
  }
}
