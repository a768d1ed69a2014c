/**
 * Database over better-sqlite3 12 for one data dir: the real machine's database.
 * - The live database runs in WAL mode with a busy timeout, so another process (the app,
 *   a job) can keep writing while casevault reads. `open` migrates (schema.ts).
 * - `close` checkpoints with TRUNCATE, so the main file alone holds every commit and the
 *   data dir can be swapped without carrying a -wal.
 * - `snapshotTo` runs `VACUUM INTO` on its own read-only connection in a worker thread.
 *   VACUUM INTO is one read transaction: in WAL mode it sees exactly the commits made before
 *   it began, never blocks a writer and is never restarted by one (the online backup API
 *   restarts on every foreign write; see the measurement in spec/support/measureSnapshot.ts).
 *   Its output is in rollback-journal mode. The worker keeps the event loop free. It never
 *   opens the live database for writing: no migration, no switch to WAL mode, whatever
 *   schema version the file has (a backup is of the database as it is).
 * - `checkLive` runs quick_check or integrity_check the same way: read only, in a worker.
 *   (A read-only connection to a WAL-mode database that no one has open creates the -wal
 *   and -shm SQLite needs beside it, as the app's own connection would; the main file is
 *   never written.)
 * - `inspectFile` and `documentsIn` open read-only and never write: a file in WAL mode
 *   (header bytes 18-19) is read through a temporary copy switched to rollback mode, because
 *   opening it in place would create -wal/-shm beside it.
 */
import BetterSqlite3 from 'better-sqlite3';
import { randomBytes } from 'node:crypto';
import { promises as fsp, constants } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { Counts, Database, DatabaseFileReport, DocumentRef } from '../../ports/database.ts';
import { BackupError } from '../../domain/errors.ts';
import { fromErrno } from '../fs/errno.ts';
import { COUNTED_TABLES, SCHEMA_VERSION, TABLE_COUNT_SQL, migrate, refuseUnversioned } from '../sqlite/schema.ts';

type Handle = BetterSqlite3.Database;
export type SqlParam = string | number | bigint | Buffer | null;

export interface BetterSqliteDatabase extends Database {
  readonly path: string;
  /** Runs `fn` in one write transaction (BEGIN IMMEDIATE) of the live database; opens it if needed. */
  transaction<T>(fn: (sql: SqlHandle) => T): Promise<T>;
  /** Rows of a read query on the live database. */
  query<T = Record<string, unknown>>(sql: string, params?: readonly SqlParam[]): Promise<T[]>;
  /**
   * Rows of a read query on a read-only connection of its own: never opens the live
   * database for writing (no migration). Rejects as checkLive does (NOT_FOUND, DATABASE_CORRUPT).
   */
  queryReadOnly<T = Record<string, unknown>>(sql: string, params?: readonly SqlParam[]): Promise<T[]>;
}

/** What a write transaction may do. */
export interface SqlHandle {
  run(sql: string, params?: readonly SqlParam[]): { changes: number; lastInsertRowid: number };
  all<T = Record<string, unknown>>(sql: string, params?: readonly SqlParam[]): T[];
}

export interface BetterSqliteOptions {
  /** Milliseconds a statement waits for a lock held by another connection. */
  readonly busyTimeoutMs?: number;
  readonly supportedSchemaVersion?: number;
}

const SQLITE_MAGIC = 'SQLite format 3\u0000';
const require = createRequire(import.meta.url);

export function createBetterSqliteDatabase(dataDir: string, options: BetterSqliteOptions = {}): BetterSqliteDatabase {
  const path = join(dataDir, 'database.sqlite');
  const busyTimeoutMs = options.busyTimeoutMs ?? 10_000;
  let db: Handle | null = null;

  const live = async (): Promise<Handle> => {
    if (!db) await api.open();
    return db!;
  };

  const api: BetterSqliteDatabase = {
    path,
    supportedSchemaVersion: options.supportedSchemaVersion ?? SCHEMA_VERSION,
    open: async () => {
      if (db) return;
      await fsp.mkdir(dataDir, { recursive: true, mode: 0o700 }).catch((error: unknown) => {
        throw fromErrno(error, 'create folder', dataDir);
      });
      const handle = sqliteCall('open', path, () => new BetterSqlite3(path, { timeout: busyTimeoutMs }));
      try {
        const tables = () => Number((handle.prepare(TABLE_COUNT_SQL).get() as { n: number }).n);
        // Before the journal mode is set: that alone rewrites the header of a file we refuse.
        sqliteCall('open', path, () => {
          refuseUnversioned({ userVersion: () => userVersion(handle), tables }, path);
          handle.pragma('journal_mode = WAL');
          // FULL: a commit the app reported survives a power cut, also in WAL mode.
          handle.pragma('synchronous = FULL');
          handle.pragma('foreign_keys = ON');
          migrate({ exec: (sql) => handle.exec(sql), userVersion: () => userVersion(handle), tables }, path);
        });
      } catch (error) {
        handle.close();
        throw error;
      }
      db = handle;
    },
    close: async () => {
      if (!db) return;
      const handle = db;
      db = null;
      try {
        // TRUNCATE: after it the -wal is empty, so the main file alone holds every commit.
        handle.pragma('wal_checkpoint(TRUNCATE)');
      } finally {
        handle.close();
      }
    },
    snapshotTo: async (target) => {
      await requireLiveDatabase(path, 'snapshot');
      if (await exists(target)) throw new BackupError('ALREADY_EXISTS', `snapshot: ${target} already exists`);
      await runInWorker({ task: 'vacuum', source: path, target, timeout: busyTimeoutMs }, 'snapshot');
      await fsp.chmod(target, 0o600).catch((error: unknown) => {
        throw fromErrno(error, 'chmod', target);
      });
    },
    checkLive: async (kind) => {
      await requireLiveDatabase(path, kind === 'quick' ? 'quick_check' : 'integrity_check');
      return runInWorker({ task: kind === 'quick' ? 'quick_check' : 'integrity_check', source: path, timeout: busyTimeoutMs }, kind === 'quick' ? 'quick_check' : 'integrity_check');
    },
    counts: async () => countsOf(await live()),
    inspectFile: (file) => inspectFile(file),
    documentsIn: (file, sha256s, limit) => documentsIn(file, sha256s, limit),
    transaction: async (fn) => {
      const handle = await live();
      return sqliteCall('write', path, () => {
        const sql = sqlHandle(handle);
        return handle.transaction(() => fn(sql)).immediate();
      });
    },
    query: async <T>(sql: string, params: readonly SqlParam[] = []) => {
      const handle = await live();
      return sqliteCall('query', path, () => handle.prepare(sql).all(...params) as T[]);
    },
    queryReadOnly: async <T>(sql: string, params: readonly SqlParam[] = []) => {
      await requireLiveDatabase(path, 'query');
      return sqliteCall('query', path, () => {
        const handle = new BetterSqlite3(path, { readonly: true, fileMustExist: true, timeout: busyTimeoutMs });
        try {
          return handle.prepare(sql).all(...params) as T[];
        } finally {
          handle.close();
        }
      });
    },
  };
  return api;
}

function sqlHandle(handle: Handle): SqlHandle {
  return {
    run: (sql, params = []) => {
      const info = handle.prepare(sql).run(...params);
      return { changes: info.changes, lastInsertRowid: Number(info.lastInsertRowid) };
    },
    all: <T>(sql: string, params: readonly SqlParam[] = []) => handle.prepare(sql).all(...params) as T[],
  };
}

/** Integrity, schema version and counts of a database file that is not the live one; never writes to it. */
export async function inspectFile(file: string): Promise<DatabaseFileReport> {
  const header = await readHeader(file, 'inspect');
  if (!isSqliteHeader(header)) {
    throw new BackupError('DATABASE_CORRUPT', `inspect ${file}: not a SQLite database (${header.length < 100 ? `${header.length} bytes` : 'no SQLite header'})`);
  }
  return withFileReadOnly(file, header, 'inspect', (handle) => {
    const rows = handle.pragma('integrity_check') as { integrity_check: string }[];
    const integrity = rows.map((r) => r.integrity_check).join('; ');
    return { integrity, schemaVersion: userVersion(handle), tables: Number((handle.prepare(TABLE_COUNT_SQL).get() as { n: number }).n), counts: countsOf(handle) };
  });
}

/**
 * The documents a database file that is not the live one names with one of `sha256s` (the
 * port's documentsIn); never writes to it. Not SQLite, or no documents table: [].
 */
export async function documentsIn(file: string, sha256s: readonly string[], limit = 50): Promise<readonly DocumentRef[]> {
  checkLimit(limit);
  const header = await readHeader(file, 'list documents');
  if (!isSqliteHeader(header) || sha256s.length === 0 || limit === 0) return [];
  return withFileReadOnly(file, header, 'list documents', (handle) => {
    const tables = new Set((handle.prepare(`SELECT name FROM sqlite_master WHERE type = 'table'`).all() as { name: string }[]).map((r) => r.name));
    if (!tables.has('documents') || !tables.has('cases')) return [];
    const rows = handle.prepare(DOCUMENTS_IN_SQL).all(JSON.stringify(sha256s), limit) as Record<string, unknown>[];
    return rows.map(documentRef);
  });
}

/**
 * One query whatever the number of hashes: they go in as one JSON array (json_each), so
 * SQLite's limit on bound variables never applies, and the order and limit hold overall.
 * Documents with no case sort last; id breaks ties so the order is the same every time.
 * (The sql.js adapter runs the same query.)
 */
const DOCUMENTS_IN_SQL = `SELECT d.sha256 AS sha256, d.name AS name, d.case_id AS caseId, c.title AS caseTitle
  FROM documents d LEFT JOIN cases c ON c.id = d.case_id
  WHERE d.sha256 IN (SELECT value FROM json_each(?))
  ORDER BY d.case_id IS NULL, d.case_id, d.name, d.id
  LIMIT ?`;

function documentRef(row: Record<string, unknown>): DocumentRef {
  return {
    sha256: String(row.sha256),
    name: String(row.name),
    caseId: row.caseId === null ? null : Number(row.caseId),
    caseTitle: row.caseTitle === null ? null : String(row.caseTitle),
  };
}

function checkLimit(limit: number): void {
  if (!Number.isInteger(limit) || limit < 0) throw new TypeError(`list documents: limit must be a whole number ≥ 0, got ${limit}`);
}

function isSqliteHeader(header: Uint8Array): boolean {
  return header.length >= 100 && new TextDecoder('latin1').decode(header.subarray(0, 16)) === SQLITE_MAGIC;
}

/**
 * Runs `fn` on a read-only connection to a database file that is not the live one (its
 * `header` already read and found SQLite's) and never writes the file: one in WAL mode
 * (header bytes 18-19) is read through a temporary copy switched to rollback mode, because
 * opening it in place would create -wal/-shm beside it.
 */
async function withFileReadOnly<T>(file: string, header: Uint8Array, operation: string, fn: (handle: Handle) => T): Promise<T> {
  const walMode = header[18] === 2 || header[19] === 2;
  const target = walMode ? join(tmpdir(), `casevault-inspect-${randomBytes(6).toString('hex')}.sqlite`) : file;
  try {
    if (walMode) {
      // Inside the try: a copy that fails half-way is removed too.
      await fsp.copyFile(file, target, constants.COPYFILE_EXCL);
      const handle = await fsp.open(target, 'r+');
      try {
        await handle.write(Uint8Array.of(1, 1), 0, 2, 18);
      } finally {
        await handle.close();
      }
    }
    return sqliteCall(operation, file, () => {
      const handle = new BetterSqlite3(target, { readonly: true, fileMustExist: true });
      try {
        return fn(handle);
      } finally {
        handle.close();
      }
    });
  } finally {
    if (walMode) await fsp.rm(target, { force: true });
  }
}

/**
 * The live database must exist and start like SQLite before a read-only connection reads
 * it: opening a missing file would fail with a vaguer error, and garbage is named as such.
 */
async function requireLiveDatabase(file: string, operation: string): Promise<void> {
  if (!(await exists(file))) throw new BackupError('NOT_FOUND', `${operation}: there is no database at ${file}`);
  const header = await readHeader(file, 'inspect');
  if (!isSqliteHeader(header)) {
    throw new BackupError(
      'DATABASE_CORRUPT',
      `${operation} ${file}: the app's database is not a SQLite database (${header.length < 100 ? `it has ${header.length} bytes` : 'its first bytes are not the SQLite header'}); run \`casevault check\`, and restore from a verified backup`,
    );
  }
}

async function readHeader(file: string, operation: string): Promise<Uint8Array> {
  try {
    const handle = await fsp.open(file, 'r');
    try {
      const buffer = new Uint8Array(100);
      const { bytesRead } = await handle.read(buffer, 0, 100, 0);
      return buffer.subarray(0, bytesRead);
    } finally {
      await handle.close();
    }
  } catch (error) {
    throw fromErrno(error, operation, file);
  }
}

function countsOf(handle: Handle): Counts {
  const tables = new Set((handle.prepare(`SELECT name FROM sqlite_master WHERE type = 'table'`).all() as { name: string }[]).map((r) => r.name));
  const count = (table: string) => (tables.has(table) ? Number((handle.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n) : 0);
  return Object.fromEntries(COUNTED_TABLES.map((t) => [t, count(t)])) as unknown as Counts;
}

function userVersion(handle: Handle): number {
  return Number(handle.pragma('user_version', { simple: true }));
}

/** Maps SQLite's errors to codes at the boundary. */
function sqliteCall<T>(operation: string, file: string, fn: () => T): T {
  try {
    return fn();
  } catch (error) {
    throw fromSqlite(error, operation, file);
  }
}

export function fromSqlite(error: unknown, operation: string, file: string): BackupError {
  if (error instanceof BackupError) return error;
  const code = typeof error === 'object' && error !== null ? String((error as { code?: unknown }).code ?? '') : '';
  const detail = error instanceof Error ? error.message : String(error);
  if (code.startsWith('SQLITE_CORRUPT') || code === 'SQLITE_NOTADB') {
    return new BackupError('DATABASE_CORRUPT', `${operation} ${file}: the database is damaged (${detail})`, { cause: error });
  }
  if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) {
    return new BackupError('BUSY', `${operation} ${file}: the database is locked by another program (${detail}); try again`, { cause: error });
  }
  if (code === 'SQLITE_FULL') return new BackupError('NO_SPACE', `${operation} ${file}: the disk is full (${detail})`, { cause: error });
  if (code.startsWith('SQLITE_READONLY') || code === 'SQLITE_PERM' || code.startsWith('SQLITE_CANTOPEN')) {
    return new BackupError('PERMISSION_DENIED', `${operation} ${file}: SQLite cannot open or write the file (${detail})`, { cause: error });
  }
  if (code.startsWith('SQLITE_IOERR')) return new BackupError('IO_ERROR', `${operation} ${file}: the disk reported an error (${detail})`, { cause: error });
  if (typeof (error as { code?: unknown }).code === 'string' && /^E[A-Z]+$/.test(code)) return fromErrno(error, operation, file);
  return new BackupError('INTERNAL', `${operation} ${file}: an unexpected SQLite error occurred; see the log for details`, { cause: error });
}

async function exists(path: string): Promise<boolean> {
  try {
    await fsp.lstat(path);
    return true;
  } catch {
    return false;
  }
}

/**
 * The worker's code (CommonJS, evaluated): its own read-only connection runs `VACUUM INTO`
 * (a snapshot) or a check, so that neither blocks the event loop.
 */
const READ_ONLY_WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.module);
try {
  const db = new Database(workerData.source, { readonly: true, fileMustExist: true, timeout: workerData.timeout });
  let result = null;
  try {
    if (workerData.task === 'vacuum') db.prepare('VACUUM INTO ?').run(workerData.target);
    else result = db.pragma(workerData.task).map((row) => String(Object.values(row)[0])).join('; ');
  } finally { db.close(); }
  parentPort.postMessage({ ok: true, result });
} catch (error) {
  parentPort.postMessage({ ok: false, code: error && error.code, message: String(error && error.message) });
}`;

type WorkerTask = { task: 'vacuum'; source: string; target: string; timeout: number } | { task: 'quick_check' | 'integrity_check'; source: string; timeout: number };

/** Runs a task on a read-only connection in a worker; a snapshot's target is removed on failure. */
function runInWorker(data: WorkerTask, operation: string): Promise<string> {
  const removeTarget = () => (data.task === 'vacuum' ? fsp.rm(data.target, { force: true }) : Promise.resolve());
  return new Promise((resolve, reject) => {
    const worker = new Worker(READ_ONLY_WORKER, {
      eval: true,
      workerData: { module: require.resolve('better-sqlite3'), ...data },
    });
    let settled = false;
    worker.once('message', (message: { ok: boolean; result?: string | null; code?: string; message?: string }) => {
      settled = true;
      if (message.ok) resolve(message.result ?? '');
      else {
        const error = Object.assign(new Error(message.message ?? `${data.task} failed`), { code: message.code });
        void removeTarget().finally(() => reject(fromSqlite(error, operation, data.source)));
      }
    });
    worker.once('error', (error) => {
      if (settled) return;
      settled = true;
      void removeTarget().finally(() => reject(fromSqlite(error, operation, data.source)));
    });
    worker.once('exit', (code) => {
      if (!settled) {
        settled = true;
        reject(new BackupError('INTERNAL', `${operation} ${data.source}: the database worker stopped (exit code ${code})`));
      }
    });
  });
}
