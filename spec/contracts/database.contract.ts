/**
 * The Database port's contract, run against sql.js (the spec suite's) and better-sqlite3
 * (the real machine's): open/migrate, counts, a snapshot that inspects as the live data,
 * read-only inspection that never changes a file, DATABASE_CORRUPT for garbage, and the
 * documents a backup's database names with given hashes (documentsIn).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Database } from '../../src/ports/database.ts';
import { BackupError } from '../../src/domain/errors.ts';
import { MIGRATIONS, SCHEMA_VERSION } from '../../src/infra/sqlite/schema.ts';
import { loadSqlJs } from '../../src/infra/sqljs/sqlJsDatabase.ts';
import { canonicalDump } from '../support/canonicalDump.ts';
import { codeOf } from '../support/codeOf.ts';

export interface DatabaseFixture {
  readonly db: Database;
  /** A scratch folder for snapshots and foreign files. */
  readonly scratch: string;
  /** A write of the app (one statement) to the live database. */
  write(sql: string, params?: (string | number | null)[]): Promise<void>;
  /** The live database's file, as the next open would see it (after close). */
  readonly livePath: string;
  readBytes(path: string): Promise<Uint8Array>;
  writeBytes(path: string, bytes: Uint8Array): Promise<void>;
  /** Names in the scratch folder. */
  list(): Promise<string[]>;
  exists(path: string): Promise<boolean>;
  cleanup(): Promise<void>;
}


/**
 * A database as the app may have made it before it had migrations: the app's tables and
 * rows, but `user_version` 0. Opening it for writing would migrate it (and fail: the tables
 * exist); a backup must read it as it is.
 */
async function unmigratedDatabase(): Promise<Uint8Array> {
  const SQL = await loadSqlJs();
  const handle = new SQL.Database();
  try {
    handle.exec(MIGRATIONS.join('\n'));
    handle.exec(`INSERT INTO users (name) VALUES ('Ana'), ('Ben'); INSERT INTO cases (user_id, title) VALUES (1, 'Doe v. Roe')`);
    return handle.export();
  } finally {
    handle.close();
  }
}

const A = 'a'.repeat(64);
const B = 'b'.repeat(64);
const C = 'c'.repeat(64);
const D = 'd'.repeat(64);

/**
 * A backup's database with documents: two cases, a document whose case is gone (case 7,
 * inserted without foreign keys, as a database made before they were on may hold) and one
 * with no case. Built with sql.js so both adapters read the same bytes. `wal` sets the
 * header's read/write versions to 2, as a database closed in WAL mode has them.
 */
async function databaseWithDocuments(options: { wal?: boolean; extra?: number } = {}): Promise<Uint8Array> {
  const SQL = await loadSqlJs();
  const handle = new SQL.Database();
  try {
    handle.exec(`${MIGRATIONS.join('\n')} PRAGMA user_version = ${SCHEMA_VERSION};`);
    handle.exec(`INSERT INTO cases (id, title) VALUES (1, 'Doe v. Roe'), (2, 'In re Okafor');
      INSERT INTO documents (case_id, name, sha256, size) VALUES
        (2, 'witness statement.pdf', '${A}', 10), (1, 'retainer.pdf', '${A}', 11), (1, 'complaint.pdf', '${B}', 12),
        (NULL, 'scan 0001.tif', '${A}', 13), (7, 'exhibit 4.jpg', '${C}', 14), (1, 'notes.txt', '${D}', 15);`);
    for (let i = 0; i < (options.extra ?? 0); i += 1) handle.run(`INSERT INTO documents (case_id, name, sha256, size) VALUES (2, ?, ?, 1)`, [`page ${String(i).padStart(3, '0')}.png`, D]);
    const bytes = handle.export();
    if (options.wal) [bytes[18], bytes[19]] = [2, 2];
    return bytes;
  } finally {
    handle.close();
  }
}

/** A database of this app at schema version 1: cases, but no documents table yet. */
async function databaseAtVersion1(): Promise<Uint8Array> {
  const SQL = await loadSqlJs();
  const handle = new SQL.Database();
  try {
    handle.exec(`${MIGRATIONS[0]} PRAGMA user_version = 1; INSERT INTO cases (title) VALUES ('Doe v. Roe');`);
    return handle.export();
  } finally {
    handle.close();
  }
}

/** A live database of `cases` rows, closed, with the middle of pages 3 and 4 overwritten. */
async function damagedLiveDatabase(fx: DatabaseFixture): Promise<Uint8Array> {
  await fx.db.open();
  for (let i = 0; i < 200; i += 1) await fx.write(`INSERT INTO cases (title, notes) VALUES (?, ?)`, [`case ${i}`, 'x'.repeat(300)]);
  const target = `${fx.scratch}/clean.sqlite`;
  await fx.db.snapshotTo(target);
  await fx.db.close();
  const bytes = await fx.readBytes(target);
  for (let i = 4096 * 2 + 100; i < 4096 * 4; i += 1) bytes[i] = (i * 13) % 256;
  await fx.writeBytes(fx.livePath, bytes);
  return bytes;
}

export function databaseContract(name: string, make: () => Promise<DatabaseFixture>): void {
  describe(`Database contract: ${name}`, () => {
    let fx: DatabaseFixture;
    beforeEach(async () => {
      fx = await make();
    });
    afterEach(async () => {
      await fx.db.close();
      await fx.cleanup();
    });

    it('opens a new database migrated to the supported schema, with nothing in it', async () => {
      await fx.db.open();
      expect(fx.db.supportedSchemaVersion).toBe(SCHEMA_VERSION);
      expect(await fx.db.counts()).toEqual({ users: 0, cases: 0, tasks: 0, hearings: 0, orders: 0 });
    });

    it('counts the rows of the five counted tables', async () => {
      await fx.db.open();
      await fx.write(`INSERT INTO users (name) VALUES ('Ana')`);
      await fx.write(`INSERT INTO cases (user_id, title) VALUES (1, 'Doe v. Roe')`);
      for (let i = 0; i < 3; i += 1) await fx.write(`INSERT INTO tasks (case_id, title) VALUES (1, ?)`, [`task ${i}`]);
      await fx.write(`INSERT INTO hearings (case_id, court) VALUES (1, 'District')`);
      expect(await fx.db.counts()).toEqual({ users: 1, cases: 1, tasks: 3, hearings: 1, orders: 0 });
    });

    it('snapshots into a new file that inspects as the live data, in rollback mode', async () => {
      await fx.db.open();
      await fx.write(`INSERT INTO users (name, email) VALUES ('Kwame Mensah', NULL)`);
      await fx.write(`INSERT INTO orders (case_id, text) VALUES (NULL, 'ünïcödé ⚖')`);
      const target = `${fx.scratch}/snapshot.sqlite`;
      await fx.db.snapshotTo(target);
      const report = await fx.db.inspectFile(target);
      expect(report).toEqual({ integrity: 'ok', schemaVersion: SCHEMA_VERSION, tables: 7, counts: { users: 1, cases: 0, tasks: 0, hearings: 0, orders: 1 } });
      const snapshot = await fx.readBytes(target);
      expect([snapshot[18], snapshot[19]]).toEqual([1, 1]);
      await fx.db.close();
      expect(await canonicalDump(snapshot)).toBe(await canonicalDump(await fx.readBytes(fx.livePath)));
    });

    it('refuses to snapshot over an existing file with ALREADY_EXISTS', async () => {
      await fx.db.open();
      const target = `${fx.scratch}/taken.sqlite`;
      await fx.writeBytes(target, new TextEncoder().encode('mine'));
      expect(await codeOf(fx.db.snapshotTo(target))).toBe('ALREADY_EXISTS');
      expect(new TextDecoder().decode(await fx.readBytes(target))).toBe('mine');
    });

    it('inspects without changing the file or creating any beside it', async () => {
      await fx.db.open();
      await fx.write(`INSERT INTO users (name) VALUES ('Li Wei')`);
      const target = `${fx.scratch}/inspected.sqlite`;
      await fx.db.snapshotTo(target);
      const before = await fx.readBytes(target);
      const names = await fx.list();
      await fx.db.inspectFile(target);
      expect(await fx.readBytes(target)).toEqual(before);
      expect(await fx.list()).toEqual(names);
    });

    it('rejects a file that is not a database with DATABASE_CORRUPT', async () => {
      await fx.db.open();
      const garbage = `${fx.scratch}/garbage.sqlite`;
      await fx.writeBytes(garbage, new Uint8Array(8192).map((_, i) => (i * 31 + 7) % 256));
      expect(await codeOf(fx.db.inspectFile(garbage))).toBe('DATABASE_CORRUPT');
      const text = `${fx.scratch}/text.sqlite`;
      await fx.writeBytes(text, new TextEncoder().encode('this is not SQLite, it is a letter to the court\n'.repeat(200)));
      expect(await codeOf(fx.db.inspectFile(text))).toBe('DATABASE_CORRUPT');
    });

    it('reports damage inside a real database file (DATABASE_CORRUPT or a failed integrity check)', async () => {
      await fx.db.open();
      for (let i = 0; i < 200; i += 1) await fx.write(`INSERT INTO cases (title, notes) VALUES (?, ?)`, [`case ${i}`, 'x'.repeat(300)]);
      const target = `${fx.scratch}/damaged.sqlite`;
      await fx.db.snapshotTo(target);
      const bytes = await fx.readBytes(target);
      // Overwrite the middle of page 3 onwards (a b-tree page of cases) with noise.
      for (let i = 4096 * 2 + 100; i < 4096 * 4; i += 1) bytes[i] = (i * 13) % 256;
      await fx.writeBytes(target, bytes);
      let outcome: string;
      try {
        const report = await fx.db.inspectFile(target);
        outcome = report.integrity === 'ok' ? 'ok' : 'integrity failed';
      } catch (error) {
        outcome = (error as BackupError).code;
      }
      expect(['integrity failed', 'DATABASE_CORRUPT']).toContain(outcome);
    });

    it('snapshots a database it has not opened without migrating or writing it (user_version 0, tables present)', async () => {
      await fx.db.open();
      await fx.db.close();
      const bytes = await unmigratedDatabase();
      await fx.writeBytes(fx.livePath, bytes);
      const target = `${fx.scratch}/snapshot.sqlite`;
      await fx.db.snapshotTo(target);
      expect(await fx.db.inspectFile(target)).toEqual({ integrity: 'ok', schemaVersion: 0, tables: 7, counts: { users: 2, cases: 1, tasks: 0, hearings: 0, orders: 0 } });
      expect(await fx.readBytes(fx.livePath)).toEqual(bytes);
    });

    it('refuses to open (migrate) a database with tables but user_version 0, as UNSUPPORTED, leaving it as it is', async () => {
      await fx.db.open();
      await fx.db.close();
      const bytes = await unmigratedDatabase();
      await fx.writeBytes(fx.livePath, bytes);
      let code = 'opened';
      try {
        await fx.db.open();
      } catch (error) {
        code = (error as BackupError).code;
        expect((error as Error).message).toContain('no schema version');
      }
      expect(code).toBe('UNSUPPORTED');
      expect(await fx.readBytes(fx.livePath)).toEqual(bytes);
    });

    it('checks the live database (quick_check and integrity_check), open or not, without migrating or writing it', async () => {
      await fx.db.open();
      await fx.write(`INSERT INTO users (name) VALUES ('Ana')`);
      expect(await fx.db.checkLive('quick')).toBe('ok');
      expect(await fx.db.checkLive('full')).toBe('ok');
      await fx.db.close();
      const bytes = await unmigratedDatabase();
      await fx.writeBytes(fx.livePath, bytes);
      expect(await fx.db.checkLive('quick')).toBe('ok');
      expect(await fx.db.checkLive('full')).toBe('ok');
      expect(await fx.readBytes(fx.livePath)).toEqual(bytes);
    });

    it('reports damage in the live database (what the check found, or DATABASE_CORRUPT), leaving it as it is', async () => {
      const bytes = await damagedLiveDatabase(fx);
      for (const kind of ['quick', 'full'] as const) {
        let outcome: string;
        try {
          outcome = await fx.db.checkLive(kind);
        } catch (error) {
          outcome = (error as BackupError).code;
        }
        expect(outcome, kind).not.toBe('ok');
        expect(outcome.length, kind).toBeGreaterThan(0);
      }
      expect(await fx.readBytes(fx.livePath)).toEqual(bytes);
      await fx.writeBytes(fx.livePath, new TextEncoder().encode('a letter to the court, not a database\n'.repeat(200)));
      expect(await codeOf(fx.db.checkLive('quick'))).toBe('DATABASE_CORRUPT');
      expect(await codeOf(fx.db.snapshotTo(`${fx.scratch}/of-garbage.sqlite`))).toBe('DATABASE_CORRUPT');
    });

    it('rejects checking or snapshotting a live database that does not exist with NOT_FOUND, creating none', async () => {
      expect(await codeOf(fx.db.checkLive('quick'))).toBe('NOT_FOUND');
      expect(await codeOf(fx.db.snapshotTo(`${fx.scratch}/none.sqlite`))).toBe('NOT_FOUND');
      expect(await fx.exists(fx.livePath)).toBe(false);
      expect(await fx.list()).toEqual([]);
    });

    it('names the documents with the given hashes and their case, ordered by case then name (no case last), within the limit', async () => {
      const file = `${fx.scratch}/backup.sqlite`;
      await fx.writeBytes(file, await databaseWithDocuments());
      const unknown = 'e'.repeat(64);
      expect(await fx.db.documentsIn(file, [A, B, C, unknown])).toEqual([
        { sha256: B, name: 'complaint.pdf', caseId: 1, caseTitle: 'Doe v. Roe' },
        { sha256: A, name: 'retainer.pdf', caseId: 1, caseTitle: 'Doe v. Roe' },
        { sha256: A, name: 'witness statement.pdf', caseId: 2, caseTitle: 'In re Okafor' },
        { sha256: C, name: 'exhibit 4.jpg', caseId: 7, caseTitle: null },
        { sha256: A, name: 'scan 0001.tif', caseId: null, caseTitle: null },
      ]);
      expect((await fx.db.documentsIn(file, [A, B, C], 2)).map((d) => d.name)).toEqual(['complaint.pdf', 'retainer.pdf']);
      expect(await fx.db.documentsIn(file, [A], 0)).toEqual([]);
      expect(await fx.db.documentsIn(file, [unknown])).toEqual([]);
      expect(await fx.db.documentsIn(file, [])).toEqual([]);
      await expect(fx.db.documentsIn(file, [A], -1)).rejects.toThrow(TypeError);
      await expect(fx.db.documentsIn(file, [A], 1.5)).rejects.toThrow(TypeError);
    });

    it('takes thousands of hashes in one call and returns at most 50 documents by default', async () => {
      const file = `${fx.scratch}/backup.sqlite`;
      await fx.writeBytes(file, await databaseWithDocuments({ extra: 60 }));
      const many = Array.from({ length: 20_000 }, (_, i) => i.toString(16).padStart(64, '0'));
      const found = await fx.db.documentsIn(file, [...many, B, ...many, D]);
      expect(found).toHaveLength(50);
      expect(found.slice(0, 2).map((d) => d.name)).toEqual(['complaint.pdf', 'notes.txt']);
      expect(found[2]).toEqual({ sha256: D, name: 'page 000.png', caseId: 2, caseTitle: 'In re Okafor' });
      expect(found[49]!.name).toBe('page 047.png');
      expect(await fx.db.documentsIn(file, [D], 1000)).toHaveLength(61);
    });

    it('finds no documents in a file that is not SQLite or a database without a documents table, and rejects a missing file with NOT_FOUND', async () => {
      const garbage = `${fx.scratch}/garbage.sqlite`;
      await fx.writeBytes(garbage, new Uint8Array(8192).map((_, i) => (i * 31 + 7) % 256));
      expect(await fx.db.documentsIn(garbage, [A])).toEqual([]);
      const text = `${fx.scratch}/text.sqlite`;
      await fx.writeBytes(text, new TextEncoder().encode('this is not SQLite, it is a letter to the court\n'.repeat(200)));
      expect(await fx.db.documentsIn(text, [A])).toEqual([]);
      const short = `${fx.scratch}/short.sqlite`;
      await fx.writeBytes(short, new TextEncoder().encode('SQLite format 3'));
      expect(await fx.db.documentsIn(short, [A])).toEqual([]);
      const old = `${fx.scratch}/old.sqlite`;
      await fx.writeBytes(old, await databaseAtVersion1());
      expect(await fx.db.documentsIn(old, [A])).toEqual([]);
      expect(await codeOf(fx.db.documentsIn(`${fx.scratch}/none.sqlite`, [A]))).toBe('NOT_FOUND');
    });

    it('lists documents without changing the file or creating any beside it, in rollback or WAL mode', async () => {
      for (const wal of [false, true]) {
        const file = `${fx.scratch}/${wal ? 'wal' : 'rollback'}.sqlite`;
        const bytes = await databaseWithDocuments({ wal });
        await fx.writeBytes(file, bytes);
        const names = await fx.list();
        expect(await fx.db.documentsIn(file, [B]), wal ? 'wal' : 'rollback').toEqual([{ sha256: B, name: 'complaint.pdf', caseId: 1, caseTitle: 'Doe v. Roe' }]);
        expect(await fx.readBytes(file)).toEqual(bytes);
        expect(await fx.list()).toEqual(names);
      }
    });

    it('closes and opens idempotently and keeps what was written', async () => {
      await fx.db.open();
      await fx.db.open();
      await fx.write(`INSERT INTO users (name) VALUES ('Sofía')`);
      await fx.db.close();
      await fx.db.close();
      await fx.db.open();
      expect((await fx.db.counts()).users).toBe(1);
    });
  });
}
