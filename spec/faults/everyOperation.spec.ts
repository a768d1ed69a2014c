/**
 * Restore and export over memfs through faultyFileSystem (spec/support), failing the k-th
 * operation once with IO_ERROR (EIO), NO_SPACE (ENOSPC) or PERMISSION_DENIED (EACCES), for
 * every k of an uninterrupted run: the operation fails with that very code (or, where the
 * failure hit only a clean-up, succeeds), the data dir is the old one byte for byte or the
 * restored one, no partial backup is listed (whatever is listed verifies), nothing is left in staging, scratch or the
 * backup dir, and the jobs run again. (spec/integration/faultyRestore.spec.ts does the
 * same over the real disk with crashes and the next start's recovery.)
 */
import { describe, expect, it } from 'vitest';
import { BackupError, type ErrorCode } from '../../src/domain/errors.ts';
import type { MemoryFileSystem } from '../../src/infra/memfs/memoryFileSystem.ts';
import { faultyFileSystem, type FaultyFileSystem } from '../support/faultyFileSystem.ts';
import { BACKUP_DIR, createMemoryHarness, DATA_DIR, TEMP_DIR, type MemoryHarness } from '../support/memoryHarness.ts';
import { populateSmall, treeState } from '../support/hostileReplay.ts';

const CODES: ErrorCode[] = ['IO_ERROR', 'NO_SPACE', 'PERMISSION_DENIED'];
const INCOMING = '/media/usb/backup.zip';

type Seed = [path: string, bytes: Uint8Array | null][];

async function capture(h: MemoryHarness, root: string): Promise<Seed> {
  const out: Seed = [];
  const walk = async (path: string) => {
    if ((await h.memfs.stat(path)).kind === 'directory') {
      out.push([path, null]);
      for (const name of await h.memfs.readdir(path)) await walk(`${path}/${name}`);
    } else out.push([path, await h.memfs.readFile(path)]);
  };
  await walk(root);
  return out;
}

/** The old data dir (a backup was made, then the data changed) and that backup. */
async function buildWorld(): Promise<{ seed: Seed; zip: Uint8Array }> {
  const h = await createMemoryHarness({ jobs: () => [] });
  await populateSmall(h);
  const zip = await h.memfs.readFile((await h.service.exportNow({})).filePath);
  await h.db.write(`INSERT INTO cases (user_id, title) VALUES (1, 'Added after the backup')`);
  await h.memfs.writeFile(`${DATA_DIR}/settings.json`, new TextEncoder().encode('{"theme":"light"}'));
  const seed = await capture(h, DATA_DIR);
  await h.db.close();
  return { seed, zip };
}

async function harness(world: { seed: Seed; zip: Uint8Array }, failAt: number | null, code: ErrorCode) {
  let faulty: FaultyFileSystem | undefined;
  const h = await createMemoryHarness({
    wrapFs: (fs) => {
      const volume = (fs as MemoryFileSystem).volume;
      for (const [path, bytes] of world.seed) {
        if (bytes === null) volume.mkdirSync(path, { recursive: true });
        else volume.writeFileSync(path, bytes);
      }
      volume.mkdirSync('/media/usb', { recursive: true });
      volume.writeFileSync(INCOMING, world.zip);
      faulty = faultyFileSystem(fs, failAt === null ? null : { failAt, mode: 'fail', error: code });
      return faulty;
    },
  });
  return { h, faulty: faulty! };
}

async function leftovers(h: MemoryHarness): Promise<string[]> {
  const parent = DATA_DIR.slice(0, DATA_DIR.lastIndexOf('/'));
  const base = DATA_DIR.slice(parent.length + 1);
  const beside = (await h.memfs.readdir(parent)).filter((n) => n !== base && n !== 'backups' && !n.startsWith(`${base}.safety-`));
  const backups = (await h.memfs.exists(BACKUP_DIR)) ? await h.memfs.readdir(BACKUP_DIR) : [];
  return [
    ...beside.map((n) => `${parent}/${n}`),
    ...(await h.memfs.readdir(TEMP_DIR)).map((n) => `${TEMP_DIR}/${n}`),
    ...backups.filter((n) => !/^casevault-backup-[0-9TZ-]+\.zip(\.sha256)?$|^casevault-audit\.jsonl$/.test(n)).map((n) => `${BACKUP_DIR}/${n}`),
  ];
}

const content = (state: Record<string, string>) => JSON.stringify(Object.entries(state).map(([p, v]) => [p, v.replace(/^(\w+) \d+/, '$1')]));

describe('a fault at every operation', () => {
  it.each(CODES)('of a restore (%s): that code, the old data dir or the restored one, nothing left, jobs running', async (code) => {
    const world = await buildWorld();
    const dry = await harness(world, null, code);
    const oldState = await treeState(dry.h, DATA_DIR);
    await dry.h.service.restoreFromZip(INCOMING);
    const newContent = content(await treeState(dry.h, DATA_DIR));
    const total = dry.faulty.ops;
    await dry.h.db.close();
    expect(content(oldState)).not.toBe(newContent);
    const outcomes = { old: 0, restored: 0 };
    const restoredButReported: string[] = [];
    for (let k = 1; k <= total; k += 1) {
      const { h, faulty } = await harness(world, k, code);
      const error = await h.service.restoreFromZip(INCOMING).then(() => null, (e: unknown) => e);
      const context = `${code} at operation ${k}/${total} (${faulty.trace[k - 1] ?? '?'})`;
      const state = await treeState(h, DATA_DIR);
      if (error !== null) {
        expect(error, context).toBeInstanceOf(BackupError);
        expect((error as BackupError).code, `${context}: ${(error as Error).message}`).toBe(code);
      }
      if (JSON.stringify(state) === JSON.stringify(oldState)) outcomes.old += 1;
      else {
        expect(content(state), `${context}: neither the old data dir nor the restored one`).toBe(newContent);
        outcomes.restored += 1;
        if (error !== null) restoredButReported.push(faulty.trace[k - 1]!.split(' ')[0]!);
      }
      expect(await leftovers(h), context).toEqual([]);
      expect(h.jobs.running, context).toBe(true);
      await h.db.close();
    }
    console.log(`restore, ${code} at each of ${total} operations: ${outcomes.old} left the old data dir, ${outcomes.restored} restored (${restoredButReported.length} of them reported as failed: ${restoredButReported.join(', ')})`);
    expect(outcomes.old).toBeGreaterThan(0);
  }, 300_000);

  it.each(CODES)('of an export (%s): that code, no partial backup listed, nothing left, data dir untouched', async (code) => {
    const world = await buildWorld();
    const dry = await harness(world, null, code);
    const before = await treeState(dry.h, DATA_DIR);
    await dry.h.service.exportNow({});
    const total = dry.faulty.ops;
    await dry.h.db.close();
    let failed = 0;
    const keptAfterFailure: string[] = [];
    for (let k = 1; k <= total; k += 1) {
      const { h, faulty } = await harness(world, k, code);
      const error = await h.service.exportNow({}).then(() => null, (e: unknown) => e);
      const context = `${code} at operation ${k}/${total} (${faulty.trace[k - 1] ?? '?'})`;
      if (error !== null) {
        failed += 1;
        expect(error, context).toBeInstanceOf(BackupError);
        expect((error as BackupError).code, `${context}: ${(error as Error).message}`).toBe(code);
      }
      const listed = await h.service.listBackups();
      expect(listed.length, context).toBe(error === null ? 1 : listed.length === 1 ? 1 : 0);
      if (error !== null && listed.length === 1) {
        // Failed after the rename that completed it (the directory fsync, the stat): the backup
        // is whole and verifies, but the person was told the export failed. Reported to the lead.
        const renamed = faulty.trace.findIndex((t) => /^rename .*\.zip\.partial -> .*\.zip$/.test(t));
        expect(renamed, context).toBeGreaterThanOrEqual(0);
        expect(k - 1, context).toBeGreaterThan(renamed);
        keptAfterFailure.push(faulty.trace[k - 1]!.split(' ')[0]!);
      }
      for (const b of listed) await expect(h.service.verifyBackup(b.filePath), context).resolves.toMatchObject({ valid: true });
      expect(await treeState(h, DATA_DIR), context).toEqual(before);
      const left = await leftovers(h);
      if (left.length > 0) {
        // Only when the fault hit the removal of that very file; the next start removes it.
        expect(left.map((p) => `remove ${p}`), context).toEqual([faulty.trace[k - 1]]);
        await h.service.recover();
        expect(await leftovers(h), `${context}, after the next start`).toEqual([]);
      }
      expect(h.jobs.running, context).toBe(true);
      await h.db.close();
    }
    console.log(`export, ${code} at each of ${total} operations: ${failed} failed with ${code} (of which ${keptAfterFailure.length} after the backup was complete, which stays listed: ${keptAfterFailure.join(', ')}), ${total - failed} absorbed`);
    expect(failed).toBeGreaterThan(0);
  }, 300_000);
});
