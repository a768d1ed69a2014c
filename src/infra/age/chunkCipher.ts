/**
 * ChaCha20-Poly1305 (RFC 8439) for age's payload chunks and stanza bodies, from node:crypto
 * where it exists, else from @noble/ciphers (pure JS, audited, the one age-encryption uses).
 * Electron's Node is built on BoringSSL, whose `createCipheriv` has no `chacha20-poly1305`:
 * `defaultChunkCipher()` tries node:crypto once on a known answer and falls back. Both
 * produce the same bytes (spec/infra/age/chunkCipher.spec.ts).
 */
import { createCipheriv, createDecipheriv, createSecretKey, type KeyObject } from 'node:crypto';
import { chacha20poly1305 } from '@noble/ciphers/chacha.js';

export const TAG_SIZE = 16;

/** ChaCha20-Poly1305 under one 32-byte key. */
export interface ChunkAead {
  /** Encrypts `plaintext` into `out`: its ciphertext, then the 16-byte tag (`out.length === plaintext.length + 16`). */
  seal(nonce: Uint8Array, plaintext: Uint8Array, out: Uint8Array): void;
  /**
   * Decrypts and authenticates `sealed` (ciphertext then tag): the plaintext, in new memory
   * the caller may keep, or undefined if it does not authenticate.
   */
  open(nonce: Uint8Array, sealed: Uint8Array): Uint8Array | undefined;
}

export interface ChunkCipher {
  readonly name: 'node:crypto' | '@noble/ciphers';
  forKey(key: Uint8Array): ChunkAead;
}

/** node:crypto's (OpenSSL's) ChaCha20-Poly1305: a new cipher context per chunk, since each has its own nonce. */
export const nodeChunkCipher: ChunkCipher = {
  name: 'node:crypto',
  forKey(key) {
    const secret: KeyObject = createSecretKey(key);
    return {
      seal(nonce, plaintext, out) {
        const cipher = createCipheriv('chacha20-poly1305', secret, nonce, { authTagLength: TAG_SIZE });
        const body = cipher.update(plaintext);
        const rest = cipher.final();
        out.set(body, 0);
        out.set(rest, body.length);
        out.set(cipher.getAuthTag(), plaintext.length);
      },
      open(nonce, sealed) {
        if (sealed.length < TAG_SIZE) return undefined;
        const length = sealed.length - TAG_SIZE;
        const decipher = createDecipheriv('chacha20-poly1305', secret, nonce, { authTagLength: TAG_SIZE });
        decipher.setAuthTag(sealed.subarray(length));
        const body = decipher.update(sealed.subarray(0, length));
        try {
          decipher.final(); // throws when the tag does not match: `body` is then unauthenticated and dropped
        } catch {
          return undefined;
        }
        return new Uint8Array(body.buffer, body.byteOffset, body.length);
      },
    };
  },
};

/** @noble/ciphers' ChaCha20-Poly1305, pure JS: Electron's path (tens of MB/s, see bench). */
export const nobleChunkCipher: ChunkCipher = {
  name: '@noble/ciphers',
  forKey(key) {
    const k = Uint8Array.from(key);
    return {
      seal(nonce, plaintext, out) {
        chacha20poly1305(k, nonce).encrypt(plaintext, out);
      },
      open(nonce, sealed) {
        if (sealed.length < TAG_SIZE) return undefined;
        try {
          return chacha20poly1305(k, nonce).decrypt(sealed);
        } catch {
          return undefined;
        }
      },
    };
  },
};

/** RFC 8439 §2.8.2's key and nonce over a short text: node:crypto must agree with @noble/ciphers on it. */
function nodeCipherWorks(): boolean {
  try {
    const key = Uint8Array.from({ length: 32 }, (_, i) => 0x80 + i);
    const nonce = Uint8Array.from([7, 0, 0, 0, 0x40, 0x41, 0x42, 0x43, 0x44, 0x45, 0x46, 0x47]);
    const text = new TextEncoder().encode('Ladies and Gentlemen of the class of 99');
    const a = new Uint8Array(text.length + TAG_SIZE);
    const b = new Uint8Array(text.length + TAG_SIZE);
    nodeChunkCipher.forKey(key).seal(nonce, text, a);
    nobleChunkCipher.forKey(key).seal(nonce, text, b);
    const back = nodeChunkCipher.forKey(key).open(nonce, a);
    return Buffer.from(a).equals(Buffer.from(b)) && back !== undefined && Buffer.from(back).equals(Buffer.from(text));
  } catch {
    return false; // BoringSSL: "Unknown cipher"
  }
}

let detected: ChunkCipher | undefined;

/** node:crypto's cipher if this runtime has it (Node), else @noble/ciphers' (Electron). Decided once. */
export function defaultChunkCipher(): ChunkCipher {
  return (detected ??= nodeCipherWorks() ? nodeChunkCipher : nobleChunkCipher);
}
