/**
 * Any change to a backup is caught: a flipped byte or a truncation makes verify and
 * restore fail with a coded error and change nothing, unless the byte is one the format
 * does not read (a timestamp in a local header, say), in which case the restore is exact.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BackupError, ERROR_CODES } from '../../src/domain/errors.ts';
import { arbData, arbExportOptions, propertyRuns } from '../support/arbitraries.ts';
import { populate, readState, siblingsOf, treeDigest } from '../support/dataDirState.ts';
import { BACKUP_DIR, createMemoryHarness, DATA_DIR, type MemoryHarness } from '../support/memoryHarness.ts';
import { dataRanges } from '../support/zipLayout.ts';

type Damage = { kind: 'flip'; at: number; xor: number } | { kind: 'truncate'; at: number };

const arbDamage: fc.Arbitrary<Damage> = fc.oneof(
  fc.record({ kind: fc.constant('flip' as const), at: fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), xor: fc.integer({ min: 1, max: 255 }) }),
  fc.record({ kind: fc.constant('truncate' as const), at: fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }) }),
).map((d) => d as Damage);

function damage(bytes: Uint8Array, d: Damage): { damaged: Uint8Array } {
  const offset = Math.floor(d.at * bytes.length);
  if (d.kind === 'truncate') return { damaged: bytes.slice(0, offset) };
  const damaged = bytes.slice();
  damaged[offset]! ^= d.xor;
  return { damaged };
}

async function outcome(run: () => Promise<unknown>): Promise<BackupError | 'ok'> {
  try {
    await run();
    return 'ok';
  } catch (error) {
    if (!(error instanceof BackupError)) throw error; // a crash, not a coded refusal
    return error;
  }
}

async function writeDamaged(h: MemoryHarness, bytes: Uint8Array): Promise<string> {
  const path = `${BACKUP_DIR}/damaged.zip`;
  await h.memfs.remove(path);
  await h.memfs.writeFile(path, bytes);
  return path;
}

describe('a damaged backup', () => {
  it('is refused with a coded error and changes nothing, or restores exactly', async () => {
    await fc.assert(
      fc.asyncProperty(arbData, arbExportOptions, fc.array(arbDamage, { minLength: 1, maxLength: 3 }), async (data, options, damages) => {
        const h = await createMemoryHarness();
        await populate(h, data);
        const exported = await readState(h.memfs);
        const backup = await h.service.exportNow(options);
        const original = await h.memfs.readFile(backup.filePath);
        const ranges = await dataRanges(original);
        await h.db.write(`INSERT INTO cases (title) VALUES ('after the backup')`);
        const before = await treeDigest(h.memfs, DATA_DIR);

        let bytes = original;
        for (const d of damages) bytes = damage(bytes, d).damaged;
        const truncated = bytes.length < original.length;
        // Two flips of one byte can cancel out: judge by what differs in the end.
        const touchesData = ranges.some((r) => {
          for (let i = r.start; i < Math.min(r.end, bytes.length); i += 1) if (bytes[i] !== original[i]) return true;
          return false;
        });
        const path = await writeDamaged(h, bytes);

        const verified = await outcome(() => h.service.verifyBackup(path));
        const restored = await outcome(() => h.service.restoreFromZip(path));

        if (restored === 'ok') {
          // Only bytes the format does not read may change without being noticed.
          expect(truncated || touchesData).toBe(false);
          expect(verified).toBe('ok');
          const state = await readState(h.memfs);
          if (options.includeDatabase) expect(state.database).toBe(exported.database);
          if (options.includeFiles) expect(state.documents).toEqual(exported.documents);
          if (options.includeMetadata) expect(state.settings).toBe(exported.settings);
        } else {
          expect(ERROR_CODES).toContain(restored.code);
          expect(restored.code).not.toBe('INTERNAL');
          expect(verified).not.toBe('ok');
          expect(await treeDigest(h.memfs, DATA_DIR)).toEqual(before);
          expect(await siblingsOf(h.memfs)).toEqual([]);
        }
        expect(h.jobs.running).toBe(true);
      }),
      { numRuns: propertyRuns() },
    );
  });
});
