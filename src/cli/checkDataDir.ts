/**
 * What `casevault check` finds in a data dir (after recovery): the database's integrity,
 * every document re-hashed, documents the database names but the store lacks (missing),
 * documents in the store no row names (orphans), and stray files in files/.
 */
import type { FileSystem } from '../ports/fileSystem.ts';
import type { Hashing } from '../ports/hashing.ts';
import { findDocuments } from '../domain/documents.ts';
import { isBackupError } from '../domain/errors.ts';
import { DATABASE_FILE } from '../domain/layout.ts';
import type { BetterSqliteDatabase } from '../infra/betterSqlite/betterSqliteDatabase.ts';

export interface CheckReport {
  readonly healthy: boolean;
  /** 'ok', what integrity_check reported, or why the database could not be opened. */
  readonly integrity: string;
  /** The data dir has no database.sqlite (it was not created by looking). */
  readonly databaseMissing: boolean;
  readonly documents: number;
  readonly bytes: number;
  /** Documents whose bytes no longer match their name. */
  readonly damaged: string[];
  /** sha256 of documents rows whose file is absent. */
  readonly missing: string[];
  /** Files in the store that no documents row names. */
  readonly orphans: string[];
  /** Things in files/ that are not documents of the store. */
  readonly stray: string[];
}

export async function checkDataDir(
  fs: FileSystem,
  hashing: Hashing,
  db: BetterSqliteDatabase,
  dataDir: string,
  options: { signal?: AbortSignal; onFile?: (done: number, total: number) => void } = {},
): Promise<CheckReport> {
  let integrity = 'ok';
  let referenced = new Set<string>();
  let databaseReadable = true;
  // Opening a missing database would create an empty one: a check writes nothing.
  const databaseMissing = !(await fs.exists(fs.join(dataDir, DATABASE_FILE)));
  if (databaseMissing) {
    integrity = `there is no ${DATABASE_FILE} in ${dataDir}`;
    databaseReadable = false;
  } else {
    try {
      // Read only: a check never migrates or writes the database it checks.
      integrity = await db.checkLive('full');
      const hasDocuments = (await db.queryReadOnly(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'documents'`)).length > 0;
      if (hasDocuments) referenced = new Set((await db.queryReadOnly<{ sha256: string }>('SELECT DISTINCT sha256 FROM documents')).map((r) => r.sha256));
    } catch (error) {
      if (!isBackupError(error) || error.code !== 'DATABASE_CORRUPT') throw error;
      integrity = error.message;
      databaseReadable = false;
    }
  }
  const scan = await findDocuments(fs, dataDir);
  const damaged: string[] = [];
  let bytes = 0;
  for (const [i, doc] of scan.documents.entries()) {
    options.signal?.throwIfAborted();
    const hash = hashing.sha256();
    for await (const chunk of fs.readStream(fs.join(dataDir, doc.path))) hash.update(chunk);
    if (hash.digest() !== doc.sha256) damaged.push(doc.path);
    bytes += doc.size;
    options.onFile?.(i + 1, scan.documents.length);
  }
  const present = new Set(scan.documents.map((d) => d.sha256));
  const missing = databaseReadable ? [...referenced].filter((sha) => !present.has(sha)).sort() : [];
  const orphans = databaseReadable ? scan.documents.filter((d) => !referenced.has(d.sha256)).map((d) => d.path) : [];
  const stray = scan.skipped.map((s) => `${s.path}: ${s.reason}`);
  return {
    healthy: integrity === 'ok' && damaged.length === 0 && missing.length === 0,
    integrity,
    databaseMissing,
    documents: scan.documents.length,
    bytes,
    damaged,
    missing,
    orphans,
    stray,
  };
}
