/**
 * A file system whose streamed reads run at a given rate: for demos and for the end-to-end
 * test that cancels an export while it runs (a real adapter wrapped, as the spec suite's
 * fault-injecting file systems are). Only `readStream` is slowed; everything else passes through.
 */
import type { FileSystem } from '../ports/fileSystem.ts';

const CHUNK = 64 * 1024;

export function throttleReads(fs: FileSystem, bytesPerSecond: number): FileSystem {
  async function* slow(path: string, chunkSize?: number): AsyncGenerator<Uint8Array> {
    for await (const chunk of fs.readStream(path, Math.min(chunkSize ?? CHUNK, CHUNK))) {
      await new Promise((resolve) => setTimeout(resolve, (chunk.length / bytesPerSecond) * 1000));
      yield chunk;
    }
  }
  return new Proxy(fs, {
    get(target, property, receiver) {
      if (property === 'readStream') return slow;
      const value: unknown = Reflect.get(target, property, receiver);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}
