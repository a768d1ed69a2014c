/**
 * Undo a restore: the safety copy a restore keeps becomes the data dir again, all or nothing,
 * and the data dir it replaces becomes the safety copy (so the undo can itself be undone).
 * Over memfs + sql.js; a kill at every file-system operation of an undo, then the next
 * start's recovery, as the restore's crash tests do.
 */
import { describe, expect, it } from 'vitest';
import { readAuditLog } from '../../src/domain/auditLog.ts';
import { createBackupService } from '../../src/domain/service.ts';
import { listSafetyCopies, recoverDataDir } from '../../src/domain/swap.ts';
import { findUndo } from '../../src/domain/undoRestore.ts';
import type { MemoryFileSystem } from '../../src/infra/memfs/memoryFileSystem.ts';
import { siblingsOf, treeDigest } from '../support/dataDirState.ts';
import { faultyFileSystem, type FaultyFileSystem } from '../support/faultyFileSystem.ts';
import { populateSmall } from '../support/hostileReplay.ts';
import { createMemoryHarness, DATA_DIR, type MemoryHarness } from '../support/memoryHarness.ts';

const ROOT = DATA_DIR.slice(0, DATA_DIR.lastIndexOf('/'));

type Seed = [path: string, bytes: Uint8Array | null][];
type Digest = Record<string, string>;

/** A data dir BEFORE, a backup of older data restored over it (RESTORED), and its safety copy holding BEFORE. */
async function restoredWorld(): Promise<{ h: MemoryHarness; before: Digest; restored: Digest }> {
  const h = await createMemoryHarness({ jobs: () => [] });
  await populateSmall(h);
  const backup = await h.service.exportNow({});
  await h.db.write(`INSERT INTO cases (user_id, title) VALUES (1, 'Added after the backup')`);
  await h.memfs.writeFile(`${DATA_DIR}/settings.json`, new TextEncoder().encode('{"theme":"light"}'));
  const before = await treeDigest(h.memfs, DATA_DIR);
  await h.service.restoreFromZip(backup.filePath);
  const restored = await treeDigest(h.memfs, DATA_DIR);
  expect(restored).not.toEqual(before);
  return { h, before, restored };
}

async function capture(memfs: MemoryFileSystem): Promise<Seed> {
  const out: Seed = [];
  const walk = async (path: string) => {
    if ((await memfs.stat(path)).kind === 'directory') {
      out.push([path, null]);
      for (const name of await memfs.readdir(path)) await walk(`${path}/${name}`);
    } else out.push([path, await memfs.readFile(path)]);
  };
  await walk(ROOT);
  return out;
}

/** A harness on a copy of `seed`, its service seeing the file system through a fault. */
async function seeded(seed: Seed, failAt: number | null): Promise<{ h: MemoryHarness; faulty: FaultyFileSystem }> {
  let faulty: FaultyFileSystem | undefined;
  const h = await createMemoryHarness({
    jobs: () => [],
    wrapFs: (fs) => {
      const volume = (fs as MemoryFileSystem).volume;
      for (const [path, bytes] of seed) {
        if (bytes === null) volume.mkdirSync(path, { recursive: true });
        else volume.writeFileSync(path, bytes);
      }
      faulty = faultyFileSystem(fs, failAt === null ? null : { failAt, mode: 'crash' });
      return faulty;
    },
  });
  return { h, faulty: faulty! };
}

/** The one safety copy beside the data dir, as a digest; fails if there is not exactly one. */
async function onlySafetyCopy(h: MemoryHarness, context: string): Promise<Digest> {
  const copies = await listSafetyCopies(h.memfs, DATA_DIR);
  expect(copies, context).toHaveLength(1);
  return treeDigest(h.memfs, copies[0]!);
}

describe('undoRestore', () => {
  it('puts back the data dir from before the last restore, keeps the one it replaces as the safety copy, and can be undone again', async () => {
    const { h, before, restored } = await restoredWorld();
    const offered = await findUndo(h.deps, h.config);
    expect(offered).toMatchObject({ safetyCopy: expect.stringMatching(/\.safety-\d{8}T\d{9}Z$/) });

    const undone = await h.service.undoRestore();
    expect(undone.restoredFrom).toBe(offered!.safetyCopy);
    expect(await treeDigest(h.memfs, DATA_DIR)).toEqual(before);
    expect(await onlySafetyCopy(h, 'after the undo')).toEqual(restored);
    expect(undone.safetyCopy).toBe((await listSafetyCopies(h.memfs, DATA_DIR))[0]);
    expect(await h.db.query('SELECT title FROM cases ORDER BY id')).toEqual([{ title: 'Doe v. Roe' }, { title: 'Added after the backup' }]);
    expect(h.jobs.running).toBe(true);

    await h.service.undoRestore();
    expect(await treeDigest(h.memfs, DATA_DIR)).toEqual(restored);
    expect(await onlySafetyCopy(h, 'after undoing the undo')).toEqual(before);

    const audit = await readAuditLog(h.deps, h.config);
    expect(audit.broken).toBeNull();
    expect(audit.entries.map((e) => [e.action, e.result])).toEqual([['export', 'ok'], ['restore', 'ok'], ['undo-restore', 'ok'], ['undo-restore', 'ok']]);
  });

  it('answers NOT_FOUND in plain words when there is no restore to undo, and changes nothing', async () => {
    const h = await createMemoryHarness({ jobs: () => [] });
    await populateSmall(h);
    const before = await treeDigest(h.memfs, DATA_DIR);
    expect(await findUndo(h.deps, h.config)).toBeNull();
    const error = await h.service.undoRestore().catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'NOT_FOUND', message: expect.stringContaining('there is no restore to undo') });
    expect(await treeDigest(h.memfs, DATA_DIR)).toEqual(before);
    expect(await siblingsOf(h.memfs)).toEqual([]);
    // A failure that changed nothing creates no backup dir for its audit line (as every operation's).
    expect(await h.memfs.exists(h.config.backupDir)).toBe(false);
    await h.memfs.mkdir(h.config.backupDir);
    await h.service.undoRestore().catch(() => {});
    const audit = await readAuditLog(h.deps, h.config);
    expect(audit.entries.map((e) => [e.action, e.result, e.code])).toEqual([['undo-restore', 'failed', 'NOT_FOUND']]);
  });

  it('puts everything back when the swapped-in database cannot be opened', async () => {
    const { h, restored, before } = await restoredWorld();
    let opens = 0;
    const db = { ...h.db, supportedSchemaVersion: h.db.supportedSchemaVersion, open: async () => {
      opens += 1;
      if (opens === 1) throw new Error('simulated: the database does not open');
      await h.db.open();
    } };
    const service = createBackupService({ ...h.deps, db }, h.config);
    await expect(service.undoRestore()).rejects.toThrow('simulated: the database does not open');
    expect(await treeDigest(h.memfs, DATA_DIR)).toEqual(restored);
    expect(await onlySafetyCopy(h, 'after the roll-back')).toEqual(before);
    expect((await siblingsOf(h.memfs)).filter((n) => !n.includes('.safety-'))).toEqual([]);
    expect(h.jobs.running).toBe(true);
  });

  it.each([
    ['an undo', false],
    ['an undo rolled back because the database does not open', true],
  ])('after a kill at any step of %s, the next start finishes it or rolls it back: one data dir, the other as the safety copy, nothing else', async (_label, failOpen) => {
    const world = await restoredWorld();
    const seed = await capture(world.h.memfs);
    const serviceOf = (h: MemoryHarness) => {
      let opens = 0;
      const db = { ...h.db, supportedSchemaVersion: h.db.supportedSchemaVersion, open: async () => {
        opens += 1;
        if (failOpen && opens === 1) throw new Error('simulated: the database does not open');
        await h.db.open();
      } };
      return createBackupService({ ...h.deps, db }, h.config);
    };
    const dry = await seeded(seed, null);
    await serviceOf(dry.h).undoRestore().catch(() => {});
    const steps = dry.faulty.ops;
    expect(steps).toBeGreaterThan(5);
    const outcomes = { undone: 0, notUndone: 0 };
    for (let k = 1; k <= steps; k += 1) {
      const { h, faulty } = await seeded(seed, k);
      await serviceOf(h).undoRestore().catch(() => {});
      const context = `killed at operation ${k}/${steps} (${faulty.trace[k - 1]})`;
      // The next start (the app's or any command's) recovers before anything else.
      await recoverDataDir(h.memfs, DATA_DIR);
      const data = await treeDigest(h.memfs, DATA_DIR);
      const safety = await onlySafetyCopy(h, context);
      if (JSON.stringify(data) === JSON.stringify(world.before)) {
        outcomes.undone += 1;
        expect(safety, context).toEqual(world.restored);
      } else {
        expect(data, `${context}: the data dir is neither the restored one nor the one before`).toEqual(world.restored);
        outcomes.notUndone += 1;
        expect(safety, context).toEqual(world.before);
      }
      expect((await siblingsOf(h.memfs)).filter((n) => !n.includes('.safety-')), context).toEqual([]);
    }
    expect(outcomes.notUndone).toBeGreaterThan(0);
    if (!failOpen) expect(outcomes.undone).toBeGreaterThan(0);
  });
});
