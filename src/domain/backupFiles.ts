/** Names of the files in the backup dir. */
export const BACKUP_PREFIX = 'casevault-backup-';
export const SIDECAR_SUFFIX = '.sha256';
export const PARTIAL_SUFFIX = '.partial';

/** `sha256sum` format, so `sha256sum -c <name>.zip.sha256` checks the backup. */
export function sidecarLine(sha256: string, fileName: string): string {
  return `${sha256}  ${fileName}\n`;
}

export function parseSidecar(text: string): string | null {
  const match = /^([0-9a-f]{64}) [ *]/.exec(text);
  return match ? match[1]! : null;
}

/** A backup the list shows: a plain name ending in .zip, nothing hidden, no separators. */
export function isBackupFileName(name: string): boolean {
  return name.endsWith('.zip') && name.length > 4 && !name.startsWith('.') && !/[/\\\0]/.test(name);
}

/** The date in a name of ours (casevault-backup-20261125T233100123Z[-n].zip), or null. */
export function dateFromFileName(name: string): Date | null {
  const m = /^casevault-backup-(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})(\d{3})Z(?:-\d+)?\.zip$/.exec(name);
  if (!m) return null;
  const date = new Date(`${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}.${m[7]}Z`);
  return Number.isNaN(date.getTime()) ? null : date;
}
