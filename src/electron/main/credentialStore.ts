/**
 * The desktop app's credential store (src/app/credentials.ts): S3 keys typed into the page,
 * kept with Electron's safeStorage (the OS keychain: Keychain on macOS, DPAPI on Windows,
 * the Secret Service or kwallet on Linux). The file in userData holds, per destination name,
 * only the blob `safeStorage.encryptString` made of the keys: never a key in plain text.
 * Where safeStorage cannot encrypt (no keychain; Linux's 'basic_text' fallback, which is not
 * a keychain), nothing is saved: the page is told to use the environment or a profile.
 * The file is written whole to a temporary name (0600), then renamed over the old one.
 */
import { safeStorage, type SafeStorage } from 'electron';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { CredentialStore, S3Credentials } from '../../app/credentials.ts';
import { BackupError } from '../../domain/errors.ts';

export const CREDENTIALS_FILE = 'casevault-credentials.json';

export const NO_KEYCHAIN =
  'this computer has no keychain casevault can use to encrypt the keys (Electron’s safeStorage is unavailable), so they are not saved: ' +
  'set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY in the environment, or a profile (AWS_PROFILE) in ~/.aws/credentials, and leave the key fields empty';

type Keychain = Pick<SafeStorage, 'isEncryptionAvailable' | 'encryptString' | 'decryptString'> & { getSelectedStorageBackend?: () => string };

interface FileShape {
  readonly version: 1;
  /** Per destination name (lower case): base64 of encryptString(JSON of the keys). */
  readonly credentials: Record<string, string>;
}

export function createKeychainCredentialStore(path: string, options: { keychain?: Keychain; log?: (message: string, error?: unknown) => void } = {}): CredentialStore {
  const keychain = (): Keychain => options.keychain ?? safeStorage;
  const unavailable = (): string | null => {
    const k = keychain();
    if (!k.isEncryptionAvailable()) return NO_KEYCHAIN;
    // On Linux without a Secret Service, Electron "encrypts" with a fixed key: not a keychain.
    if (k.getSelectedStorageBackend?.() === 'basic_text') return NO_KEYCHAIN;
    return null;
  };

  async function load(): Promise<FileShape> {
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { version: 1, credentials: {} };
      throw error;
    }
    const parsed = JSON.parse(text) as Partial<FileShape> | null;
    if (parsed?.version !== 1 || typeof parsed.credentials !== 'object' || parsed.credentials === null) {
      throw new BackupError('IO_ERROR', `credentials: ${path} is damaged; remove it and type the keys of the S3 destinations again`);
    }
    return { version: 1, credentials: { ...parsed.credentials } };
  }

  async function save(file: FileShape): Promise<void> {
    await mkdir(dirname(path), { recursive: true, mode: 0o700 });
    const temp = `${path}.${process.pid}.tmp`;
    try {
      await writeFile(temp, `${JSON.stringify(file, null, 2)}\n`, { mode: 0o600 });
      await rename(temp, path);
    } catch (error) {
      await rm(temp, { force: true });
      throw error;
    }
  }

  // One change at a time: two saves at once would lose one.
  let queue: Promise<unknown> = Promise.resolve();
  const serial = <T>(fn: () => Promise<T>): Promise<T> => {
    const run = queue.then(fn, fn);
    queue = run.catch(() => {});
    return run;
  };

  return {
    where: 'the OS keychain',
    unavailable,
    get: async (name) => {
      const blob = (await load()).credentials[name.toLowerCase()];
      if (blob === undefined || unavailable() !== null) return null;
      try {
        const keys = JSON.parse(keychain().decryptString(Buffer.from(blob, 'base64'))) as Partial<S3Credentials>;
        if (typeof keys.accessKeyId !== 'string' || typeof keys.secretAccessKey !== 'string') return null;
        return { accessKeyId: keys.accessKeyId, secretAccessKey: keys.secretAccessKey };
      } catch (error) {
        // Another user's or another machine's keychain: the keys must be typed again (never the blob in the log).
        options.log?.(`credentials: the keys of ${name} cannot be decrypted with this keychain; type them again`, error instanceof Error ? error.message : undefined);
        return null;
      }
    },
    set: (name, credentials) =>
      serial(async () => {
        const why = unavailable();
        if (why !== null) throw new BackupError('PERMISSION_DENIED', `credentials: ${why}`);
        const blob = keychain().encryptString(JSON.stringify({ accessKeyId: credentials.accessKeyId, secretAccessKey: credentials.secretAccessKey }));
        const file = await load();
        await save({ version: 1, credentials: { ...file.credentials, [name.toLowerCase()]: Buffer.from(blob).toString('base64') } });
      }),
    delete: (name) =>
      serial(async () => {
        const file = await load();
        if (!(name.toLowerCase() in file.credentials)) return;
        const { [name.toLowerCase()]: _gone, ...rest } = file.credentials;
        await save({ version: 1, credentials: rest });
      }),
  };
}
