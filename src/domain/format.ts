/**
 * Backup format 1: backup-metadata.json and manifest.json, and the checks that a parsed
 * JSON value is one of them. The manifest lists every other entry with its size and
 * SHA-256; the metadata's `checksum` is the SHA-256 of the manifest's bytes, so the
 * metadata seals the manifest and the manifest seals every entry.
 */
import type { Counts } from '../ports/database.ts';
import { BackupError } from './errors.ts';
import { FORMAT_VERSION, FULL_FORMAT_VERSION, INCREMENTAL_FORMAT_VERSION, classifyEntryName, isSha256Hex, type DataEntryKind } from './layout.ts';
import { isPackFileName } from './backupFiles.ts';
import type { ExportOptions } from './options.ts';

export interface BackupCounts extends Counts {
  readonly files: number;
  /** Bytes of the documents. */
  readonly bytes: number;
}

/** The seed's BackupMetadata, plus formatVersion, schemaVersion, options and counts. */
export interface BackupMetadata {
  readonly formatVersion: number;
  readonly version: string;
  readonly createdAt: string;
  readonly appVersion: string;
  /** The database's schema version (a string, as the seed has it), or null without a database. */
  readonly databaseVersion: string | null;
  readonly schemaVersion: number | null;
  readonly fileCount: number;
  readonly totalFileSize: number;
  readonly userCount: number;
  readonly caseCount: number;
  readonly taskCount: number;
  readonly hearingCount: number;
  readonly orderCount: number;
  /** SHA-256 of manifest.json. */
  readonly checksum: string;
  readonly compressionLevel: number;
  readonly includeFiles: boolean;
  readonly includeDatabase: boolean;
  readonly includeMetadata: boolean;
  readonly options: ExportOptions;
  readonly counts: BackupCounts;
}

export interface ManifestEntry {
  readonly path: string;
  readonly size: number;
  readonly sha256: string;
  /** Format 2: the index in `packs` of the pool pack that holds this document (documents only; the rest is in the backup's own ZIP). */
  readonly pack?: number;
}

/** A pool pack an incremental backup's documents are in: `pool/<name>`, whose name is its SHA-256 (pool.ts). */
export interface ManifestPack {
  readonly name: string;
  readonly size: number;
}

export interface Manifest {
  readonly formatVersion: number;
  readonly entries: readonly ManifestEntry[];
  /** Format 2 only. */
  readonly packs?: readonly ManifestPack[];
}

export function buildMetadata(input: {
  /** FULL_FORMAT_VERSION by default; INCREMENTAL_FORMAT_VERSION for a backup whose documents are in the pool. */
  formatVersion?: number;
  createdAt: Date;
  appVersion: string;
  schemaVersion: number | null;
  options: ExportOptions;
  counts: BackupCounts;
  checksum: string;
}): BackupMetadata {
  const { counts, options } = input;
  const formatVersion = input.formatVersion ?? FULL_FORMAT_VERSION;
  return {
    formatVersion,
    version: String(formatVersion),
    createdAt: input.createdAt.toISOString(),
    appVersion: input.appVersion,
    databaseVersion: input.schemaVersion === null ? null : String(input.schemaVersion),
    schemaVersion: input.schemaVersion,
    fileCount: counts.files,
    totalFileSize: counts.bytes,
    userCount: counts.users,
    caseCount: counts.cases,
    taskCount: counts.tasks,
    hearingCount: counts.hearings,
    orderCount: counts.orders,
    checksum: input.checksum,
    compressionLevel: options.compressionLevel,
    includeFiles: options.includeFiles,
    includeDatabase: options.includeDatabase,
    includeMetadata: options.includeMetadata,
    options,
    counts,
  };
}

const encoder = new TextEncoder();
export function encodeJson(value: unknown): Uint8Array {
  return encoder.encode(`${JSON.stringify(value, null, 2)}\n`);
}

export function decodeJson(bytes: Uint8Array, what: string): unknown {
  try {
    return JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch (error) {
    throw new BackupError('INVALID_MANIFEST', `${what} is not valid JSON`, { cause: error });
  }
}

/** Validates the parsed backup-metadata.json. Throws INVALID_MANIFEST or NEWER_VERSION. */
export function parseMetadata(value: unknown, operation: string): BackupMetadata {
  const bad = (detail: string) => new BackupError('INVALID_MANIFEST', `${operation}: backup-metadata.json: ${detail}`);
  if (!isRecord(value)) throw bad('not an object');
  const formatVersion = value.formatVersion;
  if (!isCount(formatVersion) || formatVersion < 1) throw bad('formatVersion must be a positive whole number');
  if (formatVersion > FORMAT_VERSION) {
    throw new BackupError(
      'NEWER_VERSION',
      `${operation}: this backup has format ${formatVersion}; this version of casevault reads format ${FORMAT_VERSION}. Update casevault to restore it.`,
    );
  }
  if (typeof value.checksum !== 'string' || !isSha256Hex(value.checksum)) throw bad('checksum must be a SHA-256 in hex');
  if (typeof value.createdAt !== 'string' || Number.isNaN(Date.parse(value.createdAt))) throw bad('createdAt must be a date');
  if (typeof value.appVersion !== 'string') throw bad('appVersion must be a string');
  const schemaVersion = value.schemaVersion;
  if (schemaVersion !== null && !isCount(schemaVersion)) throw bad('schemaVersion must be a whole number or null');
  const options = value.options;
  if (!isRecord(options)) throw bad('options must be an object');
  for (const key of ['includeDatabase', 'includeFiles', 'includeMetadata'] as const) {
    if (typeof options[key] !== 'boolean') throw bad(`options.${key} must be true or false`);
  }
  const level = options.compressionLevel;
  if (!isCount(level) || level > 9) throw bad('options.compressionLevel must be 0 to 9');
  const counts = value.counts;
  if (!isRecord(counts)) throw bad('counts must be an object');
  for (const key of ['users', 'cases', 'tasks', 'hearings', 'orders', 'files', 'bytes'] as const) {
    if (!isCount(counts[key])) throw bad(`counts.${key} must be a whole number`);
  }
  if (options.includeDatabase && schemaVersion === null) throw bad('a backup with a database needs a schemaVersion');
  return value as unknown as BackupMetadata;
}

export interface ParsedManifestEntry extends ManifestEntry {
  readonly kind: DataEntryKind;
}

export interface ParsedManifest {
  readonly entries: readonly ParsedManifestEntry[];
  /** The pool packs a format-2 backup's documents are in ([] in format 1). */
  readonly packs: readonly ManifestPack[];
}

/**
 * Validates the parsed manifest.json of a backup whose metadata says `formatVersion`: every
 * path a data entry, listed once. In format 2 every document names its pack (an index into
 * `packs`, each a pool pack's name listed once) and nothing else does; in format 1 there are no packs.
 */
export function parseManifest(value: unknown, operation: string, formatVersion: number = FULL_FORMAT_VERSION): ParsedManifest {
  const bad = (detail: string) => new BackupError('INVALID_MANIFEST', `${operation}: manifest.json: ${detail}`);
  if (!isRecord(value) || !Array.isArray(value.entries)) throw bad('must be an object with an "entries" list');
  if (value.formatVersion !== formatVersion) throw bad(`formatVersion must be ${formatVersion}, as the metadata says`);
  const incremental = formatVersion === INCREMENTAL_FORMAT_VERSION;
  const packs: ManifestPack[] = [];
  if (incremental) {
    if (!Array.isArray(value.packs)) throw bad('an incremental backup needs a "packs" list');
    const names = new Set<string>();
    for (const [i, pack] of (value.packs as unknown[]).entries()) {
      if (!isRecord(pack) || typeof pack.name !== 'string' || !isPackFileName(pack.name)) throw bad(`pack ${i} is not a pool pack's name (<sha256>.zip or .zip.age)`);
      if (!isCount(pack.size)) throw bad(`pack ${pack.name} has no valid size`);
      if (names.has(pack.name)) throw bad(`pack ${pack.name} is listed twice`);
      names.add(pack.name);
      packs.push({ name: pack.name, size: pack.size });
    }
  } else if (value.packs !== undefined) {
    throw bad(`format ${formatVersion} has no packs`);
  }
  const seen = new Set<string>();
  const entries: ParsedManifestEntry[] = [];
  for (const [i, entry] of (value.entries as unknown[]).entries()) {
    if (!isRecord(entry)) throw bad(`entry ${i} is not an object`);
    const { path, size, sha256, pack } = entry;
    if (typeof path !== 'string') throw bad(`entry ${i} has no path`);
    if (!isCount(size)) throw bad(`entry ${path} has no valid size`);
    if (typeof sha256 !== 'string' || !isSha256Hex(sha256)) throw bad(`entry ${path} has no valid sha256`);
    const kind = classifyEntryName(path);
    if (kind !== 'database' && kind !== 'settings' && kind !== 'document') throw bad(`entry ${i} has a path format ${formatVersion} does not have`);
    if (seen.has(path)) throw bad(`${path} is listed twice`);
    seen.add(path);
    if (kind === 'document' && !path.endsWith(sha256)) {
      throw new BackupError('CHECKSUM_MISMATCH', `${operation}: manifest.json: ${path} is listed with SHA-256 ${sha256}, not its name`);
    }
    if (incremental && kind === 'document') {
      if (!isCount(pack) || pack >= packs.length) throw bad(`document ${path} names no pack of the "packs" list`);
      entries.push({ path, size, sha256, kind, pack });
    } else {
      if (pack !== undefined) throw bad(`${path} names a pack; only an incremental backup's documents are in the pool`);
      entries.push({ path, size, sha256, kind });
    }
  }
  // The exporter lists only the packs its documents are in; a pack no document uses is not ours.
  const used = new Set(entries.map((e) => e.pack));
  const unused = packs.find((_, index) => !used.has(index));
  if (unused) throw bad(`pack ${unused.name} is listed, but no document is in it`);
  return { entries, packs };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}
