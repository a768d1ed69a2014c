/**
 * Bombs and limits: a deflate bomb is stopped while inflating (not after), a declared-huge
 * one before, too many entries and too many bytes are refused before anything is written,
 * each limit is configurable, and the free space bounds the total (NO_SPACE). Names that
 * collide after case folding or normalization, and files where folders must be.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BackupError } from '../../src/domain/errors.ts';
import { collisionKey, nameCollisions } from '../../src/domain/layout.ts';
import { createMemoryFileSystem } from '../../src/infra/memfs/memoryFileSystem.ts';
import { createZipArchive } from '../../src/infra/zip/zipArchive.ts';
import { createMemoryHarness, DATA_DIR } from '../support/memoryHarness.ts';
import { populateSmall, replay, type Outcome } from '../support/hostileReplay.ts';
import { buildZip, bytes, nameOf, parseZip, storedEntry } from '../support/zipCraft.ts';

const FIXTURES = join(import.meta.dirname, '../../fixtures');
const valid = new Uint8Array(readFileSync(join(FIXTURES, 'valid', readdirSync(join(FIXTURES, 'valid')).find((f) => f.endsWith('.zip'))!)));
const corrupt = (file: string) => new Uint8Array(readFileSync(join(FIXTURES, 'corrupt', file)));

function refused(o: Outcome): { code: string; message: string } {
  if (o.ok) throw new Error('expected a refusal, got success');
  return { code: o.code, message: o.message };
}

describe('a deflate bomb', () => {
  it('declared small is stopped at its declared size while inflating, never inflated whole', async () => {
    const fs = createMemoryFileSystem();
    await fs.writeFile('/bomb.zip', corrupt('CORRUPT_ENTRY--deflate-bomb-declared-small.zip'));
    const reader = await createZipArchive(fs).open('/bomb.zip');
    const entry = reader.entries.find((e) => e.name === 'settings.json')!;
    expect(entry.uncompressedSize).toBe(32);
    let seen = 0;
    const error = await (async () => {
      try {
        for await (const chunk of reader.openEntry(entry)) seen += chunk.byteLength;
      } catch (e) {
        return e;
      }
      return null;
    })();
    await reader.close();
    expect(error).toBeInstanceOf(BackupError);
    expect((error as BackupError).code).toBe('CORRUPT_ENTRY');
    expect((error as BackupError).message).toMatch(/expected 32\b/);
    expect(seen).toBeLessThanOrEqual(32); // the 10 MiB behind it never reach the consumer
  });

  it('declared huge is refused before a byte is inflated (TOO_LARGE), and the ratio limit is configurable', async () => {
    const huge = corrupt('TOO_LARGE--deflate-bomb-declared-huge.zip');
    const r = await replay(huge);
    expect(refused(r.restore)).toEqual({ code: 'TOO_LARGE', message: expect.stringMatching(/would inflate \d+-fold \(limit 1100\)/) });
    // 10 MiB of zeros in one entry, honestly declared: refused at ratio 100, accepted past it.
    const h = await createMemoryHarness({ jobs: () => [] });
    await populateSmall(h);
    const zeros = new Uint8Array(10 * 1024 * 1024);
    const { createHash } = await import('node:crypto');
    const sha = createHash('sha256').update(zeros).digest('hex');
    await h.memfs.mkdir(`${DATA_DIR}/files/${sha.slice(0, 2)}`);
    await h.memfs.writeFile(`${DATA_DIR}/files/${sha.slice(0, 2)}/${sha}`, zeros);
    const zip = await h.memfs.readFile((await h.service.exportNow({})).filePath);
    expect(refused((await replay(zip, { limits: { maxCompressionRatio: 100 } })).restore).code).toBe('TOO_LARGE');
    expect((await replay(zip, { limits: { maxCompressionRatio: 2000 } })).verify).toEqual({ ok: true });
  });
});

describe('limits', () => {
  it('refuses too many entries before reading any (a many-entry bomb), as configured', async () => {
    const entries = parseZip(valid);
    const many = buildZip([...entries, ...Array.from({ length: 300 }, (_, i) => storedEntry(`files/00/${i}`, bytes('x'), { flags: 0 }))]);
    const limited = await replay(many, { limits: { maxEntries: 100 } });
    expect(refused(limited.restore)).toEqual({ code: 'TOO_LARGE', message: `restore: the backup has ${entries.length + 300} entries; the limit is 100` });
    expect(limited.dataAfter).toEqual(limited.dataBefore);
    expect(refused((await replay(many)).restore).code).toBe('UNEXPECTED_ENTRY'); // within the default limit, merely not ours
    expect(refused((await replay(valid, { limits: { maxEntries: entries.length - 1 } })).verify).code).toBe('TOO_LARGE');
    expect((await replay(valid, { limits: { maxEntries: entries.length } })).restore).toEqual({ ok: true });
  });

  it('refuses a backup that would unpack to more than maxTotalBytes', async () => {
    const total = parseZip(valid).reduce((n, e) => n + e.uncompressedSize, 0);
    const r = await replay(valid, { limits: { maxTotalBytes: total - 1 } });
    expect(refused(r.restore)).toEqual({ code: 'TOO_LARGE', message: `restore: the backup would unpack to more than ${total - 1} bytes, the limit` });
    expect(r.dataAfter).toEqual(r.dataBefore);
    expect((await replay(valid, { limits: { maxTotalBytes: total } })).restore).toEqual({ ok: true });
  });

  it('refuses a restore the disk has no room for (NO_SPACE), before writing anything', async () => {
    const needed = parseZip(valid)
      .filter((e) => !['manifest.json', 'backup-metadata.json'].includes(nameOf(e)))
      .reduce((n, e) => n + e.uncompressedSize, 0);
    const r = await replay(valid, { freeBytes: needed - 1 });
    expect(refused(r.restore)).toEqual({ code: 'NO_SPACE', message: expect.stringContaining(`the backup needs ${needed} bytes, the disk of ${DATA_DIR} has ${needed - 1} free`) });
    expect(r.dataAfter).toEqual(r.dataBefore);
    expect(r.leftovers).toEqual([]);
    // (verify, run first, extracts the database to scratch space in the temp dir)
    expect(r.writes.filter((w) => (w.op === 'openWrite' || w.op === 'writeFile') && !w.paths[0]!.startsWith('/tmp/'))).toEqual([]);
    expect((await replay(valid, { freeBytes: needed })).restore).toEqual({ ok: true });
  });

  it('refuses an overlap bomb before inflating', async () => {
    const r = await replay(corrupt('CORRUPT_ENTRY--overlapping-entries.zip'));
    expect(refused(r.restore).message).toMatch(/lies inside the data of entry .*overlapping entries/);
    expect(r.writes.filter((w) => w.op === 'openWrite')).toEqual([]);
  });
});

describe('names that collide', () => {
  it('folds case and Unicode normalization into one key', () => {
    expect(collisionKey('Files/Ab/')).toBe('files/ab');
    expect(collisionKey('r\u00e9sum\u00e9')).toBe(collisionKey('re\u0301sume\u0301'));
    expect(collisionKey('STRASSE')).toBe(collisionKey('straße'));
    expect(collisionKey('\u212a')).toBe('k'); // Kelvin sign
  });

  it('finds a collision whichever name comes first', () => {
    const pairs: [string, boolean, string, boolean][] = [
      ['settings.json', false, 'SETTINGS.JSON', false],
      ['files/r\u00e9sum\u00e9', false, 'files/re\u0301sume\u0301', false],
      ['files', false, 'files/ab/x', false],
      ['settings.json', false, 'settings.json/', true],
      ['database.sqlite', false, 'database.sqlite', false],
    ];
    for (const [a, aDir, b, bDir] of pairs) {
      for (const [first, second] of [[[a, aDir], [b, bDir]], [[b, bDir], [a, aDir]]] as const) {
        const check = nameCollisions();
        expect(check(first[0], first[1])).toBeNull();
        expect(check(second[0], second[1]), `${first[0]} then ${second[0]}`).not.toBeNull();
      }
    }
  });

  it('lets a folder and the files in it be', () => {
    const check = nameCollisions();
    for (const [name, dir] of [['files/', true], ['files/ab/', true], ['files/ab/ab1', false], ['files/ab/ab2', false], ['Files2', false]] as const) {
      expect(check(name, dir)).toBeNull();
    }
  });

  it('refuses them as DUPLICATE_ENTRY in either order through the domain', async () => {
    const entries = parseZip(valid);
    const upper = storedEntry('SETTINGS.JSON', bytes('{}'), { flags: 0 });
    for (const zip of [buildZip([upper, ...entries]), buildZip([...entries, upper])]) {
      expect(refused((await replay(zip)).restore)).toEqual({ code: 'DUPLICATE_ENTRY', message: expect.stringMatching(/on a case-insensitive or Unicode-normalizing file system/) });
    }
  });

  it('still reports an unsafe name before a collision', async () => {
    const entries = parseZip(valid);
    const zip = buildZip([...entries, storedEntry('SETTINGS.JSON', bytes('{}')), storedEntry('../x', bytes('{}'))]);
    expect(refused((await replay(zip)).restore).code).toBe('UNSAFE_PATH');
  });
});

