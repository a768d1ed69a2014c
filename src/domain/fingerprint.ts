/**
 * "Skip unchanged": a scheduled run makes no new backup when neither the database, the
 * document set nor the settings changed since the newest complete backup. The fingerprint
 * of the data dir is a SHA-256 over:
 * - the database file's and its WAL's size and modification time (every commit writes one
 *   of them: SQLite appends to the WAL, a checkpoint rewrites the database file). A
 *   checkpoint without new data also changes them, which costs one backup too many, never
 *   one too few; hashing the database itself would read it whole on every tick;
 * - the sorted names of the documents (content-addressed: the name is the content's hash);
 * - the SHA-256 of settings.json;
 * - which categories the policy includes (a backup without files does not cover files).
 * Only what the policy includes counts. The fingerprint is recorded with the backup made
 * from it (state), taken before the export starts: what changes during the export makes
 * the next fingerprint differ, so it is backed up next time.
 */
import type { BackupConfig, BackupDeps } from './deps.ts';
import { recordOf, type BackupState } from './backupState.ts';
import { findDocuments } from './documents.ts';
import { DATABASE_FILE, SETTINGS_FILE } from './layout.ts';
import type { ExportOptions } from './options.ts';

export async function dataFingerprint(deps: BackupDeps, config: BackupConfig, options: ExportOptions): Promise<string> {
  const { fs } = deps;
  const statOf = async (name: string) => {
    const path = fs.join(config.dataDir, name);
    if (!(await fs.exists(path))) return null;
    const s = await fs.stat(path);
    return [s.kind, s.size, s.mtimeMs];
  };
  const parts = {
    include: [options.includeDatabase, options.includeFiles, options.includeMetadata],
    database: options.includeDatabase ? [await statOf(DATABASE_FILE), await statOf(`${DATABASE_FILE}-wal`)] : null,
    documents: options.includeFiles ? (await findDocuments(fs, config.dataDir)).documents.map((d) => d.sha256).sort() : null,
    settings: options.includeMetadata ? await fileSha256(deps, fs.join(config.dataDir, SETTINGS_FILE)) : null,
  };
  const hash = deps.hashing.sha256();
  hash.update(new TextEncoder().encode(JSON.stringify(parts)));
  return hash.digest();
}

async function fileSha256(deps: BackupDeps, path: string): Promise<string | null> {
  if (!(await deps.fs.exists(path))) return null;
  const hash = deps.hashing.sha256();
  hash.update(await deps.fs.readFile(path));
  return hash.digest();
}

/**
 * The newest backup, if the data is unchanged since it was made (its recorded fingerprint
 * equals `fingerprint`); null when a backup is needed. Pure.
 */
export function unchangedSince(newest: { fileName: string } | null, state: BackupState, fingerprint: string): string | null {
  if (newest === null) return null;
  return recordOf(state, newest.fileName).fingerprint === fingerprint ? newest.fileName : null;
}
