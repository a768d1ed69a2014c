/**
 * ArchiveWriter of our own over node:zlib: a standard ZIP (PKWARE APPNOTE 6.3), written
 * in one sequential pass with no seeks, that keeps both cores busy.
 * - Deflate only what compresses, wherever it is in a file (planBlock): every 8 KiB stretch
 *   ("stratum") of a block has one 256-byte window sampled at a fixed pseudo-random place
 *   in it, judged by its byte entropy and its repeated 4-byte strings. Stretches around a
 *   window that compresses are deflated; the rest of the block is written as stored deflate
 *   blocks inside the same deflate stream (so a scan's white strips and OCR text deflate,
 *   its JPEG pages cost no deflate). An entry in which no window compresses is stored
 *   (method 0) when the writer has seen all of it before its header (entries up to 4 MiB);
 *   a longer one is method 8 whatever its first block holds, because a compressible part
 *   may come later. Entries under 4 KiB are deflated without sampling.
 * - Deflate in parallel, pigz-style: an entry is cut into blocks of 1 MiB; each deflated
 *   stretch is deflated on its own by zlib's async API (the libuv threadpool), primed with
 *   the 32 KiB before it as its dictionary and ended with a sync flush (the last with
 *   Z_FINISH), so the pieces concatenate into one valid deflate stream with the stored
 *   blocks between them. Blocks of several entries are in flight at once; their output is
 *   written in order.
 * - `add` resolves when its source is consumed (the port's contract): the blocks may still
 *   be compressing, and at most `maxInFlight` bytes of input wait, so memory is bounded.
 *   A failure in a block surfaces at the next `add` or at `finish`.
 * - CRC-32 and sizes go in a data descriptor after the data (general purpose bit 3) and in
 *   the central directory; ZIP64 records are added only where a size, an offset or the
 *   entry count needs them. Output is gathered into writes of 4 MiB; the only fsync is the
 *   output's close in `finish`. The gather buffer is reused: `output.write` must be done
 *   with a chunk when it resolves (node:fs and memfs are).
 */
import { constants, crc32, deflateRaw, type ZlibOptions } from 'node:zlib';
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
  /** Bytes of an entry read before its method is chosen: up to this size, an entry with nothing to compress is stored (default 4 MiB). */
  readonly lookahead?: number;
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

/** Entries smaller than this are deflated without sampling (the sample would be the entry). */
const SMALL = 4 * 1024;
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
  const lookahead = options.lookahead ?? 4 << 20;
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

  /** The dictionary for a stretch of `block` from `start`: the 32 KiB before it in the entry. */
  const dictionaryAt = (previous: Uint8Array | undefined, block: Uint8Array, start: number): Uint8Array | undefined => {
    if (start >= DICTIONARY) return block.subarray(start - DICTIONARY, start);
    return start === 0 ? previous : concatTail(previous, block.subarray(0, start));
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
    // Blocks read and planned, not yet queued: up to `lookahead` bytes before the method is
    // chosen, then one block ahead (the last block ends the deflate stream).
    const ahead: { block: Uint8Array; plan: Stretch[] | null }[] = [];
    let aheadBytes = 0;
    let ended = false;
    const pull = async () => {
      const next = await blocks.next();
      if (next.done) {
        ended = true;
        return;
      }
      // A block under SMALL is not sampled: deflated whole if the entry is.
      const plan = level === 0 || next.value.byteLength < SMALL ? null : planBlock(next.value);
      ahead.push({ block: next.value, plan });
      aheadBytes += next.value.byteLength;
    };
    // Folders and empty entries are stored (no data); so is an entry seen whole in which no
    // stretch compresses (an entry under SMALL is deflated; a short tail does not count).
    // A longer one is deflated: a compressible part may come later. The lookahead stops at
    // the first block with something to deflate (the entry is method 8 then, whatever follows).
    const nothingToDeflate = () => ahead.every((a) => (a.plan ? !a.plan.some((s) => s.deflate) : ahead.length > 1));
    do await pull();
    while (!ended && aheadBytes < lookahead && nothingToDeflate());
    entry.method = ahead.length === 0 || entry.directory || level === 0 || (ended && nothingToDeflate()) ? 0 : 8;
    enqueue([() => localHeader(entry)], 0);
    let dictionary: Uint8Array | undefined;
    while (ahead.length > 0) {
      if (!ended && ahead.length < 2) await pull();
      const { block, plan: planned } = ahead.shift()!;
      const plan = planned ?? [{ start: 0, end: block.byteLength, deflate: true }];
      const last = ended && ahead.length === 0;
      entry.crc = crc32(block, entry.crc);
      entry.uncompressedSize += block.byteLength;
      if (entry.method === 0) {
        entry.compressedSize += block.byteLength;
        enqueue([block], block.byteLength);
      } else {
        plan.forEach((stretch, k) => {
          const bytes = block.subarray(stretch.start, stretch.end);
          const final = last && k === plan.length - 1;
          if (!stretch.deflate) {
            const pieces = storedBlocks(bytes, final);
            entry.compressedSize += bytes.byteLength + STORED_HEADER * (pieces.length / 2);
            enqueue(pieces, bytes.byteLength);
            return;
          }
          const dict = dictionaryAt(dictionary, block, stretch.start);
          const task = deflate(bytes, {
            level,
            finishFlush: final ? constants.Z_FINISH : constants.Z_SYNC_FLUSH,
            ...(dict && dict.byteLength > 0 ? { dictionary: dict } : {}),
          }).then((out): Piece[] => {
            entry.compressedSize += out.byteLength;
            return [out];
          });
          task.catch(() => {}); // observed through the chain
          enqueue(task, bytes.byteLength);
        });
        dictionary = dictionaryAt(dictionary, block, block.byteLength);
      }
      await room();
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

/** A stretch of a block, deflated or written as stored deflate blocks. */
export interface Stretch {
  readonly start: number;
  readonly end: number;
  readonly deflate: boolean;
}

/** One window is sampled in each stretch of about this many bytes of a block. */
export const STRATUM = 8 * 1024;
/** Bytes per sampled window. */
const WINDOW = 256;
/**
 * A window compresses if its byte entropy, in bits per byte (Miller–Madow corrected), is
 * below this. Over 256 bytes: random bytes 7.33–7.91 (60,000 windows), base64 5.8–6.1,
 * text 3.8–5.4, random 7-bit bytes (deflate saves 12 %) 6.7–7.1, a white bitmap strip ~0.2.
 */
const ENTROPY_BELOW = 7.2;
/** Stored stretches shorter than this between or beside deflated ones are deflated too. */
const MIN_STORED = 64 * 1024;
/** A stored deflate block: 1 header byte (BFINAL, BTYPE 00, byte-aligned), LEN, NLEN. */
const STORED_HEADER = 5;
const STORED_MAX = 0xffff;

/** n·log2(n) for the window's byte counts. */
const XLOG2X = Float64Array.from({ length: WINDOW + 1 }, (_, n) => (n === 0 ? 0 : n * Math.log2(n)));
const counts = new Uint16Array(256);

/**
 * Whether the window `block[at, at + length)` compresses, by its order-0 entropy (what
 * deflate's Huffman codes get; Miller–Madow's correction keeps 256 random bytes from looking
 * compressible). Data with fewer than ~130 distinct bytes in a window counts too, so short
 * repeats do; what it misses is redundancy only at distances beyond a window in bytes that
 * look random (the same random kilobyte twice within 32 KiB), which deflate would find.
 * In JS on the main thread: 256 bytes counted, then 256 counts summed.
 */
function windowCompresses(block: Uint8Array, at: number, length: number): boolean {
  counts.fill(0);
  for (let i = at; i < at + length; i += 1) {
    const x = block[i]!;
    counts[x] = counts[x]! + 1;
  }
  let sum = 0;
  let distinct = 0;
  for (let b = 0; b < 256; b += 1) {
    const c = counts[b]!;
    if (c > 0) {
      sum += XLOG2X[c]!;
      distinct += 1;
    }
  }
  const entropy = Math.log2(length) - sum / length + (distinct - 1) / (2 * length * Math.LN2);
  return entropy < ENTROPY_BELOW;
}

/**
 * Which stretches of a block to deflate. The block is cut into strata of about STRATUM
 * bytes; one WINDOW-byte window is sampled in each, at a place fixed by the stratum's index
 * (pseudo-random, so no periodic data lines up with every window, and the same bytes always
 * give the same archive). A stratum whose window compresses is deflated with its two
 * neighbours (a compressible region spills over into them); stored stretches shorter than
 * MIN_STORED are deflated too (a few more bytes to deflate beat the set-up of another task).
 * So every compressible region of at least two strata (16 KiB) is deflated whole, wherever
 * it is; a shorter one is found where a window falls in it. Cost: 32 KiB of windows per
 * MiB, scanned in JS: 0.2–0.3 ms of CPU per MiB on the loaded bench machine, ~5 µs for a
 * 24 KB document (the level-1 deflate of 8 KiB it replaces cost 0.2–0.4 ms).
 */
export function planBlock(block: Uint8Array): Stretch[] {
  const length = block.byteLength;
  const strata = Math.max(1, Math.round(length / STRATUM));
  const bound = (i: number) => Math.floor((i * length) / strata);
  const marked = new Uint8Array(strata);
  for (let i = 0; i < strata; i += 1) {
    const from = bound(i);
    const span = bound(i + 1) - from;
    const size = Math.min(WINDOW, span);
    const at = from + ((Math.imul(i + 1, 0x9e3779b1) >>> 0) % (span - size + 1));
    if (windowCompresses(block, at, size)) {
      for (let j = Math.max(0, i - 1); j <= Math.min(strata - 1, i + 1); j += 1) marked[j] = 1;
    }
  }
  const stretches: Stretch[] = [];
  for (let i = 0; i < strata; ) {
    let j = i;
    while (j < strata && marked[j] === marked[i]) j += 1;
    stretches.push({ start: bound(i), end: bound(j), deflate: marked[i] === 1 });
    i = j;
  }
  // Short stored stretches join their deflated neighbours; then neighbours of one kind merge.
  const merged: Stretch[] = [];
  for (const s of stretches) {
    const deflate = s.deflate || (stretches.length > 1 && s.end - s.start < MIN_STORED);
    const previous = merged[merged.length - 1];
    if (previous && previous.deflate === deflate) merged[merged.length - 1] = { start: previous.start, end: s.end, deflate };
    else merged.push({ start: s.start, end: s.end, deflate });
  }
  return merged;
}

/** `bytes` as stored deflate blocks (header, data, …) of at most 65,535 bytes; the last one final if `final`. */
function storedBlocks(bytes: Uint8Array, final: boolean): Uint8Array[] {
  const pieces: Uint8Array[] = [];
  for (let at = 0; at < bytes.byteLength || at === 0; at += STORED_MAX) {
    const n = Math.min(STORED_MAX, bytes.byteLength - at);
    const last = at + n >= bytes.byteLength;
    const header = new Uint8Array(STORED_HEADER);
    header[0] = final && last ? 1 : 0;
    header[1] = n & 0xff;
    header[2] = n >>> 8;
    header[3] = ~n & 0xff;
    header[4] = (~n >>> 8) & 0xff;
    pieces.push(header, bytes.subarray(at, at + n));
    if (last) break;
  }
  return pieces;
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
