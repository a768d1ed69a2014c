/**
 * The Encryption port over this folder's age v1: a SecretKey is an X25519Identity behind a
 * small object that shows only its public key (toString, JSON, inspect), so a secret never
 * reaches a log by accident; `exportSecretKey` is the one way to its text.
 */
import { inspect } from 'node:util';
import type { DecryptingHandle, EncryptedFileInfo, Encryption, SecretKey } from '../../ports/encryption.ts';
import type { ReadHandle, WriteHandle } from '../../ports/fileSystem.ts';
import { createEncryptingWriteHandle } from './encryptingWriteHandle.ts';
import { inspectAgeFile, looksLikeAge, openDecryptingReadHandle } from './decryptingReadHandle.ts';
import { checkKeyFile, encryptKeyFile, openKeyFile, type KeyFileOptions } from './keyFile.ts';
import { generateIdentity, parseIdentity, parseRecipient, type X25519Identity } from './keys.ts';

const identities = new WeakMap<SecretKey, X25519Identity>();

function wrap(identity: X25519Identity): SecretKey {
  const publicKey = identity.recipient.encode();
  const key: SecretKey = Object.freeze({
    publicKey,
    toString: () => `SecretKey(${publicKey})`,
    toJSON: () => `SecretKey(${publicKey})`,
    [inspect.custom]: () => `SecretKey(${publicKey})`,
  });
  identities.set(key, identity);
  return key;
}

function unwrap(key: SecretKey): X25519Identity {
  const identity = identities.get(key);
  if (!identity) throw new TypeError('age: not a secret key of this adapter');
  return identity;
}

export function createAgeEncryption(options: { keyFile?: KeyFileOptions } = {}): Encryption {
  return {
    generateKey: () => wrap(generateIdentity()),
    exportSecretKey: (key) => unwrap(key).encode(),
    parseSecretKey: (text, what) => wrap(parseIdentity(text, what)),
    parsePublicKey: (text, what) => parseRecipient(text, what).encode(),
    sealKeyFile: (key, password) => encryptKeyFile(unwrap(key), password, options.keyFile),
    openKeyFile: async (bytes, password, label) => wrap(await openKeyFile(bytes, password, { ...options.keyFile, label })),
    checkKeyFile: (bytes, label) => checkKeyFile(bytes, label),
    encryptingWriter: (inner: WriteHandle, recipients) =>
      createEncryptingWriteHandle(inner, { recipients: recipients.map((r) => parseRecipient(r, 'recipient')) }),
    openDecrypting: async (inner: ReadHandle, keys, label): Promise<DecryptingHandle> =>
      openDecryptingReadHandle(inner, { identities: keys.map(unwrap), label }),
    inspect: async (inner: ReadHandle, label): Promise<EncryptedFileInfo> => {
      const info = await inspectAgeFile(inner, label);
      return { recipients: info.stanzas.length, plaintextSize: info.plaintextSize, chunks: info.chunks };
    },
    isEncrypted: (firstBytes) => firstBytes.length >= 19 && looksLikeAge(firstBytes),
  };
}

