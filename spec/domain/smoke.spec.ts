import { describe, expect, it } from 'vitest';
import { createMemoryHarness, DATA_DIR } from '../support/memoryHarness.ts';
import { canonicalDump } from '../support/canonicalDump.ts';
import { createHash } from 'node:crypto';

describe('exportNow and restoreFromZip', () => {
  it('restores what it exported', async () => {
    const h = await createMemoryHarness();
    await h.db.write(`INSERT INTO users (name, email) VALUES ('Ana Müller', NULL)`);
    await h.db.write(`INSERT INTO cases (user_id, title) VALUES (1, 'Doe v. Roe ⚖')`);
    const doc = new TextEncoder().encode('order of the court');
    const sha = createHash('sha256').update(doc).digest('hex');
    await h.memfs.mkdir(`${DATA_DIR}/files/${sha.slice(0, 2)}`);
    await h.memfs.writeFile(`${DATA_DIR}/files/${sha.slice(0, 2)}/${sha}`, doc);
    await h.memfs.writeFile(`${DATA_DIR}/settings.json`, new TextEncoder().encode('{"theme":"dark"}'));
    const before = await canonicalDump(await h.memfs.readFile(`${DATA_DIR}/database.sqlite`));
    const exported = await h.service.exportNow({});
    expect(exported.metadata.counts).toMatchObject({ users: 1, cases: 1, files: 1, bytes: doc.length });
    await h.db.write(`DELETE FROM cases`);
    await h.memfs.remove(`${DATA_DIR}/files`);
    const restored = await h.service.restoreFromZip(exported.filePath);
    expect(restored.success).toBe(true);
    expect(await canonicalDump(await h.memfs.readFile(`${DATA_DIR}/database.sqlite`))).toBe(before);
    expect(await h.memfs.readFile(`${DATA_DIR}/files/${sha.slice(0, 2)}/${sha}`)).toEqual(doc);
    const verified = await h.service.verifyBackup(exported.filePath);
    expect(verified.sidecarChecked).toBe(true);
    expect(await h.service.listBackups()).toHaveLength(1);
  });
});
