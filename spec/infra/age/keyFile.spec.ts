/**
 * The password slot's key file: an age scrypt file holding one secret key. It opens with
 * the password in casevault (node:crypto's scrypt, or age-encryption's own), in
 * age-encryption, and in Debian's `age -d` (the passphrase typed at a pty); `age -d -i
 * key.age` decrypts a backup with it. A wrong password is WRONG_PASSWORD; anything else
 * wrong with the file is KEY_FILE_DAMAGED (and says the recovery key still works).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Decrypter, Encrypter } from 'age-encryption';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { BackupError } from '../../../src/domain/errors.ts';
import { encodeHeader, encodeBase64, newFileKey, parseHeader } from '../../../src/infra/age/header.ts';
import { encryptKeyFile, openKeyFile } from '../../../src/infra/age/keyFile.ts';
import { generateIdentity } from '../../../src/infra/age/keys.ts';
import { ageWithPassword, bytesOf, codeOf, requireAgeCli, sha256 } from './ageHelpers.ts';
import { encryptBytes } from './streamHelpers.ts';

const PASSWORD = 'correct horse battery staple';
/** Work factor 2^10 where the test is about the file, not the KDF's cost (2^18 takes ~1–5 s here). */
const FAST = { workFactor: 10 };

const scratch = mkdtempSync(join(tmpdir(), 'casevault-age-keyfile-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('key file', () => {
  beforeAll(() => {
    requireAgeCli();
  });

  it("is an age scrypt file at age's default work factor that `age -d` opens with the password, and `age -d -i` decrypts a backup with", async () => {
    const identity = generateIdentity();
    const bytes = await encryptKeyFile(identity, PASSWORD);
    const header = parseHeader(bytes, false, 'k')!;
    expect(header.stanzas.map((s) => [s.type, s.args[1]])).toEqual([['scrypt', '18']]);

    const keyPath = join(scratch, 'casevault-key.age');
    writeFileSync(keyPath, bytes);
    const printed = join(scratch, 'identity.txt');
    const run = ageWithPassword(['-d', '-o', printed, keyPath], PASSWORD);
    expect(run.status, run.output).toBe(0);
    const text = readFileSync(printed, 'utf8');
    expect(text).toContain(`# public key: ${identity.recipient.encode()}\n`);
    expect(text).toContain(`\n${identity.encode()}\n`);

    const plain = bytesOf(200_000, 8);
    const backup = join(scratch, 'backup.zip.age');
    writeFileSync(backup, await encryptBytes(plain, { recipients: [identity.recipient] }));
    const out = join(scratch, 'backup.zip');
    const decrypt = ageWithPassword(['-d', '-i', keyPath, '-o', out, backup], PASSWORD);
    expect(decrypt.status, decrypt.output).toBe(0);
    expect(sha256(readFileSync(out))).toBe(sha256(plain));

    const wrong = ageWithPassword(['-d', '-o', join(scratch, 'nothing.txt'), keyPath], 'not the password');
    expect(wrong.status).not.toBe(0);

    // And casevault opens it (node:crypto's scrypt at 2^18).
    expect((await openKeyFile(bytes, PASSWORD)).encode()).toBe(identity.encode());
  });

  it("opens with age-encryption's own passphrase path, and opens what age-encryption writes; either scrypt writes what the other reads", async () => {
    const identity = generateIdentity();
    for (const writer of ['node', 'library'] as const) {
      const bytes = await encryptKeyFile(identity, PASSWORD, { ...FAST, scrypt: writer });
      const decrypter = new Decrypter();
      decrypter.addPassphrase(PASSWORD);
      expect(await decrypter.decrypt(bytes, 'text')).toContain(identity.encode());
      for (const reader of ['node', 'library'] as const) {
        expect((await openKeyFile(bytes, PASSWORD, { scrypt: reader })).encode(), `${writer} → ${reader}`).toBe(identity.encode());
        expect(await codeOf(openKeyFile(bytes, 'nope', { scrypt: reader })), `${writer} → ${reader}`).toBe('WRONG_PASSWORD');
      }
    }
    const encrypter = new Encrypter();
    encrypter.setPassphrase(PASSWORD);
    encrypter.setScryptWorkFactor(10);
    const theirs = await encrypter.encrypt(`${identity.encode()}\n`);
    expect((await openKeyFile(theirs, PASSWORD)).encode()).toBe(identity.encode());
  });

  it('says plainly that the password is wrong, and that the recovery key also works', async () => {
    const bytes = await encryptKeyFile(generateIdentity(), PASSWORD, FAST);
    const error = (await openKeyFile(bytes, 'Correct horse battery staple').catch((e: unknown) => e)) as BackupError;
    expect(error).toBeInstanceOf(BackupError);
    expect(error.code).toBe('WRONG_PASSWORD');
    expect(error.message).toBe('casevault-key.age: the password is wrong (it does not open the key file); the recovery key (AGE-SECRET-KEY-1…) also opens the backups');
  });

  it('takes the same password in composed and decomposed Unicode, and a file age -p wrote with a decomposed one', async () => {
    const composed = 'Müller-Lüdenscheidt';
    const decomposed = composed.normalize('NFD');
    expect(decomposed).not.toBe(composed);
    const identity = generateIdentity();
    const ours = await encryptKeyFile(identity, decomposed, FAST);
    expect((await openKeyFile(ours, composed)).encode()).toBe(identity.encode());
    const encrypter = new Encrypter();
    encrypter.setPassphrase(decomposed); // bytes as typed, as age does
    encrypter.setScryptWorkFactor(10);
    expect((await openKeyFile(await encrypter.encrypt(identity.encode()), decomposed)).encode()).toBe(identity.encode());
  });

  it('refuses a damaged or wrong file with KEY_FILE_DAMAGED, never WRONG_PASSWORD or INTERNAL', async () => {
    const identity = generateIdentity();
    const good = await encryptKeyFile(identity, PASSWORD, FAST);
    const headerSize = parseHeader(good, false, 'k')!.size;
    const flip = (at: number) => {
      const out = Uint8Array.from(good);
      out[at]! ^= 1;
      return out;
    };
    const macAt = Buffer.from(good).toString('latin1').lastIndexOf('--- ') + 5;
    const toKeys = await encryptBytes(new TextEncoder().encode(identity.encode()), { recipients: [identity.recipient] });
    const lib = async (text: string, logN = 10) => {
      const e = new Encrypter();
      e.setPassphrase(PASSWORD);
      e.setScryptWorkFactor(logN);
      return e.encrypt(text);
    };
    const fileKey = newFileKey();
    const tooHard = encodeHeader([{ type: 'scrypt', args: [encodeBase64(new Uint8Array(16)), '21'], body: new Uint8Array(32) }], fileKey);
    const cases: [string, Uint8Array, RegExp][] = [
      // Another base64 letter, not a flipped bit: a flipped bit can leave the alphabet ('z' ^ 1 is '{'), a malformed header instead.
      ['a flipped MAC', (() => { const out = Uint8Array.from(good); out[macAt] = out[macAt] === 0x41 ? 0x42 : 0x41; return out; })(), /MAC does not match|invalid header HMAC/],
      ['a flipped payload byte', flip(headerSize + 20), /does not decrypt/],
      ['a truncated payload', good.subarray(0, good.length - 5), /does not decrypt/],
      ['a truncated header', good.subarray(0, 30), /the age header is damaged/],
      ['a backup (encrypted to keys, not a password)', toKeys, /not a password-protected key file: it is encrypted to X25519/],
      ['an empty file', new Uint8Array(0), /not an age-encrypted file/],
      ['a text file', new TextEncoder().encode('AGE-SECRET-KEY-1…\n'), /not an age-encrypted file/],
      ['a work factor of 2^21', new Uint8Array(Buffer.concat([tooHard, new Uint8Array(32)])), /work factor 2\^21 is above the 2\^20/],
      ['no secret key inside', await lib('# just a comment\n'), /holds 0 key lines/],
      ['two secret keys inside', await lib(`${identity.encode()}\n${generateIdentity().encode()}\n`), /holds 2 key lines/],
      ['a public key inside', await lib(`${identity.recipient.encode()}\n`), /not to an age X25519 secret key/],
    ];
    for (const [what, bytes, message] of cases) {
      const error = await openKeyFile(bytes, PASSWORD).catch((e: unknown) => e);
      expect(error, what).toBeInstanceOf(BackupError);
      expect((error as BackupError).code, `${what}: ${(error as Error).message}`).toBe('KEY_FILE_DAMAGED');
      expect((error as BackupError).message, what).toMatch(message);
      expect((error as BackupError).message, what).toMatch(/the recovery key still opens the backups$/);
      expect((error as BackupError).message, what).not.toContain(identity.encode().slice(16));
    }
  });

  it('refuses an empty password and a work factor outside 1–20 when writing', async () => {
    expect(await codeOf(encryptKeyFile(generateIdentity(), ''))).toBe('INVALID_INPUT');
    expect(await codeOf(encryptKeyFile(generateIdentity(), PASSWORD, { workFactor: 21 }))).toBe('INVALID_INPUT');
  });

  it("uses age-encryption's scrypt where node:crypto refuses scrypt, and the files are the same kind", async () => {
    vi.resetModules();
    vi.doMock('node:crypto', async (importOriginal) => {
      const real = await importOriginal<typeof import('node:crypto')>();
      return {
        ...real,
        scrypt: () => {
          throw new Error('Invalid scrypt params: memory limit exceeded');
        },
      };
    });
    try {
      const limited = await import('../../../src/infra/age/keyFile.ts');
      const keys = await import('../../../src/infra/age/keys.ts');
      const identity = keys.generateIdentity();
      const bytes = await limited.encryptKeyFile(identity, PASSWORD, FAST);
      expect((await limited.openKeyFile(bytes, PASSWORD)).encode()).toBe(identity.encode());
      expect(await codeOf(limited.openKeyFile(bytes, 'wrong'))).toBe('WRONG_PASSWORD');
      // What it wrote opens with node:crypto's scrypt, and the other way round.
      expect((await openKeyFile(bytes, PASSWORD)).encode()).toBe(identity.encode());
      const ours = await encryptKeyFile(identity, PASSWORD, FAST);
      expect((await limited.openKeyFile(ours, PASSWORD)).encode()).toBe(identity.encode());
    } finally {
      vi.doUnmock('node:crypto');
      vi.resetModules();
    }
  });
});
