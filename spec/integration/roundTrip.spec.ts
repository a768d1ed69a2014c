/**
 * The round-trip property on a real disk (node:fs, better-sqlite3, archiver/yauzl): export
 * with any options, change or wipe the data dir, restore; every category in the backup is
 * back exactly as exported, every category left out is as it was before the restore.
 * Compared through canonicalDump (via readDiskState) and the documents' SHA-256.
 */
import fc from 'fast-check';
import { promises as fsp } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { arbData, arbExportOptions, arbMutation, propertyRuns, type Mutation } from '../support/arbitraries.ts';
import { compose, populate, readDiskState, sha256, tempRoot, type DiskState } from '../support/nodeHarness.ts';
import type { NodeBackup } from '../../src/infra/node/index.ts';

let freshDatabase: string | null;

async function mutate(system: NodeBackup, mutation: Mutation): Promise<void> {
  const dataDir = system.config.dataDir;
  if (mutation === 'nothing') return;
  if (mutation === 'wipe') {
    await system.db.close();
    await fsp.rm(dataDir, { recursive: true, force: true }); // a new computer
    return;
  }
  await system.db.transaction((sql) => {
    sql.run(`INSERT INTO users (name) VALUES ('changed after the export')`);
    sql.run('DELETE FROM cases');
  });
  const extra = new TextEncoder().encode(`changed ${Math.random()}`);
  const sha = sha256(extra);
  await fsp.mkdir(join(dataDir, 'files', sha.slice(0, 2)), { recursive: true });
  await fsp.writeFile(join(dataDir, 'files', sha.slice(0, 2), sha), extra);
  await fsp.writeFile(join(dataDir, 'settings.json'), '{"changed":true}');
}

describe('export then restore on a real disk', () => {
  beforeAll(async () => {
    const t = await tempRoot('fresh');
    const s = await compose(t.dataDir, t.backupDir);
    await s.dispose();
    freshDatabase = (await readDiskState(t.dataDir)).database;
    await t.cleanup();
  });

  it('restores every exported category exactly and leaves the others as they were', async () => {
    await fc.assert(
      fc.asyncProperty(arbData, arbExportOptions, arbMutation, async (data, options, mutation) => {
        const t = await tempRoot('roundtrip');
        let system = await compose(t.dataDir, t.backupDir);
        try {
          await populate(system, data);
          await system.db.close(); // checkpoint, so readDiskState sees the file as the snapshot did
          const exported = await readDiskState(t.dataDir);
          const result = await system.service.exportNow(options);
          await mutate(system, mutation);
          await system.dispose();
          const before: DiskState = await readDiskState(t.dataDir);
          system = await compose(t.dataDir, t.backupDir, { openDatabase: mutation !== 'wipe' });
          await system.service.restoreFromZip(result.filePath);
          await system.dispose();
          const after = await readDiskState(t.dataDir);
          const keptDatabase = mutation === 'wipe' ? freshDatabase : before.database;
          expect(after.database).toBe(options.includeDatabase ? exported.database : keptDatabase);
          expect(after.documents).toEqual(options.includeFiles ? exported.documents : before.documents);
          expect(after.settings).toBe(options.includeMetadata ? exported.settings : before.settings);
          expect(after.otherFiles).toEqual([]);
        } finally {
          await system.dispose();
          await t.cleanup();
        }
      }),
      { numRuns: propertyRuns(15) },
    );
  });
});
