/** What every command gets, and how a command opens the real machine's adapters. */
import { readFileSync } from 'node:fs';
import { realpath } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { resolve } from 'node:path';
import { AUDIT_LOG_FILE } from '../domain/auditLog.ts';
import { dateFromFileName } from '../domain/backupFiles.ts';
import { requireDataDir, requireFolderOrMissing, requireRestoreTarget } from '../domain/dataDir.ts';
import { BackupError } from '../domain/errors.ts';
import { composeNodeBackupService, createNodeFileSystem, type NodeBackup, type NodeBackupOptions } from '../infra/node/index.ts';
import { UsageError, stringFlag, type FlagSpec, type ParsedArgs } from './args.ts';
import { defaultBackupDir, defaultDataDir } from './paths.ts';
import { shellQuote, type CliProgressListener, type Writer } from './output.ts';

export interface CliContext {
  readonly env: NodeJS.ProcessEnv;
  readonly stdout: Writer;
  readonly stderr: Writer;
  readonly signal: AbortSignal;
  readonly json: boolean;
  /** Takes the domain's progress too (a ProgressListener's argument is a CliProgress). */
  readonly onProgress: CliProgressListener;
  log(message: string, error?: unknown): void;
}

/** What a command returns on success: the envelope's fields and lines for a person. */
export interface CommandResult {
  readonly message: string;
  readonly data: Record<string, unknown>;
  readonly lines: readonly string[];
  /** A failure that is a finding, not an error (check found damage): exit 1 with this code. */
  readonly failure?: { code: string; error: string };
  /** The exit code when it is not 0 (success) or 1 (failure): `status` with an alarm, `run-due` that gave way. */
  readonly exitCode?: number;
}

export interface Command {
  readonly name: string;
  readonly usage: string;
  readonly summary: string;
  readonly description: string;
  readonly flags: readonly FlagSpec[];
  run(args: ParsedArgs, ctx: CliContext): Promise<CommandResult>;
}

export const DATA_DIR_FLAG: FlagSpec = { name: 'data-dir', kind: 'string', value: 'D', help: 'the data dir (default: $CASEVAULT_DATA_DIR or $XDG_DATA_HOME/casevault/data)' };
export const BACKUP_DIR_FLAG: FlagSpec = { name: 'backup-dir', kind: 'string', value: 'B', help: 'the backup dir (default: $CASEVAULT_BACKUP_DIR or $XDG_DATA_HOME/casevault/backups)' };
export const JSON_FLAG: FlagSpec = { name: 'json', kind: 'boolean', help: 'print exactly one JSON object (the IPC envelope) on stdout' };

export function dirsOf(args: ParsedArgs, env: NodeJS.ProcessEnv): { dataDir: string; backupDir: string } {
  const data = stringFlag(args, 'data-dir');
  const backup = stringFlag(args, 'backup-dir');
  return { dataDir: data ? resolve(data) : defaultDataDir(env), backupDir: backup ? resolve(backup) : defaultBackupDir(env) };
}

/** The FILE of verify and restore that means the newest complete backup in the backup dir. */
export const LATEST = 'latest';

/**
 * The dirs of a command that opens a backup FILE (verify, restore), whose audit line goes
 * into a backup dir: --backup-dir if given; else the file's own folder when that is a backup
 * dir (it holds the audit log, or the file has the name an export gives: export put it
 * there), so its line joins those of the export that made it; else the default (where
 * `latest` is looked for too).
 */
export async function dirsForFile(args: ParsedArgs, env: NodeJS.ProcessEnv, file: string): Promise<{ dataDir: string; backupDir: string }> {
  const dirs = dirsOf(args, env);
  if (stringFlag(args, 'backup-dir') || file === LATEST) return dirs;
  const fs = createNodeFileSystem();
  const path = resolve(file);
  const folder = fs.dirname(path);
  const isBackupDir = dateFromFileName(fs.basename(path)) !== null || (await fs.exists(fs.join(folder, AUDIT_LOG_FILE)));
  return isBackupDir ? { ...dirs, backupDir: folder } : dirs;
}

/**
 * The path FILE names: `latest` is the newest complete backup in the backup dir (a shell glob
 * over the backup dir matches every backup once there are two); anything else a path.
 */
export async function backupPath(system: NodeBackup, file: string, operation: string): Promise<string> {
  if (file !== LATEST) return resolve(file);
  const [newest] = await system.service.listBackups();
  if (newest) return newest.filePath;
  const dir = system.config.backupDir;
  throw new BackupError('NOT_FOUND', `${operation}: there is no backup in ${dir} yet; make one with: npx casevault export --backup-dir ${shellQuote(dir)}`);
}

let version: string | undefined;
/** casevault's version from its package.json, found upwards from this module (which may run bundled). */
export function appVersion(): string {
  if (version) return version;
  let dir = new URL('.', import.meta.url);
  for (let i = 0; i < 8; i += 1) {
    try {
      const pkg = JSON.parse(readFileSync(new URL('package.json', dir), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'casevault' && pkg.version) return (version = pkg.version);
    } catch {
      // none here: go up
    }
    dir = new URL('..', dir);
  }
  return (version = '0.0.0');
}

/**
 * How a command uses the data dir: 'read' one that must already be a data dir (export,
 * check), 'write' into one that may not exist yet (restore, demo: missing or empty is fine,
 * a folder of other things is not), or 'none' (list, stats, verify, audit, delete).
 */
export type DataDirUse = 'read' | 'write' | 'none';

/**
 * Composes the adapters for a command; the CLI runs no background jobs of its own, and
 * creates nothing a command does not write: no backup dir for one that only reads, no
 * folders above a data dir that is not there.
 */
export async function openSystem(
  ctx: CliContext,
  dirs: { dataDir: string; backupDir: string },
  options: Pick<NodeBackupOptions, 'dataDirLock' | 'openDatabase'> & { operation: string; dataDir: DataDirUse; scratchInTmp?: boolean },
): Promise<NodeBackup> {
  const fs = createNodeFileSystem();
  const { operation } = options;
  // A data dir to read whose parent is missing has nothing to recover either (the journal
  // lives beside it): refuse before the lock beside it would create that parent.
  if (options.dataDir === 'read' && !(await fs.exists(dirs.dataDir)) && !(await fs.exists(fs.dirname(dirs.dataDir)))) {
    await requireFolderOrMissing(fs, dirs.dataDir, operation, 'data dir');
    await requireDataDir(fs, dirs.dataDir, operation);
  }
  const system = await composeNodeBackupService({
    ...dirs,
    appVersion: appVersion(),
    log: (message, error) => ctx.log(message, error),
    startJobs: false,
    dataDirLock: options.dataDirLock,
    openDatabase: false, // below, once the data dir is known to be one: opening creates database.sqlite
    cleanBackupDirAtStart: false,
    operation,
    holder: `casevault ${operation}`,
    ...(options.scratchInTmp ? { tempDir: tmpdir() } : {}),
  });
  try {
    if (system.recovered.dataDir !== 'none') {
      ctx.log(`an interrupted restore of ${dirs.dataDir} was ${system.recovered.dataDir === 'rolled-back' ? 'rolled back' : 'finished'}`);
    }
    // After recovery, which may finish a swap that puts the data dir in place. A data dir
    // that is a symlink is judged by what it points to.
    const dataDir = await realpath(dirs.dataDir).catch(() => dirs.dataDir);
    if (options.dataDir === 'read') await requireDataDir(fs, dataDir, operation);
    if (options.dataDir === 'write') await requireRestoreTarget(fs, dataDir, operation);
    if (options.openDatabase) await system.db.open();
  } catch (error) {
    await system.dispose();
    throw error;
  }
  return system;
}

/** openSystem, `fn` with it, and the system disposed whatever `fn` does: every command's frame. */
export async function withSystem<T>(
  ctx: CliContext,
  dirs: { dataDir: string; backupDir: string },
  options: Parameters<typeof openSystem>[2],
  fn: (system: NodeBackup) => Promise<T>,
): Promise<T> {
  const system = await openSystem(ctx, dirs, options);
  try {
    return await fn(system);
  } finally {
    await system.dispose();
  }
}

export function requireLevel(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^[0-9]$/.test(value)) throw new UsageError(`--level must be a whole number from 0 to 9, got "${value}"`);
  return Number(value);
}
