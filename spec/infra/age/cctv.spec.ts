/**
 * The C2SP age test vectors (CCTV, npm `cctv-age` 0.2.0) through our reader: files with
 * X25519 identities through the seekable decrypting ReadHandle (read front to back, chunk
 * by chunk), passphrase files through the key file's decryptWithPassword. Each vector's
 * `expect` maps to our codes:
 *   success          → the plaintext, whose SHA-256 is the vector's `payload`
 *   no match         → WRONG_KEY (X25519) / WRONG_PASSWORD (scrypt)
 *   HMAC failure     → ENCRYPTED_DAMAGED / KEY_FILE_DAMAGED
 *   header failure   → ENCRYPTED_DAMAGED or UNSUPPORTED / KEY_FILE_DAMAGED or UNSUPPORTED
 *   payload failure  → ENCRYPTED_DAMAGED / KEY_FILE_DAMAGED; and whatever was released
 *                      before the failure is authentic: each 64 KiB piece is its chunk,
 *                      opened as a non-final chunk under the vector's file key by
 *                      @noble/ciphers directly. (The vector's `payload` hash is what Go's
 *                      streaming reader releases, which retries a full chunk as final;
 *                      ours checks the final chunk first and never retries, so it may
 *                      release less, never other bytes.)
 * One deliberate difference: `scrypt_uppercase` (a `Scrypt` stanza, "no match" for age) is
 * KEY_FILE_DAMAGED for the key file, "not a password-protected key file", not WRONG_PASSWORD.
 * Not run, and counted: ASCII-armored vectors (casevault writes and reads binary age) and
 * those whose identity is a post-quantum one (AGE-SECRET-KEY-PQ-1…: mlkem768x25519 is not
 * implemented; casevault makes X25519 keys).
 */
import { hkdfSync } from 'node:crypto';
import { inflateSync } from 'node:zlib';
import { chacha20poly1305 } from '@noble/ciphers/chacha.js';
import * as testkit from 'cctv-age';
import { describe, expect, it } from 'vitest';
import { BackupError } from '../../../src/domain/errors.ts';
import { CHUNK_SIZE, chunkNonce, SEALED_CHUNK_SIZE } from '../../../src/infra/age/stream.ts';
import { decryptWithPassword } from '../../../src/infra/age/keyFile.ts';
import { parseIdentity } from '../../../src/infra/age/keys.ts';
import { sha256 } from './ageHelpers.ts';
import { parseHeader } from '../../../src/infra/age/header.ts';
import { openBytes } from './streamHelpers.ts';

interface Vector {
  readonly name: string;
  readonly expect: string;
  readonly payload: string;
  readonly fileKey: string;
  readonly identities: string[];
  readonly passphrases: string[];
  readonly armored: boolean;
  readonly file: Uint8Array;
}

function vectors(): Vector[] {
  return Object.entries(testkit as unknown as Record<string, Uint8Array>).map(([name, contents]) => {
    let split = 0;
    while (!(contents[split] === 0x0a && contents[split + 1] === 0x0a)) split += 1;
    const meta = new TextDecoder().decode(contents.subarray(0, split)).split('\n');
    const values = (key: string) => meta.filter((l) => l.startsWith(`${key}: `)).map((l) => l.slice(key.length + 2));
    let file = contents.subarray(split + 2);
    const compressed = values('compressed')[0];
    if (compressed === 'zlib') file = new Uint8Array(inflateSync(file));
    else if (compressed) throw new Error(`${name}: unknown compression ${compressed}`);
    return {
      name,
      expect: values('expect')[0]!,
      payload: values('payload')[0] ?? '',
      fileKey: values('file key')[0] ?? '',
      identities: values('identity'),
      passphrases: values('passphrase'),
      armored: values('armored')[0] === 'yes',
      file,
    };
  });
}

const all = vectors();
const skipReason = (v: Vector) =>
  v.armored ? 'armored' : v.identities.some((i) => i.startsWith('AGE-SECRET-KEY-PQ-')) ? 'post-quantum identity' : undefined;
const run = all.filter((v) => !skipReason(v));

/** Decrypts through our code; resolves the released plaintext and the code it stopped with, if any. */
async function attempt(v: Vector): Promise<{ released: Uint8Array; code?: string }> {
  const parts: Uint8Array[] = [];
  const done = (error?: unknown) => {
    if (error !== undefined && !(error instanceof BackupError)) throw error;
    return { released: new Uint8Array(Buffer.concat(parts)), ...(error ? { code: (error as BackupError).code } : {}) };
  };
  if (v.passphrases.length > 0) {
    let last: unknown;
    for (const passphrase of v.passphrases) {
      try {
        parts.push(await decryptWithPassword(v.file, passphrase, { label: v.name }));
        return done();
      } catch (error) {
        last = error;
        if (!(error instanceof BackupError && error.code === 'WRONG_PASSWORD')) break;
      }
    }
    return done(last);
  }
  let handle;
  try {
    handle = await openBytes(v.file, v.identities.map((i) => parseIdentity(i)));
  } catch (error) {
    return done(error);
  }
  try {
    for (let at = 0; at < handle.size; at += CHUNK_SIZE) parts.push(await handle.read(at, CHUNK_SIZE));
    return done();
  } catch (error) {
    return done(error);
  } finally {
    await handle.close();
  }
}

/** Each 64 KiB piece of `released` is its chunk of `v.file`, authentic as a non-final chunk (checked without our code's cipher). */
function authentic(v: Vector, released: Uint8Array): boolean {
  const headerSize = parseHeader(v.file, true, v.name)!.size;
  const nonce = v.file.subarray(headerSize, headerSize + 16);
  const key = new Uint8Array(hkdfSync('sha256', Buffer.from(v.fileKey, 'hex'), nonce, 'payload', 32));
  for (let i = 0; i * CHUNK_SIZE < released.length; i += 1) {
    const start = headerSize + 16 + i * SEALED_CHUNK_SIZE;
    try {
      const plain = chacha20poly1305(key, chunkNonce(i, false)).decrypt(v.file.subarray(start, start + SEALED_CHUNK_SIZE));
      if (!Buffer.from(plain).equals(Buffer.from(released.subarray(i * CHUNK_SIZE, (i + 1) * CHUNK_SIZE)))) return false;
    } catch {
      return false;
    }
  }
  return true;
}

const EXPECTED: Record<string, { x25519: string[]; scrypt: string[] }> = {
  success: { x25519: [], scrypt: [] },
  'no match': { x25519: ['WRONG_KEY'], scrypt: ['WRONG_PASSWORD'] },
  'HMAC failure': { x25519: ['ENCRYPTED_DAMAGED'], scrypt: ['KEY_FILE_DAMAGED'] },
  'header failure': { x25519: ['ENCRYPTED_DAMAGED', 'UNSUPPORTED'], scrypt: ['KEY_FILE_DAMAGED', 'UNSUPPORTED'] },
  'payload failure': { x25519: ['ENCRYPTED_DAMAGED'], scrypt: ['KEY_FILE_DAMAGED'] },
};

describe('C2SP age test vectors (cctv-age)', () => {
  it('has the vectors, and runs all but the armored and post-quantum ones', () => {
    const skipped = all.filter(skipReason);
    // cctv-age 0.2.0: 143 vectors = 92 run + 33 armored + 18 with a post-quantum identity.
    expect(all.length).toBe(143);
    expect(skipped.filter((v) => skipReason(v) === 'armored').length).toBe(33);
    expect(new Set(skipped.map(skipReason))).toEqual(new Set(['armored', 'post-quantum identity']));
    expect(skipped.every((v) => v.name.startsWith('armor') || v.name.startsWith('hybrid'))).toBe(true);
    expect(run.length).toBe(92);
  });

  it.each(run.map((v) => [v.name, v] as const))('%s', async (_, v) => {
    const { released, code } = await attempt(v);
    const kind = v.passphrases.length > 0 ? 'scrypt' : 'x25519';
    if (v.expect === 'success') {
      expect(code, `${v.name} should decrypt`).toBeUndefined();
      expect(sha256(released)).toBe(v.payload);
      return;
    }
    const allowed = v.name === 'scrypt_uppercase' ? ['KEY_FILE_DAMAGED'] : EXPECTED[v.expect]?.[kind];
    if (!allowed) throw new Error(`${v.name}: unknown expectation ${v.expect}`);
    expect(allowed, `${v.name} (${v.expect}) gave ${code ?? 'success'}`).toContain(code);
    if (v.expect === 'payload failure' && released.length > 0) expect(authentic(v, released), `${v.name}: released bytes that are not its chunks`).toBe(true);
  });
});
