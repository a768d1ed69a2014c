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
