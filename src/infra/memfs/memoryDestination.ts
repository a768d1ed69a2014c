/**
 * Destinations in memory, for the spec suite: places (a folder path, or an S3 bucket and
 * prefix) that exist once `createPlace` made them. Puts keep their bytes under a hidden
 * temporary key until whole, as the real adapters do, so that a crash (a put that never
 * finishes) and cleanUp can be tested; `faults` makes the next operations fail. The pool's
 * packs are keys `<prefix>pool/<name>`, their temporary keys `<prefix>pool/.partial-…`.
 */
import { BackupError, throwIfCancelled, type ErrorCode } from '../../domain/errors.ts';
import type { DestinationObject, DestinationStore, DestinationTarget, Destinations, TransferOptions } from '../../ports/destination.ts';
import type { ReadHandle, WriteHandle } from '../../ports/fileSystem.ts';

const CHUNK = 256 * 1024;

export interface MemoryDestinations extends Destinations {
  /** Makes the folder or bucket of `target` exist. */
  createPlace(target: DestinationTarget): void;
  /** Every object of a place by key (the prefix and the name), temporary ones included (names starting with '.'). */
  objects(target: DestinationTarget): Map<string, Uint8Array>;
  /** After `after` more operations named (or any, '*') succeed, the next `count` fail with `code`. */
  fail(operation: 'put' | 'get' | 'list' | 'remove' | 'probe' | '*', code: ErrorCode, count?: number, after?: number): void;
  /** Forgets every fault not yet struck. */
  clearFaults(): void;
  /** Names that `remove` reports as locked. */
  readonly locked: Set<string>;
  /** How many bytes every put read from its source, all places together. */
  bytesPut(): number;
  /** The names of every put that completed, in order, all places together. */
  readonly puts: string[];
}

export function createMemoryDestinations(): MemoryDestinations {
  const places = new Map<string, Map<string, Uint8Array>>();
  const faults: { operation: string; code: ErrorCode; count: number; after: number }[] = [];
  const locked = new Set<string>();
  let put = 0;
  let temp = 0;
  const puts: string[] = [];
  /** As the real adapters take names: flat, or in the pool; never hidden. */
  const checkName = (name: string, what: string) => {
    if (!/^(pool\/)?[A-Za-z0-9][A-Za-z0-9._-]{0,254}$/.test(name)) throw new BackupError('INVALID_INPUT', `${what}: ${JSON.stringify(name.slice(0, 80))} is not a backup's file name nor a pool pack's`);
  };

  const keyOf = (target: DestinationTarget): string => (target.kind === 'folder' ? `folder:${target.path}` : `s3:${target.endpoint ?? ''}/${target.bucket}`);
  const prefixOf = (target: DestinationTarget): string => (target.kind === 'folder' ? '' : target.prefix);

  function injected(operation: string, what: string): void {
    const fault = faults.find((f) => f.operation === operation || f.operation === '*');
    if (!fault) return;
    if (fault.after > 0) {
      fault.after--;
      return;
    }
    if (--fault.count <= 0) faults.splice(faults.indexOf(fault), 1);
    throw new BackupError(fault.code, `${what}: injected ${fault.code}`);
  }

  function open(target: DestinationTarget): DestinationStore {
    const description = target.kind === 'folder' ? `the folder ${target.path}` : `s3://${target.bucket}/${target.prefix}`;
    const prefix = prefixOf(target);
    const place = (what: string): Map<string, Uint8Array> => {
      const found = places.get(keyOf(target));
      if (!found) throw new BackupError('DEST_NOT_FOUND', `${what}: ${description} does not exist`);
      return found;
    };
    const mine = new Set<string>();
    return {
      description,
      async probe() {
        injected('probe', `checking ${description}`);
        place(`checking ${description}`);
        return { freeBytes: null, maxFileSize: null, sameDevice: false };
      },
      async *list(options = {}): AsyncIterable<DestinationObject> {
        injected('list', `listing ${description}`);
        const under = options.folder === undefined ? prefix : `${prefix}${options.folder}/`;
        const objects = [...place(`listing ${description}`)].filter(([key]) => key.startsWith(under) && !key.slice(under.length).startsWith('.') && !key.slice(under.length).includes('/'));
        for (const [key, data] of objects.sort(([a], [b]) => (a < b ? -1 : 1))) {
          throwIfCancelled(options.signal, `listing ${description}`);
          yield { name: key.slice(prefix.length), size: data.byteLength };
        }
      },
      async put(name: string, source: ReadHandle, options: TransferOptions = {}) {
        const what = `copying ${name} to ${description}`;
        checkName(name, what);
        injected('put', what);
        const objects = place(what);
        if (objects.has(prefix + name)) throw new BackupError('ALREADY_EXISTS', `${what}: ${name} is already there`);
        const slash = name.lastIndexOf('/') + 1;
        const tempKey = `${prefix}${name.slice(0, slash)}.partial-${temp++}-${name.slice(slash)}`;
        mine.add(tempKey);
        const data = new Uint8Array(source.size);
        objects.set(tempKey, data);
        try {
          for (let done = 0; done < source.size; ) {
            throwIfCancelled(options.signal, what);
            const chunk = await source.read(done, Math.min(CHUNK, source.size - done));
            if (chunk.byteLength === 0) throw new BackupError('IO_ERROR', `${what}: the source got shorter`);
            data.set(chunk, done);
            done += chunk.byteLength;
            put += chunk.byteLength;
            options.onProgress?.(done, source.size);
          }
          throwIfCancelled(options.signal, what);
          if (objects.has(prefix + name)) throw new BackupError('ALREADY_EXISTS', `${what}: ${name} is already there`);
          objects.set(prefix + name, data);
          objects.delete(tempKey);
          puts.push(name);
        } catch (error) {
          objects.delete(tempKey);
          throw error;
        } finally {
          mine.delete(tempKey);
        }
      },
      async get(name: string, into: WriteHandle, options: TransferOptions = {}) {
        const what = `reading ${name} from ${description}`;
        checkName(name, what);
        injected('get', what);
        const data = place(what).get(prefix + name);
        if (!data) throw new BackupError('NOT_FOUND', `${what}: there is no ${name} there`);
        for (let done = 0; done < data.byteLength; done += CHUNK) {
          throwIfCancelled(options.signal, what);
          await into.write(data.slice(done, done + CHUNK));
          options.onProgress?.(Math.min(data.byteLength, done + CHUNK), data.byteLength);
        }
      },
      async remove(name: string) {
        checkName(name, `removing ${name} from ${description}`);
        injected('remove', `removing ${name} from ${description}`);
        const objects = place(`removing ${name} from ${description}`);
        if (!objects.has(prefix + name)) return 'missing';
        if (locked.has(name)) return 'locked';
        objects.delete(prefix + name);
        return 'removed';
      },
      async cleanUp() {
        const objects = place(`cleaning ${description}`);
        let removed = 0;
        for (const key of [...objects.keys()]) {
          if ((key.startsWith(`${prefix}.partial-`) || key.startsWith(`${prefix}pool/.partial-`)) && !mine.has(key)) {
            objects.delete(key);
            removed++;
          }
        }
        return removed;
      },
    };
  }

  return {
    open,
    createPlace: (target) => void (places.has(keyOf(target)) || places.set(keyOf(target), new Map())),
    objects: (target) => places.get(keyOf(target)) ?? new Map(),
    fail: (operation, code, count = 1, after = 0) => void faults.push({ operation, code, count, after }),
    clearFaults: () => void faults.splice(0),
    locked,
    bytesPut: () => put,
    puts,
  };
}
