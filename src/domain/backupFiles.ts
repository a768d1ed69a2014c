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
