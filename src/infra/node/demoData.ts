/**
 * A realistic sample data dir for trying casevault: a few lawyers, dozens of cases with
 * tasks, hearings and orders, ~30 documents of varied sizes (notes that compress, scanned
 * PDFs that do not) and settings.json. Deterministic apart from dates (a seeded PRNG):
 * 4 users, 36 cases, 145 tasks, 27 hearings, 32 orders, 30 documents, every time.
 * The one demo maker: `casevault demo` and the browser shell (`npm start`, e2e) use it.
 */
import type { FileSystem } from '../../ports/fileSystem.ts';
import type { Hashing } from '../../ports/hashing.ts';
import type { BetterSqliteDatabase } from '../betterSqlite/betterSqliteDatabase.ts';

export interface DemoSummary {
  users: number;
  cases: number;
  tasks: number;
  hearings: number;
  orders: number;
  documents: number;
  bytes: number;
}

function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const LAWYERS = [['Ana Müller', 'ana@mueller-law.example'], ['Kwame Mensah', 'kwame@mensah.example'], ['Li Wei', null], ['Sofía Ortega', 'sofia@ortega.example']] as const;
const PARTIES = ['Doe', 'Roe', 'Acme GmbH', 'Nakamura', 'Okafor', 'Lindqvist', 'Da Silva', 'Kowalski', 'Haddad', "O'Brien", 'Müller & Söhne', 'Ivanova'];
const MATTERS = ['lease dispute', 'unfair dismissal', 'custody', 'insurance claim', 'contract breach', 'probate', 'trademark', 'tenancy deposit'];
const TASKS = ['File statement of claim', 'Draft witness statement', 'Request disclosure', 'Call client', 'Prepare hearing bundle', 'Serve notice', 'Review expert report'];
const COURTS = ['District Court, Room 4', 'Labour Court', 'Family Court', 'High Court ⚖ Chamber 2'];

export async function createDemoData(
  fs: FileSystem,
  hashing: Hashing,
  db: BetterSqliteDatabase,
  dataDir: string,
  now: Date = new Date(),
): Promise<DemoSummary> {
  const random = prng(20261125);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)]!;
  const day = 24 * 3600_000;
  const at = (offsetDays: number) => new Date(now.getTime() + offsetDays * day).toISOString();

  const documents: { caseIndex: number; name: string; bytes: Uint8Array }[] = [];
  for (let i = 0; i < 30; i += 1) {
    const pdf = i % 3 === 0;
    const size = pdf ? 40_000 + Math.floor(random() * 1_200_000) : 1_000 + Math.floor(random() * 150_000);
    documents.push({ caseIndex: i, name: pdf ? `scan-${i + 1}.pdf` : `notes-${i + 1}.txt`, bytes: pdf ? pdfLike(size, random) : textLike(size, random, i) });
  }

  const summary: DemoSummary = { users: 0, cases: 0, tasks: 0, hearings: 0, orders: 0, documents: 0, bytes: 0 };
  const stored: { caseIndex: number; name: string; sha256: string; size: number }[] = [];
  for (const doc of documents) {
    const hash = hashing.sha256();
    hash.update(doc.bytes);
    const sha256 = hash.digest();
    const dir = fs.join(dataDir, 'files', sha256.slice(0, 2));
    await fs.mkdir(dir, { mode: 0o700 });
    const path = fs.join(dir, sha256);
    if (!(await fs.exists(path))) await fs.writeFile(path, doc.bytes, { mode: 0o600 });
    stored.push({ caseIndex: doc.caseIndex, name: doc.name, sha256, size: doc.bytes.byteLength });
    summary.bytes += doc.bytes.byteLength;
  }
  await fs.syncDir(fs.join(dataDir, 'files'));

  await db.transaction((sql) => {
    const userIds = LAWYERS.map(([name, email]) => sql.run('INSERT INTO users (name, email) VALUES (?, ?)', [name, email]).lastInsertRowid);
    summary.users = userIds.length;
    const caseIds: number[] = [];
    for (let c = 0; c < 36; c += 1) {
      const title = `${pick(PARTIES)} v. ${pick(PARTIES)} (${pick(MATTERS)})`;
      const id = sql.run('INSERT INTO cases (user_id, title, opened_at, notes) VALUES (?, ?, ?, ?)', [
        pick(userIds), title, at(-Math.floor(random() * 700)), random() < 0.5 ? null : `Client prefers e-mail. Ref ${1000 + c}.`,
      ]).lastInsertRowid;
      caseIds.push(id);
      const tasks = 3 + Math.floor(random() * 3);
      for (let t = 0; t < tasks; t += 1) {
        sql.run('INSERT INTO tasks (case_id, title, due_at, done) VALUES (?, ?, ?, ?)', [id, pick(TASKS), at(Math.floor(random() * 40) - 10), random() < 0.3 ? 1 : 0]);
        summary.tasks += 1;
      }
      for (let h = Math.floor(random() * 3); h > 0; h -= 1) {
        sql.run('INSERT INTO hearings (case_id, at, court, notes) VALUES (?, ?, ?, ?)', [id, at(Math.floor(random() * 120) - 30), pick(COURTS), null]);
        summary.hearings += 1;
      }
      for (let o = Math.floor(random() * 2.5); o > 0; o -= 1) {
        const attachment = random() < 0.3 ? Buffer.from(pdfLike(512, random)) : null;
        sql.run('INSERT INTO orders (case_id, issued_at, text, attachment) VALUES (?, ?, ?, ?)', [id, at(-Math.floor(random() * 200)), 'The court orders the parties to file submissions within 14 days.', attachment]);
        summary.orders += 1;
      }
    }
    summary.cases = caseIds.length;
    for (const doc of stored) {
      sql.run('INSERT INTO documents (case_id, name, sha256, size) VALUES (?, ?, ?, ?)', [caseIds[doc.caseIndex % caseIds.length]!, doc.name, doc.sha256, doc.size]);
      summary.documents += 1;
    }
  });

  const settings = { theme: 'light', language: 'en', appVersion: 'demo', reminders: { leadDays: 1 }, createdBy: 'casevault demo' };
  await fs.writeFile(fs.join(dataDir, 'settings.json'), new TextEncoder().encode(`${JSON.stringify(settings, null, 2)}\n`), { mode: 0o600 });
  return summary;
}

/** A "scanned PDF": a PDF header and random bytes, which do not compress. */
function pdfLike(size: number, random: () => number): Uint8Array {
  const out = new Uint8Array(size);
  for (let i = 0; i < size; i += 1) out[i] = Math.floor(random() * 256);
  out.set(new TextEncoder().encode('%PDF-1.7\n%\u00e2\u00e3\n').subarray(0, Math.min(size, 14)));
  return out;
}

function textLike(size: number, random: () => number, n: number): Uint8Array {
  const words = ['the', 'claimant', 'respondent', 'hereby', 'court', 'agreement', 'pursuant', 'to', 'clause', 'notice', 'damages', 'witness'];
  let text = `Case notes #${n + 1}\n`;
  while (text.length < size) text += `${words[Math.floor(random() * words.length)]!}${random() < 0.1 ? '.\n' : ' '}`;
  return new TextEncoder().encode(text.slice(0, size));
}
