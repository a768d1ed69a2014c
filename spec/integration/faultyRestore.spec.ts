/**
 * Restore and export through a FileSystem that fails or "crashes" at its k-th operation,
 * for every k of an uninterrupted run. After a crash the process is treated as dead (no
 * more disk operations, the database handle unusable), then the next start's recovery runs
 * (recoverDataDir + cleanBackupDir, what composeNodeBackupService and `casevault check` do):
 * the data dir must be exactly the old state or the new one, nothing of the restore left
 * beside it, no partial backup listed.
 */
import { promises as fsp } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BackupConfig, BackupDeps } from '../../src/domain/deps.ts';
import { BackupError } from '../../src/domain/errors.ts';
import { exportNow } from '../../src/domain/exportBackup.ts';
import { DEFAULT_LIMITS } from '../../src/domain/limits.ts';
import { cleanBackupDir, listBackups } from '../../src/domain/listBackups.ts';
import { restoreFromZip } from '../../src/domain/restoreBackup.ts';
import { recoverDataDir } from '../../src/domain/swap.ts';
import { verifyBackup } from '../../src/domain/verifyBackup.ts';
import { createBetterSqliteDatabase, type BetterSqliteDatabase } from '../../src/infra/betterSqlite/betterSqliteDatabase.ts';
import { nodeHashing } from '../../src/infra/crypto/nodeHashing.ts';
import { createJobScheduler } from '../../src/infra/jobs/jobScheduler.ts';
import { createNodeFileSystem } from '../../src/infra/nodefs/nodeFileSystem.ts';
import { createZipArchive } from '../../src/infra/zip/zipArchive.ts';
import type { Database } from '../../src/ports/database.ts';
import { buildCrashWorld, expectNoRestoreLeftovers, oldOrNew, worldData, type CrashWorld } from '../support/crashWorld.ts';
import { faultyFileSystem, type Fault, type FaultyFileSystem } from '../support/faultyFileSystem.ts';
import { readDiskState } from '../support/nodeHarness.ts';

const nodeFs = createNodeFileSystem();

/** After a crash the database is as dead as the file system. */
function crashable(db: BetterSqliteDatabase, fs: FaultyFileSystem): Database {
  const alive = <T>(fn: () => Promise<T>) => (fs.crashed ? Promise.reject(new BackupError('IO_ERROR', 'simulated crash: the process died')) : fn());
  return {
    supportedSchemaVersion: db.supportedSchemaVersion,
    open: () => alive(() => db.open()),
    close: () => alive(() => db.close()),
    snapshotTo: (p) => alive(() => db.snapshotTo(p)),
    checkLive: (kind) => alive(() => db.checkLive(kind)),
    counts: () => alive(() => db.counts()),
    inspectFile: (p) => alive(() => db.inspectFile(p)),
    documentsIn: (p, sha256s, limit) => alive(() => db.documentsIn(p, sha256s, limit)),
  };
}

async function world(w: CrashWorld, fault: Fault | null) {
  const fs = faultyFileSystem(nodeFs, fault);
  const real = createBetterSqliteDatabase(w.dataDir);
  await real.open(); // the app is running
  const jobs = createJobScheduler([]);
  jobs.start();
  const deps: BackupDeps = { fs, db: crashable(real, fs), jobs, archive: createZipArchive(fs), hashing: nodeHashing, clock: { now: () => new Date() } };
  const config: BackupConfig = {
    dataDir: w.dataDir,
    backupDir: w.backupDir,
    tempDir: join(w.root, 'tmp'),
    appVersion: '1.4.0',
    limits: DEFAULT_LIMITS,
    jobStopTimeoutMs: 1000,
  };
  return { fs, real, deps, config };
}

/** The next start: recovery on the real disk. */
async function nextStart(w: CrashWorld, config: BackupConfig) {
  const deps = { fs: nodeFs } as BackupDeps;
  await recoverDataDir(nodeFs, w.dataDir);
  await cleanBackupDir(deps, config);
}

describe('restoreFromZip through a faulty file system', () => {
  let w: CrashWorld;
  beforeAll(async () => {
    w = await buildCrashWorld('faulty-restore', worldData(4, 20_000));
    await fsp.mkdir(join(w.root, 'tmp'));
  });
  afterAll(async () => w.cleanup());

  for (const mode of ['crash', 'fail'] as const) {
    it(`leaves the old or the new data dir whichever operation ${mode === 'crash' ? 'the process dies at' : 'fails'}`, async () => {
      await w.reset();
      const dry = await world(w, null);
      await restoreFromZip(dry.deps, dry.config, w.backupPath);
      await dry.real.close();
      const total = dry.fs.ops;
      expect(oldOrNew(await readDiskState(w.dataDir), w, 'uninterrupted')).toBe('new');
      const outcomes = { old: 0, new: 0 };
      for (let k = 1; k <= total; k += 1) {
        await w.reset();
        const trial = await world(w, { failAt: k, mode });
        const error = await restoreFromZip(trial.deps, trial.config, w.backupPath).then(() => null, (e: unknown) => e);
        const context = `${mode} at operation ${k}/${total} (${trial.fs.trace[k - 1] ?? '?'})`;
        await trial.real.close();
        await nextStart(w, trial.config);
        const outcome = oldOrNew(await readDiskState(w.dataDir), w, context);
        // A fault before the restore is committed surfaces; after it (removing the staging,
        // older safety copies), housekeeping absorbs it and the restore reports success.
        if (outcome === 'old') expect(error, context).toBeInstanceOf(BackupError);
        if (error === null) expect(outcome, context).toBe('new');
        else expect(error, context).toBeInstanceOf(BackupError);
        outcomes[outcome] += 1;
        await expectNoRestoreLeftovers(w.dataDir, context);
      }
      console.log(`faulty restore (${mode}): ${total} operations, each failed once: ${outcomes.old} left the old state, ${outcomes.new} the new one`);
      expect(outcomes.old).toBeGreaterThan(0);
    });
  }
});

describe('exportNow through a faulty file system', () => {
  let w: CrashWorld;
  beforeAll(async () => {
    w = await buildCrashWorld('faulty-export', worldData(4, 20_000));
    await fsp.mkdir(join(w.root, 'tmp'));
  });
  afterAll(async () => w.cleanup());

  it('never lists a partial backup, and the next start removes every leftover, whichever operation the process dies at', async () => {
    await w.reset();
    await fsp.rm(w.backupDir, { recursive: true, force: true });
    const dry = await world(w, null);
    await exportNow(dry.deps, dry.config, { compressionLevel: 1 });
    await dry.real.close();
    const total = dry.fs.ops;
    let completed = 0;
    for (let k = 1; k <= total; k += 1) {
      await fsp.rm(w.backupDir, { recursive: true, force: true });
      const trial = await world(w, { failAt: k, mode: 'crash' });
      const context = `crash at operation ${k}/${total} (${trial.fs.trace[k - 1] ?? '?'})`;
      const result = await exportNow(trial.deps, trial.config, { compressionLevel: 1 }).then((r) => r, (e: unknown) => e);
      await trial.real.close();
      const check = await world(w, null);
      // A crash after the backup got its name (flushing the folder, removing the snapshot)
      // is housekeeping: the export reports the complete backup; before it, an error.
      if (result instanceof BackupError) expect(result.code, context).toBe('IO_ERROR');
      else expect((await listBackups(check.deps, check.config)).map((b) => b.fileName), context).toContain((result as { fileName: string }).fileName);
      // Before the next start's clean-up, a listed backup is already complete...
      for (const b of await listBackups(check.deps, check.config)) {
        await verifyBackup(check.deps, check.config, b.filePath);
        completed += 1;
      }
      await nextStart(w, check.config);
      // ...and after it, nothing but complete backups and their sidecars remain.
      const names = (await fsp.readdir(w.backupDir).catch(() => [] as string[])).filter((n) => n !== '.export.lock');
      for (const name of names) expect(name, context).toMatch(/^(casevault-backup-[0-9TZ-]+\.zip(\.sha256)?|casevault-audit\.jsonl)$/);
      await check.real.close();
    }
    console.log(`faulty export (crash): ${total} operations, ${completed} crashes came after the backup was complete`);
    expect(oldOrNew(await readDiskState(w.dataDir), w, 'export')).toBe('old');
  });
});
