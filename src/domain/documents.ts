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

/**
 * Stat calls in flight at once while listing. One after another, each waited for its trip
 * through the threadpool (~0.2 ms under load, 20,000 of them for a store of small
 * documents); several at a time, the threadpool's workers stay busy and one wake-up of the
 * main thread collects several results (issue 15, bench/RESULTS.md).
 */
const IN_FLIGHT = 16;

/** `fn` over `items`, at most `limit` at once; results in the items' order; the first failure rejects (no new calls after it). */
async function mapBounded<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  let failed = false;
  const lane = async () => {
    while (!failed && next < items.length) {
      const i = next++;
      try {
        out[i] = await fn(items[i]!);
      } catch (error) {
        failed = true;
        throw error;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
  return out;
}

/**
 * Lists the store in a stable order (sorted by path). A missing files/ is an empty store.
 * `known`: the size of a document whose bytes a backup already holds (an incremental
 * export's pool), or undefined; such a name is listed at that size without a stat of its
 * file (the backup lists the pool's copy, never reads this one): at 20,000 documents the
 * stats were a third of an incremental export's main-thread time.
 */
export async function findDocuments(fs: FileSystem, dataDir: string, known?: (sha256: string) => number | undefined): Promise<DocumentScan> {
  const root = fs.join(dataDir, FILES_DIR);
  const scan: DocumentScan = { documents: [], skipped: [] };
  if (!(await fs.exists(root))) return scan;
  const prefixes = await mapBounded(await fs.readdir(root), IN_FLIGHT, async (prefix) => {
    const prefixPath = fs.join(root, prefix);
    const prefixStat = await fs.stat(prefixPath);
    const store = prefixStat.kind === 'directory' && /^[0-9a-f]{2}$/.test(prefix);
    return { prefix, prefixPath, names: store ? await fs.readdir(prefixPath) : null };
  });
  const sizeOf = (prefix: string, name: string) => (known && name.length === 64 && name.startsWith(prefix) ? known(name) : undefined);
  const files = prefixes.flatMap(({ prefix, prefixPath, names }) => (names ?? []).filter((name) => sizeOf(prefix, name) === undefined).map((name) => fs.join(prefixPath, name)));
  const stats = await mapBounded(files, IN_FLIGHT, (file) => fs.stat(file));
  let i = 0;
  for (const { prefix, names } of prefixes) {
    if (!names) {
      scan.skipped.push({ path: `${FILES_DIR}/${prefix}`, reason: 'not a folder of the document store' });
      continue;
    }
    for (const name of names) {
      const rel = `${FILES_DIR}/${prefix}/${name}`;
      const size = sizeOf(prefix, name);
      if (size !== undefined) {
        scan.documents.push({ path: rel, sha256: name, size });
        continue;
      }
      const stat = stats[i++]!;
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
