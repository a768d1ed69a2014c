/**
 * exportNow: one pass over the data into `<name>.zip.partial`.
 * 1. Start the database's snapshot (the adapter's consistent snapshot) beside the backup.
 * 2. Meanwhile stream every document (and settings) into the ZIP, hashed as it goes; a
 *    document whose bytes no longer match its name stops the export (DOCUMENT_MISMATCH)
 *    rather than being archived. Then append the snapshot; its counts and schema version
 *    go into the metadata, so the metadata tells the truth about the database it holds.
 * 3. Append manifest.json (size + SHA-256 of every entry), then backup-metadata.json
 *    whose checksum is the manifest's SHA-256.
 * 4. fsync, write the `.sha256` sidecar, rename `.partial` to `.zip`, fsync the directory.
 * Any failure removes what it wrote; the snapshot is always removed.
 */
import type { ArchiveWriter } from '../ports/archive.ts';
import type { Counts, DatabaseFileReport } from '../ports/database.ts';
import type { BackupConfig, BackupDeps, RunOptions } from './deps.ts';
import { bestEffort, compactTimestamp } from './deps.ts';
import { BackupError, throwIfCancelled } from './errors.ts';
import { buildMetadata, encodeJson, type BackupMetadata, type ManifestEntry, type ManifestPack } from './format.ts';
import { DATABASE_FILE, FULL_FORMAT_VERSION, INCREMENTAL_FORMAT_VERSION, MANIFEST_ENTRY, METADATA_ENTRY, SETTINGS_FILE } from './layout.ts';
import { poolDir, poolObjects, writePackIndex } from './pool.ts';
import { findDocuments } from './documents.ts';
import { parseExportOptions } from './options.ts';
import { byteProgress, noProgress } from './progress.ts';
import { hashingWriter, once, readAhead, tap } from './streams.ts';
import { BACKUP_PREFIX, ENCRYPTED_EXTENSION, SIDECAR_SUFFIX, exportScratchDir, sidecarText } from './backupFiles.ts';
import { encryptionPlan, recordRecipients } from './keys.ts';

export interface ExportResult {
  readonly backupId: string;
  readonly fileName: string;
  readonly filePath: string;
  readonly size: number;
  readonly createdAt: string;
  /** SHA-256 of the whole ZIP (also in the `.sha256` sidecar). */
  readonly checksum: string;
  readonly metadata: BackupMetadata;
  /** Encrypted (`.zip.age`, issue 13): to these public keys. */
  readonly encrypted: boolean;
  readonly recipients: readonly string[];
  /** Things a person should know that did not stop the export (e.g. stray files skipped). */
  readonly warnings: readonly string[];
  /**
   * An incremental backup (format 2): the documents it stored in a new pool pack (null if
   * the pool had them all), and how many it found there already.
   */
  readonly incremental: { readonly newPack: string | null; readonly newDocuments: number; readonly newBytes: number; readonly reused: number; readonly packBytes: number } | null;
}

interface Source {
  readonly name: string;
  readonly path: string;
  readonly size: number;
  /** For documents: the SHA-256 the bytes must have. */
  readonly expectedSha256?: string;
}

const OP = 'export';
/**
 * Documents opened and read ahead of the one being archived: up to READ_AHEAD of them, and
 * READ_AHEAD_BYTES of their first chunks (a first chunk is at most 1 MiB, the file system's
 * read size, and at most the document). Four large documents ahead (as before) keep the
 * deflaters fed; small ones need more, or each one's open, stat, read and close wait their
 * trips through the threadpool a few documents at a time (issue 15: 20,000 of ~24 KB).
 */
const READ_AHEAD = 16;
const READ_AHEAD_BYTES = 5 << 20;
const firstChunk = (source: Source) => Math.min(source.size, 1 << 20);
const NO_COUNTS: Counts = { users: 0, cases: 0, tasks: 0, hearings: 0, orders: 0 };

export async function exportNow(
  deps: BackupDeps,
  config: BackupConfig,
  input: unknown,
  run: RunOptions = {},
): Promise<ExportResult> {
  const { incremental, rest } = splitIncremental(input);
  const options = parseExportOptions(rest);
  const { fs, db, hashing, clock } = deps;
  const onProgress = run.onProgress ?? noProgress;
  await fs.mkdir(config.backupDir, { mode: 0o700 });
  await fs.chmod(config.backupDir, 0o700);

  // Before anything is written: encryption on with its keys missing fails here, never plaintext.
  const recipients = await encryptionPlan(deps, config);
  const createdAt = clock.now();
  const backupId = await freshBackupId(deps, config, createdAt);
  const fileName = recipients ? `${backupId}${ENCRYPTED_EXTENSION}` : `${backupId}.zip`;
  const filePath = fs.join(config.backupDir, fileName);
  const partialPath = `${filePath}.partial`;
  // The snapshot is plaintext: with encryption on it is written on the data side (same file
  // system as the data, 0700), never in the backup dir, which may be a USB drive or a NAS.
  const scratchDir = recipients ? exportScratchDir(config.dataDir) : null;
  const snapshotPath = fs.join(scratchDir ?? config.backupDir, `.${backupId}.snapshot.sqlite`);
  const sidecarPath = `${filePath}${SIDECAR_SUFFIX}`;
  let writer: ArchiveWriter | undefined;
  let finished = false;
  let packPartial: string | undefined;
  // The database snapshot runs (in the adapter's worker) while the documents stream into the
  // ZIP; its entry is appended after them. Settled before the snapshot file is removed.
  let snapshot: Promise<{ report: DatabaseFileReport; size: number }> | undefined;
  const ahead: ReturnType<typeof readAhead>[] = [];
  try {
    if (options.includeDatabase) {
      if (scratchDir) {
        await fs.mkdir(scratchDir, { mode: 0o700 });
        await fs.chmod(scratchDir, 0o700);
      }
      onProgress({ phase: 'snapshot', done: 0, total: 1, unit: 'files' });
      snapshot = (async () => {
        await db.snapshotTo(snapshotPath);
        const report = await db.inspectFile(snapshotPath);
        if (report.integrity !== 'ok') {
          throw new BackupError('DATABASE_CORRUPT', `${OP}: the database fails its integrity check (${report.integrity}); run \`casevault check\``);
        }
        return { report, size: (await fs.stat(snapshotPath)).size };
      })();
      snapshot.catch(() => {}); // awaited below; never an unhandled rejection meanwhile
    }
    const sources: Source[] = [];
    const warnings: string[] = [];
    let documentBytes = 0;
    let documentCount = 0;
    // Incremental: the documents the pool holds are listed, not read; the others go into a new pack.
    const pooled = incremental && options.includeFiles ? await poolObjects(deps, config) : null;
    const reused: { path: string; sha256: string; size: number; pack: string }[] = [];
    if (options.includeFiles) {
      const found = await findDocuments(fs, config.dataDir, pooled ? (sha256) => pooled.get(sha256)?.size : undefined);
      warnings.push(...found.skipped.map((s) => `${OP}: skipped ${s.path}: ${s.reason}`));
      for (const doc of found.documents) {
        const inPool = pooled?.get(doc.sha256);
        if (inPool) {
          // The pool's copy is the document (its name is its hash), at the pool's size; the file here is not read.
          reused.push({ path: doc.path, sha256: doc.sha256, size: inPool.size, pack: inPool.pack });
          documentBytes += inPool.size;
        } else {
          sources.push({ name: doc.path, path: fs.join(config.dataDir, doc.path), size: doc.size, expectedSha256: doc.sha256 });
          documentBytes += doc.size;
        }
        documentCount += 1;
      }
    }
    const newDocuments = sources.length;
    const settingsPath = fs.join(config.dataDir, SETTINGS_FILE);
    if (options.includeMetadata && (await fs.exists(settingsPath))) {
      sources.push({ name: SETTINGS_FILE, path: settingsPath, size: (await fs.stat(settingsPath)).size });
    }
    throwIfCancelled(run.signal, OP);

    // The snapshot's size is not known yet: the live database file's stands in for it.
    const liveDatabase = fs.join(config.dataDir, DATABASE_FILE);
    const estimate = snapshot && (await fs.exists(liveDatabase)) ? (await fs.stat(liveDatabase)).size : 0;
    const total = sources.reduce((sum, s) => sum + s.size, 0) + estimate;
    const progress = byteProgress('archive', total, onProgress);
    const manifest: ManifestEntry[] = [];
    /** Streams `source` into `into`, hashed as it goes, and lists it in `listed`. */
    const archive = async (into: ArchiveWriter, listed: ManifestEntry[], source: Source, stream: AsyncIterable<Uint8Array> = fs.readStream(source.path)) => {
      throwIfCancelled(run.signal, OP);
      const hash = hashing.sha256();
      let size = 0;
      const bytes = tap(stream, hash, (n) => {
        size += n;
        progress(n);
      }, run.signal, OP);
      await into.add(source.name, bytes);
      const sha256 = hash.digest();
      if (source.expectedSha256 !== undefined && sha256 !== source.expectedSha256) {
        throw new BackupError(
          'DOCUMENT_MISMATCH',
          `${OP}: document ${source.name}: its bytes no longer match its name (their SHA-256 is ${sha256}); nothing was exported. Run \`casevault check\` to list damaged documents.`,
        );
      }
      listed.push({ path: source.name, size, sha256 });
    };
    /** Every source in turn; the next ones are opened and their first chunk read while one is archived. */
    const archiveAll = async (into: ArchiveWriter, listed: ManifestEntry[], list: readonly Source[]) => {
      let aheadBytes = 0; // first chunks of the documents in `ahead`
      for (let i = 0; i < list.length; i += 1) {
        for (let n = i + ahead.length; n < list.length && ahead.length <= READ_AHEAD; n += 1) {
          if (ahead.length > 0 && aheadBytes + firstChunk(list[n]!) > READ_AHEAD_BYTES) break;
          aheadBytes += firstChunk(list[n]!);
          ahead.push(readAhead(fs.readStream(list[n]!.path)));
        }
        aheadBytes -= firstChunk(list[i]!);
        await archive(into, listed, list[i]!, ahead.shift());
      }
    };

    let packs: ManifestPack[] = [];
    let newPack: { name: string; size: number } | null = null;
    if (pooled) {
      // The new documents into a pack of their own, complete and in the pool before the
      // backup that lists it exists (a crash between leaves a pack no backup lists: garbage).
      const fresh = sources.slice(0, newDocuments);
      if (fresh.length > 0) {
        const packed: ManifestEntry[] = [];
        newPack = await writePack(deps, config, { backupId, recipients, level: options.compressionLevel, createdAt, partial: (p) => (packPartial = p) }, async (into) => archiveAll(into, packed, fresh));
        const objects = new Map(packed.map((e) => [e.sha256, e.size]));
        await bestEffort(deps, `${OP}: indexing the new pool pack`, () => writePackIndex(deps, config, newPack!.name, objects));
        for (const e of packed) reused.push({ ...e, pack: newPack.name });
      }
      const used = [...new Set(reused.map((r) => r.pack))].sort();
      const sizes = await Promise.all(used.map(async (name) => (name === newPack?.name ? newPack.size : (await fs.stat(fs.join(poolDir(deps, config), name))).size)));
      packs = used.map((name, i) => ({ name, size: sizes[i]! }));
      const index = new Map(used.map((name, i) => [name, i]));
      for (const r of reused.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))) manifest.push({ path: r.path, size: r.size, sha256: r.sha256, pack: index.get(r.pack)! });
    }

    const zipHash = hashing.sha256();
    let zipSize = 0;
    const output = await fs.openWrite(partialPath, { mode: 0o600, exclusive: true });
    // Encrypted: the ZIP's bytes go through the encrypting handle; the hash (for the sidecar) is of the .age file.
    const hashed = hashingWriter(output, zipHash, (n) => (zipSize += n));
    const sink = recipients ? await deps.encryption!.encryptingWriter(hashed, recipients) : hashed;
    writer = deps.archive.createWriter(sink, { level: options.compressionLevel, modified: createdAt });
    await archiveAll(writer, manifest, pooled ? sources.slice(newDocuments) : sources);
    let counts: Counts = NO_COUNTS;
    let schemaVersion: number | null = null;
    if (snapshot) {
      const { report, size } = await snapshot;
      onProgress({ phase: 'snapshot', done: 1, total: 1, unit: 'files' });
      counts = report.counts;
      schemaVersion = report.schemaVersion;
      await archive(writer, manifest, { name: DATABASE_FILE, path: snapshotPath, size });
    }
    onProgress({ phase: 'archive', done: total, total, unit: 'bytes' });
    const formatVersion = pooled ? INCREMENTAL_FORMAT_VERSION : FULL_FORMAT_VERSION;
    const manifestBytes = encodeJson(pooled ? { formatVersion, packs, entries: manifest } : { formatVersion, entries: manifest });
    const manifestHash = hashing.sha256();
    manifestHash.update(manifestBytes);
    await writer.add(MANIFEST_ENTRY, once(manifestBytes));
    const metadata = buildMetadata({
      formatVersion,
      createdAt,
      appVersion: config.appVersion,
      schemaVersion,
      options,
      counts: { ...counts, files: documentCount, bytes: documentBytes },
      checksum: manifestHash.digest(),
    });
    await writer.add(METADATA_ENTRY, once(encodeJson(metadata)));
    throwIfCancelled(run.signal, OP);
    await writer.finish(); // fsyncs the .partial
    finished = true;
    const checksum = zipHash.digest();
    if (recipients) await recordRecipients(deps, config, fileName, recipients);
    // The sidecar first: a crash after it leaves an unlisted .partial and an orphan sidecar
    // (both cleaned at the next start), never a listed backup without its checksum.
    await fs.writeFile(`${sidecarPath}.partial`, new TextEncoder().encode(sidecarText(checksum, fileName, packs.map((p) => p.name))), { mode: 0o600 });
    await fs.rename(`${sidecarPath}.partial`, sidecarPath);
    await fs.rename(partialPath, filePath);
    // From here the backup is complete and listed: nothing below can make it a failure.
    await bestEffort(deps, `${OP}: flushing ${config.backupDir}`, () => fs.syncDir(config.backupDir), (m) =>
      warnings.push(`${m}; the backup is complete, but a power cut now could lose its name`),
    );
    const incrementalReport = pooled
      ? { newPack: newPack?.name ?? null, newDocuments, newBytes: sources.slice(0, newDocuments).reduce((sum, s) => sum + s.size, 0), reused: documentCount - newDocuments, packBytes: newPack?.size ?? 0 }
      : null;
    return { backupId, fileName, filePath, size: zipSize, createdAt: metadata.createdAt, checksum, metadata, encrypted: recipients !== null, recipients: recipients ?? [], warnings, incremental: incrementalReport };
  } catch (error) {
    // Clean up without hiding why the export failed; the next start removes what is left.
    if (writer && !finished) await writer.abort();
    await bestEffort(deps, `${OP}: removing ${partialPath}`, async () => {
      if (packPartial) await fs.remove(packPartial);
      await fs.remove(partialPath);
      await fs.remove(`${sidecarPath}.partial`);
      if (!(await fs.exists(filePath))) await fs.remove(sidecarPath);
    });
    throw error;
  } finally {
    for (const stream of ahead) await stream.close(); // documents opened ahead of a failure
    await snapshot?.catch(() => {}); // a snapshot still being written must end before its file goes
    await bestEffort(deps, `${OP}: removing the snapshot ${snapshotPath}`, () => fs.remove(snapshotPath));
  }
}

/** `casevault-backup-20261125T233100123Z`, with a suffix if two exports share a millisecond. */
async function freshBackupId(deps: BackupDeps, config: BackupConfig, createdAt: Date): Promise<string> {
  const base = `${BACKUP_PREFIX}${compactTimestamp(createdAt)}`;
  for (let i = 0; ; i += 1) {
    const id = i === 0 ? base : `${base}-${i}`;
    const zip = deps.fs.join(config.backupDir, `${id}.zip`);
    const age = `${zip}.age`;
    if (!(await deps.fs.exists(zip)) && !(await deps.fs.exists(`${zip}.partial`)) && !(await deps.fs.exists(age)) && !(await deps.fs.exists(`${age}.partial`))) return id;
  }
}

/** `incremental: true` (CLI `--incremental`, scheduled backups) is the export's own option, not a category of the metadata's. */
function splitIncremental(input: unknown): { incremental: boolean; rest: unknown } {
  if (typeof input !== 'object' || input === null || Array.isArray(input) || !('incremental' in input)) return { incremental: false, rest: input };
  const { incremental, ...rest } = input as Record<string, unknown>;
  if (typeof incremental !== 'boolean') throw new BackupError('INVALID_INPUT', 'export: incremental must be true or false');
  return { incremental, rest };
}

/**
 * Writes a pool pack: `fill` archives the documents into the writer; the pack goes to
 * `pool/.<backupId>.pack.partial`, fsynced, then is renamed to its SHA-256 (`.zip`, or
 * `.zip.age` encrypted to `recipients`) and the pool folder fsynced. A pack of that name
 * already there has the same bytes (its name is its hash): the new one is dropped.
 */
async function writePack(
  deps: BackupDeps,
  config: BackupConfig,
  pack: { backupId: string; recipients: readonly string[] | null; level: number; createdAt: Date; partial: (path: string) => void },
  fill: (into: ArchiveWriter) => Promise<void>,
): Promise<{ name: string; size: number }> {
  const { fs } = deps;
  const dir = poolDir(deps, config);
  await fs.mkdir(dir, { mode: 0o700 });
  const partial = fs.join(dir, `.${pack.backupId}.pack.partial`);
  pack.partial(partial);
  const hash = deps.hashing.sha256();
  let size = 0;
  const output = await fs.openWrite(partial, { mode: 0o600, exclusive: true });
  const hashed = hashingWriter(output, hash, (n) => (size += n));
  const sink = pack.recipients ? await deps.encryption!.encryptingWriter(hashed, pack.recipients) : hashed;
  const writer = deps.archive.createWriter(sink, { level: pack.level, modified: pack.createdAt });
  try {
    await fill(writer);
    await writer.finish();
  } catch (error) {
    await writer.abort();
    throw error;
  }
  const name = `${hash.digest()}${pack.recipients ? ENCRYPTED_EXTENSION : '.zip'}`;
  const path = fs.join(dir, name);
  if (await fs.exists(path)) await fs.remove(partial);
  else await fs.rename(partial, path);
  await fs.syncDir(dir);
  return { name, size };
}
