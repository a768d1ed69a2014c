import type { WriteHandle } from '../ports/fileSystem.ts';
import type { Hash } from '../ports/hashing.ts';
import { throwIfCancelled } from './errors.ts';

/** Passes chunks through while hashing and counting them: each byte is read once. */
export async function* tap(
  source: AsyncIterable<Uint8Array>,
  hash: Hash,
  onBytes: (n: number) => void,
  signal?: AbortSignal,
  operation = 'backup',
): AsyncGenerator<Uint8Array> {
  for await (const chunk of source) {
    throwIfCancelled(signal, operation);
    hash.update(chunk);
    onBytes(chunk.byteLength);
    yield chunk;
  }
}

/** A write handle that hashes and counts what goes through it (the SHA-256 and size of a whole backup file). */
export function hashingWriter(inner: WriteHandle, hash: Hash, onBytes: (n: number) => void = () => {}): WriteHandle {
  return {
    write: async (chunk) => {
      hash.update(chunk);
      onBytes(chunk.byteLength);
      await inner.write(chunk);
    },
    close: () => inner.close(),
    abort: () => inner.abort(),
  };
}

export async function* once(bytes: Uint8Array): AsyncGenerator<Uint8Array> {
  yield bytes;
}

/** Reads a stream whole, refusing more than `max` bytes (for the small JSON entries). */
export async function readAll(source: AsyncIterable<Uint8Array>, max: number, onTooLarge: () => Error): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  let length = 0;
  for await (const chunk of source) {
    length += chunk.byteLength;
    if (length > max) throw onTooLarge();
    chunks.push(chunk.slice()); // the source may reuse the chunk's memory for the next one
  }
  const out = new Uint8Array(length);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return out;
}

/**
 * A stream whose first chunk is asked for now, before anyone iterates it: the export opens
 * and reads the next documents while the current one is archived. Each one's open, stat and
 * first read took ~15 ms while both cores deflated, and one after the other they kept the
 * deflaters waiting for input (bench/RESULTS.md). `close` ends a stream that will not be
 * iterated (the export failed first).
 */
export function readAhead(source: AsyncIterable<Uint8Array>): AsyncIterable<Uint8Array> & { close(): Promise<void> } {
  const iterator = source[Symbol.asyncIterator]();
  const first = iterator.next();
  first.catch(() => {}); // observed by the consumer, or by close
  let taken = false;
  return {
    async *[Symbol.asyncIterator]() {
      if (taken) throw new Error('readAhead: a stream is iterated once');
      taken = true;
      try {
        for (let next = await first; !next.done; next = await iterator.next()) yield next.value;
      } finally {
        await iterator.return?.();
      }
    },
    close: async () => {
      if (taken) return;
      taken = true;
      await first.catch(() => {});
      await iterator.return?.();
    },
  };
}
