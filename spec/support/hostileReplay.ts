/**
 * Replays a (possibly hostile) backup file through verify and restore in a fresh memfs
 * harness, and reports what a person would see plus everything the invariants need: the
 * data dir's bytes before and after, what was left beside it, whether the jobs run, and
 * every path the service wrote to.
 */
import { createHash } from 'node:crypto';
import { BackupError, type ErrorCode } from '../../src/domain/errors.ts';
import type { FileSystem } from '../../src/ports/fileSystem.ts';
import type { MemoryFileSystem } from '../../src/infra/memfs/memoryFileSystem.ts';
import { AUDIT_LOG_FILE } from '../../src/domain/auditLog.ts';
import { BACKUP_DIR, createMemoryHarness, DATA_DIR, TEMP_DIR, type HarnessOptions, type MemoryHarness } from './memoryHarness.ts';

export const INCOMING = '/media/usb/backup.zip';

export type Outcome = { ok: true } | { ok: false; code: ErrorCode; message: string; error: unknown };

export interface WriteRecord {
  readonly op: string;
  readonly paths: readonly string[];
}

/** A FileSystem that records every call that changes something (with its paths), in order. */
export function writeRecorder(inner: FileSystem, log: WriteRecord[]): FileSystem {
  const wrapped: FileSystem = { ...inner };
  for (const op of ['mkdir', 'chmod', 'writeFile', 'appendFile', 'openWrite', 'rename', 'link', 'copyFile', 'remove'] as const) {
    const original = inner[op] as (...args: unknown[]) => Promise<unknown>;
    (wrapped as unknown as Record<string, unknown>)[op] = (...args: unknown[]) => {
      log.push({ op, paths: args.filter((a): a is string => typeof a === 'string') });
      return original.apply(inner, args);
    };
  }
  return wrapped;
}

/** Every file and folder under `root` with its content hash and mode: the state to compare. */
export async function treeState(h: MemoryHarness, root: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const walk = async (path: string) => {
    const stat = h.memfs.volume.lstatSync(path);
    const mode = (Number(stat.mode) & 0o7777).toString(8);
    if (stat.isDirectory()) {
      out[path] = `dir ${mode}`;
      for (const name of (await h.memfs.readdir(path)).sort()) await walk(`${path}/${name}`);
    } else {
      out[path] = `file ${mode} ${createHash('sha256').update(await h.memfs.readFile(path)).digest('hex')}`;
    }
  };
  if (await h.memfs.exists(root)) await walk(root);
  return out;
}

/** A data dir like a lawyer's: a few rows in every table, two documents, settings. */
export async function populateSmall(h: MemoryHarness): Promise<void> {
  await h.db.write(`INSERT INTO users (name, email) VALUES ('Ana Müller', 'ana@example.org')`);
  await h.db.write(`INSERT INTO cases (user_id, title, opened_at, notes) VALUES (1, 'Doe v. Roe', '2026-01-05', 'Appeal pending')`);
  await h.db.write(`INSERT INTO tasks (case_id, title, due_at, done) VALUES (1, 'File the brief', '2026-12-01', 0)`);
  await h.db.write(`INSERT INTO hearings (case_id, at, court, notes) VALUES (1, '2026-12-10T10:00', 'District Court', NULL)`);
  await h.db.write(`INSERT INTO orders (case_id, issued_at, text, attachment) VALUES (1, '2026-11-20', 'Order to appear', NULL)`);
  const docs = ['Order of the court, 20 November 2026.\n', 'Brief for the appellant (draft 3).\n'];
  for (const [i, text] of docs.entries()) {
    const bytes = new TextEncoder().encode(text);
    const sha = createHash('sha256').update(bytes).digest('hex');
    await h.memfs.mkdir(`${DATA_DIR}/files/${sha.slice(0, 2)}`);
    await h.memfs.writeFile(`${DATA_DIR}/files/${sha.slice(0, 2)}/${sha}`, bytes);
    await h.db.write(`INSERT INTO documents (case_id, name, sha256, size) VALUES (1, ?, ?, ?)`, [`doc-${i + 1}.txt`, sha, bytes.length]);
  }
  await h.memfs.writeFile(`${DATA_DIR}/settings.json`, new TextEncoder().encode('{"theme":"dark","language":"en"}'));
}

async function outcome(run: () => Promise<unknown>): Promise<Outcome> {
  try {
    await run();
    return { ok: true };
  } catch (error) {
    if (error instanceof BackupError) return { ok: false, code: error.code, message: error.message, error };
    return { ok: false, code: 'INTERNAL', message: `not a BackupError: ${String(error)}`, error };
  }
}

export interface Replay {
  readonly verify: Outcome;
  readonly restore: Outcome;
  readonly dataBefore: Record<string, string>;
  readonly dataAfter: Record<string, string>;
  /** Names beside the data dir and in the temp dir after both operations (staging, scratch). */
  readonly leftovers: readonly string[];
  readonly jobsRunning: boolean;
  readonly writes: readonly WriteRecord[];
}

/** The populated data dir as files and folders (made once: replaying thousands of files is then cheap). */
let seed: Promise<[path: string, bytes: Uint8Array | null][]> | undefined;
function populatedSeed(): Promise<[string, Uint8Array | null][]> {
  seed ??= (async () => {
    const h = await createMemoryHarness({ jobs: () => [] });
    await populateSmall(h);
    const out: [string, Uint8Array | null][] = [];
    const walk = async (path: string) => {
      if ((await h.memfs.stat(path)).kind === 'directory') {
        out.push([path, null]);
        for (const name of await h.memfs.readdir(path)) await walk(`${path}/${name}`);
      } else out.push([path, await h.memfs.readFile(path)]);
    };
    await walk(DATA_DIR);
    return out;
  })();
  return seed;
}

/** Verifies, then restores, `zip` placed at INCOMING in a fresh harness over a populated data dir. */
export async function replay(zip: Uint8Array, options: HarnessOptions = {}): Promise<Replay> {
  const writes: WriteRecord[] = [];
  const files = await populatedSeed();
  const h = await createMemoryHarness({
    ...options,
    wrapFs: (fs) => {
      // The harness opens the database right after this: seed the data dir first (sync API).
      const volume = (fs as MemoryFileSystem).volume;
      for (const [path, bytes] of files) {
        if (bytes === null) volume.mkdirSync(path, { recursive: true });
        else volume.writeFileSync(path, bytes);
      }
      volume.mkdirSync('/media/usb', { recursive: true });
      volume.writeFileSync(INCOMING, zip);
      return writeRecorder(options.wrapFs ? options.wrapFs(fs) : fs, writes);
    },
  });
  const dataBefore = await treeState(h, DATA_DIR);
  writes.length = 0;
  const verify = await outcome(() => h.service.verifyBackup(INCOMING));
  const restore = await outcome(() => h.service.restoreFromZip(INCOMING));
  const dataAfter = await treeState(h, DATA_DIR);
  // sql.js keeps each open database in its own (global) file table, which has 4,096 slots.
  await h.db.close();
  const parent = DATA_DIR.slice(0, DATA_DIR.lastIndexOf('/'));
  const base = DATA_DIR.slice(parent.length + 1);
  const leftovers = [
    ...(await h.memfs.readdir(parent)).filter((n) => n !== base && !n.startsWith(`${base}.safety-`) && n !== 'backups').map((n) => `${parent}/${n}`),
    ...(await h.memfs.readdir(TEMP_DIR)).map((n) => `${TEMP_DIR}/${n}`),
  ];
  return { verify, restore, dataBefore, dataAfter, leftovers, jobsRunning: h.jobs.running, writes };
}

/**
 * Paths written that are neither in staging, nor scratch space, nor the audit log, nor the swap itself (the
 * journal, the renames of the data dir, the safety copy), nor — after the swap put the
 * restored data dir in place — inside it (the reopened database).
 */
export function writesOutsideStaging(writes: readonly WriteRecord[]): string[] {
  const bad: string[] = [];
  let swapped = false;
  for (const w of writes) {
    // copyFile and link only read their first path.
    const written = w.op === 'copyFile' || w.op === 'link' ? w.paths.slice(1) : w.paths;
    for (const p of written) {
      const ok =
        p.startsWith(`${DATA_DIR}.staging-`) ||
        p === TEMP_DIR ||
        p.startsWith(`${TEMP_DIR}/`) ||
        p.startsWith(`${DATA_DIR}.restore-journal`) ||
        // The audit log beside the backups records every operation, refused ones too.
        ((w.op === 'mkdir' || w.op === 'chmod') && p === BACKUP_DIR) ||
        (w.op === 'appendFile' && p === `${BACKUP_DIR}/${AUDIT_LOG_FILE}`) ||
        p === DATA_DIR.slice(0, DATA_DIR.lastIndexOf('/')) ||
        ((w.op === 'rename' || w.op === 'remove') && (p === DATA_DIR || p.startsWith(`${DATA_DIR}.safety-`) || p.startsWith(`${DATA_DIR}.failed-`))) ||
        (swapped && p.startsWith(`${DATA_DIR}/`));
      if (!ok) bad.push(`${w.op} ${p}`);
    }
    if (w.op === 'rename' && w.paths[1] === DATA_DIR) swapped = true;
  }
  return bad;
}
