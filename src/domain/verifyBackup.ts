/**
 * verifyBackup: everything a restore checks, without touching the data dir. The sidecar
 * (if present) is checked against the whole file, every entry is inflated and hashed, and
 * the database is extracted to scratch space for its integrity check, then removed.
 */
import type { BackupConfig, BackupDeps, RunOptions } from './deps.ts';
import { compactTimestamp } from './deps.ts';
import { BackupError } from './errors.ts';
import type { BackupMetadata } from './format.ts';
import { SIDECAR_SUFFIX, VERIFY_SCRATCH_PREFIX, exportScratchDir, parseSidecar } from './backupFiles.ts';
import { ENTRIES_IN_FLIGHT, extractEntries, inspectBackupDatabase, openBackup } from './readBackup.ts';

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
    const [whole, extracted] = await Promise.allSettled([
      fs.hashFile(path, { signal: run.signal, operation: OP }),
      extractEntries(deps, backup, async (item) => (item.kind === 'database' ? fs.openWrite(dbPath, { mode: 0o600, scratch: true }) : null), 'verify', OP, run, ENTRIES_IN_FLIGHT.verify),
    ]);
    // An encrypted backup: every chunk authenticated, also those the ZIP reader never read.
    // After the extraction, whose reads authenticated nearly all of them, so that this
    // decrypts only the rest: each chunk once, not once for the reader and again here.
    const [authenticated] = await Promise.allSettled([backup.decrypting?.authenticateAll(run.signal ? { signal: run.signal } : {})]);
    if (whole.status === 'rejected') throw whole.reason;
    const { sha256: checksum, size } = whole.value;
    const sidecarPath = `${path}${SIDECAR_SUFFIX}`;
    let sidecarChecked = false;
    if (await fs.exists(sidecarPath)) {
      const expected = parseSidecar(new TextDecoder().decode(await fs.readFile(sidecarPath)));
      if (expected !== checksum) {
        throw new BackupError('CHECKSUM_MISMATCH', `${OP}: the file's SHA-256 is ${checksum}, its ${fs.basename(sidecarPath)} says ${expected ?? 'nothing readable'}`);
      }
      sidecarChecked = true;
    }
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
    await backup.reader.close();
    await fs.remove(scratch);
  }
}
