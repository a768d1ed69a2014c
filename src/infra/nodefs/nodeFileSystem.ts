import { constants, promises as fsp } from 'node:fs';
import { dirname, join, basename } from 'node:path';
import type { FileSystem } from '../../ports/fileSystem.ts';
import { createPromiseFileSystem, type PromisesApi } from '../fs/promiseFileSystem.ts';
import { hashFileInWorker } from './hashFileInWorker.ts';

/** The real disk. Directory fsync makes renames durable (a no-op error on platforms without it). */
export function createNodeFileSystem(): FileSystem {
  return createPromiseFileSystem({
    fsp: fsp as unknown as PromisesApi,
    path: { join, dirname, basename },
    hashFile: hashFileInWorker,
    syncDir: async (path) => {
      const handle = await fsp.open(path, constants.O_RDONLY);
      try {
        await handle.sync();
      } catch (error) {
        // Windows cannot fsync a directory; there, rename is already durable.
        if ((error as { code?: string }).code !== 'EPERM' && (error as { code?: string }).code !== 'EISDIR') throw error;
      } finally {
        await handle.close();
      }
    },
    freeSpace: async (path) => {
      let target = path;
      for (;;) {
        try {
          const s = await fsp.statfs(target);
          return Number(s.bavail) * Number(s.bsize);
        } catch (error) {
          const parent = dirname(target);
          if ((error as { code?: string }).code !== 'ENOENT' || parent === target) throw error;
          target = parent;
        }
      }
    },
  });
}
