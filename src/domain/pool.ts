/**
 * The pool (issue 12): where incremental backups keep their documents, each stored once.
 *
 * `<backupDir>/pool/<sha256>.zip` is a pack: a standard ZIP of `files/ab/<sha256>` entries,
 * written by the same writer as a backup (deflated where it pays, stored where it does not;
 * `.zip.age`, age around the ZIP, when encryption is on), named by the SHA-256 of its own
 * bytes, so a pack is immutable and `sha256sum` checks it by its name. An incremental export
 * writes the documents no pack holds yet into one new pack, and a small ZIP (database,
 * settings, manifest, metadata: format 2) whose manifest names the pack of each document.
 * Its sidecar lists the packs it needs after its own line (backupFiles.ts `sidecarText`).
 *
 * Why packs and not one file per document, nor a chain of ZIPs (docs/DESIGN.md, "The
 * pool"): a pack is one file, one fsync and one rename for any number of documents, written
 * at the full writer's speed on both cores, read by the strict reader with every hostile-input
 * check a backup has; a backup depends on packs, never on another backup, so retention deletes
 * any backup it drops and the collector (`collectPool`) then removes the packs no kept
 * backup's sidecar lists.
 *
 * What packs hold, for the next export's deduplication, is cached on the data side
 * (`<dataDir>.casevault-scratch/pool-index/<pack>.txt`, the data's own machine: the documents
 * are there in the clear anyway); a plaintext pack's central directory stands in for a missing
 * entry, an encrypted pack without one is not reused (its documents are stored again: space,
 * never a loss).
 */
import type { BackupConfig, BackupDeps } from './deps.ts';
import { bestEffort } from './deps.ts';
import { BackupError } from './errors.ts';
import { POOL_DIR, SIDECAR_SUFFIX, exportScratchDir, isBackupFileName, isEncryptedFileName, isPackFileName, packsOfSidecar, PARTIAL_SUFFIX } from './backupFiles.ts';
import { classifyEntryName, isSha256Hex } from './layout.ts';

export const POOL_INDEX_DIR = 'pool-index';

/** Where a backup's packs are: `pool/` beside the backup's file (the backup dir, a USB drive's copy, a download). */
export function poolDirOf(deps: BackupDeps, backupPath: string): string {
  return deps.fs.join(deps.fs.dirname(backupPath), POOL_DIR);
}

export function poolDir(deps: BackupDeps, config: BackupConfig): string {
  return deps.fs.join(config.backupDir, POOL_DIR);
}

/** The packs in a pool folder (whole ones: never a `.partial`), sorted. */
export async function listPacks(deps: BackupDeps, dir: string): Promise<string[]> {
  if (!(await deps.fs.exists(dir))) return [];
  return (await deps.fs.readdir(dir)).filter(isPackFileName);
}

/** A document a pack holds: its SHA-256 and size. */
export interface PooledObject {
  readonly pack: string;
  readonly size: number;
}

/**
 * What the pool holds, for an incremental export: every document of every pack whose
 * contents are known, by SHA-256 (the first pack that has it). Memory: one map entry per
 * document (its 64-character hash and a small record; the pack names are shared).
 */
export async function poolObjects(deps: BackupDeps, config: BackupConfig): Promise<Map<string, PooledObject>> {
  const known = new Map<string, PooledObject>();
  const dir = poolDir(deps, config);
  for (const pack of await listPacks(deps, dir)) {
    const objects = await packObjects(deps, config, pack);
    if (!objects) continue;
    for (const [sha256, size] of objects) if (!known.has(sha256)) known.set(sha256, { pack, size });
  }
  return known;
}

const indexPath = (deps: BackupDeps, config: BackupConfig, pack: string) => deps.fs.join(exportScratchDir(config.dataDir), POOL_INDEX_DIR, `${pack}.txt`);

/** A pack's documents (SHA-256 → size): from the data side's index, else a plaintext pack's central directory; null if unknown. */
async function packObjects(deps: BackupDeps, config: BackupConfig, pack: string): Promise<Map<string, number> | null> {
  const cached = await readPackIndex(deps, config, pack);
  if (cached) return cached;
  if (isEncryptedFileName(pack)) return null;
  let reader;
  try {
    reader = await deps.archive.open(deps.fs.join(poolDir(deps, config), pack));
  } catch (error) {
    deps.log?.(`export: pool pack ${pack} cannot be read; its documents are stored again`, error);
    return null;
  }
  try {
    const objects = new Map<string, number>();
    for (const entry of reader.entries) {
      if (classifyEntryName(entry.name) !== 'document') continue;
      objects.set(entry.name.slice(-64), entry.uncompressedSize);
    }
    await bestEffort(deps, `export: indexing pool pack ${pack}`, () => writePackIndex(deps, config, pack, objects));
    return objects;
  } finally {
    await reader.close().catch(() => {});
  }
}

/** `<sha256> <size>` per document, then `end <sha256 of the lines before>`: a damaged index is not trusted. */
export async function writePackIndex(deps: BackupDeps, config: BackupConfig, pack: string, objects: ReadonlyMap<string, number>): Promise<void> {
  const lines = [...objects].map(([sha256, size]) => `${sha256} ${size}\n`).join('');
  const hash = deps.hashing.sha256();
  hash.update(new TextEncoder().encode(lines));
  const path = indexPath(deps, config, pack);
  await deps.fs.mkdir(deps.fs.dirname(path), { mode: 0o700 });
  await deps.fs.writeFile(`${path}${PARTIAL_SUFFIX}`, new TextEncoder().encode(`${lines}end ${hash.digest()}\n`), { mode: 0o600 });
  await deps.fs.rename(`${path}${PARTIAL_SUFFIX}`, path);
}

async function readPackIndex(deps: BackupDeps, config: BackupConfig, pack: string): Promise<Map<string, number> | null> {
  const path = indexPath(deps, config, pack);
  try {
    if (!(await deps.fs.exists(path))) return null;
    const text = new TextDecoder().decode(await deps.fs.readFile(path));
    const end = text.lastIndexOf('end ');
    if (end < 0 || !text.endsWith('\n')) return null;
    const lines = text.slice(0, end);
    const hash = deps.hashing.sha256();
    hash.update(new TextEncoder().encode(lines));
    if (text.slice(end + 4, -1) !== hash.digest()) return null;
    // Fixed-width lines (`<64 hex> <size>`), read without a split or a regular expression per
    // line: at 20,000 documents the parse was 6 % of an incremental export's main thread.
    const objects = new Map<string, number>();
    let at = 0;
    while (at < lines.length) {
      const end = lines.indexOf('\n', at);
      if (end < 0 || end - at < 66 || lines.charCodeAt(at + 64) !== 32) return null;
      const sha256 = lines.slice(at, at + 64);
      const size = Number(lines.slice(at + 65, end));
      if (!Number.isSafeInteger(size) || size < 0 || !isSha256Hex(sha256)) return null;
      objects.set(sha256, size);
      at = end + 1;
    }
    return objects;
  } catch (error) {
    deps.log?.(`export: the pool index of ${pack} cannot be read`, error);
    return null;
  }
}

// ---- the collector -----------------------------------------------------------------

/**
 * Which packs are garbage: those in the pool that no kept backup lists. Pure: a mark (every
 * kept backup's packs) and a sweep (the pool's packs not marked). `unknown` is true when some
 * kept backup's packs could not be learnt; then nothing is garbage (a pack that backup needs
 * could be among them).
 */
export function poolGarbage(input: { readonly listed: ReadonlyArray<readonly string[]>; readonly unknown: boolean; readonly pool: readonly string[] }): string[] {
  if (input.unknown) return [];
  const marked = new Set(input.listed.flat());
  return input.pool.filter((pack) => !marked.has(pack));
}

export interface PoolCollection {
  /** Packs removed. */
  readonly removed: readonly string[];
  readonly bytesFreed: number;
  /** Why nothing was collected, when a kept backup's packs could not be learnt. */
  readonly skipped: string | null;
}

/**
 * Marks and sweeps the pool of the backup dir: removes every pack no listed backup's sidecar
 * names, and the `.partial` packs an interrupted export left. Run where no export runs (the
 * composition holds the backup dir's export lock around it): an export lists its new pack in
 * its sidecar before it lets go of the lock, so nothing an export is about to list is ever
 * swept. A backup without a readable sidecar keeps the whole pool (`skipped` says which): its
 * packs are unknown. Crash-safe by construction: a pack is removed only once no listed backup
 * names it, so a crash anywhere leaves at worst garbage for the next collection.
 */
export async function collectPool(deps: BackupDeps, config: BackupConfig): Promise<PoolCollection> {
  const { fs } = deps;
  const dir = poolDir(deps, config);
  if (!(await fs.exists(dir))) return { removed: [], bytesFreed: 0, skipped: null };
  const names = await fs.readdir(config.backupDir);
  const present = new Set(names);
  const listed: string[][] = [];
  let skipped: string | null = null;
  for (const name of names.filter(isBackupFileName)) {
    const sidecar = name + SIDECAR_SUFFIX;
    const packs = present.has(sidecar) ? packsOfSidecar(new TextDecoder().decode(await fs.readFile(fs.join(config.backupDir, sidecar)))) : null;
    if (packs === null) {
      skipped ??= `${name} has no readable ${SIDECAR_SUFFIX} sidecar, so the packs it needs are unknown; the pool was kept whole`;
      continue;
    }
    listed.push(packs);
  }
  const entries = await fs.readdir(dir);
  const garbage = poolGarbage({ listed, unknown: skipped !== null, pool: entries.filter(isPackFileName) });
  const removed: string[] = [];
  let bytesFreed = 0;
  for (const pack of garbage) {
    const path = fs.join(dir, pack);
    bytesFreed += (await fs.stat(path)).size;
    await fs.remove(path);
    removed.push(pack);
  }
  // What an interrupted export was writing (no export runs now).
  for (const name of entries.filter((n) => n.endsWith(PARTIAL_SUFFIX))) await fs.remove(fs.join(dir, name));
  if (removed.length > 0) await fs.syncDir(dir);
  // Their entries of the data side's index go too (best effort: an index of a gone pack is never used).
  await bestEffort(deps, 'prune: forgetting the pool index of removed packs', async () => {
    for (const pack of removed) await fs.remove(indexPath(deps, config, pack));
  });
  return { removed, bytesFreed, skipped };
}

/** A pool problem as a coded error for a message; `what` is "missing from" or "damaged in". */
export function poolError(code: 'POOL_OBJECT_MISSING' | 'POOL_OBJECT_DAMAGED', message: string, cause?: unknown): BackupError {
  return new BackupError(code, message, cause === undefined ? undefined : { cause });
}
