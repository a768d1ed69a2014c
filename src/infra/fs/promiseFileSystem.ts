/**
 * One FileSystem adapter over any `fs.promises`-shaped API: node:fs for the real machine,
 * memfs for the spec suite. The two differ only in what `createMemoryFileSystem` and
 * `createNodeFileSystem` pass in (durability and free space), so the same contract holds.
 */
import type { FileStat, FileSystem, ReadHandle, WriteHandle, WriteOptions } from '../../ports/fileSystem.ts';
import { throwIfCancelled } from '../../domain/errors.ts';
import { nodeHashing } from '../crypto/nodeHashing.ts';
import { fromErrno } from './errno.ts';

interface StatsLike {
  isFile(): boolean;
  isDirectory(): boolean;
  isSymbolicLink(): boolean;
  size: number | bigint;
  mtimeMs: number | bigint;
}

interface FileHandleLike {
  read(buffer: Uint8Array, offset: number, length: number, position: number): Promise<{ bytesRead: number }>;
  write(buffer: Uint8Array, offset?: number, length?: number): Promise<{ bytesWritten: number }>;
  stat(): Promise<StatsLike>;
  sync(): Promise<void>;
  close(): Promise<void>;
}

/** The subset of `fs.promises` used here (node:fs and memfs both provide it). */
export interface PromisesApi {
  lstat(path: string): Promise<StatsLike>;
  readdir(path: string): Promise<unknown[]>;
  mkdir(path: string, options: { recursive: true; mode?: number }): Promise<unknown>;
  chmod(path: string, mode: number): Promise<void>;
  open(path: string, flags: string, mode?: number): Promise<unknown>;
  rename(from: string, to: string): Promise<void>;
  link(existing: string, newPath: string): Promise<void>;
  copyFile(from: string, to: string): Promise<void>;
  rm(path: string, options: { recursive: true; force: true }): Promise<void>;
  unlink(path: string): Promise<void>;
}

export interface PathApi {
  join(...parts: string[]): string;
  dirname(path: string): string;
  basename(path: string): string;
}

export interface PromiseFileSystemOptions {
  readonly fsp: PromisesApi;
  readonly path: PathApi;
  /** fsync of a directory (node: open + fsync; memfs: nothing to flush). */
  readonly syncDir: (path: string) => Promise<void>;
  readonly freeSpace: (path: string) => Promise<number>;
  /** A whole-file SHA-256 of the adapter's own (node: in a worker thread); by default, readStream hashed here. */
  readonly hashFile?: FileSystem['hashFile'];
}

const CHUNK = 1 << 20;
/** Bytes written to a file between the fsyncs started ahead of its close. */
const SYNC_AHEAD = 32 << 20;

/** A buffer for a read to fill (not zeroed first: only the bytes read are ever exposed). */
function uninitialized(length: number): Uint8Array {
  const buffer = Buffer.allocUnsafeSlow(length);
  return new Uint8Array(buffer.buffer, buffer.byteOffset, length);
}

export function createPromiseFileSystem(options: PromiseFileSystemOptions): FileSystem {
  const { fsp, path } = options;
  const wrap = async <T>(op: string, target: string, fn: () => Promise<T>): Promise<T> => {
    try {
      return await fn();
    } catch (error) {
      throw fromErrno(error, op, target);
    }
  };
  const open = async (target: string, flags: string, mode?: number) => (await fsp.open(target, flags, mode)) as FileHandleLike;

  const fs: FileSystem = {
    join: (...parts) => path.join(...parts),
    dirname: (p) => path.dirname(p),
    basename: (p) => path.basename(p),

    stat: (target) =>
      wrap('stat', target, async (): Promise<FileStat> => {
        const s = await fsp.lstat(target);
        const kind = s.isSymbolicLink() ? 'symlink' : s.isFile() ? 'file' : s.isDirectory() ? 'directory' : 'other';
        return { kind, size: Number(s.size), mtimeMs: Number(s.mtimeMs) };
      }),
    exists: async (target) => {
      try {
        await fsp.lstat(target);
        return true;
      } catch (error) {
        const code = (error as { code?: unknown }).code;
        if (code === 'ENOENT' || code === 'ENOTDIR') return false;
        throw fromErrno(error, 'stat', target);
      }
    },
    readdir: (target) => wrap('read folder', target, async () => (await fsp.readdir(target)).map(String).sort()),
    mkdir: (target, opts) => wrap('create folder', target, async () => void (await fsp.mkdir(target, { recursive: true, mode: opts?.mode ?? 0o700 }))),
    chmod: (target, mode) => wrap('chmod', target, () => fsp.chmod(target, mode)),

    readFile: (target) =>
      wrap('read', target, async () => {
        const handle = await open(target, 'r');
        try {
          const size = Number((await handle.stat()).size);
          const out = new Uint8Array(size);
          let offset = 0;
          while (offset < size) {
            const { bytesRead } = await handle.read(out, offset, size - offset, offset);
            if (bytesRead === 0) break;
            offset += bytesRead;
          }
          return out.subarray(0, offset);
        } finally {
          await handle.close();
        }
      }),
    writeFile: async (target, data, opts) => {
      const handle = await fs.openWrite(target, opts);
      try {
        await handle.write(data);
        await handle.close();
      } catch (error) {
        await handle.abort();
        throw error;
      }
    },
    appendFile: (target, data, opts) =>
      wrap('append to', target, async () => {
        const handle = await open(target, 'a', opts?.mode ?? 0o600);
        try {
          let offset = 0;
          while (offset < data.byteLength) offset += (await handle.write(data, offset, data.byteLength - offset)).bytesWritten;
          await handle.sync();
        } finally {
          await handle.close();
        }
      }),
    readStream: (target, chunkSize = CHUNK) => ({
      async *[Symbol.asyncIterator]() {
        const handle = await wrap('read', target, () => open(target, 'r'));
        try {
          // The file as it was when opened: up to its size then (no read to find the end, and
          // a file that grows meanwhile is read to that size). Buffers are no larger than what
          // is left: a consumer may hold chunks a while (the ZIP writer, until compressed and
          // written), and a 1 MiB buffer behind each 50 KB document held dozens of MiB.
          const size = Number((await wrap('read', target, () => handle.stat())).size);
          for (let position = 0; position < size; ) {
            const length = Math.min(chunkSize, size - position);
            const buffer = uninitialized(length);
            const { bytesRead } = await wrap('read', target, () => handle.read(buffer, 0, length, position));
            if (bytesRead === 0) return; // it shrank
            position += bytesRead;
            yield bytesRead === length ? buffer : buffer.subarray(0, bytesRead);
          }
        } finally {
          // Not awaited: closing a file read from loses nothing, and the next document's
          // reads need not wait behind it in the threadpool.
          void handle.close().catch(() => {});
        }
      },
    }),
    hashFile:
      options.hashFile ??
      (async (target, opts = {}) => {
        const hash = nodeHashing.sha256();
        let size = 0;
        for await (const chunk of fs.readStream(target)) {
          throwIfCancelled(opts.signal, opts.operation ?? 'hash');
          hash.update(chunk);
          size += chunk.byteLength;
        }
        return { sha256: hash.digest(), size };
      }),
    openRead: (target) =>
      wrap('open', target, async (): Promise<ReadHandle> => {
        const handle = await open(target, 'r');
        let size: number;
        try {
          size = Number((await handle.stat()).size);
        } catch (error) {
          // Nobody else holds the handle yet: left open, it would be closed by the garbage
          // collector (DEP0137) and hold a descriptor until then.
          await handle.close().catch(() => {});
          throw error;
        }
        return {
          size,
          read: (position, length, into) =>
            wrap('read', target, async () => {
              if (into && into.byteLength < length) throw new RangeError(`read: a buffer of ${into.byteLength} bytes cannot take ${length}`);
              const buffer = into ?? uninitialized(length);
              let got = 0;
              while (got < length) {
                const { bytesRead } = await handle.read(buffer, got, length - got, position + got);
                if (bytesRead === 0) break;
                got += bytesRead;
              }
              return buffer.subarray(0, got);
            }),
          close: () => handle.close(),
        };
      }),
    openWrite: (target, opts?: WriteOptions) =>
      wrap('create', target, async (): Promise<WriteHandle> => {
        const handle = await open(target, opts?.exclusive ? 'wx' : 'w', opts?.mode ?? 0o600);
        let closed = false;
        // Write-behind: every SYNC_AHEAD bytes, an fsync starts without being waited for, so
        // that the disk writes while the rest is produced and the fsync in `close` (the one
        // that makes the file durable) finds little left: a 443 MB backup's took 0.8 s with
        // the CPUs idle. A failure of an early fsync is kept and thrown by `close` (the
        // kernel may report a write-back error only once).
        let unsynced = 0;
        let syncing: Promise<void> | undefined;
        let syncFailure: { error: unknown } | undefined;
        return {
          write: (chunk) =>
            wrap('write', target, async () => {
              let offset = 0;
              while (offset < chunk.byteLength) {
                const { bytesWritten } = await handle.write(chunk, offset, chunk.byteLength - offset);
                offset += bytesWritten;
              }
              unsynced += chunk.byteLength;
              if (unsynced >= SYNC_AHEAD && !syncing && !opts?.scratch) {
                unsynced = 0;
                syncing = handle.sync().then(
                  () => void (syncing = undefined),
                  (error: unknown) => {
                    syncFailure ??= { error };
                    syncing = undefined;
                  },
                );
              }
            }),
          close: () =>
            wrap('write', target, async () => {
              closed = true;
              try {
                await syncing;
                if (syncFailure) throw syncFailure.error;
                if (!opts?.scratch) await handle.sync();
              } finally {
                await handle.close();
              }
            }),
          abort: async () => {
            if (!closed) {
              closed = true;
              await syncing;
              await handle.close().catch(() => {});
            }
            await fsp.rm(target, { recursive: true, force: true }).catch(() => {});
          },
        };
      }),

    rename: (from, to) => wrap('rename', from, () => fsp.rename(from, to)),
    link: (existing, newPath) => wrap('link', newPath, () => fsp.link(existing, newPath)),
    copyFile: (from, to) => wrap('copy', from, () => fsp.copyFile(from, to)),
    remove: (target) => wrap('remove', target, () => fsp.rm(target, { recursive: true, force: true })),
    syncDir: (target) => wrap('sync folder', target, () => options.syncDir(target)),
    freeSpace: (target) => wrap('free space of', target, () => options.freeSpace(target)),
  };
  return fs;
}
