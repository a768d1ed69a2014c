/**
 * One canonical form of a SQLite database, used by every round-trip comparison: the schema
 * and every row of every table, in rowid order, with each value tagged by its type.
 * What it leaves out, and why that may change across a backup:
 * - page layout, free pages and the file header (a snapshot is written anew: VACUUM INTO
 *   or sql.js's export renumber pages and reset the change counter and journal mode);
 * - sqlite_sequence and sqlite_stat* (bookkeeping SQLite rewrites on its own).
 */
import { loadSqlJs } from '../../src/infra/sqljs/sqlJsDatabase.ts';

export async function canonicalDump(bytes: Uint8Array): Promise<string> {
  const SQL = await loadSqlJs();
  const db = new SQL.Database(bytes);
  try {
    const out: string[] = [`user_version=${String(db.exec('PRAGMA user_version')[0]!.values[0]![0])}`];
    const objects = db.exec(
      `SELECT type, name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' ORDER BY type, name`,
    )[0]?.values ?? [];
    for (const [type, name, sql] of objects) {
      out.push(`${String(type)} ${String(name)}: ${String(sql)}`);
      if (type !== 'table') continue;
      const stmt = db.prepare(`SELECT rowid AS __rowid, * FROM "${String(name)}" ORDER BY rowid`);
      while (stmt.step()) out.push(JSON.stringify(stmt.get().map(tagged)));
      stmt.free();
    }
    return out.join('\n');
  } finally {
    db.close();
  }
}

function tagged(value: unknown): unknown {
  if (value === null) return ['null'];
  if (value instanceof Uint8Array) return ['blob', Buffer.from(value).toString('hex')];
  if (typeof value === 'number') return [Number.isInteger(value) ? 'int' : 'real', value];
  return ['text', value];
}
