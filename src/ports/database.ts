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
  readonly counts: Counts;
}

export interface Database {
  /** The schema version this build of the app writes and can migrate up to. */
  readonly supportedSchemaVersion: number;
  /** Opens the live database (creating and migrating it if needed). Idempotent. */
  open(): Promise<void>;
  /** Closes the live database and checkpoints its WAL, so the file alone holds all commits. Idempotent. */
  close(): Promise<void>;
  /**
   * Writes a consistent snapshot of the live database into the new file `targetPath`:
   * exactly the transactions committed before the snapshot began, in rollback-journal
   * mode. Writers are not blocked. Rejects with ALREADY_EXISTS if `targetPath` exists.
   */
  snapshotTo(targetPath: string): Promise<void>;
  /** Counts of the live database. */
  counts(): Promise<Counts>;
  /**
   * Opens a database file that is not the live one (a snapshot, a staged restore) read
   * only and reports its integrity, schema version and counts. Never modifies the file.
   * Rejects with DATABASE_CORRUPT if it is not a SQLite database at all.
   */
  inspectFile(path: string): Promise<DatabaseFileReport>;
}
