/**
 * The DestinationStore port's contract (src/ports/destination.ts), run against every adapter:
 * the in-memory one, a folder on the local disk and S3-compatible storage on a real server.
 * Each case states one promise of the port; an adapter that breaks it fails here, not during
 * a copy at 3 a.m. (restic tests all its backends with one suite the same way).
 */
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { DestinationStore } from '../../src/ports/destination.ts';
import type { ReadHandle, WriteHandle } from '../../src/ports/fileSystem.ts';
import { BackupError } from '../../src/domain/errors.ts';
import { codeOf } from '../support/codeOf.ts';

export interface DestinationFixture {
  /** An empty destination. */
  readonly store: DestinationStore;
  /** The same place as `store` seen through a second, independent store (another prefix/subfolder must not show). */
  readonly sibling: DestinationStore;
  /** A destination whose folder or bucket does not exist. */
  readonly missing: DestinationStore;
  /** The size above which `put` splits an object into parts (multipart), or null if it never does. */
  readonly partSize: number | null;
  /** How many objects make more than one page of `list` (S3: 1,001), or null to skip nothing but use 30. */
  readonly manyObjects: number;
  cleanup(): Promise<void>;
}

export const bytesOf = (text: string): Uint8Array => new TextEncoder().encode(text);

/** A ReadHandle over bytes; `failAt` makes reads at or past that offset fail with IO_ERROR. */
export function memoryReadHandle(data: Uint8Array, options: { failAt?: number; onRead?: (position: number) => void } = {}): ReadHandle {
  return {
    size: data.byteLength,
    async read(position, length, into) {
      options.onRead?.(position);
      if (options.failAt !== undefined && position + length > options.failAt) throw new BackupError('IO_ERROR', 'test: the source failed');
      const slice = data.subarray(position, Math.min(data.byteLength, position + length));
      if (into) {
        into.set(slice);
        return into.subarray(0, slice.byteLength);
      }
      return slice.slice();
    },
    async close() {},
  };
}

/** A WriteHandle that collects what is written. */
export function collectingWriteHandle(): WriteHandle & { bytes(): Uint8Array } {
  const chunks: Uint8Array[] = [];
  return {
    async write(chunk) {
      chunks.push(chunk.slice());
    },
    async close() {},
    async abort() {},
    bytes: () => Buffer.concat(chunks),
  };
}

async function names(store: DestinationStore, folder?: 'pool'): Promise<string[]> {
  const out: string[] = [];
  for await (const object of store.list(folder ? { folder } : {})) out.push(object.name);
  return out.sort();
}

async function fetch(store: DestinationStore, name: string): Promise<Uint8Array> {
  const into = collectingWriteHandle();
  await store.get(name, into);
  return into.bytes();
}

const sha = (data: Uint8Array) => createHash('sha256').update(data).digest('hex');
const NAME = fc.stringMatching(/^casevault-backup-[0-9]{8}T[0-9]{9}Z\.zip(\.age)?(\.sha256)?$/);
const PACK = fc.stringMatching(/^pool\/[0-9a-f]{64}\.zip(\.age)?$/);
const packName = (data: Uint8Array) => `pool/${sha(data)}.zip`;

export function destinationContract(name: string, make: () => Promise<DestinationFixture>, options: { timeout?: number } = {}): void {
  describe(`DestinationStore contract: ${name}`, { timeout: options.timeout ?? 120_000 }, () => {
    let fx: DestinationFixture;
    beforeEach(async () => {
      fx = await make();
    });
    afterEach(async () => fx.cleanup());

    it('puts, lists with the size and gets back the same bytes, for any size (around part boundaries too)', async () => {
      const part = fx.partSize;
      const sizes = fc.oneof(
        fc.integer({ min: 0, max: 70_000 }),
        ...(part === null ? [] : [fc.integer({ min: part - 2, max: part + 2 }), fc.integer({ min: 2 * part - 1, max: 2 * part + 3 })]),
      );
      let n = 0;
      await fc.assert(
        fc.asyncProperty(sizes, fc.integer(), async (size, seed) => {
          const data = new Uint8Array(size);
          let x = seed | 1;
          for (let i = 0; i < size; i++) data[i] = (x = (x * 1103515245 + 12345) >>> 0) >>> 24;
          const object = `casevault-backup-${String(n++).padStart(8, '0')}T000000000Z.zip`;
          let last = -1;
          await fx.store.put(object, memoryReadHandle(data), { onProgress: (done, total) => void (expect(total).toBe(size), (last = done)) });
          expect(last === size || size === 0).toBe(true);
          const listed: { name: string; size: number }[] = [];
          for await (const o of fx.store.list()) if (o.name === object) listed.push(o);
          expect(listed).toEqual([{ name: object, size }]);
          expect(sha(await fetch(fx.store, object))).toBe(sha(data));
        }),
        { numRuns: part === null ? 12 : 6 },
      );
    });

    it('never overwrites: a second put of a name is ALREADY_EXISTS and the first stays whole', async () => {
      await fx.store.put('a.zip', memoryReadHandle(bytesOf('first')));
      expect(await codeOf(fx.store.put('a.zip', memoryReadHandle(bytesOf('second, longer'))))).toBe('ALREADY_EXISTS');
      expect(new TextDecoder().decode(await fetch(fx.store, 'a.zip'))).toBe('first');
      expect(await names(fx.store)).toEqual(['a.zip']);
    });

    it('a put whose source fails, or that is cancelled, leaves nothing listed; cleanUp removes what it left; the name can be put again', async () => {
      const size = (fx.partSize ?? 64 * 1024) * 2 + 10;
      const data = new Uint8Array(size).fill(7);
      expect(await codeOf(fx.store.put('b.zip', memoryReadHandle(data, { failAt: size - 5 })))).toBe('IO_ERROR');
      const controller = new AbortController();
      const cancelled = fx.store.put('c.zip', memoryReadHandle(data, { onRead: () => controller.abort() }), { signal: controller.signal });
      expect(await codeOf(cancelled)).toBe('CANCELLED');
      expect(await names(fx.store)).toEqual([]);
      await fx.store.cleanUp();
      expect(await fx.store.cleanUp()).toBe(0);
      await fx.store.put('b.zip', memoryReadHandle(data));
      expect(sha(await fetch(fx.store, 'b.zip'))).toBe(sha(data));
    });

    it('get of a missing object is NOT_FOUND; remove says removed, then missing', async () => {
      expect(await codeOf(fetch(fx.store, 'nope.zip'))).toBe('NOT_FOUND');
      await fx.store.put('d.zip', memoryReadHandle(bytesOf('d')));
      expect(await fx.store.remove('d.zip')).toBe('removed');
      expect(await fx.store.remove('d.zip')).toBe('missing');
      expect(await names(fx.store)).toEqual([]);
    });

    it('lists every object across pages, once each', async () => {
      const want: string[] = [];
      for (let i = 0; i < fx.manyObjects; i++) want.push(`casevault-backup-${String(i).padStart(8, '0')}T000000000Z.zip.sha256`);
      for (let i = 0; i < want.length; i += 25) await Promise.all(want.slice(i, i + 25).map((n) => fx.store.put(n, memoryReadHandle(bytesOf(n)))));
      expect(await names(fx.store)).toEqual([...want].sort());
    });

    it('keeps to its own place: a sibling (another prefix or subfolder) sees none of its objects, in the pool neither', async () => {
      await fc.assert(
        fc.asyncProperty(fc.uniqueArray(fc.oneof(NAME, PACK), { minLength: 1, maxLength: 4 }), async (objects) => {
          const there = [...(await names(fx.store)), ...(await names(fx.store, 'pool'))];
          for (const o of objects) if (!there.includes(o)) await fx.store.put(o, memoryReadHandle(bytesOf(o)));
          expect(await names(fx.sibling)).toEqual([]);
          expect(await names(fx.sibling, 'pool')).toEqual([]);
        }),
        { numRuns: 3 },
      );
    });

    it('the pool: pool/<name> is put, got, listed only with folder "pool" (as pool/<name>, never at the top), never overwritten, removed', async () => {
      expect(await names(fx.store, 'pool')).toEqual([]); // no pool yet: empty, not an error
      const pack = bytesOf('a pack: a ZIP of documents');
      const name = packName(pack);
      await fx.store.put('casevault-backup-20261127T000000000Z.zip', memoryReadHandle(bytesOf('top')));
      let last = -1;
      await fx.store.put(name, memoryReadHandle(pack), { onProgress: (done) => void (last = done) });
      expect(last).toBe(pack.byteLength);
      expect(await names(fx.store)).toEqual(['casevault-backup-20261127T000000000Z.zip']);
      const listed: { name: string; size: number }[] = [];
      for await (const o of fx.store.list({ folder: 'pool' })) listed.push(o);
      expect(listed).toEqual([{ name, size: pack.byteLength }]);
      expect(sha(await fetch(fx.store, name))).toBe(sha(pack));
      expect(await codeOf(fx.store.put(name, memoryReadHandle(bytesOf('other bytes, same name'))))).toBe('ALREADY_EXISTS');
      expect(sha(await fetch(fx.store, name))).toBe(sha(pack));
      expect(await codeOf(fetch(fx.store, `pool/${'0'.repeat(64)}.zip`))).toBe('NOT_FOUND');
      expect(await fx.store.remove(name)).toBe('removed');
      expect(await fx.store.remove(name)).toBe('missing');
      expect(await names(fx.store, 'pool')).toEqual([]);
    });

    it('a put into the pool that fails or is cancelled leaves nothing listed there; cleanUp removes what it left', async () => {
      const size = (fx.partSize ?? 64 * 1024) * 2 + 10;
      const data = new Uint8Array(size).fill(9);
      const name = packName(data);
      expect(await codeOf(fx.store.put(name, memoryReadHandle(data, { failAt: size - 5 })))).toBe('IO_ERROR');
      const controller = new AbortController();
      expect(await codeOf(fx.store.put(name, memoryReadHandle(data, { onRead: () => controller.abort() }), { signal: controller.signal }))).toBe('CANCELLED');
      expect([...(await names(fx.store)), ...(await names(fx.store, 'pool'))]).toEqual([]);
      await fx.store.cleanUp();
      expect(await fx.store.cleanUp()).toBe(0);
      await fx.store.put(name, memoryReadHandle(data));
      expect(await names(fx.store, 'pool')).toEqual([name]);
    });

    it('a name that is neither flat nor in the pool is INVALID_INPUT for every method, and nothing is stored', async () => {
      for (const bad of ['other/x.zip', 'pool/sub/x.zip', '../x.zip', 'pool/', 'pool/.hidden.zip', '/abs.zip', 'pool//x.zip']) {
        expect(await codeOf(fx.store.put(bad, memoryReadHandle(bytesOf('x')))), bad).toBe('INVALID_INPUT');
        expect(await codeOf(fetch(fx.store, bad)), bad).toBe('INVALID_INPUT');
        expect(await codeOf(fx.store.remove(bad)), bad).toBe('INVALID_INPUT');
      }
      expect([...(await names(fx.store)), ...(await names(fx.store, 'pool'))]).toEqual([]);
    });

    it('probe writes and removes its probe and leaves nothing listed; a missing folder or bucket is DEST_NOT_FOUND', async () => {
      const report = await fx.store.probe();
      expect(report.maxFileSize === null || report.maxFileSize > 0).toBe(true);
      expect(await names(fx.store)).toEqual([]);
      expect(await codeOf(fx.missing.probe())).toBe('DEST_NOT_FOUND');
      expect(await codeOf(fx.missing.put('e.zip', memoryReadHandle(bytesOf('e'))))).toMatch(/^DEST_NOT_FOUND$/);
    });

    it('says what it is without a secret', () => {
      expect(fx.store.description.length).toBeGreaterThan(0);
      expect(fx.store.description).not.toMatch(/secret|AKIA|Signature=/i);
    });
  });
}
