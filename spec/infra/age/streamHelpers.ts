/** Encrypting and decrypting whole byte arrays through the age handles, for the specs. */
import type { ChunkCipher } from '../../../src/infra/age/chunkCipher.ts';
import { openDecryptingReadHandle, type DecryptingReadHandle } from '../../../src/infra/age/decryptingReadHandle.ts';
import { createEncryptingWriteHandle, type EncryptOptions } from '../../../src/infra/age/encryptingWriteHandle.ts';
import type { X25519Identity } from '../../../src/infra/age/keys.ts';
import { memoryReadHandle, memoryWriteHandle } from './ageHelpers.ts';

/** Encrypts `plaintext` through the encrypting WriteHandle, in writes of `writeSize` bytes. */
export async function encryptBytes(plaintext: Uint8Array, options: EncryptOptions, writeSize = 1 << 20): Promise<Uint8Array> {
  const sink = memoryWriteHandle();
  const handle = await createEncryptingWriteHandle(sink, options);
  for (let at = 0; at < plaintext.length; at += writeSize) await handle.write(plaintext.subarray(at, at + writeSize));
  await handle.close();
  if (!sink.closed) throw new Error('the inner handle was not closed');
  return sink.bytes();
}

export function openBytes(file: Uint8Array, identities: readonly X25519Identity[], cipher?: ChunkCipher, cacheChunks?: number): Promise<DecryptingReadHandle> {
  return openDecryptingReadHandle(memoryReadHandle(file), { identities, label: 'test.zip.age', ...(cipher ? { cipher } : {}), ...(cacheChunks ? { cacheChunks } : {}) });
}

/** The whole plaintext, read front to back in reads of `readSize`. */
export async function readAll(file: Uint8Array, identities: readonly X25519Identity[], cipher?: ChunkCipher, readSize = 1 << 20): Promise<Uint8Array> {
  const handle = await openBytes(file, identities, cipher);
  try {
    const out = new Uint8Array(handle.size);
    for (let at = 0; at < handle.size; at += readSize) out.set(await handle.read(at, readSize), at);
    return out;
  } finally {
    await handle.close();
  }
}
