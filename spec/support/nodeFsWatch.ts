/**
 * Watches node:fs's promise API (`fs.promises`, which the node adapter, better-sqlite3's
 * adapter and the process lock call at run time) for calls on paths under one folder:
 * - which FileHandles opened there are still open (`stillOpen`): a handle nobody closes is
 *   closed by the garbage collector with "Closing file descriptor N on garbage collection"
 *   and DEP0137, and until then it holds a descriptor;
 * - armed with `failAt`, it fails the k-th call there once with an errno error (EIO by
 *   default), counting every `fs.promises` function and every FileHandle method (`close`
 *   included: that one closes the descriptor first and then reports the error, as the
 *   kernel's close(2) does). Unarmed it only counts, which gives the number to try.
 * Other paths (vitest's own reads, the temp dir of the database check) pass untouched.
 * Call `uninstall` in afterAll: the patch is on the process's one `fs.promises` object.
 */
import { promises as fsp } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';

export interface NodeFsWatch {
  /** Calls under the root so far (while armed or not). */
  readonly ops: number;
  /** What call k was, for a readable failure message. */
  readonly trace: string[];
  /** Fails call `failAt` (counted from now) with `errno`; resets the count and the trace. */
  arm(failAt: number | null, errno?: string): void;
  /**
   * Paths of the FileHandles opened under the root since the last call that are still open;
   * it closes those and forgets them all, so that each trial is judged on its own.
   */
  leaks(): Promise<string[]>;
  uninstall(): void;
}

const api = fsp as unknown as Record<string, unknown>;

export function watchNodeFs(root: string): NodeFsWatch {
  const originals = new Map<string, (...args: unknown[]) => Promise<unknown>>();
  const opened = new Map<FileHandle, string>();
  let ops = 0;
  let trace: string[] = [];
  let fault: { failAt: number; errno: string } | null = null;
  const under = (p: unknown) => typeof p === 'string' && (p === root || p.startsWith(`${root}/`));
  /** Counts one call; true if it is the one to fail. */
  const step = (what: string) => {
    ops += 1;
    trace.push(what);
    return fault !== null && ops === fault.failAt;
  };
  const failure = (what: string) =>
    Object.assign(new Error(`${fault!.errno}: simulated failure at call ${ops}: ${what}`), { code: fault!.errno, errno: -5, syscall: what.split(' ')[0] });

  const watchHandle = (handle: FileHandle, path: string): FileHandle => {
    opened.set(handle, path);
    return new Proxy(handle, {
      get(target, prop) {
        const value = Reflect.get(target, prop) as unknown;
        if (typeof value !== 'function' || typeof prop !== 'string') return value;
        return (...args: unknown[]) => {
          const what = `handle.${prop} ${path}`;
          if (!step(what)) return (value as (...a: unknown[]) => unknown).apply(target, args);
          if (prop === 'close') return target.close().then(() => Promise.reject(failure(what)));
          return Promise.reject(failure(what));
        };
      },
    });
  };

  for (const [name, value] of Object.entries(api)) {
    if (typeof value !== 'function') continue;
    const original = value as (...args: unknown[]) => Promise<unknown>;
    originals.set(name, original);
    api[name] = (...args: unknown[]) => {
      if (!under(args[0]) && !under(args[1])) return original.apply(fsp, args);
      const what = `${name} ${String(args[0])}${under(args[1]) ? ` -> ${String(args[1])}` : ''}`;
      if (step(what)) return Promise.reject(failure(what));
      const result = original.apply(fsp, args);
      return name === 'open' ? result.then((h) => watchHandle(h as FileHandle, String(args[0]))) : result;
    };
  }

  return {
    get ops() {
      return ops;
    },
    get trace() {
      return trace;
    },
    arm(failAt, errno = 'EIO') {
      ops = 0;
      trace = [];
      fault = failAt === null ? null : { failAt, errno };
    },
    async leaks() {
      // A close started without being awaited (a read stream's) has set fd to -1 already,
      // unless a read on the same handle is still in flight: let those settle first.
      await new Promise((resolve) => setTimeout(resolve, 20));
      const open = [...opened].filter(([h]) => h.fd !== -1);
      opened.clear();
      await Promise.all(open.map(([h]) => h.close().catch(() => {})));
      return open.map(([, path]) => path);
    },
    uninstall() {
      for (const [name, original] of originals) api[name] = original;
      for (const [h] of opened) if (h.fd !== -1) void h.close().catch(() => {});
      opened.clear();
    },
  };
}
