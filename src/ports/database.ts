/**
 * The app's SQLite database, as backup and restore need it. The adapter is bound to one
 * data dir and knows its database file (`<dataDir>/database.sqlite`).
 */
export interface Counts {
  readonly users: number;
  readonly cases: number;
  readonly tasks: number;
  readonly hearings: number;
  readonly orders: number;
}

export interface DatabaseFileReport {
  /** 'ok', or what `PRAGMA integrity_check` reported. */
  readonly integrity: string;
  readonly schemaVersion: number;
  /** How many tables it has (not SQLite's own): with schemaVersion 0, a database no migration of this app made. */
  readonly tables: number;
  readonly counts: Counts;
}

/** A document of the app that stores a given object (documents.sha256). */
export interface DocumentRef {
  readonly sha256: string;
  /** The document's name in the app (documents.name). */
  readonly name: string;
  readonly caseId: number | null;
  /** The case's title (cases.title), or null if the document has no case or the case is gone. */
  readonly caseTitle: string | null;
}

export interface Database {
  /** The schema version this build of the app writes and can migrate up to. */
  readonly supportedSchemaVersion: number;
  /**
   * Opens the live database for the app's use (creating and migrating it if needed).
   * Idempotent. Only the app and a restore's post-swap step open it: a backup, a check or a
   * status never does (snapshotTo and checkLive read it without opening it for writing).
   */
  open(): Promise<void>;
  /** Closes the live database and checkpoints its WAL, so the file alone holds all commits. Idempotent. */
  close(): Promise<void>;
  /**
   * Writes a consistent snapshot of the live database into the new file `targetPath`:
   * exactly the transactions committed before the snapshot began, in rollback-journal
   * mode. Writers are not blocked. Reads the live database as it is: never writes to it,
   * never migrates it (whatever its schema version), never creates it.
   * Rejects with ALREADY_EXISTS if `targetPath` exists, NOT_FOUND if there is no live
   * database, DATABASE_CORRUPT if it is not a SQLite database SQLite can read.
   */
  snapshotTo(targetPath: string): Promise<void>;
  /**
   * Checks the live database in place, read only (as snapshotTo reads it: never writes,
   * migrates or creates it): 'quick' runs `PRAGMA quick_check`, 'full' `PRAGMA
   * integrity_check`. Resolves with 'ok', or with what the check reported. Rejects with
   * NOT_FOUND if there is no live database, DATABASE_CORRUPT if SQLite cannot read it as a
   * database at all, BUSY if another program holds it locked.
   */
  checkLive(kind: 'quick' | 'full'): Promise<string>;
  /** Counts of the live database. */
  counts(): Promise<Counts>;
  /**
   * Opens a database file that is not the live one (a snapshot, a staged restore) read
   * only and reports its integrity, schema version and counts. Never modifies the file.
   * Rejects with DATABASE_CORRUPT if it is not a SQLite database at all.
   */
  inspectFile(path: string): Promise<DatabaseFileReport>;
  /**
   * The documents a database file (not the live one: a backup's database extracted to staging or scratch) names with one of
   * `sha256s`, with their case: for a message that names what a missing or damaged backup object affects. Opens the file read
   * only and never modifies it (as inspectFile). A database without a documents table, or a file that is not SQLite, yields []
   * rather than an error (the caller is already reporting a failure). Hashes it does not know are ignored; any number may be given.
   * At most `limit` rows (default 50), ordered by case id (documents with no case last) then document name.
   * Rejects with NOT_FOUND if there is no file at `path`, DATABASE_CORRUPT if SQLite finds a database damaged while reading it;
   * rejects with a TypeError (a bug, not bad data) if `limit` is not a whole number ≥ 0.
   */
  documentsIn(path: string, sha256s: readonly string[], limit?: number): Promise<readonly DocumentRef[]>;
}
