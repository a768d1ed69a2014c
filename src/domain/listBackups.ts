/**
 * listBackups, getStatistics: what is in the backup dir (a deletion is the service's, in
 * prune.ts's crash-safe order). Only complete
 * backups are listed (`.zip`, never `.partial`); the checksum comes from the sidecar and
 * the date from the name, so listing 1,000 backups opens no ZIP.
 */
import type { BackupConfig, BackupDeps } from './deps.ts';
import { BackupError } from './errors.ts';
import { POOL_DIR, PARTIAL_SUFFIX, SIDECAR_SUFFIX, SNAPSHOT_FILE, VERIFY_SCRATCH_PREFIX, dateFromFileName, exportScratchDir, isBackupFileName, isEncryptedFileName, isPackFileName, packsOfSidecar, parseSidecar } from './backupFiles.ts';

export interface BackupListing {
  readonly fileName: string;
  readonly filePath: string;
  readonly size: number;
  readonly createdAt: string;
  /** SHA-256 of the file from its sidecar, or null if it has none. */
  readonly checksum: string | null;
  /** Encrypted (`.zip.age`): opening it needs the password or the recovery key; its sidecar checks without one. Always set by listBackups. */
  readonly encrypted?: boolean;
  /** An incremental backup: the pool packs its sidecar lists (0: a full backup, every document in its own file). Always set by listBackups. */
  readonly packs?: number;
}

export interface BackupStatistics {
  readonly totalBackups: number;
  readonly totalSize: number;
  readonly averageSize: number;
  readonly oldestBackup: string | null;
  readonly newestBackup: string | null;
  /**
   * What the pool's deduplication saves (issue 12), from the file sizes and the sidecars
   * alone (no backup is opened, so an encrypted one needs no key): `poolPacks`/`poolBytes`
   * the whole packs in `pool/`; `logicalBytes` what the backups would take without sharing
   * (each one's file plus every pack its sidecar lists, a pack shared by n backups counted n
   * times); `diskBytes` what they take (the backups' files plus the pool, each pack once);
   * `savedBytes` = logical − disk (negative while the pool holds packs no backup lists,
   * until the next prune collects them). A pack a sidecar lists but the pool lacks counts 0.
   */
  readonly poolPacks: number;
  readonly poolBytes: number;
  readonly logicalBytes: number;
  readonly diskBytes: number;
  readonly savedBytes: number;
}

/** Newest first. An absent backup dir holds no backups. */
export async function listBackups(deps: BackupDeps, config: BackupConfig): Promise<BackupListing[]> {
  const { fs } = deps;
  if (!(await fs.exists(config.backupDir))) return [];
  const names = await fs.readdir(config.backupDir);
  const present = new Set(names);
  const listed = await Promise.all(
    names.filter(isBackupFileName).map(async (fileName): Promise<BackupListing | null> => {
      const filePath = fs.join(config.backupDir, fileName);
      const stat = await fs.stat(filePath);
      if (stat.kind !== 'file') return null;
      let checksum: string | null = null;
      let packs = 0;
      if (present.has(fileName + SIDECAR_SUFFIX)) {
        const text = new TextDecoder().decode(await fs.readFile(filePath + SIDECAR_SUFFIX));
        checksum = parseSidecar(text);
        packs = packsOfSidecar(text)?.length ?? 0;
      }
      const createdAt = (dateFromFileName(fileName) ?? new Date(stat.mtimeMs)).toISOString();
      return { fileName, filePath, size: stat.size, createdAt, checksum, encrypted: isEncryptedFileName(fileName), packs };
    }),
  );
  return listed
    .filter((b): b is BackupListing => b !== null)
    .sort((a, b) => b.createdAt.localeCompare(a.createdAt) || b.fileName.localeCompare(a.fileName));
}

export async function getStatistics(deps: BackupDeps, config: BackupConfig): Promise<BackupStatistics> {
  const backups = await listBackups(deps, config);
  return statisticsOf(backups, await poolFigures(deps, config, backups));
}

/** The pool's packs (name → size) and the packs each backup's sidecar lists (none without a readable sidecar). */
export interface PoolFigures {
  readonly packs: ReadonlyMap<string, number>;
  readonly listed: ReadonlyMap<string, readonly string[]>;
}

async function poolFigures(deps: BackupDeps, config: BackupConfig, backups: readonly BackupListing[]): Promise<PoolFigures> {
  const { fs } = deps;
  const packs = new Map<string, number>();
  const pool = fs.join(config.backupDir, POOL_DIR);
  if ((await fs.exists(pool)) && (await fs.stat(pool)).kind === 'directory') {
    for (const name of (await fs.readdir(pool)).filter(isPackFileName)) {
      const stat = await fs.stat(fs.join(pool, name));
      if (stat.kind === 'file') packs.set(name, stat.size);
    }
  }
  const listed = new Map<string, readonly string[]>();
  await Promise.all(
    backups.map(async (b) => {
      if (b.checksum === null) return; // no readable sidecar: listBackups found none
      // A backup deleted since it was listed lists nothing.
      const text = await fs.readFile(b.filePath + SIDECAR_SUFFIX).then((bytes) => new TextDecoder().decode(bytes), () => '');
      listed.set(b.fileName, packsOfSidecar(text) ?? []);
    }),
  );
  return { packs, listed };
}

export function statisticsOf(backups: readonly BackupListing[], pool: PoolFigures = { packs: new Map(), listed: new Map() }): BackupStatistics {
  const totalSize = backups.reduce((sum, b) => sum + b.size, 0);
  const dates = backups.map((b) => b.createdAt).sort();
  const poolBytes = [...pool.packs.values()].reduce((sum, size) => sum + size, 0);
  // Each backup with every pack it lists, as if it held its documents itself.
  const logicalBytes = backups.reduce((sum, b) => sum + b.size + (pool.listed.get(b.fileName) ?? []).reduce((s, pack) => s + (pool.packs.get(pack) ?? 0), 0), 0);
  const diskBytes = totalSize + poolBytes;
  return {
    totalBackups: backups.length,
    totalSize,
    averageSize: backups.length === 0 ? 0 : Math.round(totalSize / backups.length),
    oldestBackup: dates[0] ?? null,
    newestBackup: dates[dates.length - 1] ?? null,
    poolPacks: pool.packs.size,
    poolBytes,
    logicalBytes,
    diskBytes,
    savedBytes: logicalBytes - diskBytes,
  };
}

/**
 * What an interrupted export left (names in the backup dir): `.partial` files, snapshots
 * (with SQLite's side files), and sidecars whose backup is gone. Never listed as backups;
 * `casevault check` reports them, the next export removes them.
 */
export async function findExportLeftovers(deps: BackupDeps, config: BackupConfig): Promise<string[]> {
  const { fs } = deps;
  if (!(await fs.exists(config.backupDir))) return [];
  const names = await fs.readdir(config.backupDir);
  const present = new Set(names);
  const leftovers = names.filter((name) => {
    const orphanSidecar = name.endsWith(SIDECAR_SUFFIX) && !present.has(name.slice(0, -SIDECAR_SUFFIX.length));
    // The snapshot, and the side files SQLite writes beside it while VACUUM INTO runs.
    const snapshot = SNAPSHOT_FILE.test(name);
    return name.endsWith(PARTIAL_SUFFIX) || snapshot || orphanSidecar;
  });
  // A pool pack an interrupted incremental export was writing.
  const pool = fs.join(config.backupDir, POOL_DIR);
  if (present.has(POOL_DIR) && (await fs.stat(pool)).kind === 'directory') {
    for (const name of await fs.readdir(pool)) if (name.endsWith(PARTIAL_SUFFIX)) leftovers.push(`${POOL_DIR}/${name}`);
  }
  return leftovers;
}

/**
 * Removes what an interrupted export left (findExportLeftovers), and the database snapshots
 * an interrupted encrypted export or verify left on the data side (`<dataDir>.casevault-scratch/`,
 * named as `<that folder's name>/<file>`). Run under the export lock, never while an export runs.
 */
export async function cleanBackupDir(deps: BackupDeps, config: BackupConfig): Promise<string[]> {
  const { fs } = deps;
  const removed = await findExportLeftovers(deps, config);
  for (const name of removed) await fs.remove(fs.join(config.backupDir, name));
  const scratch = exportScratchDir(config.dataDir);
  if ((await fs.exists(scratch)) && (await fs.stat(scratch)).kind === 'directory') {
    // A killed verify of an encrypted backup leaves its plaintext database there too.
    for (const name of (await fs.readdir(scratch)).filter((n) => SNAPSHOT_FILE.test(n) || n.startsWith(VERIFY_SCRATCH_PREFIX))) {
      await fs.remove(fs.join(scratch, name));
      removed.push(`${fs.basename(scratch)}/${name}`);
    }
  }
  return removed;
}
