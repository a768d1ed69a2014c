/**
 * Every file a restore, an export or a verify opens on the real disk is closed again,
 * whichever operation fails, and also when the process "dies" (faultyFileSystem's crash
 * mode: the test's process lives on, so a descriptor the fake keeps is a real leak). Two
 * layers of faults, each at every k of an uninterrupted run:
 * - the FileSystem port fails (faultyFileSystem over the node adapter, 'fail' and 'crash');
 * - node:fs itself fails (EIO at every `fs.promises` call and FileHandle method under the
 *   world's folder), which reaches the adapter's own clean-up paths the port-level fake
 *   cannot (a failed fstat after open, a failed fsync before close).
 * After each trial (and the next start's recovery), no FileHandle opened under the folder
 * may be open: one left open is closed by the garbage collector with "Closing file
 * descriptor N on garbage collection" and DEP0137, and until then it holds a descriptor.
 */
import { promises as fsp } from 'node:fs';
import { basename, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BackupConfig, BackupDeps } from '../../src/domain/deps.ts';
import { exportNow } from '../../src/domain/exportBackup.ts';
import { DEFAULT_LIMITS } from '../../src/domain/limits.ts';
import { cleanBackupDir } from '../../src/domain/listBackups.ts';
import { restoreFromZip } from '../../src/domain/restoreBackup.ts';
import { recoverDataDir } from '../../src/domain/swap.ts';
import { verifyBackup } from '../../src/domain/verifyBackup.ts';
import { createBetterSqliteDatabase } from '../../src/infra/betterSqlite/betterSqliteDatabase.ts';
import { nodeHashing } from '../../src/infra/crypto/nodeHashing.ts';
import { createJobScheduler } from '../../src/infra/jobs/jobScheduler.ts';
import { createNodeFileSystem } from '../../src/infra/nodefs/nodeFileSystem.ts';
import { createZipArchive } from '../../src/infra/zip/zipArchive.ts';
import type { FileSystem } from '../../src/ports/fileSystem.ts';
import { buildCrashWorld, worldData, type CrashWorld } from '../support/crashWorld.ts';
import { faultyFileSystem, type Fault } from '../support/faultyFileSystem.ts';
import { watchNodeFs, type NodeFsWatch } from '../support/nodeFsWatch.ts';

const nodeFs = createNodeFileSystem();
type Operation = 'restore' | 'export' | 'verify';

let w: CrashWorld;
let watch: NodeFsWatch;
beforeAll(async () => {
  w = await buildCrashWorld('file-handles', worldData(4, 20_000));
  await fsp.mkdir(join(w.root, 'tmp'));
  watch = watchNodeFs(w.root);
});
afterAll(async () => {
  watch?.uninstall();
  await w?.cleanup();
});

/**
 * Runs one operation over `fs` with the real database (node:fs faults armed, when asked,
 * for the operation alone); says how it ended, how many node:fs calls it made and what the
 * k-th was.
 */
async function attempt(operation: Operation, fs: FileSystem, failAt: number | null = null) {
  if (operation === 'restore') await w.reset();
  if (operation === 'export') {
    // Every backup but the world's (which restore and verify read).
    const keep = [basename(w.backupPath), `${basename(w.backupPath)}.sha256`];
    for (const name of await fsp.readdir(w.backupDir)) if (!keep.includes(name)) await fsp.rm(join(w.backupDir, name), { recursive: true, force: true });
  }
  const db = createBetterSqliteDatabase(w.dataDir);
  await db.open(); // the app is running
  const jobs = createJobScheduler([]);
  jobs.start();
  const deps: BackupDeps = { fs, db, jobs, archive: createZipArchive(fs), hashing: nodeHashing, clock: { now: () => new Date() } };
  const config: BackupConfig = { dataDir: w.dataDir, backupDir: w.backupDir, tempDir: join(w.root, 'tmp'), appVersion: '1.4.0', limits: DEFAULT_LIMITS, jobStopTimeoutMs: 1000 };
  const run =
    operation === 'restore'
      ? () => restoreFromZip(deps, config, w.backupPath)
      : operation === 'export'
        ? () => exportNow(deps, config, { compressionLevel: 1 })
        : () => verifyBackup(deps, config, w.backupPath);
  watch.arm(failAt);
  const error = await run().then(() => null, (e: unknown) => e);
  const ops = watch.ops;
  const failed = failAt === null ? undefined : watch.trace[failAt - 1];
  watch.arm(null);
  await db.close().catch(() => {});
  return { error, ops, failed };
}

/** The next start's recovery, on the real disk (what composeNodeBackupService does). */
async function nextStart(operation: Operation) {
  if (operation === 'restore') await recoverDataDir(nodeFs, w.dataDir);
  if (operation === 'export') {
    const config = { dataDir: w.dataDir, backupDir: w.backupDir, tempDir: join(w.root, 'tmp') } as BackupConfig;
    await cleanBackupDir({ fs: nodeFs } as BackupDeps, config);
  }
}

const OPERATIONS: Operation[] = ['restore', 'export', 'verify'];

describe('every FileHandle opened is closed', () => {
  for (const operation of OPERATIONS) {
    for (const mode of ['fail', 'crash'] as const) {
      it(`when the FileSystem port ${mode === 'fail' ? 'fails' : 'dies'} at any operation of a ${operation}`, async () => {
        const dry = faultyFileSystem(nodeFs, null);
        expect((await attempt(operation, dry)).error).toBeNull();
        expect(await watch.leaks(), `${operation}, uninterrupted`).toEqual([]);
        const total = dry.ops;
        const leaked: string[] = [];
        for (let k = 1; k <= total; k += 1) {
          const fault: Fault = { failAt: k, mode };
          const fs = faultyFileSystem(nodeFs, fault);
          await attempt(operation, fs);
          await nextStart(operation);
          const open = await watch.leaks();
          if (open.length > 0) leaked.push(`${mode} at ${k}/${total} (${fs.trace[k - 1] ?? '?'}): ${open.join(', ')} left open`);
        }
        expect(leaked).toEqual([]);
      });
    }

    it(`when node:fs fails at any call of a ${operation}`, async () => {
      const dry = await attempt(operation, nodeFs);
      expect(dry.error).toBeNull();
      expect(await watch.leaks(), `${operation}, uninterrupted`).toEqual([]);
      const leaked: string[] = [];
      // A few past the uninterrupted run's count: the order of concurrent calls varies.
      for (let k = 1; k <= dry.ops + 5; k += 1) {
        const trial = await attempt(operation, nodeFs, k);
        await nextStart(operation);
        const open = await watch.leaks();
        if (open.length > 0) leaked.push(`EIO at call ${k}/${dry.ops} (${trial.failed ?? 'not reached'}): ${open.join(', ')} left open`);
      }
      expect(leaked).toEqual([]);
    });
  }
});
