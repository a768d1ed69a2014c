/**
 * Generates, deterministically from a seed, a data dir like a firm's, in one of several
 * profiles that differ in what changes the ratios against zip and 7-Zip (bench/RESULTS.md):
 * the text's statistics, the documents' sizes, how much is already compressed, and how much
 * of the data is the database. Every profile has a SQLite database with the app's schema
 * (cases with their tasks, hearings and orders, and a row per document) and a content-
 * addressed document store; everything is proportional to `scale`, except that a profile's
 * average document size stays what it is (more data is more documents), and the scans
 * profile's four files, which grow in size.
 *
 * `mixed` is the bench's original data, byte for byte (same seed, same calls in the same
 * order): 20,000 cases in a ~91 MB database, 2,000 documents of 500 MiB, 40 % of the bytes
 * text-like, 60 % incompressible with a PDF-like head.
 */
import { createCipheriv, createHash } from 'node:crypto';
import { closeSync, mkdirSync, openSync, renameSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { deflateRawSync } from 'node:zlib';
import BetterSqlite3 from 'better-sqlite3';
import { TABLE_COUNT_SQL, migrate } from '../src/infra/sqlite/schema.ts';
import { docx, xlsx } from './office.ts';
import { createPrng, randomBytes, type Prng } from './prng.ts';
import { createText, type TextKind, type TextSource } from './text.ts';

const MB = 1024 * 1024;

export const PROFILE_NAMES = ['mixed', 'repetitive', 'natural', 'office', 'small', 'scans', 'dbheavy'] as const;
export type ProfileName = (typeof PROFILE_NAMES)[number];

/** What a profile's documents are. */
type DocumentPlan =
  /** Text-like (`.txt`, cut from the profile's text) and PDF-like (incompressible) documents, log-normal sizes. */
  | { readonly kind: 'text+pdf'; readonly count: number; readonly bytes: number; readonly textShare: number }
  /** DOCX (pictures in the larger ones) and XLSX, themselves ZIPs of deflated XML. */
  | { readonly kind: 'office'; readonly count: number; readonly bytes: number; readonly docxShare: number }
  /** Scanned PDFs of these sizes (at scale 1): JPEG pages, some white strips and OCR text layers. */
  | { readonly kind: 'scans'; readonly sizes: readonly number[] };

export interface Profile {
  readonly name: ProfileName;
  /** One line: what the profile is and what it tests. */
  readonly title: string;
  readonly seed: number;
  /** What the documents' text and the database's notes are cut from. */
  readonly text: TextKind;
  readonly cases: number;
  readonly users: number;
  readonly documents: DocumentPlan;
}

export const PROFILES: Readonly<Record<ProfileName, Profile>> = {
  mixed: {
    name: 'mixed',
    title: "the original: 2,000 documents of 500 MiB, 40 % legal-sounding text (deflates to ~40 %), 60 % incompressible; 20,000 cases",
    seed: 20261125,
    text: 'legal',
    cases: 20_000,
    users: 60,
    documents: { kind: 'text+pdf', count: 2_000, bytes: 500 * MB, textShare: 0.4 },
  },
  repetitive: {
    name: 'repetitive',
    title: 'as mixed, but the text is form letters from a 200-word vocabulary (deflates to ~13 %, fast for zip)',
    seed: 20261201,
    text: 'repetitive',
    cases: 20_000,
    users: 60,
    documents: { kind: 'text+pdf', count: 2_000, bytes: 500 * MB, textShare: 0.4 },
  },
  natural: {
    name: 'natural',
    title: 'as mixed, but the text is prose from a 50,000-word lexicon, Zipf-distributed (deflates to ~40 %, few long matches)',
    seed: 20261202,
    text: 'natural',
    cases: 20_000,
    users: 60,
    documents: { kind: 'text+pdf', count: 2_000, bytes: 500 * MB, textShare: 0.4 },
  },
  office: {
    name: 'office',
    title: 'already compressed: 3,000 DOCX (pictures in the larger ones) and XLSX, ~500 MiB, ZIPs of deflated XML',
    seed: 20261203,
    text: 'legal',
    cases: 20_000,
    users: 60,
    documents: { kind: 'office', count: 3_000, bytes: 500 * MB, docxShare: 2 / 3 },
  },
  small: {
    name: 'small',
    title: 'many small documents: 20,000 of ~24 KB (480 MB), 40 % text, 60 % incompressible; per-document costs dominate',
    seed: 20261204,
    text: 'legal',
    cases: 20_000,
    users: 60,
    documents: { kind: 'text+pdf', count: 20_000, bytes: 480_000_000, textShare: 0.4 },
  },
  scans: {
    name: 'scans',
    title: 'a few large scans: 4 PDFs of 1000, 500, 300 and 200 MB, JPEG pages with white strips and OCR text (zip -6 saves ~15 %); 2,000 cases',
    seed: 20261205,
    text: 'legal',
    cases: 2_000,
    users: 6,
    documents: { kind: 'scans', sizes: [1_000_000_000, 500_000_000, 300_000_000, 200_000_000] },
  },
  dbheavy: {
    name: 'dbheavy',
    title: 'database-heavy: 220,000 cases in a ~1 GB database, 100 documents of 25 MiB',
    seed: 20261206,
    text: 'legal',
    cases: 220_000,
    users: 600,
    documents: { kind: 'text+pdf', count: 100, bytes: 25 * MB, textShare: 0.4 },
  },
};

/** Bytes of database per case (with its tasks, hearings, orders), measured on the generated data: for plans. */
const DATABASE_BYTES_PER_CASE = 4_600;

/** A profile's nominal sizes at a scale, computed without generating anything. */
export function planProfile(profile: Profile, scale: number): { cases: number; documents: number; documentBytes: number; databaseBytes: number } {
  const cases = Math.round(profile.cases * scale);
  const d = profile.documents;
  const documents = d.kind === 'scans' ? d.sizes.length : Math.round(d.count * scale);
  const documentBytes = d.kind === 'scans' ? d.sizes.reduce((a, b) => a + Math.round(b * scale), 0) : d.bytes * scale;
  return { cases, documents, documentBytes, databaseBytes: cases * DATABASE_BYTES_PER_CASE };
}

export interface GeneratedData {
  /** A profile, or `scale`: the scale run's data (generateScaleData). */
  readonly profile: ProfileName | 'scale';
  readonly dataDir: string;
  readonly scale: number;
  readonly databaseBytes: number;
  readonly documents: number;
  readonly documentBytes: number;
  /** Text-like documents (.txt) and their bytes. */
  readonly textDocuments: number;
  readonly textBytes: number;
  /** Documents and bytes per kind (txt, pdf, docx, xlsx, scan). */
  readonly kinds: Readonly<Record<string, { count: number; bytes: number }>>;
  /** What level-6 deflate makes of 1 MiB of the profile's text (compressed / original). */
  readonly textDeflateRatio: number;
  readonly cases: number;
}

/** The original generator: the `mixed` profile. */
export function generateDataDir(dataDir: string, scale: number, seed = PROFILES.mixed.seed): GeneratedData {
  return generateProfile('mixed', dataDir, scale, seed);
}

export function generateProfile(name: ProfileName, dataDir: string, scale: number, seed = PROFILES[name].seed): GeneratedData {
  return generateFrom(PROFILES[name], name, dataDir, scale, seed);
}

/**
 * The scale run's data (issue 12, bench/scale.ts): `documents` small documents, ~20 KB on
 * average (log-normal, at least 4 KiB), 40 % of them (and of the bytes) text-like, 60 %
 * incompressible with a PDF-like head, as in `small`; a database in proportion, one case per
 * five documents (as a firm's ten years: 100,000 documents, 20,000 cases, ~92 MB) and a
 * documents row for each. Deterministic for a given `documents` and seed.
 */
export function generateScaleData(dataDir: string, documents: number, seed = SCALE_SEED): GeneratedData {
  const cases = Math.max(1, Math.round(documents / 5));
  const profile: Omit<Profile, 'name' | 'title'> = {
    seed,
    text: 'legal',
    cases,
    users: Math.max(6, Math.round(cases / 333)),
    documents: { kind: 'text+pdf', count: documents, bytes: documents * SCALE_AVERAGE_BYTES, textShare: 0.4 },
  };
  return generateFrom(profile, 'scale', dataDir, 1, seed);
}
export const SCALE_SEED = 20261212;
export const SCALE_AVERAGE_BYTES = 20_000;

function generateFrom(profile: Omit<Profile, 'name' | 'title'>, name: ProfileName | 'scale', dataDir: string, scale: number, seed: number): GeneratedData {
  const prng = createPrng(seed);
  const words = createText(profile.text, prng);
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
  const sample = pool.subarray(pool.length >> 1, (pool.length >> 1) + MB);
  const textDeflateRatio = deflateRawSync(sample, { level: 6 }).length / sample.length;

  mkdirSync(join(dataDir, 'files'), { recursive: true });
  const cases = Math.round(profile.cases * scale);
  const plan = profile.documents;
  let docs: Doc[];
  if (plan.kind === 'text+pdf') docs = writeDocuments(dataDir, prng, slice, Math.round(plan.count * scale), plan.bytes * scale, plan.textShare);
  else if (plan.kind === 'office') docs = writeOfficeDocuments(dataDir, prng, words, Math.round(plan.count * scale), plan.bytes * scale, plan.docxShare);
  else docs = writeScans(dataDir, prng, slice, plan.sizes.map((s) => Math.round(s * scale)));
  const databaseBytes = writeDatabase(join(dataDir, 'database.sqlite'), prng, words, slice, cases, Math.max(1, Math.round(profile.users * scale)), docs);
  writeFileSync(join(dataDir, 'settings.json'), JSON.stringify({ theme: 'light', locale: 'de-AT', appVersion: '0.1.0', reminders: { days: 3 } }, null, 2));

  const kinds: Record<string, { count: number; bytes: number }> = {};
  for (const d of docs) {
    const k = (kinds[d.ext] ??= { count: 0, bytes: 0 });
    k.count += 1;
    k.bytes += d.size;
  }
  return {
    profile: name,
    dataDir,
    scale,
    databaseBytes,
    documents: docs.length,
    documentBytes: docs.reduce((a, d) => a + d.size, 0),
    textDocuments: kinds.txt?.count ?? 0,
    textBytes: kinds.txt?.bytes ?? 0,
    kinds,
    textDeflateRatio,
    cases,
  };
}

export interface Doc {
  readonly sha256: string;
  readonly size: number;
  /** txt, pdf, docx, xlsx or scan (a PDF): the name's extension in the database. */
  readonly ext: string;
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

/** Stores a document under files/<ab>/<sha256>. */
function store(dataDir: string, body: Buffer, ext: string): Doc {
  const sha256 = createHash('sha256').update(body).digest('hex');
  mkdirSync(join(dataDir, 'files', sha256.slice(0, 2)), { recursive: true });
  writeFileSync(join(dataDir, 'files', sha256.slice(0, 2), sha256), body);
  return { sha256, size: body.length, ext };
}

/** `name(i)` makes document i's head and bytes (its label); the default keeps the profiles' data as it always was. */
function writeDocuments(dataDir: string, prng: Prng, slice: (n: number) => Buffer, count: number, total: number, textShare: number, name: (i: number) => string = String): Doc[] {
  const textCount = Math.round(count * 0.4);
  const plan = [
    ...sizes(prng, textCount, total * textShare).map((size) => ({ size, text: true })),
    ...sizes(prng, count - textCount, total * (1 - textShare)).map((size) => ({ size, text: false })),
  ];
  return plan.map(({ size, text }, i) => {
    let body: Buffer;
    if (text) {
      const head = Buffer.from(`Document ${name(i)}\n`, 'utf8');
      body = Buffer.concat([head, slice(size - head.length)]);
    } else {
      // A PDF-like head, then bytes that do not compress (already-compressed streams, JPEG data).
      const head = Buffer.from(`%PDF-1.7\n%\xe2\xe3\xcf\xd3\n${i} 0 obj\n<< /Filter /FlateDecode /Length ${size} >>\nstream\n`, 'latin1');
      body = Buffer.concat([head, randomBytes(`doc-${name(i)}`, size - head.length)]);
    }
    return store(dataDir, body, text ? 'txt' : 'pdf');
  });
}

function writeOfficeDocuments(dataDir: string, prng: Prng, words: TextSource, count: number, total: number, docxShare: number, name: (i: number) => string = String): Doc[] {
  const docxCount = Math.round(count * docxShare);
  // By bytes, the DOCX (with their pictures) are three quarters. An empty Word file is
  // already ~7 KB: none is smaller than 12 KB.
  const plan = [
    ...sizes(prng, docxCount, total * 0.75).map((size) => ({ size: Math.max(size, 12_000), word: true })),
    ...sizes(prng, count - docxCount, total * 0.25).map((size) => ({ size: Math.max(size, 8_000), word: false })),
  ];
  return plan.map(({ size, word }, i) => (word ? store(dataDir, docx(prng, words, `office-${name(i)}`, size), 'docx') : store(dataDir, xlsx(prng, words, size), 'xlsx')));
}

/**
 * Scanned PDFs, written in pieces (a 1 GB file is never in memory): pages of 1.5–3 MB,
 * each a JPEG image (incompressible); about a third of them also carry an uncompressed
 * bitmap strip of a mostly white area (0xFF with 2 % noise), and each an uncompressed OCR
 * text layer; an xref table at the end. The first MiB is image data, as in a real scan.
 */
function writeScans(dataDir: string, prng: Prng, slice: (n: number) => Buffer, fileSizes: readonly number[]): Doc[] {
  return fileSizes.map((target, f) => {
    const temp = join(dataDir, 'files', `.scan-${f}.tmp`);
    const fd = openSync(temp, 'w');
    const hash = createHash('sha256');
    const key = createHash('sha256').update(`key:scan-${f}`).digest();
    const iv = createHash('sha256').update(`iv:scan-${f}`).digest().subarray(0, 16);
    const keystream = createCipheriv('aes-256-ctr', key, iv);
    let size = 0;
    const offsets: number[] = [];
    const put = (chunk: Buffer) => {
      writeSync(fd, chunk);
      hash.update(chunk);
      size += chunk.length;
    };
    const object = (dictionary: string, body: (write: (b: Buffer) => void) => void) => {
      offsets.push(size);
      put(Buffer.from(`${offsets.length} 0 obj\n<< ${dictionary} >>\nstream\n`, 'latin1'));
      body(put);
      put(Buffer.from('\nendstream\nendobj\n', 'latin1'));
    };
    const random = (n: number) => (write: (b: Buffer) => void) => {
      for (let left = n; left > 0; left -= 4 * MB) write(keystream.update(Buffer.alloc(Math.min(4 * MB, left))));
    };
    try {
      put(Buffer.from('%PDF-1.7\n%\xe2\xe3\xcf\xd3\n', 'latin1'));
      for (let page = 0; size < target - 64 * 1024; page += 1) {
        const pageBytes = Math.min(prng.int(1_500_000, 3_000_000), target - size);
        const white = prng.next() < 0.35 ? Math.round(pageBytes * (0.2 + prng.next() * 0.15)) : 0;
        const ocr = Math.min(pageBytes - white, prng.int(30_000, 90_000));
        const image = Math.max(0, pageBytes - white - ocr - 600);
        object(`/Type /XObject /Subtype /Image /Width 2480 /Height 3508 /ColorSpace /DeviceRGB /BitsPerComponent 8 /Filter /DCTDecode /Length ${image}`, random(image));
        if (white > 0) {
          object(`/Type /XObject /Subtype /Image /Width 2480 /Height ${Math.round((white * 8) / 2480)} /ColorSpace /DeviceGray /BitsPerComponent 1 /Length ${white}`, (write) => {
            const strip = Buffer.alloc(white, 0xff);
            for (let k = Math.round(white * 0.02); k > 0; k -= 1) strip[prng.int(0, white - 1)] = prng.int(0, 255);
            write(strip);
          });
        }
        const text = slice(ocr).toString('latin1').replace(/[()\\]/g, ' ');
        const lines = text.match(/.{1,90}/gs) ?? [];
        const layer = Buffer.from(`BT /F1 9 Tf 3 Tr 72 770 Td 11 TL\n${lines.map((l) => `(${l.replace(/\n/g, ' ')}) '`).join('\n')}\nET`, 'latin1');
        object(`/Length ${layer.length}`, (write) => write(layer));
      }
      const xref = size;
      put(Buffer.from(`xref\n0 ${offsets.length + 1}\n0000000000 65535 f \n${offsets.map((o) => `${String(o).padStart(10, '0')} 00000 n \n`).join('')}trailer\n<< /Size ${offsets.length + 1} >>\nstartxref\n${xref}\n%%EOF\n`, 'latin1'));
    } finally {
      closeSync(fd);
    }
    const sha256 = hash.digest('hex');
    mkdirSync(join(dataDir, 'files', sha256.slice(0, 2)), { recursive: true });
    renameSync(temp, join(dataDir, 'files', sha256.slice(0, 2), sha256));
    return { sha256, size, ext: 'pdf' };
  });
}

function writeDatabase(
  file: string,
  prng: Prng,
  words: TextSource,
  slice: (n: number) => Buffer,
  cases: number,
  users: number,
  docs: readonly Doc[],
): number {
  const db = new BetterSqlite3(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = OFF');
  migrate({ exec: (sql) => db.exec(sql), userVersion: () => Number(db.pragma('user_version', { simple: true })), tables: () => Number((db.prepare(TABLE_COUNT_SQL).get() as { n: number }).n) }, file);
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
    docs.forEach((d, i) => insertDocument.run(prng.int(1, cases), `document-${i}.${d.ext}`, d.sha256, d.size));
  })();
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.close();
  return statSync(file).size;
}

/** What one deterministic change of a data dir does (bench/incremental.ts, bench/scale.ts). */
export interface Mutation {
  /** The seed of this change's choices (which rows, which text, which sizes). */
  readonly seed: number;
  /** Makes the new documents' bytes unlike every other document's (e.g. `inc-mixed`, `day-7`): each is new to the store. */
  readonly label: string;
  readonly text: TextKind;
  /** New documents as the profile makes them: text-like and PDF-like, or DOCX and XLSX. */
  readonly kind: 'text+pdf' | 'office';
  /** text+pdf: the share of the new bytes that is text-like (40 % of the documents are). */
  readonly textShare: number;
  readonly newDocuments: number;
  readonly newBytes: number;
  /** The fraction of the rows of cases (notes), tasks (title), hearings (notes) and orders (text) rewritten. */
  readonly rowFraction: number;
  /** Documents to delete, by SHA-256: their rows and their files. */
  readonly deleteDocuments?: readonly string[];
}

export interface MutationResult {
  readonly added: readonly Doc[];
  readonly addedBytes: number;
  readonly deleted: number;
  readonly changedRows: number;
  /** Rows of the four tables changed from, before the change. */
  readonly rows: number;
  readonly databaseBytes: number;
}

/** The change of `fraction` of a generated data dir: that share of new documents (by count and by bytes) and of changed rows. */
export function mutationFor(data: GeneratedData, fraction: number, seed: number, label: string): Mutation {
  const profile = data.profile === 'scale' ? null : PROFILES[data.profile];
  const plan = profile?.documents;
  return {
    seed,
    label,
    text: profile?.text ?? 'legal',
    kind: plan?.kind === 'office' ? 'office' : 'text+pdf',
    // Scans: new documents are PDF-like, almost all incompressible (their OCR layers are small).
    textShare: plan === undefined ? 0.4 : plan.kind === 'text+pdf' ? plan.textShare : 0.02,
    newDocuments: Math.max(1, Math.round(data.documents * fraction)),
    newBytes: Math.max(16_384, Math.round(data.documentBytes * fraction)),
    rowFraction: fraction,
  };
}

/**
 * Changes a data dir as a day's work would, deterministically: new documents (new files under
 * files/<ab>/<sha256> and a documents row each, on random cases), the text of a share of the
 * rows of cases, tasks, hearings and orders rewritten (UPDATE), and documents deleted (row and
 * file). The database stays consistent: every row names a stored document, every document a row.
 */
export function mutateDataDir(dataDir: string, m: Mutation): MutationResult {
  const prng = createPrng(m.seed);
  const words = createText(m.text, prng);
  const pool = Buffer.from(words.text(2 * MB), 'utf8');
  const slice = (length: number) => {
    const out = Buffer.allocUnsafe(length);
    let from = prng.int(0, pool.length - 1);
    for (let filled = 0; filled < length; from = 0) {
      const n = Math.min(length - filled, pool.length - from);
      pool.copy(out, filled, from, from + n);
      filled += n;
    }
    return out;
  };
  const name = (i: number) => `${m.label}-${i}`;
  const added =
    m.newDocuments <= 0
      ? []
      : m.kind === 'office'
        ? writeOfficeDocuments(dataDir, prng, words, m.newDocuments, m.newBytes, 2 / 3, name)
        : writeDocuments(dataDir, prng, slice, m.newDocuments, m.newBytes, m.textShare, name);
  const file = join(dataDir, 'database.sqlite');
  const db = new BetterSqlite3(file);
  let changedRows = 0;
  let rows = 0;
  let deleted = 0;
  try {
    db.pragma('synchronous = OFF');
    const text = (min: number, max: number) => slice(prng.int(min, max)).toString('utf8').replace(/\uFFFD/g, '');
    const maxId = (table: string) => Number((db.prepare(`SELECT coalesce(max(id), 0) AS n FROM ${table}`).get() as { n: number }).n);
    const cases = maxId('cases');
    const updates: [table: string, column: string, value: () => string][] = [
      ['cases', 'notes', () => text(200, 600)],
      ['tasks', 'title', () => words.sentence().slice(0, 120)],
      ['hearings', 'notes', () => text(60, 260)],
      ['orders', 'text', () => text(500, 1450)],
    ];
    const insertDocument = db.prepare('INSERT INTO documents (case_id, name, sha256, size) VALUES (?, ?, ?, ?)');
    const deleteDocument = db.prepare('DELETE FROM documents WHERE sha256 = ?');
    db.transaction(() => {
      for (const [table, column, value] of updates) {
        const n = Number((db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n);
        rows += n;
        const top = maxId(table);
        const want = Math.min(n, Math.round(n * m.rowFraction));
        const update = db.prepare(`UPDATE ${table} SET ${column} = ? WHERE id = ?`);
        const chosen = new Set<number>();
        for (let guard = 0; chosen.size < want && guard < want * 20; guard += 1) {
          const id = prng.int(1, top);
          if (chosen.has(id)) continue;
          if (update.run(value(), id).changes > 0) chosen.add(id);
        }
        changedRows += chosen.size;
      }
      added.forEach((d, i) => insertDocument.run(prng.int(1, Math.max(1, cases)), `document-${m.label}-${i}.${d.ext}`, d.sha256, d.size));
      for (const sha256 of m.deleteDocuments ?? []) deleted += deleteDocument.run(sha256).changes;
    })();
    db.pragma('wal_checkpoint(TRUNCATE)');
  } finally {
    db.close();
  }
  for (const sha256 of m.deleteDocuments ?? []) rmSync(join(dataDir, 'files', sha256.slice(0, 2), sha256), { force: true });
  return { added, addedBytes: added.reduce((a, d) => a + d.size, 0), deleted, changedRows, rows, databaseBytes: statSync(file).size };
}
