/**
 * The incremental-backup fixtures: one loop over fixtures/corrupt-pool/ (the code in a
 * folder's name is the code verify and restore must give, and the data dir stays
 * byte-for-byte as it was), then fixtures/valid-incremental/ and fixtures/accepted-pool/
 * (must verify and restore). Each folder is replayed as a person would have it: the backup,
 * its sidecar and its pool/ side by side (poolReplay.ts). That the script makes them byte
 * for byte is checked with the other fixtures (fixtures.spec.ts).
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ERROR_CODES, isErrorCode } from '../../src/domain/errors.ts';
import { bytes } from '../support/zipCraft.ts';
import { writesOutsideStaging, type Replay } from '../support/hostileReplay.ts';
import { readFolder, replayFolder, type Folder } from './poolReplay.ts';

const FIXTURES = join(import.meta.dirname, '../../fixtures');
const corrupt = readdirSync(join(FIXTURES, 'corrupt-pool')).sort();
const accepted = readdirSync(join(FIXTURES, 'accepted-pool')).sort();
const folder = (...path: string[]) => readFolder(join(FIXTURES, ...path));
/** File contents only: restored files get casevault's modes. */
const content = (state: Record<string, string>) => Object.fromEntries(Object.entries(state).map(([p, v]) => [p, v.replace(/^(\w+) \d+/, '$1')]));

function expectRestoredIntact(result: Replay): void {
  expect(result.verify).toEqual({ ok: true });
  expect(result.restore).toEqual({ ok: true });
  // The fixtures back up the same data the replay's data dir holds.
  expect(content(result.dataAfter)).toEqual(content(result.dataBefore));
  expect(result.leftovers).toEqual([]);
  expect(writesOutsideStaging(result.writes)).toEqual([]);
}

describe('fixtures/corrupt-pool', () => {
  it('has a folder for each way a pool can be broken or hostile', () => {
    const codes = new Set(corrupt.map((f) => f.split('--')[0]));
    for (const code of ['POOL_OBJECT_MISSING', 'POOL_OBJECT_DAMAGED', 'INVALID_MANIFEST']) expect(codes).toContain(code);
    const what = corrupt.map((f) => f.split('--')[1]);
    for (const name of [
      'pack-missing', 'document-not-in-its-pack', 'pack-bytes-not-its-name', 'entry-not-its-document-name', 'entry-name-dot-dot',
      'entry-name-absolute', 'settings-in-pack', 'database-in-pack', 'entry-deflate-bomb-declared-huge', 'pack-size-differs-from-manifest',
      'pack-not-a-zip', 'pack-name-not-a-hash', 'pack-index-out-of-range', 'pack-listed-twice', 'no-packs-list',
    ]) {
      expect(what).toContain(name);
    }
  });

  it.each(corrupt)('%s: refused with the code in its name, nothing changed', async (name) => {
    const code = name.split('--')[0];
    expect(isErrorCode(code) && ERROR_CODES.includes(code)).toBe(true);
    const result = await replayFolder(folder('corrupt-pool', name));
    expect(result.verify.ok ? 'accepted' : result.verify.code, result.verify.ok ? '' : result.verify.message).toBe(code);
    expect(result.restore.ok ? 'accepted' : result.restore.code, result.restore.ok ? '' : result.restore.message).toBe(code);
    if (!result.restore.ok && code!.startsWith('POOL_')) {
      // The message names the documents it affects and, from the backup's database, their case.
      expect(result.restore.message).toMatch(/files\/[0-9a-f]{2}\/[0-9a-f]{64} \("doc-[12]\.txt"\)/);
      expect(result.restore.message).toContain('"Doe v. Roe" (case 1)');
    }
    expect(result.dataAfter).toEqual(result.dataBefore);
    expect(result.leftovers).toEqual([]);
    expect(result.jobsRunning).toBe(true);
    expect(writesOutsideStaging(result.writes)).toEqual([]);
  });
});

describe('fixtures/valid-incremental', () => {
  it('verifies and restores the data it was taken from', async () => {
    const valid = folder('valid-incremental');
    expect(valid.map(([path]) => path.replace(/[0-9a-f]{64}/, '<sha256>'))).toEqual([
      expect.stringMatching(/^casevault-backup-\d{8}T\d{9}Z\.zip$/),
      expect.stringMatching(/^casevault-backup-\d{8}T\d{9}Z\.zip\.sha256$/),
      'pool/<sha256>.zip',
    ]);
    expectRestoredIntact(await replayFolder(valid));
  });
});

describe('fixtures/accepted-pool', () => {
  it.each(accepted)('%s: verifies and restores', async (name) => {
    expectRestoredIntact(await replayFolder(folder('accepted-pool', name)));
  });
});

/** The valid folder with its pack (the one file under pool/) or sidecar changed. */
function changed(edit: { pack?: (zip: Uint8Array) => Uint8Array; sidecar?: (text: string) => string }): Folder {
  return folder('valid-incremental').map(([path, b]) => {
    if (path.startsWith('pool/') && edit.pack) return [path, edit.pack(b)] as const;
    if (path.endsWith('.sha256') && edit.sidecar) return [path, bytes(edit.sidecar(new TextDecoder().decode(b)))] as const;
    return [path, b] as const;
  });
}

describe('what only verify checks', () => {
  it('a pack whose bytes are not its name, its entries intact: verify refuses (POOL_OBJECT_DAMAGED), restore, which checks each entry, not the whole pack, restores the data', async () => {
    // The low byte of the first central record's "version made by" (the APPNOTE version): no reader uses it.
    const result = await replayFolder(changed({ pack: (zip) => {
      const copy = zip.slice();
      copy[findCentral(copy) + 4]! ^= 0x01;
      return copy;
    } }));
    expect(result.verify.ok ? 'accepted' : result.verify.code).toBe('POOL_OBJECT_DAMAGED');
    expect(result.verify.ok ? '' : result.verify.message).toMatch(/has SHA-256 [0-9a-f]{64}, not the one its name says/);
    expect(result.restore).toEqual({ ok: true });
    expect(content(result.dataAfter)).toEqual(content(result.dataBefore));
  });

  it('a sidecar that does not list a pack the backup needs: verify refuses (CHECKSUM_MISMATCH: the collector could remove the pack); restore does not read sidecars', async () => {
    const result = await replayFolder(changed({ sidecar: (text) => `${text.split('\n')[0]}\n` }));
    expect(result.verify.ok ? 'accepted' : result.verify.code).toBe('CHECKSUM_MISMATCH');
    expect(result.verify.ok ? '' : result.verify.message).toMatch(/does not list every pool pack the backup needs/);
    expect(result.restore).toEqual({ ok: true });
  });
});

/** The offset of the first central directory record. */
function findCentral(zip: Uint8Array): number {
  for (let i = 0; i + 4 <= zip.byteLength; i += 1) {
    if (zip[i] === 0x50 && zip[i + 1] === 0x4b && zip[i + 2] === 0x01 && zip[i + 3] === 0x02) return i;
  }
  throw new Error('no central record');
}
