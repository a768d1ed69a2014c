import { Volume, createFsFromVolume } from 'memfs';
import { posix } from 'node:path';
import type { FileSystem } from '../../ports/fileSystem.ts';
import { createPromiseFileSystem, type PromisesApi } from '../fs/promiseFileSystem.ts';

export interface MemoryFileSystem extends FileSystem {
  /** The memfs volume behind it, for tests that inspect or damage files directly. */
  readonly volume: InstanceType<typeof Volume>;
}

/** A FileSystem in memory (the spec suite's). `freeBytes` simulates the disk's free space. */
export function createMemoryFileSystem(options: { freeBytes?: number } = {}): MemoryFileSystem {
  const volume = new Volume();
  const fsp = createFsFromVolume(volume).promises as unknown as PromisesApi;
  const fs = createPromiseFileSystem({
    fsp,
    path: posix,
    // Nothing to flush in memory, but a missing folder is an error, as on a disk.
    syncDir: async (path) => void (await fsp.lstat(path)),
    freeSpace: async () => options.freeBytes ?? Number.MAX_SAFE_INTEGER,
  });
  return Object.assign(fs, { volume });
}
