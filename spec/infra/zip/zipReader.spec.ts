/**
 * The ZIP reader's two inflate paths and its reused read buffers, at the sizes where they
 * change: stored entries stream through two 1 MiB buffers that take turns; a deflated entry
 * of up to 4 MiB (compressed and inflated) is inflated in one piece, a larger one streams.
 * Each entry is consumed as the domain does (hash each chunk, then ask for the next), and
 * its SHA-256 must be the original's; a lying size must be caught on either path.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deflateRawSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { createMemoryFileSystem } from '../../../src/infra/memfs/memoryFileSystem.ts';
import { createNodeFileSystem } from '../../../src/infra/nodefs/nodeFileSystem.ts';
import { createZipArchive } from '../../../src/infra/zip/zipArchive.ts';
import type { FileSystem } from '../../../src/ports/fileSystem.ts';
import { buildZip, deflatedEntry, storedEntry, type CraftEntry } from '../../support/zipCraft.ts';

const MiB = 1 << 20;
const NAME = 'files/aa/x';
const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

/** Text that deflates about 3:1, deterministic. */
function text(length: number, seed: number): Uint8Array {
  const out = new Uint8Array(length);
  let s = seed;
  for (let i = 0; i < length; i += 1) {
    s = (s * 1103515245 + 12345) >>> 0;
    out[i] = s % 11 === 0 ? 32 : 97 + ((s >>> 16) % 8);
  }
  return out;
}

/** Streams an entry as the domain does: each chunk hashed before the next is asked for. */
async function hashEntry(fs: FileSystem, path: string, name: string) {
  const reader = await createZipArchive(fs).open(path);
  try {
    const entry = reader.entries.find((e) => e.name === name)!;
    const hash = createHash('sha256');
    let size = 0;
    for await (const chunk of reader.openEntry(entry)) {
      hash.update(chunk);
      size += chunk.byteLength;
    }
    return { sha256: hash.digest('hex'), size };
  } finally {
    await reader.close();
  }
}

const scratch = mkdtempSync(join(tmpdir(), 'casevault-zipreader-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const adapters: [string, () => { fs: FileSystem; dir: string }][] = [
  ['memfs', () => ({ fs: createMemoryFileSystem(), dir: '/' })],
  ['node:fs', () => ({ fs: createNodeFileSystem(), dir: scratch })],
];

describe.each(adapters)('zip reader over %s', (_, make) => {
  const cases = [
    { label: 'stored, 5 MiB + 3 (six reads through two buffers)', bytes: new Uint8Array(randomBytes(5 * MiB + 3)), deflate: false },
    { label: 'stored, exactly 2 MiB', bytes: new Uint8Array(randomBytes(2 * MiB)), deflate: false },
    { label: 'deflated, 4 MiB inflated (one piece)', bytes: text(4 * MiB, 1), deflate: true },
    { label: 'deflated, 4 MiB + 1 inflated (streamed)', bytes: text(4 * MiB + 1, 2), deflate: true },
    { label: 'deflated, 9 MiB (streamed, several compressed chunks)', bytes: new Uint8Array(Buffer.concat([text(6 * MiB, 3), randomBytes(3 * MiB)])), deflate: true },
  ];
  it.each(cases)('reads $label back with its SHA-256', async ({ bytes, deflate }) => {
    const { fs, dir } = make();
    const path = fs.join(dir, `r-${Math.random().toString(36).slice(2)}.zip`);
    const entry = deflate ? deflatedEntry(NAME, bytes) : storedEntry(NAME, bytes);
    await fs.writeFile(path, buildZip([storedEntry('before', new Uint8Array(randomBytes(1000))), entry, storedEntry('after', new Uint8Array(10))]));
    expect(await hashEntry(fs, path, NAME)).toEqual({ sha256: sha256(bytes), size: bytes.byteLength });
    await fs.remove(path);
  });

  // Damaged deflate streams, on both paths: each is refused with CORRUPT_ENTRY (and none hangs).
  const damaged: { what: string; entry: (bytes: Uint8Array) => CraftEntry; message?: RegExp }[] = [
    {
      what: 'that inflates past its declared size (a bomb)',
      entry: (bytes) => deflatedEntry(NAME, bytes, { uncompressedSize: bytes.byteLength - 1000 }),
      message: /expected \d+ bytes, got more/,
    },
    {
      what: 'cut short',
      entry: (bytes) => {
        const deflated = deflateRawSync(bytes);
        return deflatedEntry(NAME, bytes, { data: deflated.subarray(0, deflated.byteLength >> 1) });
      },
    },
    {
      what: 'broken in the middle',
      entry: (bytes) => {
        const deflated = new Uint8Array(deflateRawSync(bytes));
        for (let i = deflated.byteLength >> 1; i < (deflated.byteLength >> 1) + 64; i += 1) deflated[i] = 0xff;
        return deflatedEntry(NAME, bytes, { data: deflated });
      },
    },
  ];
  const paths = [
    ['one piece', 100_000],
    ['streamed', 6 * MiB],
  ] as const;
  it.each(damaged.flatMap((d) => paths.map(([path, length]) => ({ ...d, path, length }))))(
    'refuses a deflate stream $what ($path)',
    async ({ entry, message, length }) => {
      const { fs, dir } = make();
      const path = fs.join(dir, `damaged-${Math.random().toString(36).slice(2)}.zip`);
      await fs.writeFile(path, buildZip([entry(text(length, 4))]));
      await expect(hashEntry(fs, path, NAME)).rejects.toMatchObject({ code: 'CORRUPT_ENTRY', ...(message ? { message: expect.stringMatching(message) } : {}) });
      await fs.remove(path);
    },
    20_000,
  );
});
