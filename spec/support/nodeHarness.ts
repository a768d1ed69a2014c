/**
 * The integration suite's world: real temp dirs, the real adapters (node:fs, better-sqlite3,
 * our zip writer and reader), the CLI as a child process, and the state of a data dir read
 * back from disk for comparison (WAL-aware: a -wal beside the database is replayed on a copy
 * first).
 */
import BetterSqlite3 from 'better-sqlite3';
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, promises as fsp } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { canonicalDump } from './canonicalDump.ts';
import { documentBytes, type GeneratedData } from './arbitraries.ts';
import { composeNodeBackupService, type NodeBackup, type NodeBackupOptions } from '../../src/infra/node/index.ts';

export const REPO = new URL('../../', import.meta.url).pathname.replace(/\/$/, '');
export const CLI = join(REPO, 'bin', 'casevault.mjs');

export function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** A fresh temp root with data/ and backups/ paths (neither created). */
export async function tempRoot(label: string): Promise<{ root: string; dataDir: string; backupDir: string; cleanup(): Promise<void> }> {
  const root = await fsp.mkdtemp(join(tmpdir(), `casevault-${label}-`));
  return { root, dataDir: join(root, 'data'), backupDir: join(root, 'backups'), cleanup: () => fsp.rm(root, { recursive: true, force: true }) };
}

export async function compose(dataDir: string, backupDir: string, options: Partial<NodeBackupOptions> = {}): Promise<NodeBackup> {
  return composeNodeBackupService({ dataDir, backupDir, appVersion: '1.4.0', startJobs: false, log: () => {}, ...options });
}

/** Writes generated data into a composed system's data dir (database rows, documents, settings). */
export async function populate(system: NodeBackup, data: GeneratedData): Promise<void> {
  const dataDir = system.config.dataDir;
  const docs: { sha: string; size: number; seed: number }[] = [];
  for (const doc of data.documents) {
    const bytes = documentBytes(doc);
    const sha = sha256(bytes);
    await fsp.mkdir(join(dataDir, 'files', sha.slice(0, 2)), { recursive: true });
    await fsp.writeFile(join(dataDir, 'files', sha.slice(0, 2), sha), bytes);
    docs.push({ sha, size: bytes.length, seed: doc.seed });
  }
  await system.db.transaction((sql) => {
    for (const u of data.users) sql.run('INSERT INTO users (name, email) VALUES (?, ?)', [u.name, u.email]);
    for (const c of data.cases) sql.run('INSERT INTO cases (user_id, title, notes) VALUES (NULL, ?, ?)', [c.title, c.notes]);
    for (const t of data.tasks) sql.run('INSERT INTO tasks (case_id, title, due_at, done) VALUES (NULL, ?, ?, ?)', [t.title, t.dueAt, t.done ? 1 : 0]);
    for (const x of data.hearings) sql.run('INSERT INTO hearings (case_id, at, court) VALUES (NULL, ?, ?)', [x.at, x.court]);
    for (const o of data.orders) sql.run('INSERT INTO orders (case_id, text, attachment) VALUES (NULL, ?, ?)', [o.text, o.attachment ? Buffer.from(o.attachment) : null]);
    for (const d of docs) sql.run('INSERT INTO documents (case_id, name, sha256, size) VALUES (NULL, ?, ?, ?)', [`doc-${d.seed}.pdf`, d.sha, d.size]);
  });
  if (data.settings !== undefined) await fsp.writeFile(join(dataDir, 'settings.json'), JSON.stringify(data.settings));
}

export interface DiskState {
  /** Canonical dump of the database (with its -wal replayed), or null if there is none. */
  readonly database: string | null;
  /** Document path → SHA-256 of its bytes. */
  readonly documents: Readonly<Record<string, string>>;
  readonly settings: string | null;
  /** Every other name in the data dir (side files of SQLite excluded). */
  readonly otherFiles: readonly string[];
}

export async function readDiskState(dataDir: string): Promise<DiskState> {
  if (!existsSync(dataDir)) return { database: null, documents: {}, settings: null, otherFiles: [] };
  const dbPath = join(dataDir, 'database.sqlite');
  let database: string | null = null;
  if (existsSync(dbPath)) {
    const copyDir = await fsp.mkdtemp(join(tmpdir(), 'casevault-state-'));
    try {
      const copy = join(copyDir, 'database.sqlite');
      await fsp.copyFile(dbPath, copy);
      if (existsSync(`${dbPath}-wal`)) {
        await fsp.copyFile(`${dbPath}-wal`, `${copy}-wal`);
        const handle = new BetterSqlite3(copy);
        handle.pragma('wal_checkpoint(TRUNCATE)');
        handle.close();
      }
      database = await canonicalDump(await fsp.readFile(copy));
    } finally {
      await fsp.rm(copyDir, { recursive: true, force: true });
    }
  }
  const documents: Record<string, string> = {};
  const files = join(dataDir, 'files');
  if (existsSync(files)) {
    for (const prefix of (await fsp.readdir(files)).sort()) {
      for (const name of (await fsp.readdir(join(files, prefix))).sort()) {
        documents[`files/${prefix}/${name}`] = sha256(await fsp.readFile(join(files, prefix, name)));
      }
    }
  }
  const settingsPath = join(dataDir, 'settings.json');
  const settings = existsSync(settingsPath) ? await fsp.readFile(settingsPath, 'utf8') : null;
  const otherFiles = (await fsp.readdir(dataDir))
    .filter((n) => !['database.sqlite', 'database.sqlite-wal', 'database.sqlite-shm', 'files', 'settings.json'].includes(n))
    .sort();
  return { database, documents, settings, otherFiles };
}

/** Names beside the data dir (staging, journal, safety copies, the lock). */
export async function siblingsOf(dataDir: string): Promise<string[]> {
  const parent = join(dataDir, '..');
  const base = dataDir.slice(dataDir.lastIndexOf('/') + 1);
  return (await fsp.readdir(parent)).filter((n) => n.startsWith(`${base}.`)).sort();
}

export interface CliRun {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the CLI as a user would (bin/casevault.mjs) and collects its output. */
export function runCli(args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<CliRun> {
  const child = spawnCli(args, env);
  return collect(child);
}

export function spawnCli(args: readonly string[], env: NodeJS.ProcessEnv = {}): ChildProcess {
  return spawn(process.execPath, [CLI, ...args], {
    cwd: REPO,
    env: { ...process.env, NO_COLOR: '1', CASEVAULT_PROGRESS: 'none', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

export function collect(child: ChildProcess): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  child.stdout?.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr?.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

/** Copies a dir tree (cp -a), for resetting a data dir between trials. */
export async function copyTree(from: string, to: string): Promise<void> {
  await fsp.rm(to, { recursive: true, force: true });
  await fsp.cp(from, to, { recursive: true, preserveTimestamps: true });
}
