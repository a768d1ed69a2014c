/** Filling a harness's data dir with generated data, and reading its state back to compare. */
import { createHash } from 'node:crypto';
import { DATA_DIR, type MemoryHarness } from './memoryHarness.ts';
import { canonicalDump } from './canonicalDump.ts';
import { documentBytes, type GeneratedData } from './arbitraries.ts';
import type { FileSystem } from '../../src/ports/fileSystem.ts';

export function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

export async function populate(h: MemoryHarness, data: GeneratedData): Promise<void> {
  const { db, memfs } = h;
  for (const u of data.users) await db.write('INSERT INTO users (name, email) VALUES (?, ?)', [u.name, u.email]);
  for (const c of data.cases) await db.write('INSERT INTO cases (user_id, title, notes) VALUES (NULL, ?, ?)', [c.title, c.notes]);
  for (const t of data.tasks) await db.write('INSERT INTO tasks (case_id, title, due_at, done) VALUES (NULL, ?, ?, ?)', [t.title, t.dueAt, t.done ? 1 : 0]);
  for (const x of data.hearings) await db.write('INSERT INTO hearings (case_id, at, court) VALUES (NULL, ?, ?)', [x.at, x.court]);
  for (const o of data.orders) await db.write('INSERT INTO orders (case_id, text, attachment) VALUES (NULL, ?, ?)', [o.text, o.attachment]);
  for (const doc of data.documents) {
    const bytes = documentBytes(doc);
    const sha = sha256(bytes);
    await memfs.mkdir(`${DATA_DIR}/files/${sha.slice(0, 2)}`);
    await memfs.writeFile(`${DATA_DIR}/files/${sha.slice(0, 2)}/${sha}`, bytes);
    await db.write('INSERT INTO documents (case_id, name, sha256, size) VALUES (NULL, ?, ?, ?)', [`doc-${doc.seed}.pdf`, sha, bytes.length]);
  }
  if (data.settings !== undefined) {
    await memfs.writeFile(`${DATA_DIR}/settings.json`, new TextEncoder().encode(JSON.stringify(data.settings)));
  }
}

export interface DataDirState {
  /** Canonical dump of database.sqlite, or null if there is none. */
  readonly database: string | null;
  /** Document path → SHA-256 of its bytes. */
  readonly documents: Readonly<Record<string, string>>;
  readonly settings: string | null;
}

export async function readState(fs: FileSystem, dataDir = DATA_DIR): Promise<DataDirState> {
  const dbPath = `${dataDir}/database.sqlite`;
  const database = (await fs.exists(dbPath)) ? await canonicalDump(await fs.readFile(dbPath)) : null;
  const documents: Record<string, string> = {};
  const files = `${dataDir}/files`;
  if (await fs.exists(files)) {
    for (const prefix of await fs.readdir(files)) {
      for (const name of await fs.readdir(`${files}/${prefix}`)) {
        documents[`files/${prefix}/${name}`] = sha256(await fs.readFile(`${files}/${prefix}/${name}`));
      }
    }
  }
  const settingsPath = `${dataDir}/settings.json`;
  const settings = (await fs.exists(settingsPath)) ? new TextDecoder().decode(await fs.readFile(settingsPath)) : null;
  return { database, documents, settings };
}

/** Every file under a folder and its bytes' SHA-256: "byte-for-byte the same" made comparable. */
export async function treeDigest(fs: FileSystem, root: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  if (!(await fs.exists(root))) return out;
  const walk = async (dir: string, rel: string): Promise<void> => {
    for (const name of await fs.readdir(dir)) {
      const path = `${dir}/${name}`;
      const stat = await fs.stat(path);
      if (stat.kind === 'directory') {
        out[`${rel}${name}/`] = 'dir';
        await walk(path, `${rel}${name}/`);
      } else out[`${rel}${name}`] = sha256(await fs.readFile(path));
    }
  };
  await walk(root, '');
  return out;
}

/** Names beside the data dir (staging, journal, safety copies). */
export async function siblingsOf(fs: FileSystem, dataDir = DATA_DIR): Promise<string[]> {
  const parent = dataDir.slice(0, dataDir.lastIndexOf('/'));
  const base = dataDir.slice(dataDir.lastIndexOf('/') + 1);
  return (await fs.readdir(parent)).filter((n) => n.startsWith(`${base}.`));
}
