/**
 * checkZipStructure on crafted ZIPs: each structural lie with its exact code and the
 * numbers in its message; what it reads (end, central directory, local headers, never the
 * data); truncation at every length; names decoded without yauzl's rewrites.
 */
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import yauzl from 'yauzl';
import { describe, expect, it } from 'vitest';
import { BackupError } from '../../src/domain/errors.ts';
import { checkZipStructure } from '../../src/infra/zip/zipStructure.ts';
import type { ReadHandle } from '../../src/ports/fileSystem.ts';
import { buildZip, bytes, concat, localHeaderBytes, nameOf, parseZip, storedEntry, type CraftEntry } from '../support/zipCraft.ts';

const FIXTURES = join(import.meta.dirname, '../../fixtures');
const valid = new Uint8Array(readFileSync(join(FIXTURES, 'valid', readdirSync(join(FIXTURES, 'valid')).find((f) => f.endsWith('.zip'))!)));
const entries = parseZip(valid);

function handleOver(zip: Uint8Array, reads: [number, number][] = []): ReadHandle {
  return {
    size: zip.byteLength,
    read: async (position, length) => {
      reads.push([position, length]);
      return zip.slice(position, Math.min(zip.byteLength, position + length));
    },
    close: async () => {},
  };
}

async function refusal(zip: Uint8Array): Promise<BackupError> {
  try {
    await checkZipStructure(handleOver(zip), 'x.zip');
  } catch (error) {
    if (error instanceof BackupError) return error;
    throw error;
  }
  throw new Error('accepted');
}

const change = (name: string, f: (e: CraftEntry) => CraftEntry) => entries.map((e) => (nameOf(e) === name ? f(e) : e));

describe('checkZipStructure', () => {
  it('accepts a valid backup and finds each entry where yauzl finds it', async () => {
    const structure = await checkZipStructure(handleOver(valid), 'valid.zip');
    const zip = await yauzl.fromBufferPromise(Buffer.from(valid), { lazyEntries: true });
    const starts: Record<string, number> = {};
    for await (const entry of zip.eachEntry()) starts[entry.fileName] = (await zip.readLocalFileHeaderPromise(entry, { minimal: true })).fileDataStart;
    zip.close();
    expect(Object.fromEntries(structure.entries.map((e) => [e.name, e.dataStart]))).toEqual(starts);
    expect(structure.entries.map((e) => e.type)).toEqual(entries.map(() => 'file'));
    expect(structure.zip64).toBe(false);
  });

  it('reads the end, the central directory and the local headers, never the data', async () => {
    const big = storedEntry('files/big', randomBytes(2 * 1024 * 1024), { flags: 0 });
    const zip = buildZip([entries[0]!, big, ...entries.slice(1)]);
    const reads: [number, number][] = [];
    const structure = await checkZipStructure(handleOver(zip, reads), 'big.zip');
    const { dataStart } = structure.entries.find((e) => e.name === 'files/big')!;
    const dataEnd = dataStart + big.data.byteLength;
    for (const [position, length] of reads) {
      // Only the 24 bytes before a local header (the previous entry's data descriptor) may touch data.
      expect(position + length <= dataStart || position >= dataEnd - 24, `read ${position}+${length}`).toBe(true);
    }
    const total = reads.reduce((n, [, l]) => n + l, 0);
    expect(total).toBeLessThan(2_000);
  });

  it('needs one small read per entry (5,000 entries)', async () => {
    const many = Array.from({ length: 5000 }, (_, i) => storedEntry(`files/${i}`, bytes(String(i)), { flags: 0 }));
    const zip = buildZip(many);
    const reads: [number, number][] = [];
    const started = performance.now();
    const structure = await checkZipStructure(handleOver(zip, reads), 'many.zip');
    expect(structure.entries).toHaveLength(5000);
    expect(reads.length).toBeLessThanOrEqual(5000 + 5);
    expect(Math.max(...reads.slice(3).map(([, l]) => l))).toBeLessThan(200);
    expect(performance.now() - started).toBeLessThan(5_000);
  });

  it('refuses a truncation at every length: TRUNCATED, or NOT_A_ZIP before the first signature is whole', async () => {
    for (let length = 0; length < valid.byteLength; length += 1) {
      const error = await refusal(valid.slice(0, length));
      expect(error.code, `cut at ${length}: ${error.message}`).toBe(length < 4 ? 'NOT_A_ZIP' : 'TRUNCATED');
    }
  });

  it('refuses bytes after the end record, naming how many', async () => {
    const error = await refusal(concat([valid, bytes('junk!')]));
    expect(error.code).toBe('CORRUPT_ENTRY');
    expect(error.message).toMatch(/5 bytes follow the end of the ZIP/);
  });

  it('refuses bytes before the first entry, with or without adjusted offsets', async () => {
    const prefix = bytes('#!/bin/sh\nexit 0\n');
    expect((await refusal(buildZip(entries, { prefix, adjustOffsets: true }))).message).toMatch(/17 bytes of unknown data before the first entry/);
    expect((await refusal(buildZip(entries, { prefix }))).message).toMatch(/ends 17 bytes before the end record/);
  });

  it('refuses a second end record hidden in the comment', async () => {
    const fake = concat([[0x50, 0x4b, 0x05, 0x06], new Uint8Array(16), [0, 0]]);
    const error = await refusal(buildZip(entries, { comment: fake }));
    expect(error.code).toBe('CORRUPT_ENTRY');
    expect(error.message).toMatch(/2 end records/);
  });

  it('accepts a comment that merely contains the signature', async () => {
    await expect(checkZipStructure(handleOver(buildZip(entries, { comment: bytes('see PK\x05\x06 in the spec') })), 'c.zip')).resolves.toBeDefined();
  });

  it('refuses an entry count that hides entries, in either direction', async () => {
    const hidden = [...entries, storedEntry('payload.exe', bytes('MZ'))];
    expect((await refusal(buildZip(hidden, { entryCount: entries.length }))).message).toMatch(`says ${entries.length} entries, but the central directory holds ${entries.length + 1}`);
    expect((await refusal(buildZip(entries, { entryCount: entries.length + 3 }))).message).toMatch(`says ${entries.length + 3} entries, but the central directory holds ${entries.length}`);
  });

  it('refuses local headers that disagree with the central directory', async () => {
    const settings = 'settings.json';
    const cases: [CraftEntry[], RegExp][] = [
      [change(settings, (e) => ({ ...e, local: { name: bytes('settings.jsoN') } })), /central directory names an entry "settings.json", its local header at \d+ "settings.jsoN"/],
      [change(settings, (e) => ({ ...e, local: { method: 0 } })), /local header says compression method 0, the central directory 8/],
      [change(settings, (e) => ({ ...e, local: { flags: e.flags & ~0x08 } })), /local header has flags 0x0, the central directory 0x8/],
      [change(settings, (e) => ({ ...e, local: { crc32: 1234 } })), /local header says CRC-32 1234/],
      [change(settings, (e) => ({ ...e, local: { compressedSize: 7 } })), /local header says compressed size 7, the central directory \d+/],
      [change(settings, (e) => ({ ...e, descriptor: 'none', flags: 0, local: { uncompressedSize: 0 } })), /local header says uncompressed size 0, the central directory 32/],
      [change(settings, (e) => ({ ...e, crc32: 99, central: { crc32: e.crc32 } })), /data descriptor at \d+ says CRC-32 63/],
      [change(settings, (e) => ({ ...e, local: { extra: bytes('\x01\x00\xff') } })), /extra field ends in the middle|declares \d+ bytes/],
    ];
    for (const [list, message] of cases) {
      const error = await refusal(buildZip(list));
      expect(error.code).toBe('CORRUPT_ENTRY');
      expect(error.message).toMatch(message);
    }
  });

  it('accepts zeros in a local header with a data descriptor, as streaming writers leave them', async () => {
    await expect(checkZipStructure(handleOver(valid), 'v.zip')).resolves.toBeDefined(); // the fixture's headers hold zeros
    expect(localHeaderBytes(entries[0]!).subarray(14, 26)).toEqual(new Uint8Array(12));
  });

  it('refuses overlapping entries: a local header inside another entry, a shared local header, data running into the directory', async () => {
    const [a, b] = [storedEntry('files/a', bytes('a'.repeat(100)), { flags: 0 }), storedEntry('files/b', bytes('b'), { flags: 0 })];
    const inner = concat([localHeaderBytes(b), b.data]);
    const outer = storedEntry('files/a', concat([inner, a.data]), { flags: 0 });
    const bomb = buildZip([outer, { ...b, omitLocal: true, central: { localHeaderOffset: 30 + 7 } }]);
    expect((await refusal(bomb)).message).toMatch(/entry "files\/b" at 37 lies inside the data of entry "files\/a" \(0–\d+\); overlapping entries/);
    const shared = buildZip([a, { ...a, name: bytes('files/c'), omitLocal: true, central: { localHeaderOffset: 0, name: bytes('files/c') } }]);
    expect((await refusal(shared)).message).toMatch(/share the local header at 0/);
    const long = buildZip([{ ...a, flags: 0x08, descriptor: 'signed', central: { compressedSize: 10_000 } }]);
    expect((await refusal(long)).message).toMatch(/its 10000 bytes of data from 37 run past the central directory/);
  });

  it('refuses junk between entries, and a local entry the central directory does not list', async () => {
    const hidden = buildZip(entries.flatMap((e, i) => (i === 2 ? [{ ...storedEntry('payload.exe', bytes('MZ')), omitCentral: true }, e] : [e])));
    const error = await refusal(hidden);
    expect(error.code).toBe('CORRUPT_ENTRY');
    expect(error.message).toMatch(/\d+ bytes of unknown data between entry "[^"]+" \(ends at \d+, data descriptor expected\) and entry "[^"]+" at \d+; junk or a hidden entry/);
    const junk = buildZip(change('settings.json', (e) => ({ ...e, descriptor: 'none', flags: 0, data: concat([e.data, bytes('??')]), local: { compressedSize: e.data.byteLength }, central: { compressedSize: e.data.byteLength } })));
    expect((await refusal(junk)).message).toMatch(/2 bytes of unknown data between entry "settings.json" \(ends at \d+\) and entry "[^"]+" at \d+/);
  });

  it('accepts a correct ZIP64 end record and ZIP64 extra fields', async () => {
    const structure = await checkZipStructure(handleOver(buildZip(entries, { zip64: true })), 'z64.zip');
    expect(structure.zip64).toBe(true);
    expect(structure.entries).toHaveLength(entries.length);
    const e = storedEntry('files/x', bytes('hello'), { flags: 0, versionNeeded: 45 });
    const sizes = concat([[0x01, 0x00, 16, 0], [5, 0, 0, 0, 0, 0, 0, 0], [5, 0, 0, 0, 0, 0, 0, 0]]);
    const max = { compressedSize: 0xffffffff, uncompressedSize: 0xffffffff, extra: sizes };
    const withExtras = await checkZipStructure(handleOver(buildZip([{ ...e, local: max, central: max }])), 'x.zip');
    expect(withExtras.entries[0]).toMatchObject({ compressedSize: 5, uncompressedSize: 5 });
  });

  it('refuses ZIP64 records that lie or are missing', async () => {
    const z = buildZip(entries, { zip64: true });
    const edit = (at: number, value: number, next = z[at + 1]!) => {
      const copy = z.slice();
      copy[at] = value;
      copy[at + 1] = next;
      return copy;
    };
    const locator = z.byteLength - 22 - 20;
    expect((await refusal(edit(locator + 16, 2))).code).toBe('UNSUPPORTED'); // two disks
    expect((await refusal(edit(locator + 8, z[locator + 8]! - 1))).message).toMatch(/no ZIP64 end record at|does not end at its locator/);
    expect((await refusal(edit(z.byteLength - 22 + 10, 3, 0))).message).toMatch(/the end record says entry count 3, the ZIP64 end record 6/);
    const e = storedEntry('files/x', bytes('hello'), { flags: 0 });
    expect((await refusal(buildZip([{ ...e, central: { compressedSize: 0xffffffff } }]))).message).toMatch(/compressed size is 0xffffffff but there is no ZIP64 extra field/);
  });

  it('refuses multi-disk archives as UNSUPPORTED', async () => {
    expect((await refusal(buildZip(entries, { disk: 1, directoryDisk: 1 }))).message).toMatch(/part 2 of a multi-disk/);
    const onDisk2 = buildZip(change('settings.json', (e) => ({ ...e, central: { diskStart: 1 } })));
    const error = await refusal(onDisk2);
    expect(error.code).toBe('UNSUPPORTED');
    expect(error.message).toMatch(/starts on disk 2/);
  });

  it('decodes names itself: CP437 control bytes stay control characters, the Unicode Path extra field is ignored', async () => {
    const cp437 = await checkZipStructure(handleOver(buildZip([storedEntry(Uint8Array.from([0x66, 0x01, 0x82]), bytes('x'), { flags: 0 })])), 'n.zip');
    expect(cp437.entries[0]!.name).toBe('f\u0001é');
    const unicodePath = concat([[0x75, 0x70], [5 + 10, 0], [1, 0, 0, 0, 0], bytes('../../evil')]);
    const spoofed = await checkZipStructure(handleOver(buildZip([storedEntry('settings.json', bytes('{}'), { flags: 0, centralExtra: unicodePath, localExtra: unicodePath })])), 'u.zip');
    expect(spoofed.entries[0]!.name).toBe('settings.json');
    const utf8 = await checkZipStructure(handleOver(buildZip([storedEntry('files/résumé', bytes('x'))])), 'u8.zip');
    expect(utf8.entries[0]!.name).toBe('files/résumé');
  });

  it('reads the unix file type whatever host made the entry', async () => {
    const types = await checkZipStructure(
      handleOver(
        buildZip([
          storedEntry('a', bytes('/etc/passwd'), { versionMadeBy: 0x0014, externalAttributes: (0o120777 << 16) >>> 0 }),
          storedEntry('b', bytes(''), { externalAttributes: (0o010644 << 16) >>> 0 }),
          storedEntry('c/', bytes(''), { externalAttributes: 0x10 }),
          storedEntry('d', bytes('x'), { externalAttributes: (0o104777 << 16) >>> 0 }),
        ]),
      ),
      't.zip',
    );
    expect(types.entries.map((e) => e.type)).toEqual(['symlink', 'other', 'directory', 'file']);
  });
});
