/**
 * Encryption's keys, beside the backups (issue 13). Two files in the backup dir:
 * - `casevault-key.age`: the password slot's secret key, an age scrypt file (the Encryption
 *   port seals and opens it). Only the password opens it.
 * - `casevault-keys.json` (the keyring): whether encryption is on, the public keys every new
 *   backup is encrypted to (the password slot's, the recovery key's, any added), and per
 *   encrypted backup the public keys it was made for, so WRONG_KEY can list them.
 * Both are replaced crash-safely (atomicFile.ts). The recovery key's secret is never stored:
 * it is shown once at set-up and must be typed (or read) back before encryption is on.
 *
 * Export decides from these files alone whether to encrypt (encryptionPlan): encryption on
 * with its keys missing or damaged is a failure, never a plaintext backup; a key file, or an
 * encrypted backup, without a keyring counts as "on with its keys missing" (ENCRYPTION_UNAVAILABLE;
 * KEY_FILE_DAMAGED is for a damaged file). Turning it off
 * is an explicit act (`setEncryption(false)`, audited by the service).
 */
import type { SecretKey } from '../ports/encryption.ts';
import type { BackupConfig, BackupDeps, Unlock } from './deps.ts';
import { BackupError } from './errors.ts';
import { writeFileAtomic } from './atomicFile.ts';
import { ShapeError, instant, matching, nullable, object, oneOf, parseJsonText, record, required, type Shape } from './jsonShape.ts';
import { ENCRYPTED_EXTENSION } from './backupFiles.ts';

export const KEY_FILE = 'casevault-key.age';
export const KEYRING_FILE = 'casevault-keys.json';
export const KEYRING_VERSION = 1;
/** Shorter passwords are refused; a strength meter (the page) judges the rest. */
export const MIN_PASSWORD_LENGTH = 8;

export type KeyRole = 'password' | 'recovery' | 'added';
export interface KeyEntry {
  readonly publicKey: string;
  readonly role: KeyRole;
  readonly label: string | null;
  readonly addedAt: string;
}
export interface Keyring {
  readonly version: typeof KEYRING_VERSION;
  readonly encryption: 'on' | 'off';
  readonly recipients: readonly KeyEntry[];
  /** Per encrypted backup (file name), the public keys it was encrypted to. */
  readonly backups: Readonly<Record<string, readonly string[]>>;
}

/** What `key show` and the page show: public keys only. */
export interface KeyStatus {
  readonly encryption: 'on' | 'off' | 'not-set-up';
  readonly keyFile: boolean;
  readonly recipients: readonly KeyEntry[];
}

const PUBLIC_KEY = matching(/^age1[02-9ac-hj-np-z]{58}$/, 'an age public key (age1…)');
const list =
  <T>(shape: Shape<T>): Shape<T[]> =>
  (value, path) => {
    if (!Array.isArray(value)) throw new ShapeError(path, 'must be a list');
    return value.map((v, i) => shape(v, `${path}[${i}]`));
  };
const keyringShape: Shape<Keyring> = object<Keyring>({
  version: required((value, path) => {
    if (value !== KEYRING_VERSION) throw new ShapeError(path, `must be ${KEYRING_VERSION} (a later casevault wrote this file?), not ${JSON.stringify(value)}`);
    return KEYRING_VERSION;
  }),
  encryption: required(oneOf(['on', 'off'] as const)),
  recipients: required(
    list(object<KeyEntry>({ publicKey: required(PUBLIC_KEY), role: required(oneOf(['password', 'recovery', 'added'] as const)), label: required(nullable(matching(/^[^\u0000-\u001f]{1,100}$/, 'a label of 1–100 characters'))), addedAt: required(instant) })),
  ),
  backups: required(record((name) => name.endsWith(ENCRYPTED_EXTENSION), `a backup's name (…${ENCRYPTED_EXTENSION})`, list(PUBLIC_KEY))),
});

const keyringPath = (deps: BackupDeps, dir: string) => deps.fs.join(dir, KEYRING_FILE);
const keyFilePath = (deps: BackupDeps, dir: string) => deps.fs.join(dir, KEY_FILE);

/** The keyring in `dir`, or null if there is none. Rejects with KEY_FILE_DAMAGED naming the problem. */
export async function readKeyring(deps: BackupDeps, dir: string): Promise<Keyring | null> {
  const path = keyringPath(deps, dir);
  if (!(await deps.fs.exists(path))) return null;
  try {
    const ring = keyringShape(parseJsonText(new TextDecoder().decode(await deps.fs.readFile(path))), '');
    return ring;
  } catch (error) {
    if (!(error instanceof ShapeError)) throw error;
    throw new BackupError('KEY_FILE_DAMAGED', `${path} (the public keys backups are encrypted to) is damaged: ${error.message}`, { cause: error });
  }
}

async function writeKeyring(deps: BackupDeps, dir: string, ring: Keyring): Promise<void> {
  await writeFileAtomic(deps.fs, dir, KEYRING_FILE, new TextEncoder().encode(`${JSON.stringify(ring, null, 2)}\n`));
}

let queue: Promise<unknown> = Promise.resolve();
/** Read-modify-write of the keyring, one at a time in this process. */
function updateKeyring(deps: BackupDeps, dir: string, change: (ring: Keyring | null) => Keyring | Promise<Keyring>): Promise<Keyring> {
  const next = queue.then(async () => {
    const ring = await change(await readKeyring(deps, dir));
    await writeKeyring(deps, dir, ring);
    return ring;
  });
  queue = next.catch(() => {});
  return next;
}

function encryptionOf(deps: BackupDeps, op: string) {
  if (!deps.encryption) throw new BackupError('UNSUPPORTED', `${op}: this build of casevault has no encryption; nothing was written`);
  return deps.encryption;
}

// ---- export ------------------------------------------------------------------------

/**
 * The public keys a new backup is encrypted to, or null for a plaintext backup (encryption
 * never set up, or turned off explicitly). Rejects with KEY_FILE_DAMAGED when encryption is
 * on and its keys are damaged, ENCRYPTION_UNAVAILABLE when they are missing, UNSUPPORTED
 * when this build cannot encrypt: the export then writes nothing, never a plaintext backup.
 */
export async function encryptionPlan(deps: BackupDeps, config: BackupConfig, op = 'export'): Promise<string[] | null> {
  const { fs } = deps;
  const dir = config.backupDir;
  const never = 'no backup was made (never an unencrypted one while encryption is on)';
  let ring: Keyring | null;
  try {
    ring = await readKeyring(deps, dir);
  } catch (error) {
    if (error instanceof BackupError && error.code === 'KEY_FILE_DAMAGED') throw new BackupError('KEY_FILE_DAMAGED', `${op}: ${error.message}; ${never}`, { cause: error });
    throw error;
  }
  const hasKeyFile = await fs.exists(keyFilePath(deps, dir));
  if (!ring) {
    const encrypted = (await fs.exists(dir)) && (await fs.readdir(dir)).some((n) => n.endsWith(ENCRYPTED_EXTENSION));
    if (!hasKeyFile && !encrypted) return null;
    throw new BackupError(
      'ENCRYPTION_UNAVAILABLE',
      `${op}: encryption is on (${dir} holds ${hasKeyFile ? KEY_FILE : 'encrypted backups'}), but ${KEYRING_FILE}, the public keys backups are encrypted to, is missing; ${never}. Put ${KEYRING_FILE} back from another copy (another backup drive, a copy of this folder), or, to make unencrypted backups from now on, turn encryption off explicitly: casevault key off`,
    );
  }
  if (ring.encryption === 'off') return null;
  if (!hasKeyFile) {
    throw new BackupError(
      'ENCRYPTION_UNAVAILABLE',
      `${op}: encryption is on, but ${KEY_FILE} (the password's key) is missing from ${dir}; ${never}. Put it back from another copy, or set a new password with the recovery key (casevault key passwd --recovery-key-file F), or, to make unencrypted backups from now on, turn encryption off explicitly: casevault key off`,
    );
  }
  // The password's key must still open: a damaged one would make every new backup one the password cannot open.
  try {
    encryptionOf(deps, op).checkKeyFile(await fs.readFile(keyFilePath(deps, dir)), keyFilePath(deps, dir));
  } catch (error) {
    if (error instanceof BackupError && error.code === 'KEY_FILE_DAMAGED') {
      throw new BackupError('KEY_FILE_DAMAGED', `${op}: ${error.message}; ${never}. Set a new password with the recovery key (casevault key passwd --recovery-key-file F), which writes a new key file, or put ${KEY_FILE} back from another copy`, { cause: error });
    }
    throw error;
  }
  if (ring.recipients.length === 0) throw new BackupError('ENCRYPTION_UNAVAILABLE', `${op}: encryption is on, but ${KEYRING_FILE} lists no public key to encrypt to; ${never}. Put ${KEYRING_FILE} back from another copy, or turn encryption off explicitly: casevault key off`);
  const encryption = encryptionOf(deps, op);
  return ring.recipients.map((r) => {
    try {
      return encryption.parsePublicKey(r.publicKey, `${KEYRING_FILE}: the ${r.role} key`);
    } catch (error) {
      throw new BackupError('KEY_FILE_DAMAGED', `${op}: ${error instanceof Error ? error.message : String(error)}; ${never}`, { cause: error });
    }
  });
}

/** Remembers which public keys `fileName` was encrypted to (before it is renamed into place). */
export async function recordRecipients(deps: BackupDeps, config: BackupConfig, fileName: string, recipients: readonly string[]): Promise<void> {
  await updateKeyring(deps, config.backupDir, (ring) => {
    if (!ring) throw new BackupError('ENCRYPTION_UNAVAILABLE', `export: ${KEYRING_FILE} disappeared during the export; no backup was made. Put it back from another copy, or turn encryption off explicitly: casevault key off`);
    return { ...ring, backups: { ...ring.backups, [fileName]: [...recipients] } };
  });
}

/**
 * Forgets the recipients recorded for backups that are no longer in the backup dir (a prune
 * or a delete removed them). The folder is read inside the update, so a backup an export is
 * about to rename into place (its record is written first) is kept while its `.partial` is
 * there. Writes nothing when there is no keyring or nothing to forget.
 */
export async function forgetMissingRecipients(deps: BackupDeps, config: BackupConfig): Promise<void> {
  const dir = config.backupDir;
  const stale = (ring: Keyring | null, present: Set<string>) => Object.keys(ring?.backups ?? {}).filter((name) => !present.has(name) && !present.has(`${name}.partial`));
  if (stale(await readKeyring(deps, dir), new Set(await deps.fs.readdir(dir))).length === 0) return;
  await updateKeyring(deps, dir, async (ring) => {
    const gone = new Set(stale(ring, new Set(await deps.fs.readdir(dir))));
    return { ...ring!, backups: Object.fromEntries(Object.entries(ring!.backups).filter(([name]) => !gone.has(name))) };
  });
}

/** The public keys a backup was made for, from the keyring beside it or the backup dir's; null if unknown. */
export async function recipientsOf(deps: BackupDeps, config: BackupConfig, path: string): Promise<readonly string[] | null> {
  const name = deps.fs.basename(path);
  for (const dir of new Set([deps.fs.dirname(path), config.backupDir])) {
    const ring = await readKeyring(deps, dir).catch(() => null);
    const found = ring?.backups[name];
    if (found) return found;
  }
  return null;
}

// ---- opening an encrypted backup ---------------------------------------------------

/**
 * The secret keys `unlock` gives for the backup at `path`: the recovery key as typed, or the
 * password slot's key from the key file beside the backup (else the backup dir's). Rejects
 * with ENCRYPTED_NEEDS_KEY (nothing given), WRONG_PASSWORD, KEY_FILE_DAMAGED, ENCRYPTION_UNAVAILABLE (no key file), INVALID_INPUT
 * (not a secret key).
 */
export async function keysFor(deps: BackupDeps, config: BackupConfig, path: string, unlock: Unlock | undefined, op: string): Promise<SecretKey[]> {
  const name = deps.fs.basename(path);
  const keys: SecretKey[] = [];
  if (unlock?.recoveryKey !== undefined) keys.push(encryptionOf(deps, op).parseSecretKey(unlock.recoveryKey, `${op}: the recovery key`));
  if (unlock?.password !== undefined) {
    const dirs = [...new Set([deps.fs.dirname(path), config.backupDir])];
    let keyFile: string | undefined;
    for (const dir of dirs) if (!keyFile && (await deps.fs.exists(keyFilePath(deps, dir)))) keyFile = keyFilePath(deps, dir);
    if (!keyFile) {
      throw new BackupError('ENCRYPTION_UNAVAILABLE', `${op}: ${name} is encrypted, but there is no ${KEY_FILE} (the password's key) beside it or in ${config.backupDir}, so the password cannot open it; the recovery key still does (--recovery-key-file F), or put ${KEY_FILE} back from another copy`);
    }
    keys.push(await encryptionOf(deps, op).openKeyFile(await deps.fs.readFile(keyFile), unlock.password, keyFile));
  }
  if (keys.length === 0) {
    throw new BackupError('ENCRYPTED_NEEDS_KEY', `${op}: ${name} is encrypted; give the password or the recovery key (AGE-SECRET-KEY-1…) to open it`);
  }
  return keys;
}

// ---- key set-up and changes (the service audits them) ------------------------------

export interface KeySetupOffer {
  /** Shown once; only its public key is stored. A secret: never log it. */
  readonly recoveryKey: string;
  readonly recoveryPublicKey: string;
  readonly passwordPublicKey: string;
}

function checkPassword(password: unknown, op: string): string {
  if (typeof password !== 'string' || password.length === 0) throw new BackupError('INVALID_INPUT', `${op}: no password given`);
  if ([...password].length < MIN_PASSWORD_LENGTH) throw new BackupError('INVALID_INPUT', `${op}: the password has fewer than ${MIN_PASSWORD_LENGTH} characters`);
  return password;
}

/**
 * Step 1 of set-up: both key pairs and the sealed key file, in memory. Nothing is written
 * until `commit` gets the recovery key back (typed, or read from where it was saved).
 * Rejects with ALREADY_EXISTS when keys are set up here, INVALID_INPUT for a short password.
 */
export async function beginKeySetup(deps: BackupDeps, config: BackupConfig, password: unknown): Promise<{ offer: KeySetupOffer; commit: (recoveryKeyBack: string) => Promise<KeyStatus> }> {
  const op = 'key init';
  const pass = checkPassword(password, op);
  const encryption = encryptionOf(deps, op);
  if ((await readKeyring(deps, config.backupDir))?.recipients.length || (await deps.fs.exists(keyFilePath(deps, config.backupDir)))) {
    throw new BackupError('ALREADY_EXISTS', `${op}: encryption keys are already set up in ${config.backupDir}; change the password with key passwd, add a key with key add`);
  }
  const slot = encryption.generateKey();
  const recovery = encryption.generateKey();
  const sealed = await encryption.sealKeyFile(slot, pass);
  const offer = { recoveryKey: encryption.exportSecretKey(recovery), recoveryPublicKey: recovery.publicKey, passwordPublicKey: slot.publicKey };
  const commit = async (recoveryKeyBack: string): Promise<KeyStatus> => {
    let back: SecretKey;
    try {
      back = encryption.parseSecretKey(recoveryKeyBack, `${op}: the recovery key typed back`);
    } catch (error) {
      throw new BackupError('INVALID_INPUT', `${op}: the recovery key typed back is not the one shown (${error instanceof Error ? error.message : String(error)}); encryption was not turned on`);
    }
    if (back.publicKey !== recovery.publicKey) throw new BackupError('INVALID_INPUT', `${op}: the recovery key typed back is not the one shown; encryption was not turned on`);
    const at = deps.clock.now().toISOString();
    // The key file first: a keyring without it would make exports fail, not go plaintext.
    await writeFileAtomic(deps.fs, config.backupDir, KEY_FILE, sealed);
    await updateKeyring(deps, config.backupDir, (ring) => ({
      version: KEYRING_VERSION,
      encryption: 'on',
      recipients: [
        { publicKey: slot.publicKey, role: 'password', label: null, addedAt: at },
        { publicKey: recovery.publicKey, role: 'recovery', label: null, addedAt: at },
      ],
      backups: ring?.backups ?? {},
    }));
    return showKeys(deps, config);
  };
  return { offer, commit };
}

/** Public keys only. */
export async function showKeys(deps: BackupDeps, config: BackupConfig): Promise<KeyStatus> {
  const ring = await readKeyring(deps, config.backupDir);
  const keyFile = await deps.fs.exists(keyFilePath(deps, config.backupDir));
  return { encryption: ring ? ring.encryption : 'not-set-up', keyFile, recipients: ring?.recipients ?? [] };
}

/**
 * A new password. With the old password: the same key, re-sealed (every backup opens with
 * the new password). With the recovery key (the password is forgotten): a new password key,
 * which new backups are encrypted to; older backups open with the recovery key. Rewrites the
 * key file (and, with the recovery key, the keyring's password slot).
 */
export async function changePassword(deps: BackupDeps, config: BackupConfig, unlock: Unlock, newPassword: unknown): Promise<KeyStatus & { newKey: boolean }> {
  const op = 'key passwd';
  const pass = checkPassword(newPassword, op);
  const encryption = encryptionOf(deps, op);
  const ring = await readKeyring(deps, config.backupDir);
  if (!ring || ring.recipients.length === 0) throw new BackupError('NOT_FOUND', `${op}: no encryption keys are set up in ${config.backupDir} (casevault key init)`);
  const keyFile = keyFilePath(deps, config.backupDir);
  if (unlock.password !== undefined) {
    if (!(await deps.fs.exists(keyFile))) throw new BackupError('ENCRYPTION_UNAVAILABLE', `${op}: ${KEY_FILE} is missing from ${config.backupDir}; give the recovery key instead of the old password`);
    const key = await encryption.openKeyFile(await deps.fs.readFile(keyFile), unlock.password, keyFile);
    await writeFileAtomic(deps.fs, config.backupDir, KEY_FILE, await encryption.sealKeyFile(key, pass));
    return { ...(await showKeys(deps, config)), newKey: false };
  }
  if (unlock.recoveryKey === undefined) throw new BackupError('ENCRYPTED_NEEDS_KEY', `${op}: give the old password or the recovery key`);
  const recovery = encryption.parseSecretKey(unlock.recoveryKey, `${op}: the recovery key`);
  const expected = ring.recipients.find((r) => r.role === 'recovery');
  if (!expected || expected.publicKey !== recovery.publicKey) {
    throw new BackupError('WRONG_KEY', `${op}: that is not this backup dir's recovery key (its public key is ${expected?.publicKey ?? 'not recorded'}, the key given is ${recovery.publicKey})`);
  }
  const slot = encryption.generateKey();
  await writeFileAtomic(deps.fs, config.backupDir, KEY_FILE, await encryption.sealKeyFile(slot, pass));
  const at = deps.clock.now().toISOString();
  await updateKeyring(deps, config.backupDir, (r) => ({
    ...r!,
    recipients: [...r!.recipients.filter((e) => e.role !== 'password'), { publicKey: slot.publicKey, role: 'password', label: null, addedAt: at }],
  }));
  return { ...(await showKeys(deps, config)), newKey: true };
}

export async function addKey(deps: BackupDeps, config: BackupConfig, publicKey: unknown, label: string | null = null): Promise<KeyStatus> {
  const op = 'key add';
  if (typeof publicKey !== 'string') throw new BackupError('INVALID_INPUT', `${op}: no public key given`);
  const key = encryptionOf(deps, op).parsePublicKey(publicKey, `${op}: the key`);
  if (label !== null && !/^[^\u0000-\u001f]{1,100}$/.test(label)) throw new BackupError('INVALID_INPUT', `${op}: a label has 1–100 characters and no control characters`);
  await updateKeyring(deps, config.backupDir, (ring) => {
    if (!ring || ring.recipients.length === 0) throw new BackupError('NOT_FOUND', `${op}: no encryption keys are set up in ${config.backupDir} (casevault key init first)`);
    if (ring.recipients.some((r) => r.publicKey === key)) throw new BackupError('ALREADY_EXISTS', `${op}: ${key} is already a recipient`);
    return { ...ring, recipients: [...ring.recipients, { publicKey: key, role: 'added', label, addedAt: deps.clock.now().toISOString() }] };
  });
  return showKeys(deps, config);
}

export async function removeKey(deps: BackupDeps, config: BackupConfig, publicKey: unknown): Promise<KeyStatus> {
  const op = 'key remove';
  if (typeof publicKey !== 'string') throw new BackupError('INVALID_INPUT', `${op}: no public key given`);
  const key = encryptionOf(deps, op).parsePublicKey(publicKey, `${op}: the key`);
  await updateKeyring(deps, config.backupDir, (ring) => {
    const entry = ring?.recipients.find((r) => r.publicKey === key);
    if (!ring || !entry) throw new BackupError('NOT_FOUND', `${op}: ${key} is not a recipient here`);
    if (entry.role !== 'added') {
      throw new BackupError('INVALID_INPUT', `${op}: ${key} is the ${entry.role} key; it cannot be removed (change the password with key passwd, or turn encryption off with key off)`);
    }
    return { ...ring, recipients: ring.recipients.filter((r) => r !== entry) };
  });
  return showKeys(deps, config);
}

/**
 * Turns encryption off (new backups are plaintext; the keys stay, so older backups still
 * open) or back on. Off is allowed with no keyring (it writes one that says off).
 */
export async function setEncryption(deps: BackupDeps, config: BackupConfig, on: boolean): Promise<KeyStatus> {
  const op = on ? 'key on' : 'key off';
  await updateKeyring(deps, config.backupDir, async (ring) => {
    if (on) {
      if (!ring || ring.recipients.length === 0) throw new BackupError('NOT_FOUND', `${op}: no encryption keys are set up in ${config.backupDir} (casevault key init)`);
      if (!(await deps.fs.exists(keyFilePath(deps, config.backupDir)))) throw new BackupError('ENCRYPTION_UNAVAILABLE', `${op}: ${KEY_FILE} is missing; set a new password with the recovery key (key passwd) first, or put it back from another copy`);
    }
    return ring ? { ...ring, encryption: on ? 'on' : 'off' } : { version: KEYRING_VERSION, encryption: 'off', recipients: [], backups: {} };
  });
  return showKeys(deps, config);
}
