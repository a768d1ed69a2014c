/**
 * A small, realistic data dir to try the page on: a few lawyers, their cases with tasks,
 * hearings and orders, and documents in the content-addressed store. Deterministic: the
 * same options give the same rows and the same documents.
 *
 * Written through the better-sqlite3 adapter before the app opens the data dir.
 * (Interim: the CLI's `casevault demo` of issue 3 should become the one demo maker.)
 */
import { createHash } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import { join } from 'node:path';
import { createBetterSqliteDatabase } from '../infra/node/index.ts';

export interface DemoOptions {
  readonly cases?: number;
  readonly documents?: number;
  /** Bytes of each document. */
  readonly documentSize?: number;
}

const LAWYERS = ['Ada Okafor', 'Bruno Lindqvist', 'Chen Wei'];
const MATTERS = ['Tenancy dispute', 'Employment claim', 'Contract breach', 'Probate', 'Custody hearing', 'Insurance claim', 'Patent licence'];
const COURTS = ['District Court', 'Court of Appeal', 'Labour Court'];

const q = (value: string) => `'${value.replace(/'/g, "''")}'`;

/** Seeds `dataDir` if it has no database yet; resolves whether it did. */
export async function seedDemoData(dataDir: string, options: DemoOptions = {}): Promise<boolean> {
  const cases = options.cases ?? 12;
  const documents = options.documents ?? 10;
  const documentSize = options.documentSize ?? 48 * 1024;
  await fsp.mkdir(dataDir, { recursive: true, mode: 0o700 });
  if (await fsp.stat(join(dataDir, 'database.sqlite')).catch(() => null)) return false;

  const statements: string[] = [];
  LAWYERS.forEach((name, i) => statements.push(`INSERT INTO users (id, name, email) VALUES (${i + 1}, ${q(name)}, ${q(`${name.split(' ')[0]!.toLowerCase()}@example.org`)})`));
  for (let c = 1; c <= cases; c += 1) {
    const opened = new Date(Date.UTC(2026, 0, c)).toISOString();
    statements.push(`INSERT INTO cases (id, user_id, title, opened_at, notes) VALUES (${c}, ${((c - 1) % LAWYERS.length) + 1}, ${q(`${MATTERS[c % MATTERS.length]} #${c}`)}, ${q(opened)}, ${q(`Notes on case ${c}: ✓ unicode, "quotes"`)})`);
    for (let t = 1; t <= 3; t += 1) {
      statements.push(`INSERT INTO tasks (case_id, title, due_at, done) VALUES (${c}, ${q(`Task ${t} of case ${c}`)}, ${q(new Date(Date.UTC(2026, 1, c + t)).toISOString())}, ${t === 1 ? 1 : 0})`);
    }
    if (c % 3 !== 0) statements.push(`INSERT INTO hearings (case_id, at, court, notes) VALUES (${c}, ${q(new Date(Date.UTC(2026, 2, c)).toISOString())}, ${q(COURTS[c % COURTS.length]!)}, NULL)`);
    if (c % 2 === 0) statements.push(`INSERT INTO orders (case_id, issued_at, text, attachment) VALUES (${c}, ${q(new Date(Date.UTC(2026, 3, c)).toISOString())}, ${q(`Order in case ${c}`)}, X'00ff10')`);
  }
  for (let d = 1; d <= documents; d += 1) {
    const bytes = documentBytes(d, documentSize);
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    const dir = join(dataDir, 'files', sha256.slice(0, 2));
    await fsp.mkdir(dir, { recursive: true });
    await fsp.writeFile(join(dir, sha256), bytes, { mode: 0o600 });
    statements.push(`INSERT INTO documents (case_id, name, sha256, size) VALUES (${((d - 1) % cases) + 1}, ${q(`document-${d}.pdf`)}, ${q(sha256)}, ${bytes.length})`);
  }
  const db = createBetterSqliteDatabase(dataDir);
  await db.open();
  await db.transaction((sql) => {
    for (const statement of statements) sql.run(statement);
  });
  await db.close();
  await fsp.writeFile(join(dataDir, 'settings.json'), `${JSON.stringify({ appVersion: '0.1.0', theme: 'light', locale: 'en' }, null, 2)}\n`);
  return true;
}

/** Text-like content that compresses somewhat, different for every document. */
function documentBytes(n: number, size: number): Uint8Array {
  const line = `casevault demo document ${n}: the quick brown fox pleads the fifth. `;
  const bytes = Buffer.alloc(size);
  for (let i = 0; i < size; i += 1) bytes[i] = (line.charCodeAt(i % line.length) + Math.floor(i / 997) * n) % 256;
  return bytes;
}
