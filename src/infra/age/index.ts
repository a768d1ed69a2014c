/**
 * age v1 (C2SP age spec) for encrypted backups: `<name>.zip.age` is an age file whose
 * payload is the unchanged ZIP, encrypted to X25519 recipients, so `age -d -i KEY` opens
 * it without casevault. What the rest of casevault uses:
 * - keys.ts: X25519 identities (AGE-SECRET-KEY-1…) and recipients (age1…)
 * - encryptingWriteHandle.ts: a WriteHandle that takes the ZIP's bytes and writes the age file
 * - decryptingReadHandle.ts: a seekable ReadHandle of the plaintext over the age file's ReadHandle
 * - keyFile.ts: the password slot's key file (an age scrypt file holding one secret key)
 * header.ts, stream.ts, chunkCipher.ts, sealingPool.ts and bech32.ts are their parts.
 */
export { generateIdentity, parseIdentity, parseRecipient, X25519Identity, X25519Recipient } from './keys.ts';
export { createEncryptingWriteHandle, type EncryptingWriteHandle, type EncryptOptions } from './encryptingWriteHandle.ts';
export {
  inspectAgeFile,
  looksLikeAge,
  openDecryptingReadHandle,
  type AgeFileInfo,
  type DecryptingReadHandle,
  type DecryptOptions,
} from './decryptingReadHandle.ts';
export { decryptWithPassword, encryptKeyFile, KEY_FILE_NAME, KEY_FILE_WORK_FACTOR, MAX_WORK_FACTOR, openKeyFile, type KeyFileOptions } from './keyFile.ts';
export { defaultChunkCipher, nobleChunkCipher, nodeChunkCipher, type ChunkCipher } from './chunkCipher.ts';
export { describeStanzas, type Stanza } from './header.ts';
export { createAgeEncryption } from './ageEncryption.ts';
