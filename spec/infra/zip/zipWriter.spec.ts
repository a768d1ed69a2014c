import { spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deflateRawSync } from 'node:zlib';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { createMemoryFileSystem } from '../../../src/infra/memfs/memoryFileSystem.ts';
import { createZipArchive } from '../../../src/infra/zip/zipArchive.ts';
import { createZipWriter, type ZipWriterOptions } from '../../../src/infra/zip/zipWriter.ts';
import type { WriteHandle } from '../../../src/ports/fileSystem.ts';

/** A WriteHandle into memory, recording how it was used. */
function memoryOutput() {
  const chunks: Uint8Array[] = [];
  const record = { writes: 0, closed: false, aborted: false, bytes: () => new Uint8Array(Buffer.concat(chunks)) };
  const handle: WriteHandle = {
    write: async (chunk) => {
      record.writes += 1;
      chunks.push(new Uint8Array(chunk)); // a copy: the writer may reuse nothing it handed over
    },
    close: async () => void (record.closed = true),
    abort: async () => void (record.aborted = true),
  };
  return { handle, record };
}

async function* chunked(bytes: Uint8Array, sizes: readonly number[]): AsyncGenerator<Uint8Array> {
  let at = 0;
  for (let i = 0; at < bytes.byteLength; i += 1) {
    const n = Math.max(1, sizes[i % Math.max(1, sizes.length)] ?? bytes.byteLength);
    yield bytes.subarray(at, at + n);
    at += n;
  }
}

interface Input {
  readonly name: string;
  readonly bytes: Uint8Array;
}

async function writeZip(inputs: readonly Input[], options: Partial<ZipWriterOptions> = {}, sizes: readonly number[] = []) {
  const { handle, record } = memoryOutput();
  const writer = createZipWriter(handle, { level: 6, modified: new Date('2026-11-25T12:34:56'), ...options });
  for (const input of inputs) await writer.add(input.name, chunked(input.bytes, sizes));
  await writer.finish();
  return { zip: record.bytes(), written: writer.written(), record };
}

/** Reads a ZIP back through our reader (the structural check, then yauzl with CRC checks). */
async function readBack(zip: Uint8Array): Promise<Map<string, Uint8Array>> {
  const fs = createMemoryFileSystem();
  await fs.writeFile('/a.zip', zip);
  const reader = await createZipArchive(fs).open('/a.zip');
  const out = new Map<string, Uint8Array>();
  try {
    for (const entry of reader.entries) {
      const parts: Uint8Array[] = [];
      for await (const chunk of reader.openEntry(entry)) parts.push(new Uint8Array(chunk));
      out.set(entry.name, new Uint8Array(Buffer.concat(parts)));
    }
  } finally {
    await reader.close();
  }
  return out;
}

const scratch = mkdtempSync(join(tmpdir(), 'casevault-zipwriter-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));
const hasUnzip = spawnSync('unzip', ['-v']).status === 0;
const hasPython = spawnSync('python3', ['-c', 'import zipfile']).status === 0;
const hasSevenZip = spawnSync('7zz', ['i', '-bso0']).status === 0;

/** `unzip -t`, `7zz t` and Python's zipfile on the same bytes (each where installed). */
function externalCheck(zip: Uint8Array, expected: readonly Input[]): void {
  const path = join(scratch, `check-${Math.random().toString(36).slice(2)}.zip`);
  writeFileSync(path, zip);
  try {
    if (hasUnzip) {
      const unzip = spawnSync('unzip', ['-t', '-q', path], { encoding: 'utf8' });
      // An empty archive is valid; unzip only warns that it is empty.
      expect(unzip.stdout + unzip.stderr).toContain(expected.length === 0 ? 'zipfile is empty' : 'No errors detected');
    }
    if (hasSevenZip && expected.length > 0) {
      const seven = spawnSync('7zz', ['t', '-bso0', '-bsp0', path], { encoding: 'utf8' });
      expect(seven.stderr, '7zz t').toBe('');
      expect(seven.status, '7zz t').toBe(0);
    }
    if (hasPython) {
      const script =
        'import hashlib,json,sys,zipfile\nz=zipfile.ZipFile(sys.argv[1])\nassert z.testzip() is None\nprint(json.dumps({n: hashlib.sha256(z.read(n)).hexdigest() for n in json.loads(sys.argv[2])}))';
      const python = spawnSync('python3', ['-c', script, path, JSON.stringify(expected.map((e) => e.name))], { encoding: 'utf8' });
      expect(python.stderr).toBe('');
      const sums = JSON.parse(python.stdout) as Record<string, string>;
      for (const input of expected) expect(sums[input.name]).toBe(sha256(input.bytes));
    }
  } finally {
    rmSync(path, { force: true });
  }
}

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

function prose(length: number, seed = 1): Uint8Array {
  const words = ['court', 'order', 'hearing', 'the', 'of', 'plaintiff', 'shall', 'motion', 'Müller', 'filed', 'appeal', 'section'];
  let s = seed;
  let text = '';
  while (text.length < length) {
    s = (s * 1103515245 + 12345) >>> 0;
    text += `${words[s % words.length]}${s % 7 === 0 ? '.\n' : ' '}${s % 13 === 0 ? String(s % 9973) : ''}`;
  }
  return new TextEncoder().encode(text).subarray(0, length);
}

const arbName = fc.oneof(
  fc.constantFrom('database.sqlite', 'settings.json', 'manifest.json', 'backup-metadata.json'),
  fc.stringMatching(/^files\/[0-9a-f]{2}\/[0-9a-f]{8}$/),
  fc.string({ minLength: 1, maxLength: 20 }).map((s) => `docs/${s.replace(/[/\\\0]/g, '_')}é`),
);
const arbBytes = fc.oneof(
  fc.uint8Array({ maxLength: 5000 }),
  fc.tuple(fc.integer({ min: 0, max: 300_000 }), fc.integer({ min: 1, max: 1000 })).map(([n, seed]) => prose(n, seed)),
  fc.integer({ min: 0, max: 200_000 }).map((n) => new Uint8Array(randomBytes(n))),
  fc.integer({ min: 0, max: 100_000 }).map((n) => new Uint8Array(n)),
);
const arbEntries = fc.uniqueArray(fc.record({ name: arbName, bytes: arbBytes }), { selector: (e) => e.name, maxLength: 8 });

describe('createZipWriter', () => {
  it('writes entries that our reader, unzip -t and Python zipfile read back byte for byte', async () => {
    await fc.assert(
      fc.asyncProperty(
        arbEntries,
        fc.array(fc.integer({ min: 1, max: 100_000 }), { maxLength: 5 }),
        fc.constantFrom(1024, 16 * 1024, 1 << 20),
        fc.constantFrom(0, 1, 6, 9),
        async (entries, sizes, blockSize, level) => {
          const { zip, written } = await writeZip(entries, { blockSize, level, maxInFlight: 4 * blockSize }, sizes);
          const back = await readBack(zip);
          expect([...back.keys()]).toEqual(entries.map((e) => e.name));
          for (const e of entries) expect(Buffer.from(back.get(e.name)!).equals(Buffer.from(e.bytes))).toBe(true);
          if (level === 0) expect(written.every((w) => w.method === 0)).toBe(true);
          externalCheck(zip, entries);
        },
      ),
      { numRuns: 25 },
    );
  });

  it('stores what does not compress and deflates what does', async () => {
    const inputs = [
      { name: 'random.pdf', bytes: new Uint8Array(randomBytes(300_000)) },
      { name: 'letter.txt', bytes: prose(300_000) },
      { name: 'tiny.json', bytes: new TextEncoder().encode('{"a":1}') },
      { name: 'empty', bytes: new Uint8Array(0) },
      { name: 'zeros', bytes: new Uint8Array(100_000) },
    ];
    const { written, zip } = await writeZip(inputs);
    const method = Object.fromEntries(written.map((w) => [w.name, w.method]));
    expect(method).toEqual({ 'random.pdf': 0, 'letter.txt': 8, 'tiny.json': 8, empty: 0, zeros: 8 });
    const random = written.find((w) => w.name === 'random.pdf')!;
    expect(random.compressedSize).toBe(300_000);
    externalCheck(zip, inputs);
  });

  it('deflates in blocks to nearly the size of one deflate stream', async () => {
    const text = prose(3_000_000, 7);
    const { written, zip } = await writeZip([{ name: 'big.txt', bytes: text }], { blockSize: 256 * 1024 }, [100_000]);
    const single = deflateRawSync(text, { level: 6 }).byteLength;
    expect(written[0]!.compressedSize).toBeLessThan(single * 1.01);
    expect(Buffer.from((await readBack(zip)).get('big.txt')!).equals(Buffer.from(text))).toBe(true);
  });

  it('gathers output into large writes and closes the output once', async () => {
    const inputs = Array.from({ length: 50 }, (_, i) => ({ name: `files/${String(i).padStart(2, '0')}`, bytes: prose(20_000, i) }));
    const { record } = await writeZip(inputs, { writeSize: 1 << 20 });
    expect(record.writes).toBe(1);
    expect(record.closed).toBe(true);
  });

  it('surfaces a failing source from add and leaves the output to abort', async () => {
    const { handle, record } = memoryOutput();
    const writer = createZipWriter(handle, { level: 6, modified: new Date() });
    await writer.add('a.txt', chunked(prose(10_000), []));
    async function* broken(): AsyncGenerator<Uint8Array> {
      yield prose(5000);
      throw new Error('disk gone');
    }
    await expect(writer.add('b.txt', broken())).rejects.toThrow('disk gone');
    await writer.abort();
    expect(record.aborted).toBe(true);
    expect(record.closed).toBe(false);
  });

  it('surfaces a failing output at the next add or at finish, and never writes after abort', async () => {
    let writes = 0;
    const failing: WriteHandle = {
      write: async () => {
        writes += 1;
        throw new Error('ENOSPC');
      },
      close: async () => {},
      abort: async () => {},
    };
    const writer = createZipWriter(failing, { level: 6, modified: new Date(), writeSize: 1024 });
    await writer.add('a.txt', chunked(prose(200_000), [])).catch(() => {});
    await expect(
      (async () => {
        await writer.add('b.txt', chunked(prose(200_000), []));
        await writer.finish();
      })(),
    ).rejects.toThrow('ENOSPC');
    await writer.abort();
    const after = writes;
    await new Promise((r) => setTimeout(r, 20));
    expect(writes).toBe(after);
  });

  it('adds ZIP64 end records only past 65,534 entries, and readers follow them', async () => {
    const few = await writeZip([{ name: 'a', bytes: prose(100) }]);
    expect(Buffer.from(few.zip).indexOf(Buffer.from([0x50, 0x4b, 0x06, 0x06]))).toBe(-1);
    const inputs = Array.from({ length: 65_600 }, (_, i) => ({ name: `e/${i}`, bytes: new Uint8Array(i % 1000 === 0 ? 10 : 0) }));
    const { zip } = await writeZip(inputs);
    const end = Buffer.from(zip.subarray(zip.byteLength - 22));
    expect(end.readUInt32LE(0)).toBe(0x06054b50);
    expect(end.readUInt16LE(10)).toBe(0xffff); // the count lives in the ZIP64 end record
    const locator = Buffer.from(zip.subarray(zip.byteLength - 42, zip.byteLength - 22));
    expect(locator.readUInt32LE(0)).toBe(0x07064b50);
    const fs = createMemoryFileSystem();
    await fs.writeFile('/big.zip', zip);
    const reader = await createZipArchive(fs).open('/big.zip');
    try {
      expect(reader.entries.length).toBe(65_600);
      const last = reader.entries.find((e) => e.name === 'e/65000')!;
      const parts: Uint8Array[] = [];
      for await (const chunk of reader.openEntry(last)) parts.push(chunk.slice());
      expect(new Uint8Array(Buffer.concat(parts))).toEqual(new Uint8Array(10));
    } finally {
      await reader.close();
    }
    externalCheck(zip, inputs.slice(0, 3));
  });
});

/**
 * What the store-or-deflate decision must hold on any data (issue 15: a scan's compressible
 * strips came after 8 KiB sampled from its first block, and zip -6 made it 15 % smaller).
 */
describe('createZipWriter: deflate what compresses wherever it is', () => {
  const KiB = 1024;
  /** Deterministic bytes (a seeded xorshift), so that a failure replays byte for byte. */
  const noise = (length: number, seed: number): Uint8Array => {
    const out = new Uint8Array(length);
    let x = (seed * 2654435761) >>> 0 || 1;
    for (let i = 0; i < length; i += 1) {
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      out[i] = x >>> 24;
    }
    return out;
  };
  type Kind = 'random' | 'prose' | 'white' | 'zeros' | 'base64' | 'sevenBit';
  const region = (kind: Kind, length: number, seed: number): Uint8Array => {
    switch (kind) {
      case 'random':
        return noise(length, seed);
      case 'prose':
        return prose(length, seed);
      case 'white': {
        // A scanned page's white strip: 0xFF with 2 % noise.
        const out = new Uint8Array(length).fill(0xff);
        const r = noise(length, seed);
        for (let i = 0; i < length; i += 1) if (r[i]! < 5) out[i] = r[(i * 7) % length]!;
        return out;
      }
      case 'zeros':
        return new Uint8Array(length);
      case 'base64':
        return new TextEncoder().encode(Buffer.from(noise(length, seed)).toString('base64')).subarray(0, length);
      case 'sevenBit':
        return noise(length, seed).map((b) => b & 0x7f);
    }
  };
  const build = (regions: readonly { kind: Kind; length: number }[]) => new Uint8Array(Buffer.concat(regions.map((r, i) => region(r.kind, r.length, i + 1))));
  /** The bound: 1 % over one level-6 deflate stream of the same bytes, plus this per entry. */
  const PER_ENTRY = 1024;

  it('is never more than 1 % over one level-6 deflate (+1 KiB an entry) for regions of 16 KiB or more in any order and proportion', async () => {
    let run = 0;
    const arbRegion = fc.record({
      kind: fc.constantFrom<Kind>('random', 'random', 'prose', 'white', 'zeros', 'base64', 'sevenBit'),
      length: fc.integer({ min: 16 * KiB, max: 700 * KiB }),
    });
    await fc.assert(
      fc.asyncProperty(
        fc.array(arbRegion, { minLength: 1, maxLength: 10 }),
        fc.array(fc.integer({ min: 1, max: 300_000 }), { maxLength: 4 }),
        // 0: every entry longer than a block is method 8 (its stored parts as stored deflate blocks)
        fc.constantFrom(0, 4 << 20),
        async (regions, sizes, lookahead) => {
          const bytes = build(regions);
          const { written, zip } = await writeZip([{ name: 'doc', bytes }], { lookahead }, sizes);
          const single = deflateRawSync(bytes, { level: 6 }).byteLength;
          if (process.env.CASEVAULT_ZIP_RATIOS) console.log(`ratio ${(written[0]!.compressedSize / single).toFixed(4)} over ${single} (${regions.map((r) => `${r.kind}:${r.length}`).join(' ')}) lookahead ${lookahead}`);
          expect(written[0]!.compressedSize).toBeLessThanOrEqual(Math.min(single * 1.01, bytes.byteLength * 1.0001) + PER_ENTRY);
          expect(Buffer.from((await readBack(zip)).get('doc')!).equals(Buffer.from(bytes))).toBe(true);
          if (run++ % 4 === 0) externalCheck(zip, [{ name: 'doc', bytes }]); // every fourth: the external tools take ~0.5 s
        },
      ),
      { numRuns: Number(process.env.CASEVAULT_ZIP_RUNS ?? 40) },
    );
  });

  it('finds a 16 KiB compressible region anywhere in a large incompressible entry', async () => {
    const size = 2 * 1024 * KiB + 12_345;
    const base = noise(size, 99);
    const framing = 5 * (17 + 17 + 1); // all stored: 17 stored deflate blocks of 5 header bytes per MiB, one for the tail
    const baseDeflated = deflateRawSync(base, { level: 6 }).byteLength;
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: size - 16 * KiB }), fc.constantFrom<Kind>('prose', 'white', 'base64'), async (at, kind) => {
        const bytes = base.slice();
        bytes.set(region(kind, 16 * KiB, at), at);
        // No lookahead: method 8 whatever the first block holds, as for an entry of more than 4 MiB.
        const { written } = await writeZip([{ name: 'scan.pdf', bytes }], { lookahead: 0 }, [1 << 20]);
        // What the region saves in one level-6 stream of the whole entry. A quarter of it at
        // least (base64 saves 25 % on its own, less beside the random bytes deflated with it;
        // prose and a white strip save far more); missed, it would save nothing.
        const saved = baseDeflated - deflateRawSync(bytes, { level: 6 }).byteLength;
        expect(written[0]!.method).toBe(8);
        expect(written[0]!.compressedSize).toBeLessThan(size + framing - saved / 4);
      }),
      { numRuns: 40 },
    );
  });

  it('deflates a scan whose first megabytes are images (the bug of issue 15) and checks with unzip, 7-Zip and Python', async () => {
    // 6 MiB of "JPEG" first, then pages: white strips, OCR text, more images.
    const bytes = build([
      { kind: 'random', length: 6 << 20 },
      { kind: 'white', length: 700 * KiB },
      { kind: 'prose', length: 60 * KiB },
      { kind: 'random', length: 2 << 20 },
      { kind: 'prose', length: 40 * KiB },
      { kind: 'random', length: 300 * KiB },
    ]);
    const inputs = [{ name: 'scan.pdf', bytes }];
    const { written, zip } = await writeZip(inputs, {}, [1 << 20]); // read as a file is: 1 MiB at a time
    const single = deflateRawSync(bytes, { level: 6 }).byteLength;
    expect(written[0]!.method).toBe(8);
    expect(written[0]!.compressedSize).toBeLessThanOrEqual(single * 1.01);
    externalCheck(zip, inputs);
  });

  it('stores an incompressible entry seen whole, and frames a longer one as stored deflate blocks', async () => {
    const inputs = [
      { name: 'small.pdf', bytes: noise(3 << 20, 1) },
      { name: 'long.pdf', bytes: noise(5 << 20, 2) },
      { name: 'tail', bytes: noise((4 << 20) + 100, 3) }, // a block too short to sample at the end
    ];
    const { written, zip } = await writeZip(inputs, {}, [1 << 20]);
    const byName = Object.fromEntries(written.map((w) => [w.name, w]));
    expect(byName['small.pdf']).toMatchObject({ method: 0, compressedSize: 3 << 20 });
    expect(byName['long.pdf']!.method).toBe(8);
    // Five blocks of 1 MiB, each as 17 stored deflate blocks of 5 header bytes.
    expect(byName['long.pdf']!.compressedSize).toBe((5 << 20) + 5 * 17 * 5);
    expect(byName.tail!.method).toBe(8);
    externalCheck(zip, inputs);
  });
});
