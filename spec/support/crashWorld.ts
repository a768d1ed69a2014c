/**
 * A data dir with two known states for the crash trials: NEW (what a backup holds) and OLD
 * (what the data dir holds when the restore starts). They differ in every category: rows,
 * documents (one removed, one added) and settings. `reset` puts OLD back between trials.
 */
import { promises as fsp } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import type { GeneratedData } from './arbitraries.ts';
import { compose, copyTree, populate, readDiskState, sha256, siblingsOf, tempRoot, type DiskState } from './nodeHarness.ts';

export interface CrashWorld {
  readonly root: string;
  readonly dataDir: string;
  readonly backupDir: string;
  readonly backupPath: string;
  readonly oldState: DiskState;
  readonly newState: DiskState;
  reset(): Promise<void>;
  cleanup(): Promise<void>;
}

export function worldData(documents: number, maxSize: number): GeneratedData {
  return {
    users: [{ name: 'Ana Müller', email: 'ana@example.org' }, { name: 'Li Wei', email: null }],
    cases: Array.from({ length: 6 }, (_, i) => ({ title: `Doe v. Roe ${i} ⚖`, notes: i % 2 ? null : 'urgent' })),
    tasks: Array.from({ length: 12 }, (_, i) => ({ title: `task ${i}`, dueAt: '2026-12-01T09:00:00.000Z', done: i % 3 === 0 })),
    hearings: [{ court: 'District Court', at: '2026-12-03' }],
    orders: [{ text: 'order', attachment: new Uint8Array([1, 2, 3]) }],
    documents: Array.from({ length: documents }, (_, i) => ({ seed: i, size: Math.round((maxSize * (i + 1)) / documents), compressible: i % 2 === 0 })),
    settings: { theme: 'dark', version: 1 },
  };
}

export async function buildCrashWorld(label: string, data: GeneratedData): Promise<CrashWorld> {
  const t = await tempRoot(label);
  const a = await compose(t.dataDir, t.backupDir);
  await populate(a, data);
  const exported = await a.service.exportNow({ compressionLevel: 1 });
  await a.dispose();
  const newState = await readDiskState(t.dataDir);

  // OLD is as consistent as NEW: a removed document loses its row, an added one gets one.
  const removed = Object.keys(newState.documents)[0]!;
  const extra = new TextEncoder().encode('a document added after the backup');
  const sha = sha256(extra);
  const b = await compose(t.dataDir, t.backupDir);
  await b.db.transaction((sql) => {
    sql.run('DELETE FROM tasks WHERE done = 1');
    sql.run(`UPDATE cases SET title = title || ' (edited after the backup)'`);
    sql.run(`INSERT INTO users (name) VALUES ('added after the backup')`);
    sql.run('DELETE FROM documents WHERE sha256 = ?', [removed.slice(removed.lastIndexOf('/') + 1)]);
    sql.run(`INSERT INTO documents (name, sha256, size) VALUES ('added.txt', ?, ?)`, [sha, extra.length]);
  });
  await b.dispose();
  await fsp.rm(join(t.dataDir, removed));
  await fsp.mkdir(join(t.dataDir, 'files', sha.slice(0, 2)), { recursive: true });
  await fsp.writeFile(join(t.dataDir, 'files', sha.slice(0, 2), sha), extra);
  await fsp.writeFile(join(t.dataDir, 'settings.json'), JSON.stringify({ theme: 'light', version: 2 }));
  const oldState = await readDiskState(t.dataDir);
  expect(oldState.database).not.toBe(newState.database);
  expect(oldState.documents).not.toEqual(newState.documents);
  expect(oldState.settings).not.toBe(newState.settings);

  const pristine = join(t.root, 'pristine-old');
  await copyTree(t.dataDir, pristine);
  const reset = async () => {
    for (const name of await siblingsOf(t.dataDir)) await fsp.rm(join(t.root, name), { recursive: true, force: true });
    await copyTree(pristine, t.dataDir);
  };
  return { root: t.root, dataDir: t.dataDir, backupDir: t.backupDir, backupPath: exported.filePath, oldState, newState, reset, cleanup: t.cleanup };
}

/** The data dir is exactly OLD or exactly NEW; says which. */
export function oldOrNew(actual: DiskState, world: Pick<CrashWorld, 'oldState' | 'newState'>, context: string): 'old' | 'new' {
  const same = (x: DiskState) => JSON.stringify(x) === JSON.stringify(actual);
  if (same(world.oldState)) return 'old';
  if (same(world.newState)) return 'new';
  const which = (x: DiskState) =>
    `database ${x.database === actual.database ? 'same' : 'differs'}, documents ${JSON.stringify(x.documents) === JSON.stringify(actual.documents) ? 'same' : 'differ'}, settings ${x.settings === actual.settings ? 'same' : 'differs'}, other files ${JSON.stringify(actual.otherFiles)}`;
  throw new Error(`${context}: the data dir is neither the old state (${which(world.oldState)}) nor the new one (${which(world.newState)})`);
}

/** Nothing of an unfinished restore is left beside the data dir (safety copies and the lock file aside). */
export async function expectNoRestoreLeftovers(dataDir: string, context: string): Promise<void> {
  const left = (await siblingsOf(dataDir)).filter((n) => /\.(staging-|failed-|restore-journal)/.test(n));
  expect(left, context).toEqual([]);
}

/** No listed backup is partial, and no export leftovers remain. */
export async function backupDirNames(backupDir: string): Promise<string[]> {
  return (await fsp.readdir(backupDir)).sort();
}
