/**
 * Generates, deterministically from a seed, a data dir like a firm's: a SQLite database
 * with the app's schema (about 20,000 cases with their tasks, hearings and orders, ~85 MB
 * at scale 1) and a content-addressed document store (about 2,000 documents of ~500 MB at
 * scale 1: 40 % of the bytes text-like, 60 % incompressible like PDFs and JPEGs).
 * Everything is proportional to `scale`.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { migrate } from '../src/infra/sqlite/schema.ts';
import { createPrng, randomBytes, type Prng } from './prng.ts';
import { createTextSource } from './text.ts';

export interface GeneratedData {
  readonly dataDir: string;
  readonly scale: number;
  readonly databaseBytes: number;
  readonly documents: number;
  readonly documentBytes: number;
  readonly textDocuments: number;
  readonly textBytes: number;
  readonly cases: number;
}

const MB = 1024 * 1024;
const BASE = { cases: 20_000, users: 60, documents: 2_000, documentBytes: 500 * MB, textShare: 0.4 };

export function generateDataDir(dataDir: string, scale: number, seed = 20261125): GeneratedData {
  const prng = createPrng(seed);
  const words = createTextSource(prng);
  // One pool of prose; documents and notes are windows into it (each entry is compressed on
  // its own, so sharing text between files gives neither zip nor casevault an advantage).
  const pool = Buffer.from(words.text(24 * MB), 'utf8');
  const slice = (length: number) => {
    const start = prng.int(0, pool.length - 1);
    const out = Buffer.allocUnsafe(length);
    for (let filled = 0; filled < length; ) {
      const from = filled === 0 ? start : 0;
      const n = Math.min(length - filled, pool.length - from);
      pool.copy(out, filled, from, from + n);
      filled += n;
    }
    return out;
  };

  mkdirSync(join(dataDir, 'files'), { recursive: true });
  const cases = Math.round(BASE.cases * scale);
  const docs = writeDocuments(dataDir, prng, slice, Math.round(BASE.documents * scale), BASE.documentBytes * scale);
  const databaseBytes = writeDatabase(join(dataDir, 'database.sqlite'), prng, words, slice, cases, Math.max(1, Math.round(BASE.users * scale)), docs.list);
  writeFileSync(join(dataDir, 'settings.json'), JSON.stringify({ theme: 'light', locale: 'de-AT', appVersion: '0.1.0', reminders: { days: 3 } }, null, 2));
  return { dataDir, scale, databaseBytes, documents: docs.list.length, documentBytes: docs.bytes, textDocuments: docs.textCount, textBytes: docs.textBytes, cases };
}

interface Doc {
  readonly sha256: string;
  readonly size: number;
  readonly text: boolean;
}

/** Sizes from a log-normal spread (4 KiB to a few MiB), scaled to the wanted total. */
function sizes(prng: Prng, count: number, total: number): number[] {
  const raw = Array.from({ length: count }, () => {
    const u = Math.max(prng.next(), 1e-9);
    const v = prng.next();
    const normal = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
    return Math.exp(normal * 1.1);
  });
  const sum = raw.reduce((a, b) => a + b, 0);
  return raw.map((r) => Math.max(4096, Math.round((r / sum) * total)));
}

function writeDocuments(dataDir: string, prng: Prng, slice: (n: number) => Buffer, count: number, total: number) {
  const textCount = Math.round(count * 0.4);
  const plan = [
    ...sizes(prng, textCount, total * BASE.textShare).map((size) => ({ size, text: true })),
    ...sizes(prng, count - textCount, total * (1 - BASE.textShare)).map((size) => ({ size, text: false })),
  ];
  const list: Doc[] = [];
  let bytes = 0;
  let textBytes = 0;
  plan.forEach(({ size, text }, i) => {
    let body: Buffer;
    if (text) {
      const head = Buffer.from(`Document ${i}\n`, 'utf8');
      body = Buffer.concat([head, slice(size - head.length)]);
    } else {
      // A PDF-like head, then bytes that do not compress (already-compressed streams, JPEG data).
      const head = Buffer.from(`%PDF-1.7\n%\xe2\xe3\xcf\xd3\n${i} 0 obj\n<< /Filter /FlateDecode /Length ${size} >>\nstream\n`, 'latin1');
      body = Buffer.concat([head, randomBytes(`doc-${i}`, size - head.length)]);
    }
    const sha256 = createHash('sha256').update(body).digest('hex');
    mkdirSync(join(dataDir, 'files', sha256.slice(0, 2)), { recursive: true });
    writeFileSync(join(dataDir, 'files', sha256.slice(0, 2), sha256), body);
    list.push({ sha256, size: body.length, text });
    bytes += body.length;
    if (text) textBytes += body.length;
  });
  return { list, bytes, textCount, textBytes };
}

function writeDatabase(
  file: string,
  prng: Prng,
  words: ReturnType<typeof createTextSource>,
  slice: (n: number) => Buffer,
  cases: number,
  users: number,
  docs: readonly Doc[],
): number {
  const db = new BetterSqlite3(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = OFF');
  migrate({ exec: (sql) => db.exec(sql), userVersion: () => Number(db.pragma('user_version', { simple: true })) });
  const text = (min: number, max: number) => slice(prng.int(min, max)).toString('utf8').replace(/\uFFFD/g, '');
  const insertUser = db.prepare('INSERT INTO users (id, name, email) VALUES (?, ?, ?)');
  const insertCase = db.prepare('INSERT INTO cases (id, user_id, title, opened_at, notes) VALUES (?, ?, ?, ?, ?)');
  const insertTask = db.prepare('INSERT INTO tasks (case_id, title, due_at, done) VALUES (?, ?, ?, ?)');
  const insertHearing = db.prepare('INSERT INTO hearings (case_id, at, court, notes) VALUES (?, ?, ?, ?)');
  const insertOrder = db.prepare('INSERT INTO orders (case_id, issued_at, text, attachment) VALUES (?, ?, ?, ?)');
  const insertDocument = db.prepare('INSERT INTO documents (case_id, name, sha256, size) VALUES (?, ?, ?, ?)');
  db.transaction(() => {
    for (let u = 1; u <= users; u += 1) insertUser.run(u, `${words.name()} ${u}`, prng.next() < 0.8 ? `user${u}@firm.example` : null);
    for (let c = 1; c <= cases; c += 1) {
      insertCase.run(c, prng.int(1, users), `${words.name()} v. ${words.name()} (${c})`, words.date(), text(200, 600));
      for (let t = prng.int(2, 8); t > 0; t -= 1) insertTask.run(c, words.sentence().slice(0, 120), words.date(), prng.next() < 0.6 ? 1 : 0);
      for (let h = prng.int(1, 5); h > 0; h -= 1) insertHearing.run(c, words.date(), words.court(), text(60, 260));
      for (let o = prng.int(1, 3); o > 0; o -= 1) {
        const attachment = prng.next() < 0.05 ? randomBytes(`order-${c}-${o}`, prng.int(1024, 8192)) : null;
        insertOrder.run(c, words.date(), text(500, 1450), attachment);
      }
    }
    docs.forEach((d, i) => insertDocument.run(prng.int(1, cases), `document-${i}.${d.text ? 'txt' : 'pdf'}`, d.sha256, d.size));
  })();
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.close();
  return statSync(file).size;
}
