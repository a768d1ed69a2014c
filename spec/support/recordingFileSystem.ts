/** A FileSystem wrapper that logs every call that changes something, in order. */
import type { FileSystem } from '../../src/ports/fileSystem.ts';

export interface FsWrite {
  readonly op: string;
  readonly paths: readonly string[];
}

const MUTATING = ['mkdir', 'chmod', 'writeFile', 'openWrite', 'rename', 'link', 'copyFile', 'remove'] as const;

export function recordingFileSystem(inner: FileSystem, log: (write: FsWrite) => void): FileSystem {
  const wrapped: FileSystem = { ...inner };
  for (const op of MUTATING) {
    const original = inner[op] as (...args: unknown[]) => Promise<unknown>;
    (wrapped as unknown as Record<string, unknown>)[op] = (...args: unknown[]) => {
      log({ op, paths: args.filter((a): a is string => typeof a === 'string') });
      return original.apply(inner, args);
    };
  }
  return wrapped;
}

export function touches(write: FsWrite, dir: string): boolean {
  return write.paths.some((p) => p === dir || p.startsWith(`${dir}/`));
}
