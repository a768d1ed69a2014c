/**
 * Database over sql.js (SQLite in WebAssembly) on a FileSystem port: the spec suite's
 * database. The live database is in memory and every write is persisted whole (written
 * beside, then renamed), so the file on the port is always a complete database.
 */
import initSqlJs, { type Database as SqlJsDb, type SqlJsStatic, type SqlValue } from 'sql.js';
import type { Counts, Database, DatabaseFileReport, DocumentRef } from '../../ports/database.ts';
import type { FileSystem } from '../../ports/fileSystem.ts';
import { BackupError } from '../../domain/errors.ts';
import { COUNTED_TABLES, SCHEMA_VERSION, TABLE_COUNT_SQL, migrate } from '../sqlite/schema.ts';

let sqlJs: Promise<SqlJsStatic> | undefined;
export function loadSqlJs(): Promise<SqlJsStatic> {
  sqlJs ??= initSqlJs();
  return sqlJs;
}

export interface SqlJsDatabase extends Database {
  /** Runs statements and persists the result (a write of the app). Opens the database if needed. */
  write(sql: string, params?: SqlValue[]): Promise<void>;
  query(sql: string, params?: SqlValue[]): Promise<Record<string, SqlValue>[]>;
}

export function createSqlJsDatabase(fs: FileSystem, dataDir: string, supported = SCHEMA_VERSION): SqlJsDatabase {
  const file = fs.join(dataDir, 'database.sqlite');
  let db: SqlJsDb | null = null;

  const persist = async () => {
    if (!db) return;
    await fs.mkdir(dataDir);
    await fs.writeFile(`${file}.tmp`, db.export());
    await fs.rename(`${file}.tmp`, file);
  };
  const live = async (): Promise<SqlJsDb> => {
    if (!db) await api.open();
    return db!;
  };
  const countsOf = (handle: SqlJsDb): Counts => {
    const tables = new Set(handle.exec(`SELECT name FROM sqlite_master WHERE type = 'table'`)[0]?.values.map((r) => String(r[0])) ?? []);
    const count = (table: string) => (tables.has(table) ? Number(handle.exec(`SELECT count(*) FROM ${table}`)[0]!.values[0]![0]) : 0);
    return Object.fromEntries(COUNTED_TABLES.map((t) => [t, count(t)])) as unknown as Counts;
  };

  const withLiveReadOnly = async <T>(operation: string, fn: (handle: SqlJsDb) => T): Promise<T> => {
    // sql.js throws SQLite's message ("file is not a database", "database disk image is malformed").
    const corrupt = (error: unknown, what: string) =>
      new BackupError('DATABASE_CORRUPT', `${operation} ${file}: ${what} (${error instanceof Error ? error.message : String(error)})`, { cause: error });
    const run = (handle: SqlJsDb) => {
      try {
        return fn(handle);
      } catch (error) {
        throw error instanceof BackupError ? error : corrupt(error, 'the database is damaged');
      }
    };
    if (db) return run(db);
    if (!(await fs.exists(file))) throw new BackupError('NOT_FOUND', `${operation}: there is no database at ${file}`);
    const SQL = await loadSqlJs();
    let handle: SqlJsDb | undefined;
    try {
      handle = new SQL.Database(await fs.readFile(file));
      handle.exec('PRAGMA schema_version'); // sql.js reads the header only when asked
    } catch (error) {
      handle?.close();
      throw corrupt(error, "the app's database is not a SQLite database");
    }
    try {
      return run(handle);
    } finally {
      handle.close();
    }
  };

  const api: SqlJsDatabase = {
    supportedSchemaVersion: supported,
    open: async () => {
      if (db) return;
      const SQL = await loadSqlJs();
      db = (await fs.exists(file)) ? new SQL.Database(await fs.readFile(file)) : new SQL.Database();
      const handle = db;
      const before = userVersion(handle);
      migrate({ exec: (sql) => handle.exec(sql), userVersion: () => userVersion(handle), tables: () => tableCount(handle) }, file);
      if (userVersion(handle) !== before || !(await fs.exists(file))) await persist();
    },
    close: async () => {
      if (!db) return;
      db.close();
      db = null;
    },
    // A snapshot and a check read the live database as it is: the open handle, or else the
    // file loaded into a scratch handle (never opened as the live one: that would migrate).
    snapshotTo: async (target) => {
      const bytes = await withLiveReadOnly('snapshot', (handle) => handle.export());
      await fs.writeFile(target, bytes, { exclusive: true, mode: 0o600 });
    },
    checkLive: (kind) => withLiveReadOnly(kind === 'quick' ? 'quick_check' : 'integrity_check', (handle) => pragmaText(handle, kind === 'quick' ? 'quick_check' : 'integrity_check')),
    counts: async () => countsOf(await live()),
    inspectFile: async (path): Promise<DatabaseFileReport> => {
      const SQL = await loadSqlJs();
      const bytes = await fs.readFile(path);
      let handle: SqlJsDb | undefined;
      try {
        handle = new SQL.Database(bytes);
        const integrity = pragmaText(handle, 'integrity_check');
        return { integrity, schemaVersion: userVersion(handle), tables: tableCount(handle), counts: countsOf(handle) };
      } catch (error) {
        throw new BackupError('DATABASE_CORRUPT', `inspect ${path}: not a readable SQLite database (${error instanceof Error ? error.message : String(error)})`, { cause: error });
      } finally {
        handle?.close();
      }
    },
    // The file is read through the port and opened in memory: the file itself is never written.
    documentsIn: async (path, sha256s, limit = 50): Promise<readonly DocumentRef[]> => {
      if (!Number.isInteger(limit) || limit < 0) throw new TypeError(`list documents: limit must be a whole number ≥ 0, got ${limit}`);
      const bytes = await fs.readFile(path);
      const isSqlite = bytes.length >= 100 && new TextDecoder('latin1').decode(bytes.subarray(0, 16)) === SQLITE_MAGIC;
      if (!isSqlite || sha256s.length === 0 || limit === 0) return [];
      const SQL = await loadSqlJs();
      let handle: SqlJsDb | undefined;
      try {
        handle = new SQL.Database(bytes);
        const tables = new Set(handle.exec(`SELECT name FROM sqlite_master WHERE type = 'table'`)[0]?.values.map((r) => String(r[0])) ?? []);
        if (!tables.has('documents') || !tables.has('cases')) return [];
        const stmt = handle.prepare(DOCUMENTS_IN_SQL, [JSON.stringify(sha256s), limit]);
        const rows: DocumentRef[] = [];
        try {
          while (stmt.step()) {
            const row = stmt.getAsObject();
            rows.push({
              sha256: String(row.sha256),
              name: String(row.name),
              caseId: row.caseId === null ? null : Number(row.caseId),
              caseTitle: row.caseTitle === null ? null : String(row.caseTitle),
            });
          }
        } finally {
          stmt.free();
        }
        return rows;
      } catch (error) {
        throw new BackupError('DATABASE_CORRUPT', `list documents ${path}: the database is damaged (${error instanceof Error ? error.message : String(error)})`, { cause: error });
      } finally {
        handle?.close();
      }
    },
    write: async (sql, params) => {
      const handle = await live();
      handle.run(sql, params);
      await persist();
    },
    query: async (sql, params) => {
      const handle = await live();
      const stmt = handle.prepare(sql, params);
      const rows: Record<string, SqlValue>[] = [];
      while (stmt.step()) rows.push(stmt.getAsObject());
      stmt.free();
      return rows;
    },
  };
  return api;
}

const SQLITE_MAGIC = 'SQLite format 3\u0000';

/**
 * One query whatever the number of hashes: they go in as one JSON array (json_each), so
 * SQLite's limit on bound variables never applies, and the order and limit hold overall.
 * Documents with no case sort last; id breaks ties so the order is the same every time.
 * (The better-sqlite3 adapter runs the same query.)
 */
const DOCUMENTS_IN_SQL = `SELECT d.sha256 AS sha256, d.name AS name, d.case_id AS caseId, c.title AS caseTitle
  FROM documents d LEFT JOIN cases c ON c.id = d.case_id
  WHERE d.sha256 IN (SELECT value FROM json_each(?))
  ORDER BY d.case_id IS NULL, d.case_id, d.name, d.id
  LIMIT ?`;

function pragmaText(handle: SqlJsDb, pragma: 'quick_check' | 'integrity_check'): string {
  return handle.exec(`PRAGMA ${pragma}`).flatMap((r) => r.values.map((v) => String(v[0]))).join('; ');
}

function tableCount(handle: SqlJsDb): number {
  return Number(handle.exec(TABLE_COUNT_SQL)[0]!.values[0]![0]);
}

function userVersion(handle: SqlJsDb): number {
  return Number(handle.exec('PRAGMA user_version')[0]!.values[0]![0]);
}
