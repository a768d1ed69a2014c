/**
 * The FileSystem port's contract, run against every adapter (memfs and node:fs). Each case
 * states one promise of src/ports/fileSystem.ts; an adapter that breaks it fails here, not
 * in a restore.
 */
import { createHash } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { FileSystem } from '../../src/ports/fileSystem.ts';
import { codeOf } from '../support/codeOf.ts';

export interface FileSystemFixture {
  readonly fs: FileSystem;
  /** An existing, empty directory to work in. */
  readonly root: string;
  /** Creates a symbolic link, where the adapter's platform has them. */
  symlink?(target: string, path: string): Promise<void>;
  /** Permission bits of a path, where the platform has them. */
  modeOf?(path: string): Promise<number>;
  cleanup(): Promise<void>;
}

const bytes = (text: string) => new TextEncoder().encode(text);


async function drain(source: AsyncIterable<Uint8Array>): Promise<number[]> {
  const sizes: number[] = [];
  for await (const chunk of source) sizes.push(chunk.byteLength);
  return sizes;
}

export function fileSystemContract(name: string, make: () => Promise<FileSystemFixture>): void {
  describe(`FileSystem contract: ${name}`, () => {
    let fx: FileSystemFixture;
    let fs: FileSystem;
    let at: (...parts: string[]) => string;
    beforeEach(async () => {
      fx = await make();
      fs = fx.fs;
      at = (...parts) => fs.join(fx.root, ...parts);
    });
    afterEach(async () => fx.cleanup());

    it('writes, reads, stats and lists files', async () => {
      await fs.writeFile(at('b.txt'), bytes('beta'));
      await fs.writeFile(at('a.txt'), bytes('alpha!'));
      await fs.mkdir(at('sub', 'deeper'));
      expect(new TextDecoder().decode(await fs.readFile(at('a.txt')))).toBe('alpha!');
      expect(await fs.stat(at('a.txt'))).toMatchObject({ kind: 'file', size: 6 });
      expect((await fs.stat(at('sub'))).kind).toBe('directory');
      expect(await fs.readdir(fx.root)).toEqual(['a.txt', 'b.txt', 'sub']);
      expect(await fs.exists(at('a.txt'))).toBe(true);
      expect(await fs.exists(at('nope'))).toBe(false);
      expect(await fs.exists(at('a.txt', 'under-a-file'))).toBe(false);
      await fs.mkdir(at('sub', 'deeper')); // exists: resolves
    });

    it('maps a missing path to NOT_FOUND for every reading method', async () => {
      expect(await codeOf(fs.readFile(at('missing')))).toBe('NOT_FOUND');
      expect(await codeOf(fs.stat(at('missing')))).toBe('NOT_FOUND');
      expect(await codeOf(fs.readdir(at('missing')))).toBe('NOT_FOUND');
      expect(await codeOf(fs.openRead(at('missing')))).toBe('NOT_FOUND');
      expect(await codeOf(drain(fs.readStream(at('missing'))))).toBe('NOT_FOUND');
      expect(await codeOf(fs.rename(at('missing'), at('other')))).toBe('NOT_FOUND');
      expect(await codeOf(fs.writeFile(at('no-dir', 'file'), bytes('x')))).toBe('NOT_FOUND');
    });

    it('refuses an exclusive create over an existing file with ALREADY_EXISTS and keeps its bytes', async () => {
      await fs.writeFile(at('f'), bytes('first'));
      expect(await codeOf(fs.openWrite(at('f'), { exclusive: true }))).toBe('ALREADY_EXISTS');
      expect(await codeOf(fs.writeFile(at('f'), bytes('second'), { exclusive: true }))).toBe('ALREADY_EXISTS');
      expect(new TextDecoder().decode(await fs.readFile(at('f')))).toBe('first');
      await fs.writeFile(at('f'), bytes('third')); // not exclusive: replaces
      expect(new TextDecoder().decode(await fs.readFile(at('f')))).toBe('third');
    });

    it('appends to a file, creating it first', async () => {
      const path = at('log.jsonl');
      await fs.appendFile(path, bytes('one\n'));
      await fs.appendFile(path, bytes('two\n'));
      expect(new TextDecoder().decode(await fs.readFile(path))).toBe('one\ntwo\n');
      expect(await codeOf(fs.appendFile(at('missing', 'log'), bytes('x')))).toBe('NOT_FOUND');
    });

    it('renames over an existing file, replacing it', async () => {
      await fs.writeFile(at('new'), bytes('new bytes'));
      await fs.writeFile(at('old'), bytes('old'));
      await fs.rename(at('new'), at('old'));
      expect(new TextDecoder().decode(await fs.readFile(at('old')))).toBe('new bytes');
      expect(await fs.exists(at('new'))).toBe(false);
      await fs.mkdir(at('d1', 'x'));
      await fs.rename(at('d1'), at('d2'));
      expect(await fs.readdir(at('d2'))).toEqual(['x']);
    });

    it('streams a file in chunks of at most chunkSize bytes', async () => {
      const data = new Uint8Array(2500).map((_, i) => i % 251);
      await fs.writeFile(at('s'), data);
      expect(await drain(fs.readStream(at('s'), 1000))).toEqual([1000, 1000, 500]);
      const joined: number[] = [];
      for await (const chunk of fs.readStream(at('s'), 64)) joined.push(...chunk);
      expect(Uint8Array.from(joined)).toEqual(data);
      await fs.writeFile(at('empty'), new Uint8Array(0));
      expect(await drain(fs.readStream(at('empty')))).toEqual([]);
    });

    it('reads at any position through openRead, fewer bytes only at the end', async () => {
      const data = new Uint8Array(10_000).map((_, i) => (i * 7) % 256);
      await fs.writeFile(at('r'), data);
      const handle = await fs.openRead(at('r'));
      try {
        expect(handle.size).toBe(10_000);
        expect(await handle.read(9_000, 100)).toEqual(data.subarray(9_000, 9_100));
        expect(await handle.read(10, 5)).toEqual(data.subarray(10, 15));
        expect((await handle.read(9_990, 100)).byteLength).toBe(10);
        expect((await handle.read(10_000, 10)).byteLength).toBe(0);
        // Into a caller's buffer: the view returned is of that buffer, and nothing past it is touched.
        const into = new Uint8Array(300).fill(0xee);
        const view = await handle.read(9_900, 200, into);
        expect(view.buffer).toBe(into.buffer);
        expect(view).toEqual(data.subarray(9_900, 10_000));
        expect(into.subarray(100)).toEqual(new Uint8Array(200).fill(0xee));
        await expect(handle.read(0, 301, into)).rejects.toThrow();
      } finally {
        await handle.close();
      }
    });

    it('hashes a whole file (SHA-256 and size), and NOT_FOUND for a missing one', async () => {
      const data = new Uint8Array(3 * 1024 * 1024 + 17).map((_, i) => (i * 31) % 251);
      await fs.writeFile(at('h'), data);
      expect(await fs.hashFile(at('h'))).toEqual({ sha256: createHash('sha256').update(data).digest('hex'), size: data.byteLength });
      await fs.writeFile(at('h0'), new Uint8Array(0));
      expect(await fs.hashFile(at('h0'))).toEqual({ sha256: createHash('sha256').digest('hex'), size: 0 });
      await expect(fs.hashFile(at('missing'))).rejects.toMatchObject({ code: 'NOT_FOUND' });
      const aborted = AbortSignal.abort();
      await expect(fs.hashFile(at('h'), { signal: aborted, operation: 'verify' })).rejects.toMatchObject({ code: 'CANCELLED' });
    });

    it('writes through a handle, and abort removes the file', async () => {
      const w = await fs.openWrite(at('w'), { mode: 0o600 });
      await w.write(bytes('one '));
      await w.write(bytes('two'));
      await w.close();
      expect(new TextDecoder().decode(await fs.readFile(at('w')))).toBe('one two');
      const a = await fs.openWrite(at('aborted'));
      await a.write(bytes('half'));
      await a.abort();
      expect(await fs.exists(at('aborted'))).toBe(false);
    });

    it('removes files and trees, and resolves for a missing path', async () => {
      await fs.mkdir(at('t', 'u'));
      await fs.writeFile(at('t', 'u', 'f'), bytes('x'));
      await fs.remove(at('t'));
      expect(await fs.exists(at('t'))).toBe(false);
      await fs.remove(at('t'));
      await fs.remove(at('never', 'was'));
    });

    it('links and copies files', async () => {
      await fs.writeFile(at('src'), bytes('content'));
      await fs.link(at('src'), at('linked'));
      await fs.copyFile(at('src'), at('copied'));
      expect(new TextDecoder().decode(await fs.readFile(at('linked')))).toBe('content');
      expect(new TextDecoder().decode(await fs.readFile(at('copied')))).toBe('content');
      expect(await codeOf(fs.link(at('src'), at('linked')))).toBe('ALREADY_EXISTS');
    });

    it('syncs a directory, and reports free space even below a missing path', async () => {
      await fs.syncDir(fx.root);
      expect(await codeOf(fs.syncDir(at('missing')))).toBe('NOT_FOUND');
      expect(await fs.freeSpace(fx.root)).toBeGreaterThan(0);
      expect(await fs.freeSpace(at('not', 'yet', 'there'))).toBeGreaterThan(0);
    });

    it('does not follow symbolic links in stat', async (ctx) => {
      if (!fx.symlink) return ctx.skip();
      await fs.writeFile(at('target'), bytes('12345'));
      await fx.symlink(at('target'), at('link'));
      expect((await fs.stat(at('link'))).kind).toBe('symlink');
      await fx.symlink(at('nowhere'), at('dangling'));
      expect((await fs.stat(at('dangling'))).kind).toBe('symlink');
      expect(await fs.exists(at('dangling'))).toBe(true);
    });

    it('creates files and folders with the modes asked for', async (ctx) => {
      if (!fx.modeOf) return ctx.skip();
      await fs.writeFile(at('secret'), bytes('x'), { mode: 0o600 });
      await fs.mkdir(at('private'), { mode: 0o700 });
      expect((await fx.modeOf(at('secret'))) & 0o777).toBe(0o600);
      expect((await fx.modeOf(at('private'))) & 0o777).toBe(0o700);
      await fs.chmod(at('secret'), 0o640);
      expect((await fx.modeOf(at('secret'))) & 0o777).toBe(0o640);
    });
  });
}
