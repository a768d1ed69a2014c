/**
 * ArchiveWriter of our own over node:zlib: a standard ZIP (PKWARE APPNOTE 6.3), written
 * in one sequential pass with no seeks, that keeps both cores busy.
 * - Store what does not compress: 8 KiB from the middle of the first block are deflated at level 1;
 *   if that saves less than 3 %, the entry is stored (PDFs, JPEGs, ZIPs inside), else it
 *   is deflated at the requested level.
 * - Deflate in parallel, pigz-style: an entry is cut into blocks of 1 MiB; each block is
 *   deflated on its own by zlib's async API (the libuv threadpool), primed with the last
 *   32 KiB of the block before it as its dictionary and ended with a sync flush (the last
 *   with Z_FINISH), so the blocks concatenate into one valid deflate stream.
 *   Blocks of several entries are in flight at once; their output is written in order.
 * - `add` resolves when its source is consumed (the port's contract): the blocks may still
 *   be compressing, and at most `maxInFlight` bytes of input wait, so memory is bounded.
 *   A failure in a block surfaces at the next `add` or at `finish`.
 * - CRC-32 and sizes go in a data descriptor after the data (general purpose bit 3) and in
 *   the central directory; ZIP64 records are added only where a size, an offset or the
 *   entry count needs them. Output is gathered into writes of 4 MiB; the only fsync is the
 *   output's close in `finish`. The gather buffer is reused: `output.write` must be done
 *   with a chunk when it resolves (node:fs and memfs are).
 */
import { constants, crc32, deflateRaw, deflateRawSync, type ZlibOptions } from 'node:zlib';
import type { ArchiveWriter } from '../../ports/archive.ts';
import type { WriteHandle } from '../../ports/fileSystem.ts';

export interface ZipWriterOptions {
  readonly level: number;
  readonly modified: Date;
  /** Input bytes per deflate task (default 1 MiB). */
  readonly blockSize?: number;
  /** Input bytes compressing or waiting to be written before `add` waits (default 4 MiB). */
  readonly maxInFlight?: number;
  /** Bytes gathered before one write to the output (default 4 MiB). */
  readonly writeSize?: number;
}

/** How an entry was written; exposed for tests. */
export interface WrittenEntry {
  readonly name: string;
  readonly method: 0 | 8;
  readonly crc32: number;
  readonly compressedSize: number;
  readonly uncompressedSize: number;
  readonly offset: number;
  readonly zip64: boolean;
}

const SAMPLE = 8 * 1024;
/** Entries smaller than this are deflated without sampling (the sample would be the entry). */
const SMALL = 4 * 1024;
/** Store if level 1 on the sample keeps more than this fraction of it. */
const STORE_ABOVE = 0.97;
const DICTIONARY = 32 * 1024;
/** zlib's output buffer per task: a few hand-offs per block, little garbage. */
const DEFLATE_CHUNK = 256 * 1024;
const MAX32 = 0xffffffff;
const MAX16 = 0xffff;

interface EntryRecord {
  readonly name: string;
  readonly nameBytes: Uint8Array;
  readonly utf8: boolean;
  readonly directory: boolean;
  method: 0 | 8;
  crc: number;
  compressedSize: number;
  uncompressedSize: number;
  offset: number;
}

type Piece = Uint8Array | (() => Uint8Array);

export function createZipWriter(output: WriteHandle, options: ZipWriterOptions): ArchiveWriter & { readonly written: () => readonly WrittenEntry[] } {
  const level = Math.max(0, Math.min(9, Math.trunc(options.level)));
  const blockSize = options.blockSize ?? 1 << 20;
  const maxInFlight = options.maxInFlight ?? 4 << 20;
  const writeSize = options.writeSize ?? 4 << 20;
  const { time, date } = dosDateTime(options.modified);
  const entries: EntryRecord[] = [];
  const names = new Set<string>();

  // The ordered output: `chain` writes pieces in the order they were enqueued, while the
  // promises behind them (deflate tasks) run in parallel.
  let chain: Promise<void> = Promise.resolve();
  let failure: { error: unknown } | undefined;
  let position = 0;
  // One gather buffer, reused: the output has consumed a chunk once `write` resolves.
  const gather = new Uint8Array(writeSize);
  let gatheredBytes = 0;
  const inFlight: { weight: number; done: Promise<void> }[] = [];
  let inFlightWeight = 0;
  let state: 'open' | 'finishing' | 'done' | 'aborted' = 'open';

  const flush = async () => {
    if (gatheredBytes === 0) return;
    const bytes = gather.subarray(0, gatheredBytes);
    gatheredBytes = 0;
    if (state === 'aborted') return;
    await output.write(bytes);
  };
  const append = async (bytes: Uint8Array) => {
    position += bytes.byteLength;
    for (let at = 0; at < bytes.byteLength; ) {
      const n = Math.min(bytes.byteLength - at, writeSize - gatheredBytes);
      gather.set(bytes.subarray(at, at + n), gatheredBytes);
      gatheredBytes += n;
      at += n;
      if (gatheredBytes === writeSize) await flush();
    }
  };
  const enqueue = (ready: Promise<Piece[]> | Piece[], weight: number) => {
    const done = chain.then(async () => {
      if (state === 'aborted') return;
      for (const piece of await ready) await append(typeof piece === 'function' ? piece() : piece);
    });
    done.catch((error: unknown) => {
      failure ??= { error };
    });
    chain = done;
    if (weight === 0) return; // headers and descriptors: nothing to hold back for
    // Pieces settle in the order of the chain, so the oldest slot is always the one released.
    inFlight.push({ weight, done });
    inFlightWeight += weight;
    const release = () => {
      inFlightWeight -= weight;
      inFlight.shift();
    };
    done.then(release, release);
  };
  const throwIfFailed = () => {
    if (failure) throw failure.error;
  };
  /** Waits while too much input is in flight (always for the oldest piece: they finish in order). */
  const room = async () => {
    while (inFlightWeight > maxInFlight && !failure) await inFlight[0]!.done.catch(() => {});
    throwIfFailed();
  };

  const localHeader = (entry: EntryRecord): Uint8Array => {
    entry.offset = position;
    const b = new Bytes(30 + entry.nameBytes.length);
    b.u32(0x04034b50).u16(20).u16(flags(entry)).u16(entry.method).u16(time).u16(date);
    b.u32(0).u32(0).u32(0); // crc and sizes follow in the data descriptor
    b.u16(entry.nameBytes.length).u16(0).bytes(entry.nameBytes);
    return b.out;
  };
  const descriptor = (entry: EntryRecord): Uint8Array => {
    const zip64 = entry.compressedSize >= MAX32 || entry.uncompressedSize >= MAX32;
    const b = new Bytes(zip64 ? 24 : 16);
    b.u32(0x08074b50).u32(entry.crc);
    if (zip64) b.u64(entry.compressedSize).u64(entry.uncompressedSize);
    else b.u32(entry.compressedSize).u32(entry.uncompressedSize);
    return b.out;
  };

  const deflate = (input: Uint8Array, options: ZlibOptions): Promise<Buffer> =>
    new Promise((resolve, reject) => {
      // An output buffer no larger than the block needs (deflate's bound is the input plus
      // 5 bytes per 16 KiB and a few more): a small entry allocates its size, not 256 KiB.
      const bound = input.byteLength + (input.byteLength >> 10) + 64;
      deflateRaw(input, { chunkSize: Math.min(DEFLATE_CHUNK, bound), ...options }, (error, out) =>
        error ? reject(error) : resolve(out),
      );
    });

  /**
   * Whether deflate pays for this entry, judged from a sample of its first block: SAMPLE
   * bytes from the middle of it (past a header like a PDF's, which compresses when the rest
   * does not). A stream's set-up dominates level 1 on a few KiB, so the sample is small.
   */
  const worthDeflating = (first: Uint8Array): boolean => {
    if (level === 0) return false;
    if (first.byteLength < SMALL) return true;
    const from = Math.max(0, (first.byteLength - SAMPLE) >> 1);
    const sample = first.subarray(from, from + SAMPLE);
    // On this thread: the threadpool's queue is full of blocks being deflated, and waiting
    // behind them for 0.2 ms of work held up every entry (bench/RESULTS.md).
    const packed = deflateRawSync(sample, { level: 1 });
    return packed.byteLength < sample.byteLength * STORE_ABOVE;
  };

  const add = async (name: string, source: AsyncIterable<Uint8Array>): Promise<void> => {
    if (state !== 'open') throw new Error(`zip: add after ${state}`);
    if (names.has(name)) throw new Error(`zip: duplicate entry ${name}`);
    throwIfFailed();
    names.add(name);
    const nameBytes = new TextEncoder().encode(name);
    if (nameBytes.length > MAX16) throw new Error(`zip: entry name of ${nameBytes.length} bytes`);
    const entry: EntryRecord = {
      name,
      nameBytes,
      utf8: !/^[\x20-\x7e]*$/.test(name),
      directory: name.endsWith('/'),
      method: 8,
      crc: 0,
      compressedSize: 0,
      uncompressedSize: 0,
      offset: 0,
    };
    entries.push(entry);
    const blocks = rechunk(source, blockSize);
    let next = await blocks.next();
    // Folders and empty entries are stored (no data); the rest as the sample says.
    entry.method = next.done || entry.directory ? 0 : worthDeflating(next.value) ? 8 : 0;
    enqueue([() => localHeader(entry)], 0);
    let dictionary: Uint8Array | undefined;
    while (!next.done) {
      const block = next.value;
      // Read one block ahead: the last block ends the deflate stream (Z_FINISH).
      const following = await blocks.next();
      entry.crc = crc32(block, entry.crc);
      entry.uncompressedSize += block.byteLength;
      if (entry.method === 0) {
        entry.compressedSize += block.byteLength;
        enqueue([block], block.byteLength);
      } else {
        const task = deflate(block, {
          level,
          finishFlush: following.done ? constants.Z_FINISH : constants.Z_SYNC_FLUSH,
          ...(dictionary ? { dictionary } : {}),
        }).then((out): Piece[] => {
          entry.compressedSize += out.byteLength;
          return [out];
        });
        task.catch(() => {}); // observed through the chain
        enqueue(task, block.byteLength);
        dictionary = block.byteLength >= DICTIONARY ? block.subarray(block.byteLength - DICTIONARY) : concatTail(dictionary, block);
      }
      await room();
      next = following;
    }
    enqueue([() => descriptor(entry)], 0);
    throwIfFailed();
  };

  const centralDirectory = async () => {
    const start = position;
    for (const entry of entries) await append(centralHeader(entry, time, date));
    const size = position - start;
    const needs64 = entries.length > MAX16 - 1 || start >= MAX32 || size >= MAX32;
    if (needs64) {
      const record = position;
      const b = new Bytes(56 + 20);
      b.u32(0x06064b50).u64(44).u16((3 << 8) | 45).u16(45).u32(0).u32(0);
      b.u64(entries.length).u64(entries.length).u64(size).u64(start);
      b.u32(0x07064b50).u32(0).u64(record).u32(1);
      await append(b.out);
    }
    const e = new Bytes(22);
    e.u32(0x06054b50).u16(0).u16(0);
    e.u16(needs64 ? MAX16 : entries.length).u16(needs64 ? MAX16 : entries.length);
    e.u32(needs64 ? MAX32 : size).u32(needs64 ? MAX32 : start).u16(0);
    await append(e.out);
    await flush();
  };

  return {
    add,
    finish: async () => {
      if (state !== 'open') throw new Error(`zip: finish after ${state}`);
      state = 'finishing';
      await chain.catch(() => {});
      throwIfFailed();
      await centralDirectory();
      await output.close(); // the one fsync
      state = 'done';
    },
    abort: async () => {
      if (state === 'aborted' || state === 'done') return;
      state = 'aborted';
      await chain.catch(() => {});
      await output.abort();
    },
    written: () =>
      entries.map((e) => ({
        name: e.name,
        method: e.method,
        crc32: e.crc,
        compressedSize: e.compressedSize,
        uncompressedSize: e.uncompressedSize,
        offset: e.offset,
        zip64: e.compressedSize >= MAX32 || e.uncompressedSize >= MAX32 || e.offset >= MAX32,
      })),
  };
}

function flags(entry: EntryRecord): number {
  return 0x0008 | (entry.utf8 ? 0x0800 : 0);
}

function centralHeader(entry: EntryRecord, time: number, date: number): Uint8Array {
  const big = [entry.uncompressedSize >= MAX32, entry.compressedSize >= MAX32, entry.offset >= MAX32];
  const extraLength = big.some(Boolean) ? 4 + 8 * big.filter(Boolean).length : 0;
  const b = new Bytes(46 + entry.nameBytes.length + extraLength);
  const version = extraLength > 0 ? 45 : 20;
  b.u32(0x02014b50).u16((3 << 8) | version).u16(version).u16(flags(entry)).u16(entry.method).u16(time).u16(date);
  b.u32(entry.crc).u32(big[1] ? MAX32 : entry.compressedSize).u32(big[0] ? MAX32 : entry.uncompressedSize);
  b.u16(entry.nameBytes.length).u16(extraLength).u16(0).u16(0).u16(0);
  b.u32(((entry.directory ? 0o040755 : 0o100644) << 16) >>> 0);
  b.u32(big[2] ? MAX32 : entry.offset).bytes(entry.nameBytes);
  if (extraLength > 0) {
    b.u16(0x0001).u16(extraLength - 4);
    if (big[0]) b.u64(entry.uncompressedSize);
    if (big[1]) b.u64(entry.compressedSize);
    if (big[2]) b.u64(entry.offset);
  }
  return b.out;
}

/** MS-DOS date and time in local time, as zip and unzip use them (1980–2107). */
function dosDateTime(d: Date): { time: number; date: number } {
  const year = Math.min(Math.max(d.getFullYear(), 1980), 2107);
  return {
    time: (d.getHours() << 11) | (d.getMinutes() << 5) | (d.getSeconds() >> 1),
    date: ((year - 1980) << 9) | ((d.getMonth() + 1) << 5) | d.getDate(),
  };
}

/** The last 32 KiB of what came before plus `block` (for blocks smaller than the dictionary). */
function concatTail(previous: Uint8Array | undefined, block: Uint8Array): Uint8Array {
  const joined = previous ? Buffer.concat([previous, block]) : block;
  return joined.byteLength > DICTIONARY ? joined.subarray(joined.byteLength - DICTIONARY) : joined;
}

/** Gathers a source into blocks of `size` bytes (the last may be shorter); copies only small chunks. */
async function* rechunk(source: AsyncIterable<Uint8Array>, size: number): AsyncGenerator<Uint8Array, void, undefined> {
  let parts: Uint8Array[] = [];
  let length = 0;
  for await (const chunk of source) {
    if (length === 0 && chunk.byteLength >= size) {
      yield chunk;
      continue;
    }
    parts.push(chunk);
    length += chunk.byteLength;
    if (length >= size) {
      yield Buffer.concat(parts, length);
      parts = [];
      length = 0;
    }
  }
  if (length > 0) yield parts.length === 1 ? parts[0]! : Buffer.concat(parts, length);
}

/** Little-endian record builder. */
class Bytes {
  readonly out: Uint8Array;
  private readonly view: DataView;
  private at = 0;
  constructor(length: number) {
    this.out = new Uint8Array(length);
    this.view = new DataView(this.out.buffer);
  }
  u16(v: number): this {
    this.view.setUint16(this.at, v, true);
    this.at += 2;
    return this;
  }
  u32(v: number): this {
    this.view.setUint32(this.at, v >>> 0, true);
    this.at += 4;
    return this;
  }
  u64(v: number): this {
    this.view.setBigUint64(this.at, BigInt(v), true);
    this.at += 8;
    return this;
  }
  bytes(v: Uint8Array): this {
    this.out.set(v, this.at);
    this.at += v.byteLength;
    return this;
  }
}
