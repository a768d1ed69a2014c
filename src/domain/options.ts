import { BackupError } from './errors.ts';

/** The seed's export options, each category on by default. */
export interface ExportOptions {
  readonly includeDatabase: boolean;
  readonly includeFiles: boolean;
  readonly includeMetadata: boolean;
  /** 0 stores, 1 fastest … 9 smallest. */
  readonly compressionLevel: number;
}

export const DEFAULT_EXPORT_OPTIONS: ExportOptions = {
  includeDatabase: true,
  includeFiles: true,
  includeMetadata: true,
  compressionLevel: 6,
};

const BOOLEAN_KEYS = ['includeDatabase', 'includeFiles', 'includeMetadata'] as const;

/** Validates options that come from outside (IPC, CLI). Rejects with INVALID_INPUT. */
export function parseExportOptions(input: unknown): ExportOptions {
  if (input === undefined || input === null) return DEFAULT_EXPORT_OPTIONS;
  if (typeof input !== 'object' || Array.isArray(input)) {
    throw new BackupError('INVALID_INPUT', 'export: options must be an object');
  }
  const record = input as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    if (key !== 'compressionLevel' && !(BOOLEAN_KEYS as readonly string[]).includes(key)) {
      throw new BackupError('INVALID_INPUT', `export: unknown option "${key}"`);
    }
  }
  const options: Record<string, unknown> = { ...DEFAULT_EXPORT_OPTIONS };
  for (const key of BOOLEAN_KEYS) {
    const value = record[key];
    if (value === undefined) continue;
    if (typeof value !== 'boolean') throw new BackupError('INVALID_INPUT', `export: ${key} must be true or false`);
    options[key] = value;
  }
  const level = record.compressionLevel;
  if (level !== undefined) {
    if (typeof level !== 'number' || !Number.isInteger(level) || level < 0 || level > 9) {
      throw new BackupError('INVALID_INPUT', `export: compressionLevel must be a whole number from 0 to 9, got ${String(level)}`);
    }
    options.compressionLevel = level;
  }
  const parsed = options as unknown as ExportOptions;
  if (!parsed.includeDatabase && !parsed.includeFiles && !parsed.includeMetadata) {
    throw new BackupError('INVALID_INPUT', 'export: choose at least one of database, files and metadata');
  }
  return parsed;
}
