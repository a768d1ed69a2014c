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
import { buildMetadata, encodeJson, type BackupMetadata, type ManifestEntry } from './format.ts';
import { DATABASE_FILE, FORMAT_VERSION, MANIFEST_ENTRY, METADATA_ENTRY, SETTINGS_FILE } from './layout.ts';
import { findDocuments } from './documents.ts';
import { parseExportOptions } from './options.ts';
import { byteProgress, noProgress } from './progress.ts';
import { hashingWriter, once, readAhead, tap } from './streams.ts';
import { BACKUP_PREFIX, ENCRYPTED_EXTENSION, SIDECAR_SUFFIX, exportScratchDir, sidecarLine } from './backupFiles.ts';
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
  const options = parseExportOptions(input);
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
    if (options.includeFiles) {
      const found = await findDocuments(fs, config.dataDir);
      warnings.push(...found.skipped.map((s) => `${OP}: skipped ${s.path}: ${s.reason}`));
      for (const doc of found.documents) {
        sources.push({ name: doc.path, path: fs.join(config.dataDir, doc.path), size: doc.size, expectedSha256: doc.sha256 });
        documentBytes += doc.size;
        documentCount += 1;
      }
    }
    const settingsPath = fs.join(config.dataDir, SETTINGS_FILE);
    if (options.includeMetadata && (await fs.exists(settingsPath))) {
      sources.push({ name: SETTINGS_FILE, path: settingsPath, size: (await fs.stat(settingsPath)).size });
    }
    throwIfCancelled(run.signal, OP);

    const zipHash = hashing.sha256();
    let zipSize = 0;
    const output = await fs.openWrite(partialPath, { mode: 0o600, exclusive: true });
    // Encrypted: the ZIP's bytes go through the encrypting handle; the hash (for the sidecar) is of the .age file.
    const hashed = hashingWriter(output, zipHash, (n) => (zipSize += n));
    const sink = recipients ? await deps.encryption!.encryptingWriter(hashed, recipients) : hashed;
    writer = deps.archive.createWriter(sink, { level: options.compressionLevel, modified: createdAt });
    // The snapshot's size is not known yet: the live database file's stands in for it.
    const liveDatabase = fs.join(config.dataDir, DATABASE_FILE);
    const estimate = snapshot && (await fs.exists(liveDatabase)) ? (await fs.stat(liveDatabase)).size : 0;
    const total = sources.reduce((sum, s) => sum + s.size, 0) + estimate;
    const progress = byteProgress('archive', total, onProgress);
    const manifest: ManifestEntry[] = [];
    const archive = async (source: Source, stream: AsyncIterable<Uint8Array> = fs.readStream(source.path)) => {
      throwIfCancelled(run.signal, OP);
      const hash = hashing.sha256();
      let size = 0;
      const bytes = tap(stream, hash, (n) => {
        size += n;
        progress(n);
      }, run.signal, OP);
      await writer!.add(source.name, bytes);
      const sha256 = hash.digest();
      if (source.expectedSha256 !== undefined && sha256 !== source.expectedSha256) {
        throw new BackupError(
          'DOCUMENT_MISMATCH',
          `${OP}: document ${source.name}: its bytes no longer match its name (their SHA-256 is ${sha256}); nothing was exported. Run \`casevault check\` to list damaged documents.`,
        );
      }
      manifest.push({ path: source.name, size, sha256 });
    };
    // The next documents are opened and their first chunk read while one is archived.
    let aheadBytes = 0; // first chunks of the documents in `ahead`
    for (let i = 0; i < sources.length; i += 1) {
      for (let n = i + ahead.length; n < sources.length && ahead.length <= READ_AHEAD; n += 1) {
        if (ahead.length > 0 && aheadBytes + firstChunk(sources[n]!) > READ_AHEAD_BYTES) break;
        aheadBytes += firstChunk(sources[n]!);
        ahead.push(readAhead(fs.readStream(sources[n]!.path)));
      }
      aheadBytes -= firstChunk(sources[i]!);
      await archive(sources[i]!, ahead.shift());
    }
    let counts: Counts = NO_COUNTS;
    let schemaVersion: number | null = null;
    if (snapshot) {
      const { report, size } = await snapshot;
      onProgress({ phase: 'snapshot', done: 1, total: 1, unit: 'files' });
      counts = report.counts;
      schemaVersion = report.schemaVersion;
      await archive({ name: DATABASE_FILE, path: snapshotPath, size });
    }
    onProgress({ phase: 'archive', done: total, total, unit: 'bytes' });
    const manifestBytes = encodeJson({ formatVersion: FORMAT_VERSION, entries: manifest });
    const manifestHash = hashing.sha256();
    manifestHash.update(manifestBytes);
    await writer.add(MANIFEST_ENTRY, once(manifestBytes));
    const metadata = buildMetadata({
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
    await fs.writeFile(`${sidecarPath}.partial`, new TextEncoder().encode(sidecarLine(checksum, fileName)), { mode: 0o600 });
    await fs.rename(`${sidecarPath}.partial`, sidecarPath);
    await fs.rename(partialPath, filePath);
    // From here the backup is complete and listed: nothing below can make it a failure.
    await bestEffort(deps, `${OP}: flushing ${config.backupDir}`, () => fs.syncDir(config.backupDir), (m) =>
      warnings.push(`${m}; the backup is complete, but a power cut now could lose its name`),
    );
    return { backupId, fileName, filePath, size: zipSize, createdAt: metadata.createdAt, checksum, metadata, encrypted: recipients !== null, recipients: recipients ?? [], warnings };
  } catch (error) {
    // Clean up without hiding why the export failed; the next start removes what is left.
    if (writer && !finished) await writer.abort();
    await bestEffort(deps, `${OP}: removing ${partialPath}`, async () => {
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
