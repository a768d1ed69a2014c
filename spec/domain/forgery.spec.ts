/**
 * A backup changed and packed again as a valid ZIP (so CRC-32 cannot tell) is still caught:
 * the manifest seals every entry, the metadata seals the manifest, and format 1 fixes the
 * names. Reordering entries changes nothing that matters: the manifest, not the ZIP
 * layout, is the truth.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BackupError } from '../../src/domain/errors.ts';
import { arbData, arbExportOptions, propertyRuns } from '../support/arbitraries.ts';
import { populate, readState, sha256, siblingsOf, treeDigest } from '../support/dataDirState.ts';
import { BACKUP_DIR, createMemoryHarness, DATA_DIR } from '../support/memoryHarness.ts';
import { pack, unpack, type PackedEntry } from '../support/repack.ts';

type Forgery = 'change-entry' | 'change-entry-and-manifest' | 'drop-entry' | 'duplicate-entry' | 'add-entry' | 'reorder';

const expectedCodes: Record<Exclude<Forgery, 'reorder'>, string[]> = {
  'change-entry': ['CHECKSUM_MISMATCH', 'CORRUPT_ENTRY'],
  'change-entry-and-manifest': ['CHECKSUM_MISMATCH'],
  'drop-entry': ['INVALID_MANIFEST', 'MISSING_MANIFEST'],
  'duplicate-entry': ['DUPLICATE_ENTRY'],
  'add-entry': ['UNEXPECTED_ENTRY'],
};

function forge(entries: PackedEntry[], forgery: Forgery, pick: number): PackedEntry[] {
  const data = entries.filter((e) => e.name !== 'manifest.json' && e.name !== 'backup-metadata.json');
  const target = data[pick % Math.max(data.length, 1)];
  // Same size where possible, so only the SHA-256 can tell.
  const changed = (bytes: Uint8Array) => {
    if (bytes.length === 0) return Uint8Array.of(0x0a);
    const out = bytes.slice();
    out[out.length - 1]! ^= 0x01;
    return out;
  };
  switch (forgery) {
    case 'change-entry':
      return entries.map((e) => (e === target ? { ...e, bytes: changed(e.bytes) } : e));
    case 'change-entry-and-manifest': {
      const manifest = JSON.parse(new TextDecoder().decode(entries.find((e) => e.name === 'manifest.json')!.bytes)) as {
        entries: { path: string; size: number; sha256: string }[];
      };
      const forged = entries.map((e) => (e === target ? { ...e, bytes: changed(e.bytes) } : e));
      for (const item of manifest.entries) {
        const now = forged.find((e) => e.name === item.path)!;
        item.size = now.bytes.length;
        item.sha256 = sha256(now.bytes);
      }
      const manifestBytes = new TextEncoder().encode(JSON.stringify(manifest));
      return forged.map((e) => (e.name === 'manifest.json' ? { ...e, bytes: manifestBytes } : e));
    }
    case 'drop-entry':
      return entries.filter((e) => e !== (target ?? entries[pick % entries.length]));
    case 'duplicate-entry':
      return [...entries, entries[pick % entries.length]!];
    case 'add-entry':
      return [...entries, { name: 'files/notes.txt', bytes: new TextEncoder().encode('hello') }];
    case 'reorder':
      return [...entries].reverse();
  }
}

describe('a forged backup', () => {
  it('is refused with the code of what was forged, or restores exactly when only the order changed', async () => {
    const forgeries: Forgery[] = ['change-entry', 'change-entry-and-manifest', 'drop-entry', 'duplicate-entry', 'add-entry', 'reorder'];
    await fc.assert(
      fc.asyncProperty(arbData, arbExportOptions, fc.constantFrom(...forgeries), fc.nat(), async (data, options, forgery, pick) => {
        const h = await createMemoryHarness();
        await populate(h, data);
        const exported = await readState(h.memfs);
        const backup = await h.service.exportNow(options);
        const entries = await unpack(await h.memfs.readFile(backup.filePath));
        const hasData = entries.length > 2;
        if (!hasData && (forgery === 'change-entry' || forgery === 'change-entry-and-manifest')) return;
        const path = `${BACKUP_DIR}/forged.zip`;
        await pack(h.memfs, path, forge(entries, forgery, pick));
        await h.db.write(`INSERT INTO cases (title) VALUES ('after the backup')`);
        const before = await treeDigest(h.memfs, DATA_DIR);

        const verified = await h.service.verifyBackup(path).then(() => 'ok' as const, (e: unknown) => e);
        const restored = await h.service.restoreFromZip(path).then(() => 'ok' as const, (e: unknown) => e);

        if (forgery === 'reorder') {
          expect([verified, restored]).toEqual(['ok', 'ok']);
          const state = await readState(h.memfs);
          if (options.includeDatabase) expect(state.database).toBe(exported.database);
          if (options.includeFiles) expect(state.documents).toEqual(exported.documents);
          return;
        }
        for (const outcome of [verified, restored]) {
          expect(outcome).toBeInstanceOf(BackupError);
          expect(expectedCodes[forgery]).toContain((outcome as BackupError).code);
        }
        expect(await treeDigest(h.memfs, DATA_DIR)).toEqual(before);
        expect(await siblingsOf(h.memfs)).toEqual([]);
      }),
      { numRuns: propertyRuns() },
    );
  });
});
