/**
 * verifyBackup: everything a restore checks, without touching the data dir. The sidecar
 * (if present) is checked against the whole file, every entry is inflated and hashed, and
 * the database is extracted to scratch space for its integrity check, then removed.
 */
import type { BackupConfig, BackupDeps, RunOptions } from './deps.ts';
import { compactTimestamp } from './deps.ts';
import { BackupError } from './errors.ts';
import type { BackupMetadata } from './format.ts';
import { POOL_DIR, SIDECAR_SUFFIX, VERIFY_SCRATCH_PREFIX, exportScratchDir, packChecksum, packsOfSidecar, parseSidecar } from './backupFiles.ts';
import { ENTRIES_IN_FLIGHT, extractEntries, inspectBackupDatabase, openBackup, poolFailure, type PoolProblem } from './readBackup.ts';

export interface VerifyResult {
  readonly valid: true;
  readonly fileName: string;
  readonly filePath: string;
  readonly size: number;
  /** SHA-256 of the whole file. */
  readonly checksum: string;
  /** Whether a `.sha256` sidecar was found and matched. */
  readonly sidecarChecked: boolean;
  readonly metadata: BackupMetadata;
  readonly entries: number;
  /** An encrypted backup (.zip.age): every chunk of it was authenticated. */
  readonly encrypted: boolean;
}

const OP = 'verify';

export async function verifyBackup(deps: BackupDeps, config: BackupConfig, path: string, run: RunOptions = {}): Promise<VerifyResult> {
  const { fs } = deps;
  if (typeof path !== 'string' || path.length === 0) throw new BackupError('INVALID_INPUT', `${OP}: no backup file given`);
  const backup = await openBackup(deps, config, path, OP, run.unlock);
  // The database is extracted for its integrity check. An encrypted backup's is plaintext, so
  // it goes on the data side (<dataDir>.casevault-scratch/, 0700, as an encrypted export's
  // snapshot), never into the temp dir, which defaults to the backup dir (a USB drive, a NAS).
  const base = backup.decrypting ? exportScratchDir(config.dataDir) : config.tempDir;
  const scratch = fs.join(base, `${VERIFY_SCRATCH_PREFIX}${compactTimestamp(deps.clock.now())}-${Math.random().toString(36).slice(2)}`);
  try {
    if (backup.decrypting && !(await fs.exists(base))) {
      try {
        await fs.mkdir(base, { mode: 0o700 });
      } catch (error) {
        if (error instanceof BackupError && error.code === 'NOT_FOUND') {
          throw new BackupError('NOT_FOUND', `${OP}: an encrypted backup's database is checked in ${base}, beside the data dir, and its folder ${fs.dirname(base)} does not exist; give --data-dir where casevault may write`, { cause: error });
        }
        throw error;
      }
    }
    await fs.mkdir(scratch, { mode: 0o700 });
    const dbEntry = backup.manifest.find((item) => item.kind === 'database');
    const free = await fs.freeSpace(scratch);
    if (dbEntry && dbEntry.size > free) {
      throw new BackupError('NO_SPACE', `${OP}: checking the database needs ${dbEntry.size} bytes of scratch space, ${base} has ${free} free`);
    }
    const dbPath = fs.join(scratch, 'database.sqlite');
    // The whole-file hash (for the sidecar) runs beside the extraction (the node adapter
    // hashes in a worker thread). When both fail, the sidecar's verdict is given, as when the
    // two ran one after the other.
    // An incremental backup's packs are hashed whole too, one after the other in the same
    // worker, against their names (a pack's name is its SHA-256).
    const hashAll = async () => {
      const own = await fs.hashFile(path, { signal: run.signal, operation: OP });
      const damaged: PoolProblem[] = [];
      for (const pack of backup.packs) {
        if (!pack.reader) continue;
        const { sha256 } = await fs.hashFile(pack.path, { signal: run.signal, operation: OP });
        if (sha256 !== packChecksum(pack.name)) {
          damaged.push({ code: 'POOL_OBJECT_DAMAGED', pack: pack.name, detail: `${POOL_DIR}/${pack.name} has SHA-256 ${sha256}, not the one its name says: it was damaged or altered`, documents: backup.manifest.filter((item) => item.pack !== undefined && backup.packs[item.pack] === pack).map((item) => item.path) });
        }
      }
      return { ...own, damaged };
    };
    const [whole, extracted] = await Promise.allSettled([
      hashAll(),
      extractEntries(deps, backup, async (item) => (item.kind === 'database' ? fs.openWrite(dbPath, { mode: 0o600, scratch: true }) : null), 'verify', OP, run, ENTRIES_IN_FLIGHT.verify, dbPath),
    ]);
    // An encrypted backup: every chunk authenticated, also those the ZIP reader never read.
    // After the extraction, whose reads authenticated nearly all of them, so that this
    // decrypts only the rest: each chunk once, not once for the reader and again here.
    const authenticateAll = async () => {
      const options = run.signal ? { signal: run.signal } : {};
      await backup.decrypting?.authenticateAll(options);
      for (const pack of backup.packs) await pack.decrypting?.authenticateAll(options);
    };
    const [authenticated] = await Promise.allSettled([authenticateAll()]);
    if (whole.status === 'rejected') throw whole.reason;
    const { sha256: checksum, size } = whole.value;
    const sidecarPath = `${path}${SIDECAR_SUFFIX}`;
    let sidecarChecked = false;
    if (await fs.exists(sidecarPath)) {
      const text = new TextDecoder().decode(await fs.readFile(sidecarPath));
      const expected = parseSidecar(text);
      if (expected !== checksum) {
        throw new BackupError('CHECKSUM_MISMATCH', `${OP}: the file's SHA-256 is ${checksum}, its ${fs.basename(sidecarPath)} says ${expected ?? 'nothing readable'}`);
      }
      // The collector keeps the packs a sidecar lists: it must list every pack the manifest needs.
      const listed = packsOfSidecar(text);
      const needed = backup.packs.map((p) => p.name);
      if (listed === null || needed.some((name) => !listed.includes(name))) {
        throw new BackupError('CHECKSUM_MISMATCH', `${OP}: ${fs.basename(sidecarPath)} does not list every pool pack the backup needs (${needed.filter((name) => !listed?.includes(name)).join(', ') || 'its lines are not readable'}); the pool's collector could remove them. Export a new backup`);
      }
      sidecarChecked = true;
    }
    // The extraction's own pool error names the document that failed to read; it goes first.
    if (extracted.status === 'rejected' && extracted.reason instanceof BackupError && extracted.reason.code.startsWith('POOL_')) throw extracted.reason;
    if (whole.value.damaged.length > 0) throw await poolFailure(deps, whole.value.damaged, (await fs.exists(dbPath)) ? dbPath : null, OP);
    if (authenticated.status === 'rejected') throw authenticated.reason;
    if (extracted.status === 'rejected') throw extracted.reason;
    if (backup.metadata.options.includeDatabase) {
      const report = await inspectBackupDatabase(deps, dbPath, OP);
      if (report.integrity !== 'ok') throw new BackupError('DATABASE_CORRUPT', `${OP}: the backup's database fails its integrity check (${report.integrity})`);
      if (report.schemaVersion !== backup.metadata.schemaVersion) {
        throw new BackupError('INVALID_MANIFEST', `${OP}: the database has schema version ${report.schemaVersion}, the metadata says ${backup.metadata.schemaVersion}`);
      }
      for (const key of ['users', 'cases', 'tasks', 'hearings', 'orders'] as const) {
        if (report.counts[key] !== backup.metadata.counts[key]) {
          throw new BackupError('INVALID_MANIFEST', `${OP}: the database has ${report.counts[key]} ${key}, the metadata says ${backup.metadata.counts[key]}`);
        }
      }
    }
    return {
      valid: true,
      fileName: fs.basename(path),
      filePath: path,
      size,
      checksum,
      sidecarChecked,
      metadata: backup.metadata,
      entries: backup.entries.size,
      encrypted: backup.decrypting !== null,
    };
  } finally {
    await backup.close();
    await fs.remove(scratch);
  }
}
