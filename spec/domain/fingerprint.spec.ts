import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { dataFingerprint } from '../../src/domain/fingerprint.ts';
import { DEFAULT_EXPORT_OPTIONS } from '../../src/domain/options.ts';
import { DATA_DIR, createMemoryHarness } from '../support/memoryHarness.ts';

describe('dataFingerprint', () => {
  it('changes with the database, the document set and the settings, only as far as the policy includes them', async () => {
    const h = await createMemoryHarness();
    const all = DEFAULT_EXPORT_OPTIONS;
    const noFiles = { ...all, includeFiles: false };
    const fp = () => dataFingerprint(h.deps, h.config, all);
    const a = await fp();
    expect(await fp()).toBe(a); // reading changes nothing

    const doc = new TextEncoder().encode('order of the court');
    const sha = createHash('sha256').update(doc).digest('hex');
    const withoutDoc = await dataFingerprint(h.deps, h.config, noFiles);
    await h.memfs.mkdir(`${DATA_DIR}/files/${sha.slice(0, 2)}`);
    await h.memfs.writeFile(`${DATA_DIR}/files/${sha.slice(0, 2)}/${sha}`, doc);
    const b = await fp();
    expect(b).not.toBe(a);
    expect(await dataFingerprint(h.deps, h.config, noFiles)).toBe(withoutDoc); // files not included: not looked at

    await h.memfs.writeFile(`${DATA_DIR}/settings.json`, new TextEncoder().encode('{"theme":"dark"}'));
    const c = await fp();
    expect(c).not.toBe(b);
    await h.memfs.writeFile(`${DATA_DIR}/settings.json`, new TextEncoder().encode('{"theme":"dark"}'));
    expect(await fp()).toBe(c); // the same settings rewritten: unchanged

    await new Promise((resolve) => setTimeout(resolve, 5)); // a later modification time
    await h.db.write(`INSERT INTO users (name) VALUES ('Ana')`);
    expect(await fp()).not.toBe(c);
  });
});
