/** Names in the data dir and in a backup (format 1). A restore accepts only these, each once. */
export const DATABASE_FILE = 'database.sqlite';
export const SETTINGS_FILE = 'settings.json';
export const FILES_DIR = 'files';
export const METADATA_ENTRY = 'backup-metadata.json';
export const MANIFEST_ENTRY = 'manifest.json';
/** The newest backup format this version reads: 1 (a self-contained ZIP) and 2 (incremental: documents in the pool). */
export const FORMAT_VERSION = 2;
/** A full backup: every entry in the one ZIP (the seed's format, what `export` and a portable copy write). */
export const FULL_FORMAT_VERSION = 1;
/** An incremental backup: database, settings, manifest and metadata in a small ZIP, the documents in the backup dir's pool (pool.ts). */
export const INCREMENTAL_FORMAT_VERSION = 2;

/** SQLite's side files: never carried into a backup, never replayed onto a restored database. */
export const DATABASE_SIDE_FILES = [`${DATABASE_FILE}-wal`, `${DATABASE_FILE}-shm`, `${DATABASE_FILE}-journal`];

const SHA256_HEX = /^[0-9a-f]{64}$/;

export function isSha256Hex(value: string): boolean {
  return SHA256_HEX.test(value);
}

/** `files/ab/ab12…`: the store's path of a document, relative to the data dir. */
export function documentPath(sha256: string): string {
  return `${FILES_DIR}/${sha256.slice(0, 2)}/${sha256}`;
}

export type DataEntryKind = 'database' | 'settings' | 'document';
export type EntryKind = DataEntryKind | 'metadata' | 'manifest' | 'directory';

/**
 * What an entry name of a backup is. Throws nothing: `null` means "not a name of format 1"
 * (the caller decides between UNSAFE_PATH and UNEXPECTED_ENTRY with `unsafeNameReason`).
 */
export function classifyEntryName(name: string): EntryKind | null {
  switch (name) {
    case DATABASE_FILE:
      return 'database';
    case SETTINGS_FILE:
      return 'settings';
    case METADATA_ENTRY:
      return 'metadata';
    case MANIFEST_ENTRY:
      return 'manifest';
    case `${FILES_DIR}/`:
      return 'directory';
  }
  // A re-zipped backup (`zip -r`) carries directory entries for files/ and files/ab/.
  const dir = /^files\/([0-9a-f]{2})\/$/.exec(name);
  if (dir) return 'directory';
  const doc = /^files\/([0-9a-f]{2})\/([0-9a-f]{64})$/.exec(name);
  if (doc && doc[2]!.startsWith(doc[1]!)) return 'document';
  return null;
}

const WINDOWS_RESERVED = /^(con|prn|aux|nul|com[0-9]|lpt[0-9])(\..*)?$/i;

/**
 * Why a name would be unsafe to write anywhere, or null. Checked before anything else, so
 * that a hostile name is reported as such even where it would also be merely unexpected.
 */
export function unsafeNameReason(name: string): string | null {
  if (name.length === 0) return 'an empty name';
  if (name.length > 1024) return `a name of ${name.length} characters (at most 1024)`;
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(name)) return 'a control character';
  if (name.includes('\\')) return 'a backslash';
  if (name.startsWith('/')) return 'an absolute path';
  if (/^[a-zA-Z]:/.test(name)) return 'a drive letter';
  const parts = name.split('/');
  for (const [i, part] of parts.entries()) {
    const last = i === parts.length - 1;
    if (part === '..') return 'a ".." component';
    if (part === '.') return 'a "." component';
    if (part === '' && !last) return 'an empty component ("//")';
    if (part.length > 255) return `a component of ${part.length} characters (at most 255)`;
    if (WINDOWS_RESERVED.test(part)) return `a reserved name ("${part}")`;
    if (/[<>:"|?*]/.test(part)) return 'a character Windows does not allow';
    if (/[. ]$/.test(part)) return 'a component ending in a dot or space';
  }
  return null;
}

/**
 * The key under which two names are one file on a case-insensitive or Unicode-normalizing
 * file system (NTFS, APFS, exFAT): NFC, case folded (upper then lower also folds ß→ss,
 * ſ→s, the Kelvin sign→k), without a trailing "/".
 */
export function collisionKey(name: string): string {
  return name.normalize('NFC').toUpperCase().toLowerCase().normalize('NFC').replace(/\/$/, '');
}

/**
 * A checker fed every entry name of a backup in turn; it returns why a name collides with
 * an earlier one, or null: the same name twice, two names that are one file after case
 * folding or normalization, or a file where another entry needs a folder (`files` beside
 * `files/ab/…`). All of these are DUPLICATE_ENTRY: the backup holds one path twice.
 */
export function nameCollisions(): (name: string, isDirectory: boolean) => string | null {
  const names = new Map<string, string>();
  const files = new Map<string, string>();
  const folders = new Map<string, string>();
  return (name, isDirectory) => {
    const key = collisionKey(name);
    const earlier = names.get(key);
    if (earlier !== undefined) {
      if (earlier === name) return 'appears more than once';
      if (earlier.endsWith('/') !== name.endsWith('/')) return `is a file and a folder of the same name as "${printableName(earlier)}"`;
      return `is the same file as "${printableName(earlier)}" on a case-insensitive or Unicode-normalizing file system`;
    }
    const folderUser = folders.get(key);
    if (!isDirectory && folderUser !== undefined) return `is a file, but "${printableName(folderUser)}" needs a folder of that name`;
    const parts = key.split('/');
    for (let i = 1; i < parts.length; i += 1) {
      const file = files.get(parts.slice(0, i).join('/'));
      if (file !== undefined) return `needs a folder where "${printableName(file)}" is a file`;
    }
    names.set(key, name);
    (isDirectory ? folders : files).set(key, name);
    for (let i = 1; i < parts.length; i += 1) {
      const parent = parts.slice(0, i).join('/');
      if (!folders.has(parent)) folders.set(parent, name);
    }
    return null;
  };
}

/** A name as a person can read it in a message: control characters escaped, long names cut. */
export function printableName(name: string): string {
  // eslint-disable-next-line no-control-regex
  const escaped = name.replace(/[\u0000-\u001f\u007f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
  return escaped.length > 120 ? `${escaped.slice(0, 117)}…` : escaped;
}
