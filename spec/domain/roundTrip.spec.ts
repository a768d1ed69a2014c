import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { arbData, arbExportOptions, arbMutation, propertyRuns, type Mutation } from '../support/arbitraries.ts';
import { populate, readState, siblingsOf, sha256 } from '../support/dataDirState.ts';
import { createMemoryHarness, DATA_DIR, type MemoryHarness } from '../support/memoryHarness.ts';

async function mutate(h: MemoryHarness, mutation: Mutation): Promise<void> {
  if (mutation === 'nothing') return;
  if (mutation === 'wipe') {
    for (const table of ['users', 'cases', 'tasks', 'hearings', 'orders', 'documents', 'reminders']) await h.db.write(`DELETE FROM ${table}`);
    await h.memfs.remove(`${DATA_DIR}/files`);
    await h.memfs.remove(`${DATA_DIR}/settings.json`);
    return;
  }
  await h.db.write(`INSERT INTO cases (title, notes) VALUES ('added after the backup', NULL)`);
  await h.db.write(`UPDATE users SET email = 'changed@example.org'`);
  const extra = new TextEncoder().encode('a document added after the backup');
  const sha = sha256(extra);
  await h.memfs.mkdir(`${DATA_DIR}/files/${sha.slice(0, 2)}`);
  await h.memfs.writeFile(`${DATA_DIR}/files/${sha.slice(0, 2)}/${sha}`, extra);
  await h.memfs.writeFile(`${DATA_DIR}/settings.json`, new TextEncoder().encode('{"changed":true}'));
}

describe('round trip', () => {
  it('restores exactly what was exported, and keeps the categories left out as they are', async () => {
    await fc.assert(
      fc.asyncProperty(arbData, arbExportOptions, arbMutation, async (data, options, mutation) => {
        const h = await createMemoryHarness();
        await populate(h, data);
        const exported = await readState(h.memfs);
        const backup = await h.service.exportNow(options);
        await mutate(h, mutation);
        const changed = await readState(h.memfs);

        const result = await h.service.restoreFromZip(backup.filePath);

        expect(result.success).toBe(true);
        const restored = await readState(h.memfs);
        expect(restored.database).toBe(options.includeDatabase ? exported.database : changed.database);
        expect(restored.documents).toEqual(options.includeFiles ? exported.documents : changed.documents);
        expect(restored.settings).toBe(options.includeMetadata ? exported.settings : changed.settings);
        expect(await siblingsOf(h.memfs)).toEqual([expect.stringMatching(/\.safety-/)]);
        expect(h.jobs.running).toBe(true);
      }),
      { numRuns: propertyRuns() },
    );
  });

  it('restores onto a computer that has no data dir yet', async () => {
    await fc.assert(
      fc.asyncProperty(arbData, async (data) => {
        const h = await createMemoryHarness();
        await populate(h, data);
        const exported = await readState(h.memfs);
        const backup = await h.service.exportNow({});
        await h.db.close();
        await h.memfs.remove(DATA_DIR);

        const result = await h.service.restoreFromZip(backup.filePath);

        expect(result.safetyCopy).toBeNull();
        expect(await readState(h.memfs)).toEqual(exported);
        expect(await siblingsOf(h.memfs)).toEqual([]);
      }),
      { numRuns: Math.ceil(propertyRuns() / 4) },
    );
  });
});
