/**
 * exportPortable: a portable copy of any backup (issue 12), one self-contained format-1 ZIP,
 * the seed's format, that a person can carry to another machine and restore there without
 * the pool. The backup is opened with every check a restore makes (openBackup; an encrypted
 * one with `run.unlock`), then each data entry's bytes are streamed from where they are (its
 * own ZIP, or its pool pack: `locate`) into a new ZIP, checked against the manifest's size and
 * SHA-256 on the way: documents (`files/ab/<sha256>`), settings, database, then a format-1
 * manifest and metadata. The metadata keeps the backup's createdAt, app and schema versions,
 * options and counts (it is the same backup, only packed differently); its `checksum` seals
 * the new manifest. A missing or damaged pack, or an entry that fails its check, stops it with
 * the codes a verify gives (POOL_OBJECT_MISSING / _DAMAGED naming the documents and cases,
 * CHECKSUM_MISMATCH, CORRUPT_ENTRY) and nothing is left behind.
 *
 * Where: `<backupDir>/portable/casevault-portable-<the backup's time>[-n].zip`, or a folder the
 * person chooses (`to`: a USB stick). Never the backup dir itself: every ZIP there is listed
 * as a backup, and a copy dated by its file's time would pass for a new backup (the status's
 * "last backup", retention, `latest`). Written like a backup: `.partial`, fsynced, sidecar,
 * renamed, folder fsynced.
 *
 * Encryption: never a plaintext copy of an encrypted backup, nor one while encryption is on.
 * The copy goes to the public keys encryption uses now (encryptionPlan: ENCRYPTION_UNAVAILABLE
 * or KEY_FILE_DAMAGED when they are missing or damaged); with encryption off, an encrypted
 * backup's copy goes to the keys it was made for (the keyring's record), and without that
 * record it is refused (ENCRYPTION_UNAVAILABLE). An encrypted copy written outside the backup
 * dir gets the password's key file beside it (if that folder has none), so the password opens
 * it on another machine; the recovery key opens it anyway.
 *
 * Run under the backup dir's export lock (the service does): at its start it removes the
 * `.partial` files an interrupted portable copy left in `<backupDir>/portable/`.
 */
import type { ArchiveWriter } from '../ports/archive.ts';
import type { BackupConfig, BackupDeps, RunOptions } from './deps.ts';
import { bestEffort, compactTimestamp } from './deps.ts';
import { BackupError, throwIfCancelled } from './errors.ts';
import { buildMetadata, encodeJson, type BackupMetadata, type ManifestEntry, type ParsedManifestEntry } from './format.ts';
import { FULL_FORMAT_VERSION, MANIFEST_ENTRY, METADATA_ENTRY } from './layout.ts';
import { ENCRYPTED_EXTENSION, PARTIAL_SUFFIX, SIDECAR_SUFFIX, exportScratchDir, sidecarText } from './backupFiles.ts';
import { KEY_FILE, encryptionPlan, recipientsOf } from './keys.ts';
import { byteProgress, noProgress } from './progress.ts';
import { openBackup, poolFailure, type OpenedBackup, type PoolProblem } from './readBackup.ts';
import { hashingWriter, once } from './streams.ts';
import { POOL_DIR } from './backupFiles.ts';

export const PORTABLE_DIR = 'portable';
export const PORTABLE_PREFIX = 'casevault-portable-';

export interface PortableOptions {
  /** A folder to write the copy into (a USB stick); by default `<backupDir>/portable/`. */
  readonly to?: string;
}

export interface PortableResult {
  /** The backup it is a copy of. */
  readonly source: string;
  /** The backup's format: 1 (full) or 2 (incremental: its documents came from the pool). */
  readonly sourceFormat: number;
  readonly fileName: string;
  readonly filePath: string;
  readonly size: number;
  /** SHA-256 of the whole file (also in its `.sha256` sidecar). */
  readonly checksum: string;
  /** The copy's metadata: format 1, the backup's createdAt and counts, a checksum over the new manifest. */
  readonly metadata: BackupMetadata;
  /** Data entries copied (documents, settings, database). */
  readonly entries: number;
  readonly encrypted: boolean;
  readonly recipients: readonly string[];
  /** Where the password's key file was put beside an encrypted copy, or null. */
  readonly keyFile: string | null;
  readonly warnings: readonly string[];
}

const OP = 'portable copy';

export async function exportPortable(deps: BackupDeps, config: BackupConfig, backupPath: string, options: PortableOptions = {}, run: RunOptions = {}): Promise<PortableResult> {
  const { fs } = deps;
  if (typeof backupPath !== 'string' || backupPath.length === 0) throw new BackupError('INVALID_INPUT', `${OP}: no backup file given`);
  const defaultDir = fs.join(config.backupDir, PORTABLE_DIR);
  const dir = options.to === undefined ? defaultDir : await chosenFolder(deps, config, options.to);
  // Before the backup is opened: encryption on with its keys missing fails here, never a plaintext copy.
  const current = await encryptionPlan(deps, config, OP);
  const backup = await openBackup(deps, config, backupPath, OP, run.unlock);
  const warnings: string[] = [];
  let partialPath: string | undefined;
  let sidecarPath: string | undefined;
  let filePath: string | undefined;
  let writer: ArchiveWriter | undefined;
  let finished = false;
  try {
    const recipients = current ?? (backup.decrypting ? await recordedRecipients(deps, config, backupPath) : null);
    if (backup.poolProblems.length > 0) throw await failureOfPool(deps, config, backup, backup.poolProblems);
    if (dir === defaultDir) {
      await fs.mkdir(dir, { mode: 0o700 });
      // Under the export lock no other portable copy runs: a .partial here is an interrupted one's.
      for (const name of (await fs.readdir(dir)).filter((n) => n.endsWith(PARTIAL_SUFFIX))) await fs.remove(fs.join(dir, name));
    }
    const createdAt = new Date(backup.metadata.createdAt);
    const fileName = await freshName(deps, dir, compactTimestamp(createdAt), recipients !== null);
    filePath = fs.join(dir, fileName);
    partialPath = `${filePath}${PARTIAL_SUFFIX}`;
    sidecarPath = `${filePath}${SIDECAR_SUFFIX}`;

    const fileHash = deps.hashing.sha256();
    let size = 0;
    const output = await fs.openWrite(partialPath, { mode: 0o600, exclusive: true });
    const hashed = hashingWriter(output, fileHash, (n) => (size += n));
    const sink = recipients ? await deps.encryption!.encryptingWriter(hashed, recipients) : hashed;
    writer = deps.archive.createWriter(sink, { level: backup.metadata.options.compressionLevel, modified: createdAt });
    const progress = byteProgress('archive', backup.totalBytes, run.onProgress ?? noProgress);
    // Format 1's order: documents, settings, database; then the manifest and the metadata.
    const rank = { document: 0, settings: 1, database: 2 } as const;
    const order = [...backup.manifest].sort((a, b) => rank[a.kind] - rank[b.kind]);
    const manifest: ManifestEntry[] = [];
    for (const item of order) {
      throwIfCancelled(run.signal, OP);
      const { reader, entry } = backup.locate(item);
      try {
        await writer.add(item.path, checked(deps, item, reader.openEntry(entry), progress, run.signal));
      } catch (error) {
        throw await asPoolFailure(deps, config, backup, item, error);
      }
      manifest.push({ path: item.path, size: item.size, sha256: item.sha256 });
    }
    const manifestBytes = encodeJson({ formatVersion: FULL_FORMAT_VERSION, entries: manifest });
    const manifestHash = deps.hashing.sha256();
    manifestHash.update(manifestBytes);
    await writer.add(MANIFEST_ENTRY, once(manifestBytes));
    const source = backup.metadata;
    const metadata = buildMetadata({
      formatVersion: FULL_FORMAT_VERSION,
      createdAt,
      appVersion: source.appVersion,
      schemaVersion: source.schemaVersion,
      options: source.options,
      counts: source.counts,
      checksum: manifestHash.digest(),
    });
    await writer.add(METADATA_ENTRY, once(encodeJson(metadata)));
    throwIfCancelled(run.signal, OP);
    await writer.finish(); // fsyncs the .partial
    finished = true;
    const checksum = fileHash.digest();
    // The sidecar first, as an export does: a crash leaves an unlisted .partial, never a copy without its checksum.
    await fs.writeFile(`${sidecarPath}${PARTIAL_SUFFIX}`, new TextEncoder().encode(sidecarText(checksum, fileName)), { mode: 0o600 });
    await fs.rename(`${sidecarPath}${PARTIAL_SUFFIX}`, sidecarPath);
    await fs.rename(partialPath, filePath);
    // From here the copy is complete: nothing below makes it a failure.
    await bestEffort(deps, `${OP}: flushing ${dir}`, () => fs.syncDir(dir), (m) => warnings.push(`${m}; the copy is complete, but a power cut now could lose its name`));
    const keyFile = recipients && dir !== defaultDir ? await keyFileBeside(deps, config, dir, warnings) : null;
    return {
      source: backupPath,
      sourceFormat: source.formatVersion,
      fileName,
      filePath,
      size,
      checksum,
      metadata,
      entries: manifest.length,
      encrypted: recipients !== null,
      recipients: recipients ?? [],
      keyFile,
      warnings,
    };
  } catch (error) {
    if (writer && !finished) await writer.abort();
    await bestEffort(deps, `${OP}: removing ${partialPath ?? 'what it wrote'}`, async () => {
      if (partialPath) await fs.remove(partialPath);
      if (sidecarPath) {
        await fs.remove(`${sidecarPath}${PARTIAL_SUFFIX}`);
        if (filePath && !(await fs.exists(filePath))) await fs.remove(sidecarPath);
      }
    });
    throw error;
  } finally {
    await backup.close().catch((error: unknown) => deps.log?.(`${OP}: closing ${backupPath}`, error));
  }
}

/** The folder `to` names: it must exist, be a folder, and be neither the backup dir (listed as a backup) nor the pool. */
async function chosenFolder(deps: BackupDeps, config: BackupConfig, to: string): Promise<string> {
  const { fs } = deps;
  if (typeof to !== 'string' || to.length === 0) throw new BackupError('INVALID_INPUT', `${OP}: no folder given to write the copy into`);
  if (!(await fs.exists(to))) throw new BackupError('NOT_FOUND', `${OP}: the folder ${to} does not exist; create it (or plug in the drive) first`);
  if ((await fs.stat(to)).kind !== 'directory') throw new BackupError('NOT_A_FOLDER', `${OP}: ${to} is not a folder; give the folder to write the copy into`);
  const same = (a: string, b: string) => fs.join(a, '.') === fs.join(b, '.');
  if (same(to, config.backupDir)) {
    throw new BackupError(
      'INVALID_INPUT',
      `${OP}: not into the backup dir itself (${config.backupDir}): every ZIP there is listed as a backup, and a copy would count as a new one; leave out the folder to write it into ${fs.join(config.backupDir, PORTABLE_DIR)}, or choose another`,
    );
  }
  if (same(to, fs.join(config.backupDir, POOL_DIR))) throw new BackupError('INVALID_INPUT', `${OP}: not into the pool (${to}); choose another folder`);
  return to;
}

/** With encryption off, an encrypted backup's copy goes to the keys it was made for; unknown ones: refused. */
async function recordedRecipients(deps: BackupDeps, config: BackupConfig, backupPath: string): Promise<string[]> {
  const recorded = await recipientsOf(deps, config, backupPath);
  if (!recorded || recorded.length === 0 || !deps.encryption) {
    throw new BackupError(
      'ENCRYPTION_UNAVAILABLE',
      `${OP}: ${deps.fs.basename(backupPath)} is encrypted and encryption is off, and the public keys it was made for are not recorded (casevault-keys.json); a portable copy of an encrypted backup is never written unencrypted. Turn encryption on (casevault key on) to encrypt the copy to today's keys`,
    );
  }
  return recorded.map((key) => deps.encryption!.parsePublicKey(key, `${OP}: the recorded key`));
}

/** `casevault-portable-<time>[-n].zip` (`.zip.age` encrypted), free in `dir` (and its `.partial`). */
async function freshName(deps: BackupDeps, dir: string, stamp: string, encrypted: boolean): Promise<string> {
  const ext = encrypted ? ENCRYPTED_EXTENSION : '.zip';
  for (let i = 0; ; i += 1) {
    const name = `${PORTABLE_PREFIX}${stamp}${i === 0 ? '' : `-${i}`}${ext}`;
    const path = deps.fs.join(dir, name);
    if (!(await deps.fs.exists(path)) && !(await deps.fs.exists(`${path}${PARTIAL_SUFFIX}`)) && !(await deps.fs.exists(`${path}${SIDECAR_SUFFIX}`))) return name;
  }
}

/** An entry's bytes, checked against the manifest's size and SHA-256 as they stream into the copy. */
async function* checked(deps: BackupDeps, item: ParsedManifestEntry, source: AsyncIterable<Uint8Array>, progress: (n: number) => void, signal: AbortSignal | undefined): AsyncGenerator<Uint8Array> {
  const hash = deps.hashing.sha256();
  let size = 0;
  for await (const chunk of source) {
    throwIfCancelled(signal, OP);
    size += chunk.byteLength;
    if (size > item.size) throw new BackupError('CORRUPT_ENTRY', `${OP}: entry ${item.path}: expected ${item.size} bytes, got more`);
    hash.update(chunk);
    progress(chunk.byteLength);
    yield chunk;
  }
  if (size !== item.size) throw new BackupError('CORRUPT_ENTRY', `${OP}: entry ${item.path}: expected ${item.size} bytes, got ${size}`);
  const sha256 = hash.digest();
  if (sha256 !== item.sha256) throw new BackupError('CHECKSUM_MISMATCH', `${OP}: entry ${item.path}: SHA-256 is ${sha256}, the manifest says ${item.sha256}`);
}

/** A pool document that fails its check: its pack is damaged (POOL_OBJECT_DAMAGED, naming it), as verify says. */
async function asPoolFailure(deps: BackupDeps, config: BackupConfig, backup: OpenedBackup, item: ParsedManifestEntry, error: unknown): Promise<unknown> {
  if (item.pack === undefined || !(error instanceof BackupError) || error.code === 'CANCELLED' || error.code.startsWith('POOL_')) return error;
  if (['NO_SPACE', 'IO_ERROR', 'PERMISSION_DENIED'].includes(error.code)) return error; // the output's problem, not the pack's
  const pack = backup.packs[item.pack]!;
  return failureOfPool(deps, config, backup, [{ code: 'POOL_OBJECT_DAMAGED', pack: pack.name, detail: error.message, documents: [item.path], cause: error }]);
}

/**
 * The coded pool error, naming the cases from the backup's database: it is extracted (checked)
 * to scratch space for that and removed; an encrypted backup's on the data side, never in the
 * temp dir. Without it the message names the documents only.
 */
async function failureOfPool(deps: BackupDeps, config: BackupConfig, backup: OpenedBackup, problems: readonly PoolProblem[]): Promise<BackupError> {
  const { fs } = deps;
  const database = backup.manifest.find((item) => item.kind === 'database');
  const base = backup.decrypting ? exportScratchDir(config.dataDir) : config.tempDir;
  // The name of a snapshot: a kill here leaves what the next export's clean-up removes.
  const path = fs.join(base, `.portable-${compactTimestamp(deps.clock.now())}-${Math.random().toString(36).slice(2)}.snapshot.sqlite`);
  let named: string | null = null;
  if (database) {
    try {
      if (!(await fs.exists(base))) await fs.mkdir(base, { mode: 0o700 });
      const { reader, entry } = backup.locate(database);
      const out = await fs.openWrite(path, { mode: 0o600, exclusive: true });
      try {
        for await (const chunk of checked(deps, database, reader.openEntry(entry), () => {}, undefined)) await out.write(chunk);
        await out.close();
        named = path;
      } catch (error) {
        await out.abort();
        throw error;
      }
    } catch (error) {
      deps.log?.(`${OP}: the backup's database could not be read to name the cases a pool problem affects`, error);
    }
  }
  try {
    return await poolFailure(deps, problems, named, OP);
  } finally {
    if (named) await bestEffort(deps, `${OP}: removing ${path}`, () => fs.remove(path));
  }
}

/** The password's key file beside an encrypted copy outside the backup dir, unless that folder has one. */
async function keyFileBeside(deps: BackupDeps, config: BackupConfig, dir: string, warnings: string[]): Promise<string | null> {
  const { fs } = deps;
  const from = fs.join(config.backupDir, KEY_FILE);
  const to = fs.join(dir, KEY_FILE);
  if (!(await fs.exists(from))) {
    warnings.push(`${OP}: there is no ${KEY_FILE} in ${config.backupDir} to put beside the copy; the recovery key opens it`);
    return null;
  }
  const bytes = await fs.readFile(from);
  if (await fs.exists(to)) {
    const there = await fs.readFile(to);
    if (there.length !== bytes.length || there.some((b, i) => b !== bytes[i])) {
      warnings.push(`${OP}: ${dir} already holds another ${KEY_FILE} (another backup dir's?), so this one's was not put beside the copy; the password of this backup dir opens the copy only with ${from}, the recovery key always`);
      return null;
    }
    return to;
  }
  let done = false;
  await bestEffort(deps, `${OP}: putting ${KEY_FILE} beside the copy`, async () => {
    await fs.writeFile(`${to}${PARTIAL_SUFFIX}`, bytes, { mode: 0o600 });
    await fs.rename(`${to}${PARTIAL_SUFFIX}`, to);
    done = true;
  }, (m) => warnings.push(`${m}; the recovery key opens the copy`));
  return done ? to : null;
}
