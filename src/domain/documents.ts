/** The content-addressed store: `files/ab/ab12…` where the name is the SHA-256 of the bytes. */
import type { FileSystem } from '../ports/fileSystem.ts';
import { FILES_DIR, documentPath, isSha256Hex } from './layout.ts';

export interface StoredDocument {
  /** Relative to the data dir, '/'-separated. */
  readonly path: string;
  readonly sha256: string;
  readonly size: number;
}

export interface DocumentScan {
  readonly documents: StoredDocument[];
  /** What is in files/ but is not a document of the store (never followed, never archived). */
  readonly skipped: { path: string; reason: string }[];
}

/** Lists the store in a stable order (sorted by path). A missing files/ is an empty store. */
export async function findDocuments(fs: FileSystem, dataDir: string): Promise<DocumentScan> {
  const root = fs.join(dataDir, FILES_DIR);
  const scan: DocumentScan = { documents: [], skipped: [] };
  if (!(await fs.exists(root))) return scan;
  for (const prefix of await fs.readdir(root)) {
    const prefixPath = fs.join(root, prefix);
    const prefixStat = await fs.stat(prefixPath);
    if (prefixStat.kind !== 'directory' || !/^[0-9a-f]{2}$/.test(prefix)) {
      scan.skipped.push({ path: `${FILES_DIR}/${prefix}`, reason: 'not a folder of the document store' });
      continue;
    }
    for (const name of await fs.readdir(prefixPath)) {
      const rel = `${FILES_DIR}/${prefix}/${name}`;
      const stat = await fs.stat(fs.join(prefixPath, name));
      if (stat.kind !== 'file') {
        scan.skipped.push({ path: rel, reason: stat.kind === 'symlink' ? 'a symbolic link' : 'not a regular file' });
      } else if (!isSha256Hex(name) || documentPath(name) !== rel) {
        scan.skipped.push({ path: rel, reason: 'its name is not a SHA-256 of the store' });
      } else {
        scan.documents.push({ path: rel, sha256: name, size: stat.size });
      }
    }
  }
  return scan;
}
