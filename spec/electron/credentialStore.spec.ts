/**
 * The desktop app's S3 credential store, with a fake `electron` whose safeStorage really
 * transforms what it encrypts (a keyed XOR, as opaque to a grep as the OS keychain's blob):
 * what is saved comes back, a secret is never in the file in plain text (nor in base64 of
 * plain text), and with no keychain nothing is saved and the refusal says what to do instead.
 */
import fc from 'fast-check';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

const fake = vi.hoisted(() => ({ available: true, backend: 'gnome_libsecret', key: 0x5a }));

vi.mock('electron', () => ({
  safeStorage: {
    isEncryptionAvailable: () => fake.available,
    getSelectedStorageBackend: () => fake.backend,
    encryptString: (text: string) => {
      const bytes = Buffer.from(`v10${text}`, 'utf8');
      return Buffer.from(bytes.map((b, i) => b ^ ((fake.key + i * 31) & 0xff)));
    },
    decryptString: (blob: Buffer) => {
      const text = Buffer.from(blob.map((b, i) => b ^ ((fake.key + i * 31) & 0xff))).toString('utf8');
      if (!text.startsWith('v10')) throw new Error('Error while decrypting the ciphertext provided to safeStorage.decryptString.');
      return text.slice(3);
    },
  },
}));

const { createKeychainCredentialStore, CREDENTIALS_FILE } = await import('../../src/electron/main/credentialStore.ts');

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'casevault-credentials-'));
  fake.available = true;
  fake.backend = 'gnome_libsecret';
  fake.key = 0x5a;
});
afterEach(() => rm(dir, { recursive: true, force: true }));

/** Every form a secret could take in a file: as it is, JSON-escaped, base64, hex. */
function plainForms(secret: string): string[] {
  const json = JSON.stringify(secret).slice(1, -1);
  return [secret, json, Buffer.from(secret).toString('base64'), Buffer.from(secret).toString('hex')].filter((s) => s.length >= 4);
}

async function filesIn(folder: string): Promise<string> {
  const names = await readdir(folder);
  return (await Promise.all(names.map((n) => readFile(join(folder, n), 'utf8')))).join('\n');
}

const secretArb = fc.string({ minLength: 8, maxLength: 64 }).filter((s) => s.trim().length >= 8);
const keyIdArb = fc.stringMatching(/^[A-Z0-9]{16,24}$/);

describe('createKeychainCredentialStore', () => {
  it('gives back what was saved, per destination name (any case), and forgets it when deleted', async () => {
    const store = createKeychainCredentialStore(join(dir, CREDENTIALS_FILE));
    expect(store.unavailable()).toBeNull();
    await store.set('Offsite S3', { accessKeyId: 'AKIAEXAMPLE1234', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY' });
    await store.set('r2', { accessKeyId: 'R2KEY', secretAccessKey: 'r2-secret-value' });
    expect(await store.get('offsite s3')).toEqual({ accessKeyId: 'AKIAEXAMPLE1234', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY' });
    await store.delete('OFFSITE S3');
    expect(await store.get('Offsite S3')).toBeNull();
    expect(await store.get('r2')).toEqual({ accessKeyId: 'R2KEY', secretAccessKey: 'r2-secret-value' });
    // Only the owner reads the file; no temporary file is left beside it.
    expect((await stat(join(dir, CREDENTIALS_FILE))).mode & 0o077).toBe(0);
    expect(await readdir(dir)).toEqual([CREDENTIALS_FILE]);
  });

  it('never writes a secret or a key id in plain text (property over keys and names)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(fc.stringMatching(/^[a-z][a-z0-9 ]{0,10}$/), keyIdArb, secretArb), { minLength: 1, maxLength: 4 }), async (entries) => {
        const folder = await mkdtemp(join(dir, 'p-'));
        const store = createKeychainCredentialStore(join(folder, CREDENTIALS_FILE));
        for (const [name, accessKeyId, secretAccessKey] of entries) await store.set(name, { accessKeyId, secretAccessKey });
        const written = await filesIn(folder);
        for (const [, accessKeyId, secretAccessKey] of entries) {
          for (const form of [...plainForms(secretAccessKey), ...plainForms(accessKeyId)]) expect(written).not.toContain(form);
        }
        // …and what was written is what opens them again.
        const last = new Map(entries.map(([name, accessKeyId, secretAccessKey]) => [name.toLowerCase(), { accessKeyId, secretAccessKey }]));
        for (const [name, keys] of last) expect(await store.get(name)).toEqual(keys);
      }),
      { numRuns: 40 },
    );
  });

  it('refuses to save without a keychain, saying to use the environment or a profile, and writes nothing', async () => {
    fake.available = false;
    const store = createKeychainCredentialStore(join(dir, CREDENTIALS_FILE));
    expect(store.unavailable()).toMatch(/AWS_ACCESS_KEY_ID.*profile/);
    await expect(store.set('s3', { accessKeyId: 'AKIA0000', secretAccessKey: 'secret-never-saved' })).rejects.toMatchObject({ code: 'PERMISSION_DENIED', message: expect.stringMatching(/AWS_PROFILE/) });
    expect(await readdir(dir)).toEqual([]);
  });

  it('does not count Linux’s basic_text fallback as a keychain', async () => {
    fake.backend = 'basic_text';
    const store = createKeychainCredentialStore(join(dir, CREDENTIALS_FILE));
    expect(store.unavailable()).not.toBeNull();
    await expect(store.set('s3', { accessKeyId: 'AKIA0000', secretAccessKey: 'secret-never-saved' })).rejects.toMatchObject({ code: 'PERMISSION_DENIED' });
  });

  it('answers null (the default chain) for keys another keychain encrypted, and logs no secret', async () => {
    const logged: unknown[] = [];
    const store = createKeychainCredentialStore(join(dir, CREDENTIALS_FILE), { log: (...args) => logged.push(...args) });
    await store.set('s3', { accessKeyId: 'AKIA0000', secretAccessKey: 'the-secret-value' });
    fake.key = 0x11; // another user's keychain
    expect(await store.get('s3')).toBeNull();
    expect(JSON.stringify(logged)).not.toContain('the-secret-value');
  });

  it('keeps both of two saves made at once', async () => {
    const store = createKeychainCredentialStore(join(dir, CREDENTIALS_FILE));
    await Promise.all(['a', 'b', 'c'].map((n) => store.set(n, { accessKeyId: `ID-${n}`, secretAccessKey: `secret-${n}-value` })));
    for (const n of ['a', 'b', 'c']) expect((await store.get(n))?.accessKeyId).toBe(`ID-${n}`);
  });

  it('refuses a damaged file with a coded error instead of dropping the other keys', async () => {
    await writeFile(join(dir, CREDENTIALS_FILE), '{"version": 7}');
    const store = createKeychainCredentialStore(join(dir, CREDENTIALS_FILE));
    await expect(store.set('s3', { accessKeyId: 'AKIA0000', secretAccessKey: 'x-secret-x' })).rejects.toMatchObject({ code: 'IO_ERROR' });
  });
});
