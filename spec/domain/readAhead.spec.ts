/**
 * readAhead (the export's document read-ahead): the first chunk is asked for at once; the
 * consumer gets every chunk in order; a stream never iterated is closed by `close`, and an
 * error waits for the consumer instead of going unhandled.
 */
import { describe, expect, it } from 'vitest';
import { readAhead } from '../../src/domain/streams.ts';

function source(chunks: number, failAt = -1) {
  const log: string[] = [];
  const stream = {
    async *[Symbol.asyncIterator]() {
      try {
        for (let i = 0; i < chunks; i += 1) {
          log.push(`read ${i}`);
          if (i === failAt) throw new Error(`read ${i} failed`);
          yield Uint8Array.of(i);
        }
      } finally {
        log.push('closed');
      }
    },
  };
  return { stream, log };
}

describe('readAhead', () => {
  it('reads the first chunk before it is iterated, then streams the rest in order', async () => {
    const { stream, log } = source(3);
    const ahead = readAhead(stream);
    await Promise.resolve();
    expect(log).toEqual(['read 0']);
    const seen: number[] = [];
    for await (const chunk of ahead) seen.push(chunk[0]!);
    expect(seen).toEqual([0, 1, 2]);
    expect(log).toEqual(['read 0', 'read 1', 'read 2', 'closed']);
  });

  it('closes a stream that is never iterated', async () => {
    const { stream, log } = source(3);
    await readAhead(stream).close();
    expect(log).toEqual(['read 0', 'closed']);
  });

  it('keeps a failed first read for the consumer (and close swallows it)', async () => {
    const failing = source(3, 0);
    const ahead = readAhead(failing.stream);
    await new Promise((resolve) => setTimeout(resolve, 5)); // no unhandled rejection meanwhile
    await expect((async () => { for await (const _ of ahead) void _; })()).rejects.toThrow('read 0 failed');
    const closed = source(3, 0);
    await expect(readAhead(closed.stream).close()).resolves.toBeUndefined();
  });

  it('is iterated once', async () => {
    const ahead = readAhead(source(1).stream);
    for await (const _ of ahead) void _;
    await expect((async () => { for await (const _ of ahead) void _; })()).rejects.toThrow(/once/);
  });
});
