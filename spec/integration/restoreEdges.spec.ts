/**
 * Restore on a real disk at its edges: a backup of an older schema is migrated after the
 * swap, a newer one is refused (NEWER_VERSION) with nothing changed, and a job that will
 * not stop aborts the restore (JOBS_STOP_FAILED) with nothing changed and the jobs running.
 * Backups of another schema are made by rewriting a real one (database, manifest, seal).
 */
import BetterSqlite3 from 'better-sqlite3';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BackupConfig, BackupDeps } from '../../src/domain/deps.ts';
import { DEFAULT_LIMITS } from '../../src/domain/limits.ts';
import { restoreFromZip } from '../../src/domain/restoreBackup.ts';
import { createJobScheduler } from '../../src/infra/jobs/jobScheduler.ts';
import { createNodeAdapters } from '../../src/infra/node/index.ts';
import { SCHEMA_VERSION } from '../../src/infra/sqlite/schema.ts';
import { buildCrashWorld, expectNoRestoreLeftovers, oldOrNew, worldData, type CrashWorld } from '../support/crashWorld.ts';
import { compose, readDiskState } from '../support/nodeHarness.ts';

const sha = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

/** Unpacks a backup, lets `change` edit its database, re-seals manifest and metadata, re-zips. */
async function rewriteBackup(zip: string, out: string, change: (db: BetterSqlite3.Database) => void, schemaVersion: number): Promise<void> {
  const dir = `${out}.d`;
  execFileSync('unzip', ['-q', zip, '-d', dir]);
  const handle = new BetterSqlite3(join(dir, 'database.sqlite'));
  change(handle);
  handle.close();
  const manifest = JSON.parse(await fsp.readFile(join(dir, 'manifest.json'), 'utf8')) as { entries: { path: string; size: number; sha256: string }[] };
  const dbBytes = await fsp.readFile(join(dir, 'database.sqlite'));
  for (const e of manifest.entries) if (e.path === 'database.sqlite') Object.assign(e, { size: dbBytes.length, sha256: sha(dbBytes) });
  const manifestBytes = Buffer.from(JSON.stringify(manifest));
  await fsp.writeFile(join(dir, 'manifest.json'), manifestBytes);
  const metadata = JSON.parse(await fsp.readFile(join(dir, 'backup-metadata.json'), 'utf8')) as Record<string, unknown>;
  Object.assign(metadata, { checksum: sha(manifestBytes), schemaVersion, databaseVersion: String(schemaVersion) });
  await fsp.writeFile(join(dir, 'backup-metadata.json'), JSON.stringify(metadata));
  execFileSync('zip', ['-r', '-q', out, '.'], { cwd: dir });
}

describe('restoreFromZip at its edges, on disk', () => {
  let w: CrashWorld;
  beforeAll(async () => {
    w = await buildCrashWorld('edges', worldData(3, 10_000));
  });
  afterAll(async () => w.cleanup());

  it('migrates a backup of an older schema after the swap', async () => {
    await w.reset();
    const older = join(w.root, 'older.zip');
    await rewriteBackup(w.backupPath, older, (db) => db.exec(`DROP TABLE reminders; DROP INDEX documents_sha256; DROP TABLE documents; PRAGMA user_version = 2;`), 2);
    const system = await compose(w.dataDir, w.backupDir);
    try {
      await system.service.restoreFromZip(older);
      const [v] = await system.db.query<{ user_version: number }>('PRAGMA user_version');
      expect(v!.user_version).toBe(SCHEMA_VERSION);
      expect(await system.db.query('SELECT * FROM documents')).toEqual([]); // the table migration 3 created
      expect((await system.db.counts()).cases).toBe(6);
    } finally {
      await system.dispose();
    }
  });

  it('refuses a backup of a newer schema with NEWER_VERSION and changes nothing', async () => {
    await w.reset();
    const newer = join(w.root, 'newer.zip');
    await rewriteBackup(w.backupPath, newer, (db) => db.pragma(`user_version = ${SCHEMA_VERSION + 1}`), SCHEMA_VERSION + 1);
    const system = await compose(w.dataDir, w.backupDir);
    try {
      await expect(system.service.restoreFromZip(newer)).rejects.toMatchObject({ code: 'NEWER_VERSION' });
    } finally {
      await system.dispose();
    }
    expect(oldOrNew(await readDiskState(w.dataDir), w, 'newer')).toBe('old');
    await expectNoRestoreLeftovers(w.dataDir, 'newer');
  });

  it('aborts with JOBS_STOP_FAILED when a job does not stop in time, changing nothing and leaving the jobs running', async () => {
    await w.reset();
    const adapters = await createNodeAdapters({ dataDir: w.dataDir, backupDir: w.backupDir, tempDir: join(w.root, 'tmp') });
    let release: () => void = () => {};
    const stuck = new Promise<void>((resolve) => (release = resolve));
    const jobs = createJobScheduler([{ name: 'stuck', run: () => stuck }]);
    jobs.start();
    const ticking = jobs.tick();
    await adapters.db.open();
    const deps: BackupDeps = { ...adapters.deps, jobs };
    const config: BackupConfig = { dataDir: w.dataDir, backupDir: w.backupDir, tempDir: join(w.root, 'tmp'), appVersion: '1.4.0', limits: DEFAULT_LIMITS, jobStopTimeoutMs: 200 };
    try {
      await expect(restoreFromZip(deps, config, w.backupPath)).rejects.toMatchObject({ code: 'JOBS_STOP_FAILED' });
      expect(jobs.running).toBe(true);
      expect((await adapters.db.counts()).users).toBe(3); // the live database is still open and the old one
    } finally {
      release();
      await ticking;
      await adapters.dispose();
    }
    expect(oldOrNew(await readDiskState(w.dataDir), w, 'jobs')).toBe('old');
    await expectNoRestoreLeftovers(w.dataDir, 'jobs');
  });
});
