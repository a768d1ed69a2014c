/**
 * Off-machine copies (issue 14): the destinations a backup dir copies its backups to, and
 * what copying, listing, fetching back and pruning there mean. The adapters (the
 * DestinationStore port) make each object appear whole or not at all and confirm what they
 * stored; this module decides what goes where:
 * - Destinations are stored beside the policy, in casevault-destinations.json: a name, on or
 *   off, and where (a folder path; an S3 endpoint, region, bucket, prefix, path style and
 *   checksum mode). Never a credential: the CLI takes the SDK's default chain, the desktop
 *   app the OS keychain.
 * - A backup on a destination is its file and then its sidecar, in that order: the sidecar
 *   is the mark of a whole copy, so a listed remote backup is always complete. A file without
 *   its sidecar (a copy cut between the two) is finished if its size is right, else removed
 *   and copied again. After the sidecar is written it is read back and compared.
 * - An incremental backup's documents are in pool packs (pool.ts): before its file, each pack
 *   its sidecar lists that the destination does not hold at the size it has here goes up as
 *   `pool/<name>` and is read back (its SHA-256 must be its name), so a listed remote backup
 *   always has its packs and a nightly copy sends the small ZIP and the one new pack. After
 *   retention there, the pool there is collected with the local rule (`poolGarbage`); a
 *   download fetches only the packs the pool here lacks; a drill reads each pack once.
 * - An encrypted backup travels with the password's key file, stored once per content as
 *   `casevault-key-<sha256 16>.age` (objects are never overwritten; a new password is a new
 *   object), so a new machine can open it with the password alone.
 * - `syncDestination` copies every local backup a destination lacks (newest first): what
 *   run-due calls, so a copy that failed is retried by the next run. Then retention, the
 *   backup dir's policy, applies there on its own: pins and the last verified-good backup hold
 *   there too, and a locked object (Object Lock) is reported as kept, not as a failure.
 */
import type { DestinationStore, DestinationTarget } from '../ports/destination.ts';
import type { ReadHandle } from '../ports/fileSystem.ts';
import { writeFileAtomic } from './atomicFile.ts';
import { PARTIAL_SUFFIX, POOL_DIR, SIDECAR_SUFFIX, dateFromFileName, isBackupFileName, isEncryptedFileName, isPackFileName, packChecksum, packsOfSidecar, parseSidecar } from './backupFiles.ts';
import { lastVerifiedGood, pinnedSet, readState, recordCopy, updateState, type BackupState } from './backupState.ts';
import type { BackupConfig, BackupDeps } from './deps.ts';
import { BackupError, throwIfCancelled, toBackupError, type ErrorCode } from './errors.ts';
import { ShapeError, boolean, instant, matching, nullable, object, oneOf, parseJsonText, required, withDefault, type Shape } from './jsonShape.ts';
import { KEY_FILE } from './keys.ts';
import { listBackups, type BackupListing } from './listBackups.ts';
import { timeZoneOf } from './localTime.ts';
import { readPolicy } from './policy.ts';
import { poolDir, poolGarbage } from './pool.ts';
import { decideRetention, type RetentionDecision } from './retention.ts';

export const DESTINATIONS_FILE = 'casevault-destinations.json';
export const DESTINATIONS_VERSION = 1;
/** How a key file is named on a destination: by its content, so it is never overwritten. */
export const REMOTE_KEY_FILE = /^casevault-key-[0-9a-f]{16}\.age$/;

export interface DestinationEntry {
  readonly name: string;
  readonly enabled: boolean;
  readonly target: DestinationTarget;
  readonly addedAt: string;
}

interface DestinationsFile {
  readonly version: typeof DESTINATIONS_VERSION;
  readonly destinations: readonly DestinationEntry[];
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9 ._-]{0,39}$/;
const nameShape = matching(NAME, 'a name of 1–40 letters, digits, spaces, ".", "_" or "-"');
const s3Shape = object<Extract<DestinationTarget, { kind: 's3' }>>({
  kind: required(oneOf(['s3'] as const)),
  endpoint: withDefault(nullable(matching(/^https?:\/\/[^\s/?#@]+(\/[^\s?#@]*)?$/, 'an http(s) URL without credentials')), () => null),
  region: withDefault(matching(/^[a-z0-9-]{1,40}$/, 'a region like "us-east-1"'), () => 'us-east-1'),
  bucket: required(matching(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'a bucket name (3–63 lower-case letters, digits, "." or "-")')),
  prefix: withDefault(matching(/^((?!\.\.?\/)[A-Za-z0-9._-]+\/)*$/, 'a prefix of folder names each ending in "/" (or empty; no "." or "..")'), () => ''),
  pathStyle: withDefault(boolean, () => false),
  checksum: withDefault(oneOf(['when-supported', 'when-required'] as const), () => 'when-supported' as const),
});
const folderShape = object<Extract<DestinationTarget, { kind: 'folder' }>>({
  kind: required(oneOf(['folder'] as const)),
  path: required(matching(/^(\/|[A-Za-z]:[\\/]|\\\\)[^\0]{0,4000}$/, 'an absolute path')),
});
const targetShape: Shape<DestinationTarget> = (value, path) => {
  const kind = (value as { kind?: unknown } | null)?.kind;
  if (kind === 'folder') return folderShape(value, path);
  if (kind === 's3') return s3Shape(value, path);
  throw new ShapeError(`${path}.kind`, 'must be "folder" or "s3"');
};
const entryShape = object<DestinationEntry>({ name: required(nameShape), enabled: withDefault(boolean, () => true), target: required(targetShape), addedAt: required(instant) });
const fileShape: Shape<DestinationsFile> = object<DestinationsFile>({
  version: required((value, path) => {
    if (value !== DESTINATIONS_VERSION) throw new ShapeError(path, `must be ${DESTINATIONS_VERSION} (a later casevault wrote this file?), not ${JSON.stringify(value)}`);
    return DESTINATIONS_VERSION;
  }),
  destinations: required((value, path) => {
    if (!Array.isArray(value)) throw new ShapeError(path, 'must be a list');
    const entries = value.map((v, i) => entryShape(v, `${path}[${i}]`));
    const seen = new Set<string>();
    for (const e of entries) {
      if (seen.has(e.name.toLowerCase())) throw new ShapeError(path, `names ${JSON.stringify(e.name)} twice`);
      seen.add(e.name.toLowerCase());
    }
    return entries;
  }),
});

/** The destinations of the backup dir (none if it has no file). POLICY_INVALID if the file is damaged. */
export async function readDestinations(deps: BackupDeps, config: BackupConfig): Promise<DestinationEntry[]> {
  const path = deps.fs.join(config.backupDir, DESTINATIONS_FILE);
  if (!(await deps.fs.exists(path))) return [];
  try {
    return [...fileShape(parseJsonText(new TextDecoder().decode(await deps.fs.readFile(path))), '').destinations];
  } catch (error) {
    if (!(error instanceof ShapeError)) throw error;
    throw new BackupError('POLICY_INVALID', `destinations: ${DESTINATIONS_FILE} in the backup dir is damaged or was edited by hand: ${error.path ? `${error.path} ${error.problem}` : error.problem}; fix it, or remove it and add the destinations again`, { cause: error });
  }
}

async function writeDestinations(deps: BackupDeps, config: BackupConfig, destinations: readonly DestinationEntry[]): Promise<void> {
  if (!(await deps.fs.exists(config.backupDir))) await deps.fs.mkdir(config.backupDir);
  const file: DestinationsFile = { version: DESTINATIONS_VERSION, destinations };
  await writeFileAtomic(deps.fs, config.backupDir, DESTINATIONS_FILE, new TextEncoder().encode(`${JSON.stringify(file, null, 2)}\n`));
}

/** Validates a target a person gave (INVALID_INPUT naming the setting). */
export function parseTarget(input: unknown): DestinationTarget {
  try {
    return targetShape(input, 'destination');
  } catch (error) {
    if (!(error instanceof ShapeError)) throw error;
    throw new BackupError('INVALID_INPUT', `${error.path} ${error.problem}`);
  }
}

export function storeOf(deps: BackupDeps, target: DestinationTarget): DestinationStore {
  if (!deps.destinations) throw new BackupError('UNSUPPORTED', 'copies off the machine: this build of casevault has no destinations');
  return deps.destinations.open(target);
}

export interface ProbeResult {
  readonly description: string;
  readonly freeBytes: number | null;
  readonly maxFileSize: number | null;
  /** What a person should know but that does not stop a copy ("not off-machine: the same drive as the data"). */
  readonly warnings: readonly string[];
}

/** Is the destination there and writable (a probe object written, read and removed)? Rejects with its DEST_* code. */
export async function probeDestination(deps: BackupDeps, config: BackupConfig, target: DestinationTarget, options: { signal?: AbortSignal } = {}): Promise<ProbeResult> {
  const store = storeOf(deps, target);
  const report = await store.probe({ ...(options.signal ? { signal: options.signal } : {}), sameDeviceAs: config.dataDir });
  const warnings = report.sameDevice ? [`${store.description} is on the same drive as the data dir: a copy there is not off the machine, and a failing disk takes both`] : [];
  return { description: store.description, freeBytes: report.freeBytes, maxFileSize: report.maxFileSize, warnings };
}

/** Adds a destination after probing it (a destination that cannot be written is refused with its code). */
export async function addDestination(deps: BackupDeps, config: BackupConfig, input: { name: unknown; target: unknown }, options: { signal?: AbortSignal } = {}): Promise<{ entry: DestinationEntry; probe: ProbeResult }> {
  let name: string;
  try {
    name = nameShape(input.name, 'name');
  } catch (error) {
    throw new BackupError('INVALID_INPUT', `destination: the name ${error instanceof ShapeError ? error.problem : 'is not valid'}`);
  }
  const target = parseTarget(input.target);
  const current = await readDestinations(deps, config);
  if (current.some((d) => d.name.toLowerCase() === name.toLowerCase())) throw new BackupError('ALREADY_EXISTS', `destination: there is already one named ${JSON.stringify(name)}`);
  const probe = await probeDestination(deps, config, target, options);
  const entry: DestinationEntry = { name, enabled: true, target, addedAt: deps.clock.now().toISOString() };
  await writeDestinations(deps, config, [...current, entry]);
  return { entry, probe };
}

export async function findDestination(deps: BackupDeps, config: BackupConfig, name: unknown): Promise<DestinationEntry> {
  const all = await readDestinations(deps, config);
  const found = all.find((d) => typeof name === 'string' && d.name.toLowerCase() === name.toLowerCase());
  if (!found) {
    throw new BackupError('NOT_FOUND', `destination: there is none named ${JSON.stringify(String(name).slice(0, 40))}${all.length ? `; there are ${all.map((d) => JSON.stringify(d.name)).join(', ')}` : '; add one with `casevault dest add`'}`);
  }
  return found;
}

/** Removes a destination from the list (its copies stay where they are). */
export async function removeDestination(deps: BackupDeps, config: BackupConfig, name: unknown): Promise<DestinationEntry> {
  const entry = await findDestination(deps, config, name);
  await writeDestinations(deps, config, (await readDestinations(deps, config)).filter((d) => d.name !== entry.name));
  return entry;
}

export async function setDestinationEnabled(deps: BackupDeps, config: BackupConfig, name: unknown, enabled: boolean): Promise<DestinationEntry> {
  const entry = await findDestination(deps, config, name);
  const next = { ...entry, enabled };
  await writeDestinations(deps, config, (await readDestinations(deps, config)).map((d) => (d.name === entry.name ? next : d)));
  return next;
}

// ---- what is on a destination ----------------------------------------------------------

export interface RemoteBackup {
  readonly fileName: string;
  readonly size: number;
  readonly createdAt: string;
  readonly encrypted: boolean;
}

/** A pool pack's name on a destination: `pool/<name>`, as in the backup dir. */
const POOL_PREFIX = `${POOL_DIR}/`;
const remotePack = (pack: string): string => POOL_PREFIX + pack;

interface RemoteListing {
  /** Whole backups (file and sidecar), newest first. */
  readonly backups: RemoteBackup[];
  /** Every object name with its size, the pool's packs as `pool/<name>`. */
  readonly objects: Map<string, number>;
}

async function listRemote(store: DestinationStore, signal?: AbortSignal, options: { pool?: boolean } = {}): Promise<RemoteListing> {
  const objects = new Map<string, number>();
  for await (const object of store.list(signal ? { signal } : {})) objects.set(object.name, object.size);
  if (options.pool !== false) {
    for await (const object of store.list({ ...(signal ? { signal } : {}), folder: POOL_DIR })) {
      if (object.name.startsWith(POOL_PREFIX) && isPackFileName(object.name.slice(POOL_PREFIX.length))) objects.set(object.name, object.size);
    }
  }
  const backups: RemoteBackup[] = [];
  for (const [name, size] of objects) {
    if (!isBackupFileName(name) || !objects.has(name + SIDECAR_SUFFIX)) continue;
    const date = dateFromFileName(name);
    backups.push({ fileName: name, size, createdAt: (date ?? new Date(0)).toISOString(), encrypted: isEncryptedFileName(name) });
  }
  backups.sort((a, b) => b.createdAt.localeCompare(a.createdAt) || b.fileName.localeCompare(a.fileName));
  return { backups, objects };
}

/** The whole backups on a destination, newest first (a backup is whole once its sidecar is there). */
export async function listDestinationBackups(deps: BackupDeps, target: DestinationTarget, options: { signal?: AbortSignal } = {}): Promise<RemoteBackup[]> {
  return (await listRemote(storeOf(deps, target), options.signal, { pool: false })).backups;
}

// ---- copying -------------------------------------------------------------------------

export interface CopyProgress {
  /** The backup's file name, or `pool/<name>` while a pack it needs goes up (or comes down). */
  readonly fileName: string;
  readonly done: number;
  readonly total: number;
}

export interface CopyOptions {
  readonly signal?: AbortSignal;
  readonly onProgress?: (progress: CopyProgress) => void;
}

function bytesHandle(data: Uint8Array): ReadHandle {
  return {
    size: data.byteLength,
    read: async (position, length) => data.slice(position, position + length),
    close: async () => {},
  };
}

async function readAll(store: DestinationStore, name: string, signal?: AbortSignal): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  await store.get(name, { write: async (chunk) => void chunks.push(chunk), close: async () => {}, abort: async () => {} }, signal ? { signal } : {});
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.byteLength, 0));
  let at = 0;
  for (const c of chunks) out.set(c, (at += c.byteLength) - c.byteLength);
  return out;
}

/** The SHA-256 of an object there; its bytes only pass through the hash. */
async function remoteSha256(deps: BackupDeps, store: DestinationStore, name: string, signal?: AbortSignal): Promise<string> {
  const hash = deps.hashing.sha256();
  await store.get(name, { write: async (chunk) => hash.update(chunk), close: async () => {}, abort: async () => {} }, signal ? { signal } : {});
  return hash.digest();
}

async function localSha256(deps: BackupDeps, path: string): Promise<string> {
  const hash = deps.hashing.sha256();
  const source = await deps.fs.openRead(path);
  try {
    const buffer = new Uint8Array(1 << 20);
    for (let at = 0; at < source.size; ) {
      const chunk = await source.read(at, Math.min(buffer.byteLength, source.size - at), buffer);
      if (chunk.byteLength === 0) break;
      hash.update(chunk);
      at += chunk.byteLength;
    }
  } finally {
    await source.close();
  }
  return hash.digest();
}

/** The packs a local backup's sidecar lists (none for a full backup); null without a readable sidecar. */
async function localPacks(deps: BackupDeps, config: BackupConfig, fileName: string): Promise<string[] | null> {
  const path = deps.fs.join(config.backupDir, fileName + SIDECAR_SUFFIX);
  if (!(await deps.fs.exists(path))) return null;
  return packsOfSidecar(new TextDecoder().decode(await deps.fs.readFile(path)));
}

/** What one sync knows and counts while it copies: the destination's listing (kept current as it puts and removes), the local packs' sizes, the report's tallies. */
interface CopyRun {
  readonly store: DestinationStore;
  readonly remote: RemoteListing;
  readonly options: CopyOptions;
  readonly maxFileSize: number | null;
  /** Local pack → its size here, or null if the pool here lacks it. */
  readonly packSizes: Map<string, number | null>;
  readonly packsCopied: string[];
  readonly packsPresent: Set<string>;
  bytes: number;
}

async function localPackSize(deps: BackupDeps, config: BackupConfig, run: CopyRun, pack: string): Promise<number | null> {
  let size = run.packSizes.get(pack);
  if (size === undefined) {
    const path = deps.fs.join(poolDir(deps, config), pack);
    size = (await deps.fs.exists(path)) ? (await deps.fs.stat(path)).size : null;
    run.packSizes.set(pack, size);
  }
  return size;
}

/**
 * The packs of `packs` the destination does not hold whole: not there, or there at another
 * size than here. One there that the pool here lacks counts as held (it may be the only copy).
 */
async function packsLacking(deps: BackupDeps, config: BackupConfig, run: CopyRun, packs: readonly string[]): Promise<string[]> {
  const lacking: string[] = [];
  for (const pack of packs) {
    const there = run.remote.objects.get(remotePack(pack));
    const here = await localPackSize(deps, config, run, pack);
    if (there === undefined || (here !== null && there !== here)) lacking.push(pack);
  }
  return lacking;
}

/**
 * Copies one local backup to a destination, unless it is there whole: first every pool pack
 * its sidecar lists that is not there whole (`copyPack`), then the file, then the sidecar, the
 * mark of a whole copy, so a listed remote backup always has its packs. A listed one that lacks
 * a pack (a drill removed a damaged one) is unlisted (its sidecar removed) while its packs go up.
 * Resolves with 'copied' or 'present'. A copy that does not match (the put's own confirmation,
 * the sidecar read back) is removed and copied once more, then COPY_MISMATCH.
 */
async function copyOne(deps: BackupDeps, config: BackupConfig, run: CopyRun, backup: BackupListing): Promise<'copied' | 'present'> {
  const { fs } = deps;
  const { store, remote, options } = run;
  const name = backup.fileName;
  const what = `copying ${name} to ${store.description}`;
  const sidecarPath = fs.join(config.backupDir, name + SIDECAR_SUFFIX);
  if (!(await fs.exists(sidecarPath))) throw new BackupError('NOT_FOUND', `${what}: it has no ${name}${SIDECAR_SUFFIX} (a backup is copied with its checksum); verify it first`);
  const sidecar = await fs.readFile(sidecarPath);
  const text = new TextDecoder().decode(sidecar);
  if (parseSidecar(text) === null) throw new BackupError('CHECKSUM_MISMATCH', `${what}: its ${name}${SIDECAR_SUFFIX} is not a SHA-256 line`);
  const packs = packsOfSidecar(text);
  if (packs === null) throw new BackupError('CHECKSUM_MISMATCH', `${what}: its ${name}${SIDECAR_SUFFIX} has a line after its own that is not a pool pack's (\`<sha256>  pool/<sha256>.zip\`); verify it`);
  const lacking = await packsLacking(deps, config, run, packs);
  for (const pack of packs) if (!lacking.includes(pack)) run.packsPresent.add(pack);
  const remoteSize = remote.objects.get(name);
  const remoteSidecar = remote.objects.has(name + SIDECAR_SUFFIX);
  if (remoteSize === backup.size && remoteSidecar && lacking.length === 0) return 'present';

  if (isEncryptedFileName(name)) await copyKeyFile(deps, config, run);
  if (lacking.length > 0 && remoteSidecar) {
    // Listed without all its packs: not listed while they go up (the sidecar is what marks a copy whole).
    await store.remove(name + SIDECAR_SUFFIX);
    remote.objects.delete(name + SIDECAR_SUFFIX);
  }
  for (const pack of lacking) {
    throwIfCancelled(options.signal, what);
    await copyPack(deps, config, run, pack, name);
  }
  for (let attempt = 1; ; attempt++) {
    try {
      const have = remote.objects.get(name);
      if (have !== undefined && have !== backup.size) {
        await store.remove(name + SIDECAR_SUFFIX);
        await store.remove(name);
        remote.objects.delete(name);
      }
      if (!remote.objects.has(name)) {
        const source = await fs.openRead(backup.filePath);
        try {
          await store.put(name, source, {
            ...(options.signal ? { signal: options.signal } : {}),
            onProgress: (done, total) => options.onProgress?.({ fileName: name, done, total }),
          });
        } finally {
          await source.close();
        }
        remote.objects.set(name, backup.size);
        run.bytes += backup.size;
      }
      // Its size is right here: a put resolves only once the destination confirmed what it stores
      // (the port's promise), and a file found there was listed at the backup's size above.
      if (remote.objects.has(name + SIDECAR_SUFFIX)) await store.remove(name + SIDECAR_SUFFIX);
      await store.put(name + SIDECAR_SUFFIX, bytesHandle(sidecar), options.signal ? { signal: options.signal } : {});
      remote.objects.set(name + SIDECAR_SUFFIX, sidecar.byteLength);
      run.bytes += sidecar.byteLength;
      const back = await readAll(store, name + SIDECAR_SUFFIX, options.signal);
      if (!sameBytes(back, sidecar)) throw new BackupError('COPY_MISMATCH', `${what}: its checksum file read back differs from the one written`);
      return 'copied';
    } catch (error) {
      const coded = toBackupError(error, what);
      if (coded.code !== 'COPY_MISMATCH') throw coded;
      // A bad copy is removed (sidecar first: it is what marks a copy whole), then tried once more.
      await store.remove(name + SIDECAR_SUFFIX).catch(() => {});
      await store.remove(name).catch(() => {});
      remote.objects.delete(name);
      remote.objects.delete(name + SIDECAR_SUFFIX);
      if (attempt >= 2) throw coded;
      deps.log?.(`${what}: ${coded.message}; the bad copy was removed, trying again`);
    }
  }
}

/**
 * Copies one pool pack to `pool/<name>` there and reads it back: its SHA-256 must be its name
 * (where a backup's sidecar is read back; a pack has no sidecar, its name is its checksum). A
 * copy there at another size is removed first (a pack never changes, so it is not this one). A
 * copy that reads back different is removed and made once more, then COPY_MISMATCH; a pack that
 * is damaged here is POOL_OBJECT_DAMAGED and not copied, one missing here POOL_OBJECT_MISSING.
 */
async function copyPack(deps: BackupDeps, config: BackupConfig, run: CopyRun, pack: string, backupName: string): Promise<void> {
  const { fs } = deps;
  const { store, remote, options } = run;
  const name = remotePack(pack);
  const what = `copying ${name} (a pack ${backupName} needs) to ${store.description}`;
  const path = fs.join(poolDir(deps, config), pack);
  const size = await localPackSize(deps, config, run, pack);
  if (size === null) throw new BackupError('POOL_OBJECT_MISSING', `${what}: it is not in ${poolDir(deps, config)} here, so ${backupName} cannot be copied whole; \`casevault verify ${backupName}\` names the documents and cases it affects`);
  if (run.maxFileSize !== null && size > run.maxFileSize) {
    throw new BackupError('DEST_FILE_TOO_LARGE', `${what}: it is ${size} bytes and that file system holds files up to ${run.maxFileSize} bytes (FAT32: 4 GiB); reformat the drive as exFAT, NTFS or ext4, or choose another destination`);
  }
  const expected = packChecksum(pack);
  for (let attempt = 1; ; attempt++) {
    try {
      if (remote.objects.has(name)) {
        await store.remove(name);
        remote.objects.delete(name);
      }
      const source = await fs.openRead(path);
      try {
        await store.put(name, source, {
          ...(options.signal ? { signal: options.signal } : {}),
          onProgress: (done, total) => options.onProgress?.({ fileName: name, done, total }),
        });
      } finally {
        await source.close();
      }
      remote.objects.set(name, size);
      run.bytes += size;
      const actual = await remoteSha256(deps, store, name, options.signal);
      if (actual !== expected) {
        const here = await localSha256(deps, path);
        if (here !== expected) {
          await store.remove(name).catch(() => {});
          remote.objects.delete(name);
          throw new BackupError('POOL_OBJECT_DAMAGED', `${what}: the pack here is damaged (its SHA-256 is ${here}, its name says ${expected}), so it was not copied; \`casevault verify ${backupName}\` names the documents and cases it affects`);
        }
        throw new BackupError('COPY_MISMATCH', `${what}: read back from there, its SHA-256 is ${actual}, its name says ${expected}`);
      }
      run.packsCopied.push(pack);
      return;
    } catch (error) {
      const coded = toBackupError(error, what);
      if (coded.code !== 'COPY_MISMATCH') throw coded;
      await store.remove(name).catch(() => {});
      remote.objects.delete(name);
      if (attempt >= 2) throw coded;
      deps.log?.(`${what}: ${coded.message}; the bad copy was removed, trying again`);
    }
  }
}

const sameBytes = (a: Uint8Array, b: Uint8Array) => a.byteLength === b.byteLength && a.every((v, i) => v === b[i]);

async function copyKeyFile(deps: BackupDeps, config: BackupConfig, run: CopyRun): Promise<void> {
  const { store, remote, options } = run;
  const path = deps.fs.join(config.backupDir, KEY_FILE);
  if (!(await deps.fs.exists(path))) return; // a backup made to added keys only: nothing to carry
  const bytes = await deps.fs.readFile(path);
  const hash = deps.hashing.sha256();
  hash.update(bytes);
  const name = `casevault-key-${hash.digest().slice(0, 16)}.age`;
  if (remote.objects.has(name)) return;
  await store.put(name, bytesHandle(bytes), options.signal ? { signal: options.signal } : {});
  remote.objects.set(name, bytes.byteLength);
  run.bytes += bytes.byteLength;
}

export interface DestinationCopyReport {
  readonly destination: string;
  readonly description: string;
  /** Backups copied now, and those that were there already. */
  readonly copied: readonly string[];
  readonly present: readonly string[];
  /** Pool packs copied now (names in `pool/`), and how many the backups copied or checked found there already. */
  readonly packsCopied: readonly string[];
  readonly packsPresent: number;
  /** Bytes sent: backups, packs, sidecars, key files (what a nightly copy of an incremental backup keeps small). */
  readonly bytesCopied: number;
  /** Leftovers of interrupted copies removed first (temporary files, multipart uploads). */
  readonly cleaned: number;
  /** What retention removed there, and what it could not because the destination locks it (packs as `pool/<name>`). */
  readonly pruned: readonly string[];
  readonly locked: readonly string[];
  /** Packs the pool's collection removed there after retention (no sidecar there lists them). */
  readonly packsRemoved: readonly string[];
  readonly warnings: readonly string[];
  readonly failure: { readonly code: ErrorCode; readonly message: string; readonly fileName: string | null } | null;
}

/**
 * Brings one destination up to date: probes it, removes what interrupted copies left, copies
 * `only` (or every local backup it lacks, newest first, with the packs it lacks), then applies
 * retention there if `prune`, and collects the pool there. A failure stops this destination and
 * is reported, never thrown (CANCELLED is).
 */
export async function syncDestination(
  deps: BackupDeps,
  config: BackupConfig,
  entry: DestinationEntry,
  options: CopyOptions & { only?: string; prune?: boolean } = {},
): Promise<DestinationCopyReport> {
  const copied: string[] = [];
  const present: string[] = [];
  const pruned: string[] = [];
  const locked: string[] = [];
  const packsRemoved: string[] = [];
  const warnings: string[] = [];
  let cleaned = 0;
  let current: string | null = null;
  let run: CopyRun | null = null;
  const store = storeOf(deps, entry.target);
  const report = (failure: DestinationCopyReport['failure']): DestinationCopyReport => ({
    destination: entry.name,
    description: store.description,
    copied,
    present,
    packsCopied: run?.packsCopied ?? [],
    packsPresent: run?.packsPresent.size ?? 0,
    bytesCopied: run?.bytes ?? 0,
    cleaned,
    pruned,
    locked,
    packsRemoved,
    warnings,
    failure,
  });
  try {
    const probe = await probeDestination(deps, config, entry.target, options.signal ? { signal: options.signal } : {});
    warnings.push(...probe.warnings);
    cleaned = await store.cleanUp(options.signal ? { signal: options.signal } : {});
    const remote = await listRemote(store, options.signal);
    const local = (await listBackups(deps, config)).filter((b) => options.only === undefined || b.fileName === options.only);
    if (options.only !== undefined && local.length === 0) throw new BackupError('NOT_FOUND', `copy: there is no backup named ${options.only} in ${config.backupDir}`);
    run = { store, remote, options, maxFileSize: probe.maxFileSize, packSizes: new Map(), packsCopied: [], packsPresent: new Set(), bytes: 0 };
    // What the destination lacks: the backups not there whole, and the packs they list that are not there (each once).
    const missing: BackupListing[] = [];
    const missingPacks = new Set<string>();
    for (const backup of local) {
      const lacking = await packsLacking(deps, config, run, (await localPacks(deps, config, backup.fileName)) ?? []);
      for (const pack of lacking) missingPacks.add(pack);
      if (lacking.length > 0 || !(remote.objects.get(backup.fileName) === backup.size && remote.objects.has(backup.fileName + SIDECAR_SUFFIX))) missing.push(backup);
    }
    let need = missing.reduce((n, b) => n + b.size, 0);
    for (const pack of missingPacks) need += (await localPackSize(deps, config, run, pack)) ?? 0;
    if (probe.freeBytes !== null && need > probe.freeBytes) {
      const packs = missingPacks.size > 0 ? ` and ${missingPacks.size} pool pack(s)` : '';
      throw new BackupError('NO_SPACE', `copy to ${store.description}: ${missing.length} backup(s)${packs} need ${need} bytes and ${probe.freeBytes} are free there; free some space or prune`);
    }
    for (const backup of local) {
      throwIfCancelled(options.signal, `copy to ${store.description}`);
      current = backup.fileName;
      if (probe.maxFileSize !== null && backup.size > probe.maxFileSize) {
        throw new BackupError('DEST_FILE_TOO_LARGE', `copying ${backup.fileName} to ${store.description}: it is ${backup.size} bytes and that file system holds files up to ${probe.maxFileSize} bytes (FAT32: 4 GiB); reformat the drive as exFAT, NTFS or ext4, or choose another destination`);
      }
      (await copyOne(deps, config, run, backup)) === 'copied' ? copied.push(backup.fileName) : present.push(backup.fileName);
    }
    current = null;
    if (options.prune) {
      // Over what is there now (the copies just made included), listed again.
      const decision = await remoteRetention(deps, config, (await listRemote(store, options.signal, { pool: false })).backups);
      for (const name of decision.drop) {
        const outcome = await store.remove(name);
        if (outcome === 'locked') {
          locked.push(name);
          continue;
        }
        await store.remove(name + SIDECAR_SUFFIX);
        pruned.push(name);
      }
      const collection = await collectRemotePool(deps, store, options.signal);
      packsRemoved.push(...collection.removed);
      locked.push(...collection.locked);
      if (collection.skipped) warnings.push(collection.skipped);
    }
    return report(null);
  } catch (error) {
    const coded = toBackupError(error, `copy to ${store.description}`);
    if (coded.code === 'CANCELLED') throw coded;
    if (coded.code === 'INTERNAL') deps.log?.(`copy to ${store.description} failed`, error);
    return report({ code: coded.code, message: coded.message, fileName: current });
  }
}

/** Retention on a destination: the backup dir's policy over what is there, with the local pins and last verified-good backup. */
async function remoteRetention(deps: BackupDeps, config: BackupConfig, backups: readonly RemoteBackup[]): Promise<RetentionDecision> {
  const [{ policy }, state] = await Promise.all([readPolicy(deps, config), readState(deps, config)]);
  return decideRetention({ backups, retention: policy.retention, pinned: pinnedSet(state), lastVerifiedGood: lastVerifiedGood(backups, state), timeZone: timeZoneOf(deps.clock) });
}

/**
 * The pool's collector on a destination, with the backup dir's rule (pool.ts `poolGarbage`):
 * removes every pack there that no sidecar there lists. Every backup's sidecar there counts,
 * whole copy or not (one whose file retention could not remove, a copy cut before its file):
 * a pack kept too long costs space, one removed too soon loses a backup. A sidecar that is not
 * ours (a line that is not a pack's) keeps the whole pool there (`skipped` says which); one
 * that cannot be fetched fails the collection, so nothing is removed. Nothing of ours puts a
 * pack there meanwhile: the copier holds the backup dir's export lock. A pack the destination
 * locks (Object Lock) is reported as kept.
 */
async function collectRemotePool(deps: BackupDeps, store: DestinationStore, signal?: AbortSignal): Promise<{ removed: string[]; locked: string[]; skipped: string | null }> {
  const { objects } = await listRemote(store, signal);
  const pool = [...objects.keys()].filter((n) => n.startsWith(POOL_PREFIX)).map((n) => n.slice(POOL_PREFIX.length));
  const removed: string[] = [];
  const locked: string[] = [];
  if (pool.length === 0) return { removed, locked, skipped: null };
  const listed: string[][] = [];
  let skipped: string | null = null;
  for (const name of objects.keys()) {
    if (!name.endsWith(SIDECAR_SUFFIX) || !isBackupFileName(name.slice(0, -SIDECAR_SUFFIX.length))) continue;
    throwIfCancelled(signal, `collecting the pool on ${store.description}`);
    let packs: string[] | null;
    try {
      packs = packsOfSidecar(new TextDecoder().decode(await readAll(store, name, signal)));
    } catch (error) {
      if (error instanceof BackupError && error.code === 'NOT_FOUND') continue; // gone since the listing: it lists nothing
      throw error;
    }
    if (packs === null) {
      skipped = `the pool on ${store.description} was not collected: ${name} there is not a sidecar of ours, so the packs its backup needs are unknown; remove it there if it is not a backup's`;
      break;
    }
    listed.push(packs);
  }
  for (const pack of poolGarbage({ listed, unknown: skipped !== null, pool })) {
    throwIfCancelled(signal, `collecting the pool on ${store.description}`);
    const outcome = await store.remove(remotePack(pack));
    if (outcome === 'locked') locked.push(remotePack(pack));
    else if (outcome === 'removed') removed.push(pack);
  }
  return { removed, locked, skipped };
}

/** syncDestination, and its outcome recorded in the state (for run-due's retries and the alarm). */
export async function syncAndRecord(deps: BackupDeps, config: BackupConfig, entry: DestinationEntry, options: CopyOptions & { only?: string; prune?: boolean } = {}): Promise<DestinationCopyReport> {
  const report = await syncDestination(deps, config, entry, options);
  const whole = [...report.copied, ...report.present].sort((a, b) => (dateFromFileName(b)?.getTime() ?? 0) - (dateFromFileName(a)?.getTime() ?? 0) || b.localeCompare(a));
  const newest = options.only === undefined ? (report.failure ? null : (whole[0] ?? null)) : null;
  try {
    await updateState(deps, config, (state) => {
      const before = state.copies[entry.name];
      // A copy of one backup says nothing of the newest: keep what was known.
      const known = options.only === undefined ? newest : (before?.newest ?? null);
      return recordCopy(state, entry.name, { at: deps.clock.now().toISOString(), outcome: report.failure ? 'failed' : 'ok', newest: known, code: report.failure?.code ?? null, message: report.failure?.message.slice(0, 2000) ?? null });
    });
  } catch (error) {
    deps.log?.(`copy to ${entry.name}: could not record the copy in the state`, error);
  }
  return report;
}

/** How long after a failed copy run-due tries again. */
export const COPY_RETRY_MS = 15 * 60_000;

/**
 * Which enabled destinations a copy is due for (pure): one never copied to (while there is a
 * backup), one whose newest whole backup is not the newest local one, one whose last copy
 * failed at least COPY_RETRY_MS ago. `nextDueAt`: the soonest retry of a failed one, if none is due.
 */
export function copyDue(input: { destinations: readonly Pick<DestinationEntry, 'name' | 'enabled'>[]; newestBackup: string | null; state: BackupState; now: Date }): { due: string[]; nextDueAt: string | null } {
  const due: string[] = [];
  let next: number | null = null;
  if (input.newestBackup === null) return { due, nextDueAt: null };
  for (const d of input.destinations) {
    if (!d.enabled) continue;
    const record = input.state.copies[d.name];
    if (!record) {
      due.push(d.name);
      continue;
    }
    if (record.outcome === 'failed') {
      const retryAt = Date.parse(record.at) + COPY_RETRY_MS;
      if (retryAt <= input.now.getTime()) due.push(d.name);
      else next = next === null ? retryAt : Math.min(next, retryAt);
      continue;
    }
    if (record.newest !== input.newestBackup) due.push(d.name);
  }
  return { due, nextDueAt: due.length > 0 ? input.now.toISOString() : next === null ? null : new Date(next).toISOString() };
}

export interface DestinationCheckReport {
  readonly destination: string;
  /** Backups read back whole: their SHA-256 is their sidecar's (and the local sidecar's, where the backup is still here). */
  readonly checked: readonly string[];
  /**
   * Copies that changed there: each was removed, so the next copy puts it back if the backup is
   * still here. A backup whose pack changed there stays (its file and sidecar are right): the
   * pack was removed, and the next copy of any backup here that lists it puts it back.
   */
  readonly damaged: readonly { readonly fileName: string; readonly message: string }[];
  /** Left for the next check (the budget ran out). */
  readonly deferred: readonly string[];
  readonly failure: { readonly code: ErrorCode; readonly message: string } | null;
}

/**
 * A drill on a destination: reads its backups back (least recently checked first, at least
 * one, then as many as `budgetMs` allows at the speed measured so far) and compares each
 * one's SHA-256 with its sidecar there and with the sidecar here, then reads back the pool
 * packs its sidecar lists (each pack once per drill, however many backups list it) and
 * compares each one's SHA-256 with its name. A copy that differs is removed (a backup's
 * sidecar first, so it is never listed half-removed; a pack on its own, and the next copy
 * puts it back for every backup here that lists it) and the destination's copy is recorded
 * as failed, so run-due copies again (the alarm if that fails too). Nothing is written to
 * disk: the bytes only pass through the hash.
 */
export async function checkDestination(deps: BackupDeps, config: BackupConfig, entry: DestinationEntry, options: { signal?: AbortSignal; budgetMs?: number; all?: boolean } = {}): Promise<DestinationCheckReport> {
  const store = storeOf(deps, entry.target);
  const checked: string[] = [];
  const damaged: { fileName: string; message: string }[] = [];
  let deferred: string[] = [];
  const state = await readState(deps, config);
  const seen = state.copies[entry.name]?.checked ?? {};
  const when: Record<string, string> = {};
  /** Pack → null (read back whole in this drill) or what is wrong with it there. */
  const packs = new Map<string, string | null>();
  try {
    const remote = await listRemote(store, options.signal);
    const order = [...remote.backups].sort((a, b) => (seen[a.fileName] ?? '').localeCompare(seen[b.fileName] ?? '') || b.createdAt.localeCompare(a.createdAt));
    const started = Date.now();
    let bytes = 0;
    for (const [i, backup] of order.entries()) {
      throwIfCancelled(options.signal, `checking ${store.description}`);
      const elapsed = Date.now() - started;
      const rate = bytes > 0 && elapsed > 0 ? bytes / elapsed : null;
      if (!options.all && i > 0 && options.budgetMs !== undefined && (elapsed >= options.budgetMs || (rate !== null && elapsed + backup.size / rate > options.budgetMs))) {
        deferred = order.slice(i).map((b) => b.fileName);
        break;
      }
      const name = backup.fileName;
      const thereText = new TextDecoder().decode(await readAll(store, name + SIDECAR_SUFFIX, options.signal));
      const there = parseSidecar(thereText);
      const therePacks = packsOfSidecar(thereText);
      const localSidecar = deps.fs.join(config.backupDir, name + SIDECAR_SUFFIX);
      const hereText = (await deps.fs.exists(localSidecar)) ? new TextDecoder().decode(await deps.fs.readFile(localSidecar)) : null;
      const here = hereText === null ? null : parseSidecar(hereText);
      const herePacks = hereText === null ? null : packsOfSidecar(hereText);
      const hash = deps.hashing.sha256();
      await store.get(name, { write: async (chunk) => hash.update(chunk), close: async () => {}, abort: async () => {} }, options.signal ? { signal: options.signal } : {});
      const actual = hash.digest();
      bytes += backup.size;
      const problem =
        there === null ? `its ${name}${SIDECAR_SUFFIX} there is not a SHA-256 line`
        : actual !== there ? `its SHA-256 there is ${actual}, its sidecar says ${there}: it changed there since it was copied`
        : here !== null && here !== there ? `its sidecar there (${there}) is not the one here (${here})`
        : therePacks === null ? `its ${name}${SIDECAR_SUFFIX} there has a line after its own that is not a pool pack's`
        : herePacks !== null && herePacks.join() !== therePacks.join() ? `its sidecar there lists other pool packs than the one here`
        : null;
      if (problem === null) {
        const packProblems: string[] = [];
        for (const pack of therePacks!) {
          if (!packs.has(pack)) {
            packs.set(pack, await checkRemotePack(deps, store, remote, pack, options.signal));
            bytes += remote.objects.get(remotePack(pack)) ?? 0;
          }
          const packProblem = packs.get(pack);
          if (packProblem) packProblems.push(packProblem);
        }
        if (packProblems.length === 0) {
          checked.push(name);
          when[name] = deps.clock.now().toISOString();
        } else {
          damaged.push({ fileName: name, message: `the copy of ${name} on ${entry.name}: ${packProblems.join('; ')}; ${here !== null ? 'the next run copies what it lacks again' : 'the backup is no longer here: the next run puts a pack back only if a backup here lists it too'}` });
        }
        continue;
      }
      await store.remove(name + SIDECAR_SUFFIX);
      await store.remove(name);
      damaged.push({ fileName: name, message: `the copy of ${name} on ${entry.name}: ${problem}; it was removed${here !== null ? ' and is copied again by the next run' : ' (the backup is no longer here to copy again)'}` });
    }
  } catch (error) {
    const coded = toBackupError(error, `checking ${store.description}`);
    if (coded.code === 'CANCELLED') throw coded;
    await recordCheck(deps, config, entry, when, damaged, coded);
    return { destination: entry.name, checked, damaged, deferred, failure: { code: coded.code, message: coded.message } };
  }
  await recordCheck(deps, config, entry, when, damaged, null);
  return { destination: entry.name, checked, damaged, deferred, failure: null };
}

/**
 * Reads a pack back from a destination: null if its SHA-256 is its name, else what is wrong
 * (it is then removed there: a pack that differs is no copy, and the next sync puts it back).
 */
async function checkRemotePack(deps: BackupDeps, store: DestinationStore, remote: RemoteListing, pack: string, signal?: AbortSignal): Promise<string | null> {
  const name = remotePack(pack);
  if (!remote.objects.has(name)) return `its pack ${name} is not there`;
  const actual = await remoteSha256(deps, store, name, signal);
  if (actual === packChecksum(pack)) return null;
  await store.remove(name);
  remote.objects.delete(name);
  return `its pack ${name} changed there (its SHA-256 is ${actual}, its name says ${packChecksum(pack)}); the pack was removed`;
}

async function recordCheck(deps: BackupDeps, config: BackupConfig, entry: DestinationEntry, when: Record<string, string>, damaged: readonly { fileName: string; message: string }[], failure: BackupError | null): Promise<void> {
  try {
    await updateState(deps, config, (state) => {
      const before = state.copies[entry.name];
      const checked = { ...(before?.checked ?? {}), ...when };
      for (const d of damaged) delete checked[d.fileName];
      const at = deps.clock.now().toISOString();
      const problem = failure ?? (damaged.length > 0 ? new BackupError('CHECKSUM_MISMATCH', damaged.map((d) => d.message).join('; ')) : null);
      // No copy recorded yet (copied by another casevault, or before the state knew): newest unknown, so a copy is due and finds it whole.
      if (problem === null) return { ...state, copies: { ...state.copies, [entry.name]: before ? { ...before, checked } : { at, outcome: 'ok', newest: null, code: null, message: null, failingSince: null, checked } } };
      // A damaged copy makes the destination due for a copy (newest unknown) and, if that fails too, the alarm.
      return recordCopy(state, entry.name, { at, outcome: 'failed', newest: null, code: problem.code, message: problem.message.slice(0, 2000), checked });
    });
  } catch (error) {
    deps.log?.(`check of ${entry.name}: could not record it in the state`, error);
  }
}

/** Every enabled destination brought up to date (run-due, and after each backup). */
export async function syncAllDestinations(deps: BackupDeps, config: BackupConfig, options: CopyOptions & { only?: string; prune?: boolean } = {}): Promise<DestinationCopyReport[]> {
  const reports: DestinationCopyReport[] = [];
  for (const entry of await readDestinations(deps, config)) if (entry.enabled) reports.push(await syncDestination(deps, config, entry, options));
  return reports;
}

// ---- getting data back -----------------------------------------------------------------

/**
 * Downloads a backup (and its sidecar, and for an encrypted one the key file if the backup dir
 * has none) into the backup dir: to `<name>.partial`, checked against the sidecar, then renamed.
 * An incremental backup's packs come first, only those its sidecar lists that the pool here
 * lacks (`fetchPacks`), so the backup is listed here only once its packs are. `fileName`
 * 'latest' is the newest whole backup there. Resolves with the local file name.
 */
export async function downloadBackup(deps: BackupDeps, config: BackupConfig, target: DestinationTarget, fileName: string, options: CopyOptions = {}): Promise<string> {
  const { fs } = deps;
  const store = storeOf(deps, target);
  const remote = await listRemote(store, options.signal);
  const chosen = fileName === 'latest' ? remote.backups[0] : remote.backups.find((b) => b.fileName === fileName);
  if (!chosen) {
    throw new BackupError('NOT_FOUND', `download from ${store.description}: ${fileName === 'latest' ? 'it holds no whole backup' : `there is no whole backup named ${fileName}`}${remote.backups.length ? ` (newest: ${remote.backups[0]!.fileName})` : ''}`);
  }
  const name = chosen.fileName;
  const what = `downloading ${name} from ${store.description}`;
  if (!(await fs.exists(config.backupDir))) await fs.mkdir(config.backupDir);
  const finalPath = fs.join(config.backupDir, name);
  if (await fs.exists(finalPath)) throw new BackupError('ALREADY_EXISTS', `${what}: ${finalPath} is already in the backup dir; use it as it is`);
  const sidecar = await readAll(store, name + SIDECAR_SUFFIX, options.signal);
  const expected = parseSidecar(new TextDecoder().decode(sidecar));
  if (expected === null) throw new BackupError('CHECKSUM_MISMATCH', `${what}: its ${name}${SIDECAR_SUFFIX} there is not a SHA-256 line`);
  const packs = packsOfSidecar(new TextDecoder().decode(sidecar));
  if (packs === null) throw new BackupError('CHECKSUM_MISMATCH', `${what}: its ${name}${SIDECAR_SUFFIX} there has a line after its own that is not a pool pack's`);
  if (chosen.encrypted) await fetchKeyFile(deps, config, store, remote, options.signal);
  const older = () => remote.backups.find((b) => b.fileName !== name)?.fileName ?? 'there is no other';
  await fetchPacks(deps, config, store, remote, packs, { what, older, options });
  const partial = finalPath + PARTIAL_SUFFIX;
  const actual = await downloadHashed(deps, store, name, partial, what, options);
  if (actual !== expected) {
    await fs.remove(partial).catch(() => {});
    throw new BackupError('CHECKSUM_MISMATCH', `${what}: the downloaded file's SHA-256 is ${actual}, its sidecar says ${expected}: the copy there changed since it was made; try an older backup (${older()})`);
  }
  await writeFileAtomic(fs, config.backupDir, name + SIDECAR_SUFFIX, sidecar);
  await fs.rename(partial, finalPath);
  await fs.syncDir(config.backupDir);
  return name;
}

/**
 * The packs of `packs` the pool here lacks, from the destination into `<backupDir>/pool/`: each
 * to `<name>.partial`, its SHA-256 checked against its name, then renamed (a pack here is used
 * as it is: a restore checks it as it checks every pack). One that is not there is
 * POOL_OBJECT_MISSING, one that differs CHECKSUM_MISMATCH, and nothing of it is left here.
 */
async function fetchPacks(deps: BackupDeps, config: BackupConfig, store: DestinationStore, remote: RemoteListing, packs: readonly string[], context: { what: string; older: () => string; options: CopyOptions }): Promise<void> {
  const { fs } = deps;
  const { what, options } = context;
  const dir = poolDir(deps, config);
  let fetched = 0;
  for (const pack of packs) {
    const path = fs.join(dir, pack);
    if (await fs.exists(path)) continue;
    const name = remotePack(pack);
    if (!remote.objects.has(name)) {
      throw new BackupError('POOL_OBJECT_MISSING', `${what}: the pack ${name} it needs is not on ${store.description} (a drill removed it as damaged, or it was removed by hand); copy the backup there again from the machine that made it, or try an older backup (${context.older()})`);
    }
    throwIfCancelled(options.signal, what);
    await fs.mkdir(dir, { mode: 0o700 });
    const partial = path + PARTIAL_SUFFIX;
    const actual = await downloadHashed(deps, store, name, partial, what, options);
    if (actual !== packChecksum(pack)) {
      await fs.remove(partial).catch(() => {});
      throw new BackupError('CHECKSUM_MISMATCH', `${what}: its pack ${name} there has the SHA-256 ${actual}, its name says ${packChecksum(pack)}: it changed there since it was copied (the next drill on that destination removes it, and the next copy puts it back); try an older backup (${context.older()})`);
    }
    await fs.rename(partial, path);
    fetched++;
  }
  if (fetched > 0) await fs.syncDir(dir);
}

/**
 * Streams the object `name` from the destination into a new file `partial` (a stale one of that
 * name removed first), hashing as it goes; resolves with its SHA-256. A failure aborts the file,
 * removes what is left of it and rejects with the coded error, in `what`'s words.
 */
async function downloadHashed(deps: BackupDeps, store: DestinationStore, name: string, partial: string, what: string, options: CopyOptions): Promise<string> {
  const { fs } = deps;
  await fs.remove(partial).catch(() => {});
  const out = await fs.openWrite(partial, { exclusive: true });
  const hasher = deps.hashing.sha256();
  try {
    await store.get(name, { write: async (chunk) => (hasher.update(chunk), out.write(chunk)), close: async () => {}, abort: async () => {} }, {
      ...(options.signal ? { signal: options.signal } : {}),
      onProgress: (done, total) => options.onProgress?.({ fileName: name, done, total }),
    });
    await out.close();
  } catch (error) {
    await out.abort();
    await fs.remove(partial).catch(() => {});
    throw toBackupError(error, what);
  }
  return hasher.digest();
}

async function fetchKeyFile(deps: BackupDeps, config: BackupConfig, store: DestinationStore, remote: RemoteListing, signal?: AbortSignal): Promise<void> {
  if (await deps.fs.exists(deps.fs.join(config.backupDir, KEY_FILE))) return;
  const keys = [...remote.objects.keys()].filter((n) => REMOTE_KEY_FILE.test(n));
  if (keys.length === 0) return; // opened with the recovery key, or another added key
  // The newest password wins where there are several: the one written last is not knowable from
  // names, so take the one whose content a later backup carried: the last in listing order is as good as any.
  const bytes = await readAll(store, keys[keys.length - 1]!, signal);
  await writeFileAtomic(deps.fs, config.backupDir, KEY_FILE, bytes);
}

