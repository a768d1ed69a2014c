/**
 * Opening a backup's ZIP, encrypted or not. A `.zip.age` (or any file that starts like an
 * age file, found when it is not a ZIP) is opened through the Encryption port's decrypting
 * handle with the keys `unlock` gives (keys.ts), and the ZIP reader reads the plaintext
 * through it, every chunk it reads authenticated. WRONG_KEY names the public keys the backup
 * was made for, from the keyring's record. A plaintext ZIP is opened exactly as before.
 */
import type { ArchiveReader } from '../ports/archive.ts';
import type { DecryptingHandle, SecretKey } from '../ports/encryption.ts';
import type { BackupConfig, BackupDeps, RunOptions, Unlock } from './deps.ts';
import { BackupError } from './errors.ts';
import { POOL_DIR, SIDECAR_SUFFIX, isEncryptedFileName, packChecksum, packsOfSidecar, parseSidecar } from './backupFiles.ts';
import { poolDirOf } from './pool.ts';
import { keysFor, recipientsOf } from './keys.ts';

export interface OpenedArchive {
  readonly reader: ArchiveReader;
  /** The decrypting view the reader reads through, for an encrypted backup. */
  readonly decrypting: DecryptingHandle | null;
  /** The keys that opened it (an encrypted backup's pool packs open with the same, unlocked once). */
  readonly keys: readonly SecretKey[] | null;
}

/** `keys`: already unlocked (a backup's pool packs after the backup); otherwise `unlock`'s are. */
export async function openArchive(deps: BackupDeps, config: BackupConfig, path: string, op: string, unlock: Unlock | undefined, keys?: readonly SecretKey[] | null): Promise<OpenedArchive> {
  if (!isEncryptedFileName(path)) {
    try {
      return { reader: await deps.archive.open(path), decrypting: null, keys: keys ?? null };
    } catch (error) {
      // A renamed encrypted backup: say what it is rather than "not a ZIP".
      if (!(error instanceof BackupError && error.code === 'NOT_A_ZIP') || !(await startsEncrypted(deps, path))) throw error;
    }
  }
  return openEncrypted(deps, config, path, op, unlock, keys ?? null);
}

async function startsEncrypted(deps: BackupDeps, path: string): Promise<boolean> {
  if (!deps.encryption) return false;
  const handle = await deps.fs.openRead(path);
  try {
    return deps.encryption.isEncrypted(await handle.read(0, 32));
  } finally {
    await handle.close().catch(() => {});
  }
}

async function openEncrypted(deps: BackupDeps, config: BackupConfig, path: string, op: string, unlock: Unlock | undefined, given: readonly SecretKey[] | null): Promise<OpenedArchive> {
  const name = deps.fs.basename(path);
  if (!deps.encryption) throw new BackupError('UNSUPPORTED', `${op}: ${name} is encrypted, and this build of casevault has no encryption`);
  const keys = given ?? (await keysFor(deps, config, path, unlock, op));
  const inner = await deps.fs.openRead(path);
  let decrypting: DecryptingHandle;
  try {
    decrypting = await deps.encryption.openDecrypting(inner, keys, `${op}: ${name}`); // owns `inner`
  } catch (error) {
    if (error instanceof BackupError && error.code === 'WRONG_KEY') {
      const madeFor = await recipientsOf(deps, config, path);
      if (madeFor) {
        throw new BackupError(
          'WRONG_KEY',
          `${op}: ${name}: the ${unlock?.recoveryKey !== undefined ? 'key' : "password's key"} given does not open it; it was encrypted to ${madeFor.join(', ')}. Try the recovery key, or the password of the backup dir it was made in`,
          { cause: error },
        );
      }
    }
    throw error;
  }
  return { reader: await deps.archive.openHandle(decrypting, path), decrypting, keys };
}

/**
 * What can be checked of a backup without its key: its `.sha256` sidecar against the whole
 * (encrypted) file. Rejects with CHECKSUM_MISMATCH when they differ; resolves with whether a
 * sidecar was there to check. A scheduled run or a drill without the password uses it, so a
 * damaged encrypted backup is still caught.
 */
export async function checkSidecarOnly(deps: BackupDeps, path: string, run: { signal?: AbortSignal } = {}, op = 'verify'): Promise<boolean> {
  const sidecarPath = `${path}${SIDECAR_SUFFIX}`;
  const { sha256 } = await deps.fs.hashFile(path, { signal: run.signal, operation: op });
  if (!(await deps.fs.exists(sidecarPath))) return false;
  const text = new TextDecoder().decode(await deps.fs.readFile(sidecarPath));
  const expected = parseSidecar(text);
  if (expected !== sha256) {
    throw new BackupError('CHECKSUM_MISMATCH', `${op}: ${deps.fs.basename(path)}: the file's SHA-256 is ${sha256}, its ${deps.fs.basename(sidecarPath)} says ${expected ?? 'nothing readable'}: it was damaged or altered`);
  }
  // An incremental backup's packs: each there, and its bytes what its name says (no key needed).
  const dir = poolDirOf(deps, path);
  for (const pack of packsOfSidecar(text) ?? []) {
    const packPath = deps.fs.join(dir, pack);
    if (!(await deps.fs.exists(packPath))) {
      throw new BackupError('POOL_OBJECT_MISSING', `${op}: ${deps.fs.basename(path)} needs ${POOL_DIR}/${pack}, which is not in ${dir}; its documents cannot be restored from this backup (the password or the recovery key names them)`);
    }
    const got = await deps.fs.hashFile(packPath, { signal: run.signal, operation: op });
    if (got.sha256 !== packChecksum(pack)) {
      throw new BackupError('POOL_OBJECT_DAMAGED', `${op}: ${deps.fs.basename(path)} needs ${POOL_DIR}/${pack}, whose SHA-256 is ${got.sha256}, not the one its name says: it was damaged or altered (the password or the recovery key names the documents affected)`);
    }
  }
  return true;
}

/**
 * Verifies with `verify`; when the backup is encrypted and no key was given
 * (ENCRYPTED_NEEDS_KEY), checks what can be checked without one (the sidecar) and resolves
 * 'needs-key' instead of failing: the backup is then unverified, not bad. Any other failure,
 * a sidecar mismatch included, rejects.
 */
export async function verifyOrNeedsKey(deps: BackupDeps, verify: (path: string, run: RunOptions) => Promise<unknown>, path: string, run: RunOptions, op: string): Promise<'ok' | 'needs-key'> {
  try {
    await verify(path, run);
    return 'ok';
  } catch (error) {
    if (!(error instanceof BackupError && error.code === 'ENCRYPTED_NEEDS_KEY')) throw error;
    await checkSidecarOnly(deps, path, run.signal ? { signal: run.signal } : {}, op);
    return 'needs-key';
  }
}
