/**
 * The app's schema and its migrations, shared by the sql.js and better-sqlite3 adapters.
 * `PRAGMA user_version` is the schema version; a database at version n is migrated by
 * running MIGRATIONS[n..] in order, each in its own transaction.
 */
import { BackupError } from '../../domain/errors.ts';

export const MIGRATIONS: readonly string[] = [
  // 1: people and their cases and tasks
  `CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT NOT NULL, email TEXT);
   CREATE TABLE cases (id INTEGER PRIMARY KEY, user_id INTEGER REFERENCES users(id), title TEXT NOT NULL, opened_at TEXT, notes TEXT);
   CREATE TABLE tasks (id INTEGER PRIMARY KEY, case_id INTEGER REFERENCES cases(id), title TEXT NOT NULL, due_at TEXT, done INTEGER NOT NULL DEFAULT 0);`,
  // 2: the court side
  `CREATE TABLE hearings (id INTEGER PRIMARY KEY, case_id INTEGER REFERENCES cases(id), at TEXT, court TEXT, notes TEXT);
   CREATE TABLE orders (id INTEGER PRIMARY KEY, case_id INTEGER REFERENCES cases(id), issued_at TEXT, text TEXT, attachment BLOB);`,
  // 3: documents in the content-addressed store, and the reminder job's output
  `CREATE TABLE documents (id INTEGER PRIMARY KEY, case_id INTEGER REFERENCES cases(id), name TEXT NOT NULL, sha256 TEXT NOT NULL, size INTEGER NOT NULL);
   CREATE INDEX documents_sha256 ON documents(sha256);
   CREATE TABLE reminders (id INTEGER PRIMARY KEY, task_id INTEGER REFERENCES tasks(id), created_at TEXT NOT NULL);`,
];

export const SCHEMA_VERSION = MIGRATIONS.length;

export const COUNTED_TABLES = ['users', 'cases', 'tasks', 'hearings', 'orders'] as const;

/** The minimal SQLite handle a migration needs (both adapters provide it). */
export interface SqlRunner {
  exec(sql: string): void;
  userVersion(): number;
  /** Tables that are not SQLite's own (TABLE_COUNT_SQL). */
  tables(): number;
}

/** Counts the tables that are not SQLite's own; one row, column `n`. */
export const TABLE_COUNT_SQL = `SELECT count(*) AS n FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'`;

/**
 * Brings the database up to SCHEMA_VERSION. A database at version 0 that already has tables
 * was made by no migration of this app (another program, or a build before schema
 * versions): running migration 1 on it would fail half-way, so it is refused, unchanged.
 */
export function migrate(db: SqlRunner, file: string): void {
  refuseUnversioned(db, file);
  const from = db.userVersion();
  for (let version = from; version < SCHEMA_VERSION; version += 1) {
    db.exec(`BEGIN; ${MIGRATIONS[version]} PRAGMA user_version = ${version + 1}; COMMIT;`);
  }
}

/** Throws UNSUPPORTED for a database with tables but version 0; call it before anything writes (a journal-mode change does). */
export function refuseUnversioned(db: Pick<SqlRunner, 'userVersion' | 'tables'>, file: string): void {
  if (db.userVersion() === 0 && db.tables() > 0) {
    // restoreBackup.ts says the same of a backup's database before it swaps (the domain cannot import this).
    throw new BackupError('UNSUPPORTED', `open: ${file} has tables but no schema version (user_version 0): no migration of this app made it, so it cannot be brought up to date; nothing was changed`);
  }
}
