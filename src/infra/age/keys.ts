/**
 * age's X25519 keys over node:crypto: an identity (`AGE-SECRET-KEY-1…`, 32 random bytes)
 * and its recipient (`age1…`, the X25519 public key), as `age-keygen` writes them.
 * Raw 32-byte keys go in and out of node:crypto through their fixed DER wrappings
 * (PKCS #8 and SPKI for OID 1.3.101.110), which every OpenSSL and BoringSSL build reads.
 *
 * An identity keeps its secret in a private field: `toString`, `JSON.stringify` and
 * `console.log` show only its public key; `encode()` is the one way to the secret text.
 */
import { createPrivateKey, createPublicKey, diffieHellman, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { inspect } from 'node:util';
import { BackupError } from '../../domain/errors.ts';
import { bech32Decode, bech32Encode } from './bech32.ts';

const PKCS8_X25519 = Uint8Array.from([0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x6e, 0x04, 0x22, 0x04, 0x20]);
const SPKI_X25519 = Uint8Array.from([0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x6e, 0x03, 0x21, 0x00]);
const IDENTITY_HRP = 'AGE-SECRET-KEY-';
const RECIPIENT_HRP = 'age';

const concat = (a: Uint8Array, b: Uint8Array) => {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
};
const lastBytes = (der: Buffer) => new Uint8Array(der.subarray(der.length - 32));

function publicKeyObject(raw: Uint8Array): KeyObject {
  return createPublicKey({ key: Buffer.from(concat(SPKI_X25519, raw)), format: 'der', type: 'spki' });
}

/** An `age1…` public key: what a backup is encrypted to. */
export class X25519Recipient {
  /** The 32-byte X25519 public key. */
  readonly publicKey: Uint8Array;

  constructor(publicKey: Uint8Array) {
    if (publicKey.length !== 32) throw new TypeError(`X25519Recipient: a public key has 32 bytes, not ${publicKey.length}`);
    this.publicKey = Uint8Array.from(publicKey);
  }

  /** `age1…`, lowercase, as age-keygen prints it. */
  encode(): string {
    return bech32Encode(RECIPIENT_HRP, this.publicKey);
  }

  toString(): string {
    return this.encode();
  }

  toJSON(): string {
    return this.encode();
  }
}

/** An `AGE-SECRET-KEY-1…` secret key: what opens a backup. */
export class X25519Identity {
  readonly #secret: Uint8Array;
  readonly #privateKey: KeyObject;
  readonly recipient: X25519Recipient;

  constructor(secretKey: Uint8Array) {
    if (secretKey.length !== 32) throw new TypeError(`X25519Identity: a secret key has 32 bytes, not ${secretKey.length}`);
    this.#secret = Uint8Array.from(secretKey);
    this.#privateKey = createPrivateKey({ key: Buffer.from(concat(PKCS8_X25519, this.#secret)), format: 'der', type: 'pkcs8' });
    this.recipient = new X25519Recipient(lastBytes(createPublicKey(this.#privateKey).export({ format: 'der', type: 'spki' })));
  }

  /** The secret key as age writes it (`AGE-SECRET-KEY-1…`, uppercase). A secret: never log it. */
  encode(): string {
    return bech32Encode(IDENTITY_HRP, this.#secret);
  }

  /**
   * X25519(secret, their public key). Resolves undefined for a low-order point (an all-zero
   * shared secret), which age requires to be refused.
   */
  sharedSecret(theirPublicKey: Uint8Array): Uint8Array | undefined {
    let shared: Buffer;
    try {
      shared = diffieHellman({ privateKey: this.#privateKey, publicKey: publicKeyObject(theirPublicKey) });
    } catch {
      return undefined; // OpenSSL refuses an all-zero result itself
    }
    return shared.every((b) => b === 0) ? undefined : new Uint8Array(shared);
  }

  toString(): string {
    return `X25519Identity(${this.recipient.encode()})`;
  }

  toJSON(): string {
    return this.toString();
  }

  [inspect.custom](): string {
    return this.toString();
  }
}

/** A new identity from node:crypto's X25519 key generation. */
export function generateIdentity(): X25519Identity {
  const { privateKey } = generateKeyPairSync('x25519');
  return new X25519Identity(lastBytes(privateKey.export({ format: 'der', type: 'pkcs8' })));
}

/**
 * Parses `AGE-SECRET-KEY-1…` (as age-keygen writes it; lowercase is accepted too, since
 * Bech32 allows either, and surrounding white space is ignored). Rejects with INVALID_INPUT
 * naming what is wrong, never echoing the secret.
 */
export function parseIdentity(text: string, what = 'secret key'): X25519Identity {
  const decoded = bech32Decode(text.trim());
  if ('error' in decoded) throw new BackupError('INVALID_INPUT', `${what}: not an age secret key (AGE-SECRET-KEY-1…): ${decoded.error}`);
  if (decoded.hrp.toUpperCase() !== IDENTITY_HRP) {
    const hint = decoded.hrp.toLowerCase() === RECIPIENT_HRP ? ' (that is a public key, age1…)' : '';
    throw new BackupError('INVALID_INPUT', `${what}: not an age X25519 secret key: it starts with "${decoded.hrp.toUpperCase()}1", not "${IDENTITY_HRP}1"${hint}`);
  }
  if (decoded.data.length !== 32) throw new BackupError('INVALID_INPUT', `${what}: an age secret key holds 32 bytes, this one ${decoded.data.length}`);
  return new X25519Identity(decoded.data);
}

/** Parses `age1…` (lowercase as age writes it; uppercase accepted). Rejects with INVALID_INPUT. */
export function parseRecipient(text: string, what = 'public key'): X25519Recipient {
  // The text is not echoed: a secret key pasted where a public key goes must not reach a log.
  const decoded = bech32Decode(text.trim());
  if ('error' in decoded) throw new BackupError('INVALID_INPUT', `${what}: not an age public key (age1…): ${decoded.error}`);
  if (decoded.hrp.toLowerCase() !== RECIPIENT_HRP) {
    const hint = decoded.hrp.toUpperCase() === IDENTITY_HRP ? ' (that is a secret key: give its public key, age1…)' : '';
    throw new BackupError('INVALID_INPUT', `${what}: not an age X25519 public key: it starts with "${decoded.hrp.toLowerCase()}1", not "age1"${hint}`);
  }
  if (decoded.data.length !== 32) throw new BackupError('INVALID_INPUT', `${what}: an age public key holds 32 bytes, this one ${decoded.data.length}`);
  return new X25519Recipient(decoded.data);
}
