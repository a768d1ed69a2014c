/**
 * The app's schema and its migrations, shared by the sql.js and better-sqlite3 adapters.
 * `PRAGMA user_version` is the schema version; a database at version n is migrated by
 * running MIGRATIONS[n..] in order, each in its own transaction.
 */
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
}

export function migrate(db: SqlRunner): void {
  const from = db.userVersion();
  for (let version = from; version < SCHEMA_VERSION; version += 1) {
    db.exec(`BEGIN; ${MIGRATIONS[version]} PRAGMA user_version = ${version + 1}; COMMIT;`);
  }
}
