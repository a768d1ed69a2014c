/**
 * Opening a backup, shared by verify and restore. Everything that can be checked from the
 * central directory and the two JSON entries is checked before a byte of data is inflated:
 * names (unsafe, unexpected, duplicate), entry types, limits, compression methods, the
 * metadata's seal over the manifest, and the manifest against the ZIP's entries. Then
 * `extractEntries` streams each data entry once, checking its size and SHA-256 against the
 * manifest while it is written to a sink (a staging dir, or nowhere for verify).
 */
import type { ArchiveEntry, ArchiveReader } from '../ports/archive.ts';
import type { WriteHandle } from '../ports/fileSystem.ts';
import type { BackupConfig, BackupDeps, RunOptions } from './deps.ts';
import { BackupError, throwIfCancelled } from './errors.ts';
import { decodeJson, parseManifest, parseMetadata, type BackupMetadata, type ManifestPack, type ParsedManifestEntry } from './format.ts';
import { MANIFEST_ENTRY, METADATA_ENTRY, classifyEntryName, nameCollisions, printableName, unsafeNameReason } from './layout.ts';
import { byteProgress, noProgress, type ProgressPhase } from './progress.ts';
import { readAll } from './streams.ts';
import type { DecryptingHandle } from '../ports/encryption.ts';
import type { Unlock } from './deps.ts';
import { openArchive } from './encryptedBackup.ts';
import type { SecretKey } from '../ports/encryption.ts';
import { INCREMENTAL_FORMAT_VERSION } from './layout.ts';
import { POOL_DIR } from './backupFiles.ts';
import { poolDirOf } from './pool.ts';

export interface OpenedBackup {
  /** The backup's own ZIP (for an incremental backup, the small one: database, settings, manifest, metadata). */
  readonly reader: ArchiveReader;
  readonly metadata: BackupMetadata;
  readonly manifest: readonly ParsedManifestEntry[];
  readonly entries: ReadonlyMap<string, ArchiveEntry>;
  /** Sum of the data entries' sizes. */
  readonly totalBytes: number;
  /** For an encrypted backup, the decrypting view the reader reads through (encryptedBackup.ts). */
  readonly decrypting: DecryptingHandle | null;
  /** An incremental backup's pool packs, opened and checked (pool.ts); [] for a full backup. */
  readonly packs: readonly OpenedPack[];
  /** What is wrong with its packs: reported (POOL_OBJECT_*) once the database is out, so the message can name the cases. */
  readonly poolProblems: readonly PoolProblem[];
  /** Where an item's bytes are: the backup's own ZIP, or its pack. */
  locate(item: ParsedManifestEntry): { readonly reader: ArchiveReader; readonly entry: ArchiveEntry };
  /** Closes the backup's reader and its packs'. */
  close(): Promise<void>;
}

/** A pool pack an incremental backup needs, opened: `reader` null when it is missing or damaged (see `poolProblems`). */
export interface OpenedPack {
  readonly name: string;
  readonly path: string;
  readonly listed: ManifestPack;
  readonly reader: ArchiveReader | null;
  readonly decrypting: DecryptingHandle | null;
  readonly entries: ReadonlyMap<string, ArchiveEntry>;
}

export interface PoolProblem {
  readonly code: 'POOL_OBJECT_MISSING' | 'POOL_OBJECT_DAMAGED';
  readonly pack: string;
  /** What is wrong, for the message. */
  readonly detail: string;
  /** The backup's documents it affects (paths). */
  readonly documents: readonly string[];
  readonly cause?: unknown;
}

/** Opens and checks a backup; the caller closes `reader`. */
export async function openBackup(deps: BackupDeps, config: BackupConfig, path: string, op: string, unlock?: Unlock): Promise<OpenedBackup> {
  const stat = await deps.fs.stat(path).catch((error: unknown) => {
    if (error instanceof BackupError && error.code === 'NOT_FOUND') {
      throw new BackupError('NOT_FOUND', `${op}: ${path} does not exist`);
    }
    throw error;
  });
  if (stat.kind !== 'file') throw new BackupError('INVALID_INPUT', `${op}: ${path} is not a regular file`);
  if (stat.size === 0) throw new BackupError('NOT_A_ZIP', `${op}: ${path} is empty (0 bytes), not a backup`);
  const { reader, decrypting, keys } = await openArchive(deps, config, path, op, unlock);
  const packs: OpenedPack[] = [];
  const closeAll = async () => {
    await reader.close();
    for (const pack of packs) await pack.reader?.close().catch(() => {});
  };
  try {
    const entries = checkEntries(reader.entries, config, op);
    const metadataEntry = entries.get(METADATA_ENTRY);
    const manifestEntry = entries.get(MANIFEST_ENTRY);
    if (!manifestEntry) throw new BackupError('MISSING_MANIFEST', `${op}: the backup has no ${MANIFEST_ENTRY}; it was not made by casevault or is incomplete`);
    if (!metadataEntry) throw new BackupError('MISSING_MANIFEST', `${op}: the backup has no ${METADATA_ENTRY}; it was not made by casevault or is incomplete`);
    const metadata = parseMetadata(decodeJson(await readSmall(reader, metadataEntry, config, op), `${op}: ${METADATA_ENTRY}`), op);
    const manifestBytes = await readSmall(reader, manifestEntry, config, op);
    const hash = deps.hashing.sha256();
    hash.update(manifestBytes);
    const manifestSha = hash.digest();
    if (manifestSha !== metadata.checksum) {
      throw new BackupError(
        'CHECKSUM_MISMATCH',
        `${op}: ${MANIFEST_ENTRY} has SHA-256 ${manifestSha}, but the metadata says ${metadata.checksum}; the backup was changed after it was made`,
      );
    }
    const parsed = parseManifest(decodeJson(manifestBytes, `${op}: ${MANIFEST_ENTRY}`), op, metadata.formatVersion);
    const manifest = parsed.entries;
    const totalBytes = checkManifestAgainstEntries(manifest, entries, metadata, op);
    if (totalBytes > config.limits.maxTotalBytes) {
      throw new BackupError('TOO_LARGE', `${op}: the backup would unpack to more than ${config.limits.maxTotalBytes} bytes, the limit`);
    }
    if (metadata.schemaVersion !== null && metadata.schemaVersion > deps.db.supportedSchemaVersion) {
      throw new BackupError(
        'NEWER_VERSION',
        `${op}: the backup's database has schema version ${metadata.schemaVersion}; this version of the app supports up to ${deps.db.supportedSchemaVersion}. Update the app to restore it.`,
      );
    }
    const problems: PoolProblem[] = [];
    if (metadata.formatVersion === INCREMENTAL_FORMAT_VERSION) {
      await openPacks(deps, config, path, op, unlock, keys, parsed.packs, manifest, packs, problems);
    }
    const locate = (item: ParsedManifestEntry) => {
      if (item.pack === undefined) return { reader, entry: entries.get(item.path)! };
      const pack = packs[item.pack]!;
      return { reader: pack.reader!, entry: pack.entries.get(item.path)! };
    };
    return { reader, metadata, manifest, entries, totalBytes, decrypting, packs, poolProblems: problems, locate, close: closeAll };
  } catch (error) {
    await closeAll();
    throw error;
  }
}

/**
 * Opens each pool pack an incremental backup lists, with every check a backup's own ZIP gets
 * (a pack is untrusted input: names, types, limits, methods) and only documents in it, then
 * finds each of the backup's documents in its pack at the manifest's size. What is wrong is
 * collected in `problems` rather than thrown: the message names the cases, which needs the
 * backup's database out first (extractEntries).
 */
async function openPacks(
  deps: BackupDeps,
  config: BackupConfig,
  backupPath: string,
  op: string,
  unlock: Unlock | undefined,
  keys: readonly SecretKey[] | null,
  listed: readonly ManifestPack[],
  manifest: readonly ParsedManifestEntry[],
  packs: OpenedPack[],
  problems: PoolProblem[],
): Promise<void> {
  const dir = poolDirOf(deps, backupPath);
  const documentsOf = new Map<number, ParsedManifestEntry[]>();
  for (const item of manifest) {
    if (item.pack === undefined) continue;
    const list = documentsOf.get(item.pack);
    if (list) list.push(item);
    else documentsOf.set(item.pack, [item]);
  }
  let unlocked = keys;
  for (const [index, pack] of listed.entries()) {
    const path = deps.fs.join(dir, pack.name);
    const documents = documentsOf.get(index) ?? [];
    const problem = (code: PoolProblem['code'], detail: string, affected: readonly ParsedManifestEntry[] = documents, cause?: unknown) =>
      problems.push({ code, pack: pack.name, detail, documents: affected.map((d) => d.path), ...(cause === undefined ? {} : { cause }) });
    const none: OpenedPack = { name: pack.name, path, listed: pack, reader: null, decrypting: null, entries: new Map() };
    if (!(await deps.fs.exists(path))) {
      packs.push(none);
      problem('POOL_OBJECT_MISSING', `${POOL_DIR}/${pack.name} is not in ${dir}`);
      continue;
    }
    const stat = await deps.fs.stat(path);
    if (stat.kind !== 'file' || stat.size !== pack.size) {
      packs.push(none);
      problem('POOL_OBJECT_DAMAGED', `${POOL_DIR}/${pack.name} is ${stat.kind === 'file' ? `${stat.size} bytes, the manifest says ${pack.size}` : `a ${stat.kind}, not a file`}`);
      continue;
    }
    let opened;
    try {
      opened = await openArchive(deps, config, path, op, unlock, unlocked);
    } catch (error) {
      // No key, a wrong key or password: the backup's own problem, not the pack's.
      if (error instanceof BackupError && ['ENCRYPTED_NEEDS_KEY', 'WRONG_KEY', 'WRONG_PASSWORD', 'KEY_FILE_DAMAGED', 'ENCRYPTION_UNAVAILABLE'].includes(error.code)) throw error;
      packs.push(none);
      problem('POOL_OBJECT_DAMAGED', `${POOL_DIR}/${pack.name} cannot be read: ${withoutOperation(error, op)}`, documents, error);
      continue;
    }
    unlocked = opened.keys;
    let entries: Map<string, ArchiveEntry>;
    try {
      entries = checkEntries(opened.reader.entries, config, `${POOL_DIR}/${pack.name}`);
      for (const name of entries.keys()) {
        const kind = classifyEntryName(name);
        if (kind !== 'document' && kind !== 'directory') throw new BackupError('UNEXPECTED_ENTRY', `${POOL_DIR}/${pack.name}: entry "${printableName(name)}" is not a document; a pool pack holds documents only`);
      }
    } catch (error) {
      await opened.reader.close().catch(() => {});
      packs.push(none);
      problem('POOL_OBJECT_DAMAGED', withoutOperation(error, op), documents, error);
      continue;
    }
    packs.push({ name: pack.name, path, listed: pack, reader: opened.reader, decrypting: opened.decrypting, entries });
    const absent = documents.filter((d) => !entries.has(d.path));
    if (absent.length > 0) problem('POOL_OBJECT_MISSING', `${POOL_DIR}/${pack.name} does not hold ${absent.length} of the documents the manifest says it does`, absent);
    const wrongSize = documents.filter((d) => entries.has(d.path) && entries.get(d.path)!.uncompressedSize !== d.size);
    if (wrongSize.length > 0) problem('POOL_OBJECT_DAMAGED', `${POOL_DIR}/${pack.name} holds ${wrongSize.length} of the documents at another size than the manifest's`, wrongSize);
  }
}

function checkEntries(list: readonly ArchiveEntry[], config: BackupConfig, op: string): Map<string, ArchiveEntry> {
  const { limits } = config;
  if (list.length > limits.maxEntries) {
    throw new BackupError('TOO_LARGE', `${op}: the backup has ${list.length} entries; the limit is ${limits.maxEntries}`);
  }
  // Every name first, so that the verdict does not depend on the order of the entries:
  // unsafe names and types, then collisions ("SETTINGS.JSON" beside "settings.json" is a
  // collision, whichever comes first, not merely an unexpected entry).
  const collides = nameCollisions();
  for (const entry of list) {
    const name = printableName(entry.name);
    const unsafe = unsafeNameReason(entry.name);
    if (unsafe) throw new BackupError('UNSAFE_PATH', `${op}: entry "${name}" has ${unsafe}; refusing to read this backup`);
    if (entry.type === 'symlink' || entry.type === 'other') {
      throw new BackupError('UNSAFE_PATH', `${op}: entry "${name}" is a ${entry.type === 'symlink' ? 'symbolic link' : 'special file'}; refusing to read this backup`);
    }
  }
  for (const entry of list) {
    const collision = collides(entry.name, entry.type === 'directory' || entry.name.endsWith('/'));
    if (collision) throw new BackupError('DUPLICATE_ENTRY', `${op}: entry "${printableName(entry.name)}" ${collision}`);
  }
  const byName = new Map<string, ArchiveEntry>();
  let total = 0;
  for (const entry of list) {
    const name = printableName(entry.name);
    const kind = classifyEntryName(entry.name);
    if (kind === null) throw new BackupError('UNEXPECTED_ENTRY', `${op}: entry "${name}" is not part of a casevault backup`);
    if (byName.has(entry.name)) throw new BackupError('DUPLICATE_ENTRY', `${op}: entry "${name}" appears more than once`);
    if ((kind === 'directory') !== (entry.type === 'directory' || entry.name.endsWith('/'))) {
      throw new BackupError('UNEXPECTED_ENTRY', `${op}: entry "${name}" is a ${entry.type} where format 1 has a ${kind === 'directory' ? 'folder' : 'file'}`);
    }
    byName.set(entry.name, entry);
    if (entry.encrypted) throw new BackupError('UNSUPPORTED', `${op}: entry "${name}" is encrypted; casevault backups are not`);
    if (entry.compressionMethod !== 0 && entry.compressionMethod !== 8) {
      throw new BackupError('UNSUPPORTED', `${op}: entry "${name}" uses compression method ${entry.compressionMethod}; only stored (0) and deflate (8) are read`);
    }
    if (kind === 'directory' && entry.uncompressedSize !== 0) {
      throw new BackupError('CORRUPT_ENTRY', `${op}: folder entry "${name}" declares ${entry.uncompressedSize} bytes`);
    }
    if (entry.compressionMethod === 0 && entry.compressedSize !== entry.uncompressedSize) {
      throw new BackupError('CORRUPT_ENTRY', `${op}: stored entry "${name}": ${entry.compressedSize} bytes stored but ${entry.uncompressedSize} declared`);
    }
    const ratio = entry.uncompressedSize / Math.max(entry.compressedSize, 1);
    if (entry.uncompressedSize > 1024 * 1024 && ratio > limits.maxCompressionRatio) {
      throw new BackupError('TOO_LARGE', `${op}: entry "${name}" would inflate ${Math.round(ratio)}-fold (limit ${limits.maxCompressionRatio}); refusing a possible ZIP bomb`);
    }
    total += entry.uncompressedSize;
    if (total > limits.maxTotalBytes) {
      throw new BackupError('TOO_LARGE', `${op}: the backup would unpack to more than ${limits.maxTotalBytes} bytes, the limit`);
    }
  }
  return byName;
}

async function readSmall(reader: ArchiveReader, entry: ArchiveEntry, config: BackupConfig, op: string): Promise<Uint8Array> {
  const max = config.limits.maxJsonBytes;
  if (entry.uncompressedSize > max) {
    throw new BackupError('TOO_LARGE', `${op}: ${entry.name} declares ${entry.uncompressedSize} bytes; the limit is ${max}`);
  }
  return readAll(reader.openEntry(entry), max, () => new BackupError('TOO_LARGE', `${op}: ${entry.name} is larger than ${max} bytes`));
}

function checkManifestAgainstEntries(
  manifest: readonly ParsedManifestEntry[],
  entries: ReadonlyMap<string, ArchiveEntry>,
  metadata: BackupMetadata,
  op: string,
): number {
  const listed = new Set(manifest.map((e) => e.path));
  for (const name of entries.keys()) {
    const kind = classifyEntryName(name);
    if (kind === 'directory' || kind === 'metadata' || kind === 'manifest') continue;
    if (!listed.has(name)) throw new BackupError('UNEXPECTED_ENTRY', `${op}: entry "${name}" is not listed in the manifest`);
  }
  let total = 0;
  let documents = 0;
  let documentBytes = 0;
  let hasDatabase = false;
  for (const item of manifest) {
    // A document in a pool pack is checked against its pack (openPacks).
    const entry = item.pack === undefined ? entries.get(item.path) : undefined;
    if (item.pack === undefined && !entry) throw new BackupError('INVALID_MANIFEST', `${op}: the manifest lists ${item.path}, but the backup does not contain it`);
    if (entry && entry.uncompressedSize !== item.size) {
      throw new BackupError('CORRUPT_ENTRY', `${op}: entry ${item.path}: the manifest says ${item.size} bytes, the ZIP says ${entry.uncompressedSize}`);
    }
    total += item.size;
    if (item.kind === 'document') {
      documents += 1;
      documentBytes += item.size;
    }
    if (item.kind === 'database') hasDatabase = true;
  }
  const { options, counts } = metadata;
  if (hasDatabase !== options.includeDatabase) {
    throw new BackupError('INVALID_MANIFEST', `${op}: the metadata says the database is ${options.includeDatabase ? '' : 'not '}included, the manifest disagrees`);
  }
  if (documents !== counts.files || documentBytes !== counts.bytes) {
    throw new BackupError(
      'INVALID_MANIFEST',
      `${op}: the metadata counts ${counts.files} documents of ${counts.bytes} bytes, the manifest ${documents} of ${documentBytes}`,
    );
  }
  if (!options.includeFiles && documents > 0) {
    throw new BackupError('INVALID_MANIFEST', `${op}: the metadata says documents are not included, but the manifest lists ${documents}`);
  }
  return total;
}

/** Where an entry's bytes go: a file to write, or null to only check them. */
export type EntrySink = (entry: ParsedManifestEntry) => Promise<WriteHandle | null>;

/**
 * Entries extracted at once. Overlaps one entry's reading and inflating with another's
 * hashing and writing, and the fsync of each written file with the work on the next ones
 * (one entry at a time spent most of a restore waiting for fsyncs); bounded, so memory is.
 * `large`: entries of ENTRY_WEIGHT_MAX or more (each streams through ~1 MiB buffers);
 * smaller ones weigh their size against the same budget (`large` × ENTRY_WEIGHT_MAX), up to
 * `small` of them. Restore runs 16 small entries at once: documents of ~24 KB one after
 * another per lane each waited for its trips through the threadpool (open, read, inflate,
 * write, fsync, close) and 16 keep its workers busy, with one wake-up of the main thread
 * collecting several results (issue 15, bench/RESULTS.md). Verify writes nothing but the
 * database and is as fast with 3, in less memory (16 small ones at once bought it nothing measurable).
 */
export const ENTRIES_IN_FLIGHT = { restore: { large: 6, small: 16 }, verify: { large: 3, small: 3 } } as const;
const ENTRY_WEIGHT_MAX = 1 << 20;

/**
 * Streams every data entry once through size and SHA-256 checks into the sink, as many at
 * once as `inFlight` allows (ENTRIES_IN_FLIGHT). After the first failure no entry is
 * started, the running ones stop at their next chunk (their outputs aborted), and that
 * first failure is thrown.
 */
export async function extractEntries(
  deps: BackupDeps,
  backup: OpenedBackup,
  sink: EntrySink,
  phase: ProgressPhase,
  op: string,
  run: RunOptions,
  inFlight: { readonly large: number; readonly small: number } = ENTRIES_IN_FLIGHT.restore,
  /** Where the sink writes the database: a pool problem's message names the cases from it. */
  databasePath?: string,
): Promise<void> {
  const progress = byteProgress(phase, backup.totalBytes, run.onProgress ?? noProgress);
  let failure: { error: unknown } | undefined;
  const stopped = new Error('stopped: another entry failed');
  let databaseOut = false;
  const extractOne = async (item: ParsedManifestEntry) => {
    throwIfCancelled(run.signal, op);
    const { reader, entry } = backup.locate(item);
    const out = await sink(item);
    try {
      const hash = deps.hashing.sha256();
      let size = 0;
      for await (const chunk of reader.openEntry(entry)) {
        throwIfCancelled(run.signal, op);
        if (failure) throw stopped;
        size += chunk.byteLength;
        if (size > item.size) {
          throw new BackupError('CORRUPT_ENTRY', `${op}: entry ${item.path}: expected ${item.size} bytes, got more`);
        }
        hash.update(chunk);
        progress(chunk.byteLength);
        if (out) await out.write(chunk);
      }
      if (size !== item.size) throw new BackupError('CORRUPT_ENTRY', `${op}: entry ${item.path}: expected ${item.size} bytes, got ${size}`);
      const sha256 = hash.digest();
      if (sha256 !== item.sha256) {
        throw new BackupError('CHECKSUM_MISMATCH', `${op}: entry ${item.path}: SHA-256 is ${sha256}, the manifest says ${item.sha256}`);
      }
      if (out) await out.close();
      if (item.kind === 'database') databaseOut = true;
    } catch (error) {
      if (out) await out.abort();
      throw error;
    }
  };
  const database = backup.manifest.find((item) => item.kind === 'database');
  /** The backup's database out (for the cases a pool problem affects), if it can be. */
  const databaseForNames = async (): Promise<string | null> => {
    if (!databasePath || !database) return null;
    if (!databaseOut) {
      failure = undefined;
      try {
        await extractOne(database);
      } catch {
        return null;
      }
    }
    return databasePath;
  };
  if (backup.poolProblems.length > 0) {
    // Found when the packs were opened: nothing of the documents is extracted.
    throw await poolFailure(deps, backup.poolProblems, await databaseForNames(), op);
  }
  const budget = inFlight.large * ENTRY_WEIGHT_MAX;
  const weight = (item: ParsedManifestEntry) => Math.max(1, Math.min(item.size, ENTRY_WEIGHT_MAX));
  const order = extractionOrder(backup, weight);
  const limit = Math.max(inFlight.large, inFlight.small);
  let next = 0;
  let running = 0;
  let used = 0;
  let failedItem: ParsedManifestEntry | undefined;
  await new Promise<void>((resolve) => {
    const start = () => {
      while (!failure && next < order.length && running < limit && (running === 0 || used + weight(order[next]!) <= budget)) {
        const item = order[next]!;
        next += 1;
        running += 1;
        used += weight(item);
        extractOne(item)
          .catch((error: unknown) => {
            if (error !== stopped && !failure) {
              failure = { error };
              failedItem = item;
            }
          })
          .finally(() => {
            running -= 1;
            used -= weight(item);
            start();
          });
      }
      if (running === 0) resolve();
    };
    start();
  });
  if (failure) {
    const { error } = failure;
    // A document of a pool pack that fails its checks: the pack is damaged; say which documents and cases.
    const item = failedItem;
    if (item?.pack !== undefined && error instanceof BackupError && error.code !== 'CANCELLED' && !error.code.startsWith('POOL_') && !['NO_SPACE', 'IO_ERROR', 'PERMISSION_DENIED'].includes(error.code)) {
      const pack = backup.packs[item.pack]!;
      const problem: PoolProblem = { code: 'POOL_OBJECT_DAMAGED', pack: pack.name, detail: `${POOL_DIR}/${pack.name}: ${withoutOperation(error, op)}`, documents: [item.path], cause: error };
      throw await poolFailure(deps, [problem], await databaseForNames(), op);
    }
    throw error;
  }
}

/** An error's message without the operation it starts with, to be quoted inside another message of the same operation. */
function withoutOperation(error: unknown, op: string): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.startsWith(`${op}: `) ? message.slice(op.length + 2) : message;
}

/**
 * POOL_OBJECT_MISSING or _DAMAGED (the first problem's code) naming the documents affected
 * and, from the backup's database where it is out, the cases they belong to.
 */
export async function poolFailure(deps: BackupDeps, problems: readonly PoolProblem[], databasePath: string | null, op: string): Promise<BackupError> {
  const first = problems[0]!;
  const documents = [...new Set(problems.flatMap((p) => p.documents))];
  let named: Awaited<ReturnType<BackupDeps['db']['documentsIn']>> = [];
  if (databasePath) {
    try {
      named = await deps.db.documentsIn(databasePath, documents.map((d) => d.slice(-64)), 20);
    } catch (error) {
      deps.log?.(`${op}: naming the cases of the documents a pool problem affects failed`, error);
    }
  }
  const cases = [...new Map(named.filter((d) => d.caseId !== null).map((d) => [d.caseId, `"${d.caseTitle ?? 'untitled'}" (case ${d.caseId})`])).values()];
  const shown = documents.slice(0, 5).map((path) => {
    const doc = named.find((d) => path.endsWith(d.sha256));
    return doc ? `${path} ("${doc.name}")` : path;
  });
  const more = documents.length > shown.length ? ` and ${documents.length - shown.length} more` : '';
  const what = first.code === 'POOL_OBJECT_MISSING' ? 'missing from' : 'damaged in';
  const message =
    `${op}: ${documents.length} document${documents.length === 1 ? '' : 's'} of this backup ${documents.length === 1 ? 'is' : 'are'} ${what} its pool: ${problems.map((p) => p.detail).join('; ')}. ` +
    `Affected: ${shown.join(', ')}${more}` +
    (cases.length > 0 ? `, of ${cases.length === 1 ? 'case' : 'cases'} ${cases.slice(0, 10).join(', ')}${cases.length > 10 ? ` and ${cases.length - 10} more` : ''}` : '') +
    '. Nothing was changed. Restore an older backup that does not need this pack, or a copy of the pool from another destination; `casevault verify` checks each backup.';
  return new BackupError(first.code, message, first.cause === undefined ? undefined : { cause: first.cause });
}

/**
 * Largest first (stable, so equal sizes keep the manifest's order): the database, often the
 * largest entry and last in the archive, would otherwise inflate alone at the end while the
 * other lanes sit idle. An encrypted backup's small entries (those that weigh less than
 * ENTRY_WEIGHT_MAX) come after the large ones in the archive's order instead: neighbours
 * share the decrypting view's 64 KiB chunks, and read one after another they find a shared
 * chunk in its cache; in size order they came far apart and each such chunk was decrypted
 * again for each entry in it (~4 times per chunk with documents of ~24 KB, bench/RESULTS.md).
 */
function extractionOrder(backup: OpenedBackup, weight: (item: ParsedManifestEntry) => number): ParsedManifestEntry[] {
  const bySize = [...backup.manifest].sort((a, b) => b.size - a.size);
  if (!backup.decrypting) return bySize;
  const position = new Map(backup.reader.entries.map((entry, index) => [entry.name, index]));
  // Pool documents (an incremental backup's) keep their pack's order after the backup's own entries.
  for (const pack of backup.packs) pack.reader?.entries.forEach((entry, index) => position.set(entry.name, backup.reader.entries.length + index));
  const at = (item: ParsedManifestEntry) => position.get(item.path) ?? 0;
  const large = bySize.filter((item) => weight(item) >= ENTRY_WEIGHT_MAX);
  const small = backup.manifest.filter((item) => weight(item) < ENTRY_WEIGHT_MAX).sort((a, b) => at(a) - at(b));
  return [...large, ...small];
}

/**
 * The integrity report of a backup's database once extracted (to staging or scratch). A
 * file that is not a database at all is DATABASE_CORRUPT with a message about the backup,
 * not about the scratch path the adapter saw.
 */
export async function inspectBackupDatabase(deps: BackupDeps, path: string, op: string) {
  try {
    return await deps.db.inspectFile(path);
  } catch (error) {
    if (error instanceof BackupError && error.code === 'DATABASE_CORRUPT') {
      throw new BackupError('DATABASE_CORRUPT', `${op}: the backup's database.sqlite is not a readable SQLite database`, { cause: error });
    }
    throw error;
  }
}
