/**
 * The write handle's write-behind fsyncs (promiseFileSystem.ts): every 32 MiB an fsync starts
 * unwaited; `close` still ends with an fsync of its own, and an early fsync's failure is not
 * lost (the kernel may report a write-back error to one fsync only), so `close` rejects.
 */
import { Volume, createFsFromVolume } from 'memfs';
import { posix } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createPromiseFileSystem, type PromisesApi } from '../../../src/infra/fs/promiseFileSystem.ts';

/** memfs with every file handle's fsync counted, and failing where `fail(n)` says. */
function countingFs(fail: (n: number) => boolean) {
  const fsp = createFsFromVolume(new Volume()).promises as unknown as PromisesApi;
  const syncs: number[] = [];
  let written = 0;
  const wrapped: PromisesApi = {
    ...fsp,
    open: async (path: string, flags: string, mode?: number) => {
      const handle = (await fsp.open(path, flags, mode)) as { sync(): Promise<void>; write(b: Uint8Array, o?: number, l?: number): Promise<{ bytesWritten: number }> };
      const write = handle.write.bind(handle);
      const sync = handle.sync.bind(handle);
      return Object.assign(handle, {
        write: async (b: Uint8Array, o?: number, l?: number) => {
          const r = await write(b, o, l);
          written += r.bytesWritten;
          return r;
        },
        sync: async () => {
          syncs.push(written);
          if (fail(syncs.length)) throw Object.assign(new Error('EIO: i/o error, fsync'), { code: 'EIO' });
          return sync();
        },
      });
    },
  };
  const fs = createPromiseFileSystem({ fsp: wrapped, path: posix, syncDir: async () => {}, freeSpace: async () => Number.MAX_SAFE_INTEGER });
  return { fs, syncs };
}

const MiB = 1 << 20;

async function write(fs: ReturnType<typeof countingFs>['fs'], mib: number) {
  const handle = await fs.openWrite('/out', { mode: 0o600 });
  const chunk = new Uint8Array(4 * MiB).fill(7);
  for (let i = 0; i < mib / 4; i += 1) await handle.write(chunk);
  return handle;
}

describe('write-behind fsync', () => {
  it('starts fsyncs while writing and ends with one at close', async () => {
    const { fs, syncs } = countingFs(() => false);
    const handle = await write(fs, 100);
    await handle.close();
    expect(syncs.length).toBeGreaterThanOrEqual(3); // at 32 and 64 (and 96) MiB, then close
    expect(syncs.at(-1)).toBe(100 * MiB);
    expect((await fs.stat('/out')).size).toBe(100 * MiB);
  });

  it('writes a small file with the one fsync at close', async () => {
    const { fs, syncs } = countingFs(() => false);
    const handle = await write(fs, 8);
    await handle.close();
    expect(syncs).toEqual([8 * MiB]);
  });

  it('rejects at close when an early fsync failed, though the last one succeeds', async () => {
    const { fs } = countingFs((n) => n === 1);
    const handle = await write(fs, 40);
    await expect(handle.close()).rejects.toMatchObject({ code: 'IO_ERROR' });
  });

  it('never fsyncs a scratch file', async () => {
    const { fs, syncs } = countingFs(() => false);
    const handle = await fs.openWrite('/scratch', { mode: 0o600, scratch: true });
    const chunk = new Uint8Array(4 * MiB);
    for (let i = 0; i < 20; i += 1) await handle.write(chunk);
    await handle.close();
    expect(syncs).toEqual([]);
    expect((await fs.stat('/scratch')).size).toBe(80 * MiB);
  });
});
