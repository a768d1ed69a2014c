import { describe, expect, it } from 'vitest';
import { createBackupService } from '../../src/domain/service.ts';
import { treeDigest, siblingsOf } from '../support/dataDirState.ts';
import { createMemoryHarness, DATA_DIR } from '../support/memoryHarness.ts';

describe('restoreFromZip after the swap', () => {
  it('puts the old data dir back when the restored database does not match the metadata', async () => {
    const h = await createMemoryHarness();
    await h.db.write(`INSERT INTO users (name) VALUES ('Ana')`);
    const backup = await h.service.exportNow({});
    await h.db.write(`INSERT INTO users (name) VALUES ('Ben')`);
    const before = await treeDigest(h.memfs, DATA_DIR);
    let reopened = 0;
    const db = {
      ...h.db,
      supportedSchemaVersion: h.db.supportedSchemaVersion,
      open: async () => { reopened += 1; await h.db.open(); },
      // After the swap, the database reports a count the metadata does not have.
      counts: async () => ({ ...(await h.db.counts()), users: 99 }),
    };
    const service = createBackupService({ ...h.deps, db }, h.config);

    const error = await service.restoreFromZip(backup.filePath).catch((e: unknown) => e);

    expect(error).toMatchObject({ code: 'DATABASE_CORRUPT' });
    expect(reopened).toBe(2); // once after the swap, once after the roll-back
    expect(await treeDigest(h.memfs, DATA_DIR)).toEqual(before);
    expect(await siblingsOf(h.memfs)).toEqual([]);
    expect(h.jobs.running).toBe(true);
    expect(await h.db.query('SELECT name FROM users ORDER BY id')).toEqual([{ name: 'Ana' }, { name: 'Ben' }]);
  });

  it('keeps one safety copy: the data dir as it was before the latest restore', async () => {
    const h = await createMemoryHarness();
    await h.db.write(`INSERT INTO users (name) VALUES ('Ana')`);
    const backup = await h.service.exportNow({});
    await h.db.write(`INSERT INTO users (name) VALUES ('Ben')`);
    const beforeSecond = await treeDigest(h.memfs, DATA_DIR);
    const first = await h.service.restoreFromZip(backup.filePath);
    await h.db.write(`INSERT INTO users (name) VALUES ('Cleo')`);
    const beforeThird = await treeDigest(h.memfs, DATA_DIR);
    const second = await h.service.restoreFromZip(backup.filePath);

    expect(first.safetyCopy).not.toBe(second.safetyCopy);
    expect(await siblingsOf(h.memfs)).toEqual([second.safetyCopy!.split('/').pop()]);
    expect(await treeDigest(h.memfs, second.safetyCopy!)).toEqual(beforeThird);
    expect(beforeThird).not.toEqual(beforeSecond);
  });
});
