/**
 * A FileSystem that fails at its k-th operation, wrapping a real one (restic's approach:
 * faults by wrapping an adapter, not by mocking calls). Every call that reaches the disk
 * counts as one operation: each method call, and each read, write and close through a handle.
 * - 'fail': the k-th operation rejects (IO_ERROR or the code asked for); later ones work.
 * - 'crash': the k-th and every later operation reject, as if the process had died there:
 *   nothing more reaches the disk, and `abort` cleans nothing up (it only releases the
 *   descriptor, as the OS does for a dead process).
 * With no fault it only counts, which gives the number of operations to try.
 */
import { BackupError, type ErrorCode } from '../../src/domain/errors.ts';
import type { FileSystem, ReadHandle, WriteHandle } from '../../src/ports/fileSystem.ts';

export interface Fault {
  readonly failAt: number;
  readonly mode: 'fail' | 'crash';
  readonly error?: ErrorCode;
}

export interface FaultyFileSystem extends FileSystem {
  /** Operations so far (including the failed one). */
  readonly ops: number;
  readonly crashed: boolean;
  /** What operation k was, for a readable failure message. */
  readonly trace: string[];
}

export function faultyFileSystem(inner: FileSystem, fault: Fault | null): FaultyFileSystem {
  let ops = 0;
  let crashed = false;
  const trace: string[] = [];
  const step = (what: string) => {
    ops += 1;
    trace.push(what);
    if (crashed) throw new BackupError('IO_ERROR', `simulated crash: ${what} after the process died`);
    if (fault && ops === fault.failAt) {
      if (fault.mode === 'crash') crashed = true;
      throw new BackupError(fault.error ?? 'IO_ERROR', `simulated ${fault.mode} at operation ${ops}: ${what}`);
    }
  };
  const op = <T>(what: string, fn: () => Promise<T>): Promise<T> => {
    try {
      step(what);
    } catch (error) {
      return Promise.reject(error);
    }
    return fn();
  };
  const wrapRead = (path: string, handle: ReadHandle): ReadHandle => ({
    size: handle.size,
    read: (position, length, into) => op(`read ${path}@${position}`, () => handle.read(position, length, into)),
    // Closing a read-only descriptor is not a fault point: it writes nothing, and a dead
    // process's descriptors are closed by the OS (so it is passed through also after a crash).
    close: () => handle.close(),
  });
  const wrapWrite = (path: string, handle: WriteHandle): WriteHandle => {
    // A dead process cleans nothing up, but the OS closes its descriptors: once "dead", a
    // close or an abort still closes the real handle (uncounted; its fsync changes nothing
    // that a next start reads) and removes nothing. The test's process lives on, so a
    // handle kept open here would be a real leak: "Closing file descriptor N on garbage
    // collection" and DEP0137, one per crash trial that had a file open for writing.
    let released = false;
    const release = async () => {
      if (released) return;
      released = true;
      await handle.close().catch(() => {});
    };
    return {
      write: (chunk) => op(`write ${path}`, () => handle.write(chunk)),
      close: () =>
        op(`fsync+close ${path}`, () => handle.close()).catch(async (error: unknown) => {
          if (crashed) await release();
          throw error;
        }),
      // A living process removes its half-written file.
      abort: () => (crashed ? release() : handle.abort()),
    };
  };

  const fs: FaultyFileSystem = {
    get ops() {
      return ops;
    },
    get crashed() {
      return crashed;
    },
    trace,
    join: (...parts) => inner.join(...parts),
    dirname: (p) => inner.dirname(p),
    basename: (p) => inner.basename(p),
    stat: (p) => op(`stat ${p}`, () => inner.stat(p)),
    exists: (p) => op(`exists ${p}`, () => inner.exists(p)),
    readdir: (p) => op(`readdir ${p}`, () => inner.readdir(p)),
    mkdir: (p, o) => op(`mkdir ${p}`, () => inner.mkdir(p, o)),
    chmod: (p, m) => op(`chmod ${p}`, () => inner.chmod(p, m)),
    readFile: (p) => op(`readFile ${p}`, () => inner.readFile(p)),
    writeFile: (p, d, o) => op(`writeFile ${p}`, () => inner.writeFile(p, d, o)),
    appendFile: (p, d, o) => op(`appendFile ${p}`, () => inner.appendFile(p, d, o)),
    readStream: (p, chunkSize) => ({
      async *[Symbol.asyncIterator]() {
        step(`open stream ${p}`);
        const iterator = inner.readStream(p, chunkSize)[Symbol.asyncIterator]();
        try {
          for (;;) {
            step(`read chunk ${p}`);
            const next = await iterator.next();
            if (next.done) return;
            yield next.value;
          }
        } finally {
          await iterator.return?.();
        }
      },
    }),
    openRead: (p) => op(`openRead ${p}`, async () => wrapRead(p, await inner.openRead(p))),
    openWrite: (p, o) => op(`openWrite ${p}`, async () => wrapWrite(p, await inner.openWrite(p, o))),
    rename: (a, b) => op(`rename ${a} -> ${b}`, () => inner.rename(a, b)),
    link: (a, b) => op(`link ${a} -> ${b}`, () => inner.link(a, b)),
    copyFile: (a, b) => op(`copy ${a} -> ${b}`, () => inner.copyFile(a, b)),
    hashFile: (p, o) => op(`hashFile ${p}`, () => inner.hashFile(p, o)),
    remove: (p) => op(`remove ${p}`, () => inner.remove(p)),
    syncDir: (p) => op(`syncDir ${p}`, () => inner.syncDir(p)),
    freeSpace: (p) => op(`freeSpace ${p}`, () => inner.freeSpace(p)),
  };
  return fs;
}
