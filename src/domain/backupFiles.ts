/** Names of the files in the backup dir. */
export const BACKUP_PREFIX = 'casevault-backup-';
export const SIDECAR_SUFFIX = '.sha256';
export const PARTIAL_SUFFIX = '.partial';
/**
 * `<dataDir>.casevault-scratch/`: an encrypted export's database snapshot (plaintext SQLite)
 * is written here, on the data side, never in the backup dir (a USB drive, a NAS).
 */
export const EXPORT_SCRATCH_SUFFIX = '.casevault-scratch';
export const exportScratchDir = (dataDir: string): string => `${dataDir}${EXPORT_SCRATCH_SUFFIX}`;
/** A verification's scratch folder (the backup's database extracted for its integrity check): in the temp dir, or for an encrypted backup in the scratch dir above. */
export const VERIFY_SCRATCH_PREFIX = 'casevault-verify-';
/** A database snapshot an export writes (and the side files SQLite may write beside it). */
export const SNAPSHOT_FILE = /^\..+\.snapshot\.sqlite(-journal|-wal|-shm)?$/;
/** An encrypted backup: `<name>.zip.age`, an age v1 file around the ZIP. */
export const ENCRYPTED_EXTENSION = '.zip.age';

/** `sha256sum` format, so `sha256sum -c <name>.zip.sha256` checks the backup. */
export function sidecarLine(sha256: string, fileName: string): string {
  return `${sha256}  ${fileName}\n`;
}

export function parseSidecar(text: string): string | null {
  const match = /^([0-9a-f]{64}) [ *]/.exec(text);
  return match ? match[1]! : null;
}

/** A backup the list shows: a plain name ending in .zip (or .zip.age: encrypted), nothing hidden, no separators. */
export function isBackupFileName(name: string): boolean {
  const base = isEncryptedFileName(name) ? name.slice(0, -4) : name;
  return base.endsWith('.zip') && base.length > 4 && !name.startsWith('.') && !/[/\\\0]/.test(name);
}

export function isEncryptedFileName(name: string): boolean {
  return name.endsWith(ENCRYPTED_EXTENSION);
}

/** The date in a name of ours (casevault-backup-20261125T233100123Z[-n].zip), or null. */
export function dateFromFileName(name: string): Date | null {
  const m = /^casevault-backup-(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})(\d{3})Z(?:-\d+)?\.zip(?:\.age)?$/.exec(name);
  if (!m) return null;
  const date = new Date(`${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}.${m[7]}Z`);
  return Number.isNaN(date.getTime()) ? null : date;
}

/** The backup dir's pool (pool.ts): the documents of incremental backups, in packs. */
export const POOL_DIR = 'pool';
const PACK_NAME = /^([0-9a-f]{64})\.zip(\.age)?$/;

/** A pool pack: `<sha256 of the file>.zip`, or `.zip.age` when encrypted. Its name is its checksum. */
export function isPackFileName(name: string): boolean {
  return PACK_NAME.test(name);
}

/** The SHA-256 a pack's name says its bytes have. */
export function packChecksum(name: string): string {
  return PACK_NAME.exec(name)![1]!;
}

/**
 * The sidecar of an incremental backup: its own line, then one per pool pack it needs,
 * `<sha256>  pool/<name>`, so `sha256sum -c` in the backup dir checks the backup and its
 * packs, and the pool's collector learns what a backup needs without opening it (an
 * encrypted one needs no key for that).
 */
export function sidecarText(sha256: string, fileName: string, packs: readonly string[] = []): string {
  return sidecarLine(sha256, fileName) + packs.map((name) => sidecarLine(packChecksum(name), `${POOL_DIR}/${name}`)).join('');
}

/** The pool packs a sidecar lists (after its first line); null if a line is not one of ours. */
export function packsOfSidecar(text: string): string[] | null {
  const lines = text.split('\n').filter((line) => line.length > 0).slice(1);
  const packs: string[] = [];
  for (const line of lines) {
    const match = /^([0-9a-f]{64}) [ *]pool\/(.+)$/.exec(line);
    if (!match || !isPackFileName(match[2]!) || packChecksum(match[2]!) !== match[1]) return null;
    packs.push(match[2]!);
  }
  return packs;
}
