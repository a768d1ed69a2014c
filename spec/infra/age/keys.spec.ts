/**
 * X25519 keys in age's Bech32 encodings, against `age-keygen` (Go age 1.1.1) and
 * age-encryption (the reference TypeScript age): the same secret key gives the same
 * public key in all three, and typos are refused with INVALID_INPUT without echoing a secret.
 */
import { execFileSync } from 'node:child_process';
import { inspect } from 'node:util';
import { generateX25519Identity, identityToRecipient } from 'age-encryption';
import { beforeAll, describe, expect, it } from 'vitest';
import { BackupError } from '../../../src/domain/errors.ts';
import { bech32Decode, bech32Encode } from '../../../src/infra/age/bech32.ts';
import { generateIdentity, parseIdentity, parseRecipient } from '../../../src/infra/age/keys.ts';
import { AGE_KEYGEN, requireAgeCli } from './ageHelpers.ts';

const invalidInput = (fn: () => unknown) => {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(BackupError);
    return error as BackupError;
  }
  throw new Error('expected INVALID_INPUT');
};

describe('age keys', () => {
  beforeAll(() => {
    requireAgeCli();
  });

  it('reads age-keygen identities and derives the public key it prints', () => {
    for (let i = 0; i < 5; i += 1) {
      const text = execFileSync(AGE_KEYGEN, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
      const secret = text.split('\n').find((l) => l.startsWith('AGE-SECRET-KEY-1'))!;
      const publicKey = /# public key: (age1\S+)/.exec(text)![1]!;
      const identity = parseIdentity(secret);
      expect(identity.recipient.encode()).toBe(publicKey);
      expect(identity.encode()).toBe(secret);
      expect(parseRecipient(publicKey).encode()).toBe(publicKey);
    }
  });

  it('generates identities that age-keygen -y and age-encryption map to the same public key', async () => {
    for (let i = 0; i < 5; i += 1) {
      const identity = generateIdentity();
      const secret = identity.encode();
      expect(secret).toMatch(/^AGE-SECRET-KEY-1[023456789ACDEFGHJKLMNPQRSTUVWXYZ]{58}$/);
      expect(execFileSync(AGE_KEYGEN, ['-y'], { input: `${secret}\n`, encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'] }).trim()).toBe(identity.recipient.encode());
      expect(await identityToRecipient(secret)).toBe(identity.recipient.encode());
    }
    const fromLibrary = await generateX25519Identity();
    expect(parseIdentity(fromLibrary).recipient.encode()).toBe(await identityToRecipient(fromLibrary));
  });

  it("matches the spec's example key pair", () => {
    // C2SP age, "The X25519 recipient type".
    const identity = parseIdentity('AGE-SECRET-KEY-1GFPYYSJZGFPYYSJZGFPYYSJZGFPYYSJZGFPYYSJZGFPYYSJZGFPQ4EGAEX');
    expect(identity.recipient.encode()).toBe('age1zvkyg2lqzraa2lnjvqej32nkuu0ues2s82hzrye869xeexvn73equnujwj');
  });

  it('accepts a lowercase secret key and surrounding white space (a person typed it)', () => {
    const identity = generateIdentity();
    expect(parseIdentity(`  ${identity.encode().toLowerCase()}\n`).encode()).toBe(identity.encode());
    expect(parseRecipient(` ${identity.recipient.encode().toUpperCase()} `).encode()).toBe(identity.recipient.encode());
  });

  it('refuses a mistyped, truncated, mixed-case or misplaced key with INVALID_INPUT, never echoing a secret', () => {
    const identity = generateIdentity();
    const secret = identity.encode();
    const typo = secret.slice(0, 30) + (secret[30] === 'Q' ? 'P' : 'Q') + secret.slice(31);
    const cases: [string, () => unknown, RegExp][] = [
      ['typo', () => parseIdentity(typo, 'recovery key'), /checksum does not match/],
      ['truncated', () => parseIdentity(secret.slice(0, -3)), /checksum/],
      ['mixed case', () => parseIdentity(secret.slice(0, 20) + secret.slice(20).toLowerCase()), /mixes upper and lower case/],
      ['public key as secret', () => parseIdentity(identity.recipient.encode()), /that is a public key/],
      ['secret key as public', () => parseRecipient(secret), /that is a secret key/],
      ['nonsense', () => parseRecipient('hello'), /no "1" separator/],
      ['wrong length', () => parseRecipient(bech32Encode('age', new Uint8Array(31))), /32 bytes, this one 31/],
    ];
    for (const [, fn, message] of cases) {
      const error = invalidInput(fn);
      expect(error.code).toBe('INVALID_INPUT');
      expect(error.message).toMatch(message);
      expect(error.message).not.toContain(secret.slice(16, 40));
      expect(error.message.toLowerCase()).not.toContain(secret.slice(16, 40).toLowerCase());
    }
  });

  it('keeps the secret out of toString, JSON and inspection', () => {
    const identity = generateIdentity();
    const secretPart = identity.encode().slice(16);
    for (const shown of [String(identity), `${identity}`, JSON.stringify({ identity }), inspect(identity), inspect({ nested: { identity } })]) {
      expect(shown).not.toContain(secretPart);
    }
    expect(String(identity)).toContain(identity.recipient.encode());
  });

  it('round-trips Bech32 of any length, and keeps BIP 173 checksums', () => {
    for (const length of [0, 1, 31, 32, 33, 100, 1000]) {
      const data = Uint8Array.from({ length }, (_, i) => (i * 37 + 11) & 0xff);
      for (const hrp of ['age', 'AGE-SECRET-KEY-']) {
        const text = bech32Encode(hrp, data);
        const decoded = bech32Decode(text);
        expect(decoded).toEqual({ hrp, data });
      }
    }
    // BIP 173's valid test strings.
    for (const valid of ['A12UEL5L', 'a12uel5l', 'abcdef1qpzry9x8gf2tvdw0s3jn54khce6mua7lmqqqxw', '?1ezyfcl']) {
      expect('error' in bech32Decode(valid), valid).toBe(false);
    }
    for (const invalid of ['A1G7SGD8', '10a06t8', '1qzzfhee', 'a12UEL5L', 'x1b4n0q5v', 'li1dgmt3', 'de1lg7wt\u00ff']) {
      expect('error' in bech32Decode(invalid), invalid).toBe(true);
    }
  });
});
