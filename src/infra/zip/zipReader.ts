/**
 * ArchiveReader through the FileSystem port (random access, so the central directory is
 * read first and entries in any order); it replaced yauzl 3 (bench/RESULTS.md). The structure
 * (end records, central directory, local headers, overlaps) is checked by zipStructure.ts,
 * which yauzl did not do. Entries are streamed here (readRange, inflateRange): each entry's CRC-32 is
 * computed while it streams and compared at its end, and an entry that inflates past its
 * declared size (a bomb) is stopped mid-stream at that size.
 */
import { promisify } from 'node:util';
import { crc32, createInflateRaw, inflateRaw, type ZlibOptions } from 'node:zlib';
import type { ArchiveEntry, ArchiveReader } from '../../ports/archive.ts';
import type { FileSystem, ReadHandle } from '../../ports/fileSystem.ts';
import { BackupError } from '../../domain/errors.ts';
import { printableName } from '../../domain/layout.ts';
import { checkZipStructure, type ZipStructure, type ZipStructureEntry } from './zipStructure.ts';

/** Bytes read from the archive at once, and inflated bytes handed on at once. */
const READ_CHUNK = 1 << 20;
const INFLATE_CHUNK = 1 << 20;
const inflateWhole = promisify(inflateRaw) as (input: Uint8Array, options: ZlibOptions) => Promise<Buffer>;

/** An entry's data that the file ends before (it changed since the structural check). */
const truncated = (at: number, end: number) => new BackupError('TRUNCATED', `read: the file ends at ${at} bytes, before ${end}`);

/**
 * The bytes of [start, start + length), in chunks of up to 1 MiB, with the next read already
 * under way. Two buffers take turns: a chunk is valid until the consumer asks for the next
 * one, whose arrival starts a read into the first chunk's buffer (the reader's own consumers
 * hash, CRC and write each chunk before asking for another), so a lane streams any size in
 * 2 MiB without a new allocation per read.
 */
async function* readRange(handle: ReadHandle, start: number, length: number): AsyncGenerator<Uint8Array, void, undefined> {
  const end = start + length;
  const size = Math.min(READ_CHUNK, length);
  const buffers = [new Uint8Array(size), new Uint8Array(length > size ? size : 0)];
  let turn = 0;
  const read = async (position: number) => {
    const bytes = await handle.read(position, Math.min(READ_CHUNK, end - position), buffers[turn]);
    turn ^= 1;
    if (bytes.byteLength === 0) throw truncated(position, end);
    return bytes;
  };
  let position = start;
  let pending = position < end ? read(position) : undefined;
  try {
    while (pending) {
      const bytes = await pending;
      position += bytes.byteLength;
      pending = position < end ? read(position) : undefined;
      yield bytes;
    }
  } finally {
    pending?.catch(() => {}); // a read still under way when the consumer stopped
  }
}

/** Entries at most this large (compressed, and inflated) are read and inflated in one piece. */
const WHOLE_ENTRY_MAX = 4 << 20;

/**
 * The inflated bytes of a raw deflate stream at [start, start + length), of which the
 * central directory declares `declared` bytes. zlib inflates on the threadpool while the
 * main thread hashes and writes.
 * - A small entry (most documents) is one read and one inflate into a buffer of its declared
 *   size: a stream per entry cost more than the inflating (bench/RESULTS.md).
 * - A larger one streams: each compressed chunk is handed to zlib and its buffer reused
 *   once zlib has taken it; output comes in chunks of up to 1 MiB.
 * Either way, inflating past `declared` stops there (a bomb is not inflated to its end).
 */
async function* inflateRange(handle: ReadHandle, start: number, length: number, declared: number): AsyncGenerator<Uint8Array, void, undefined> {
  if (length <= WHOLE_ENTRY_MAX && declared <= WHOLE_ENTRY_MAX) {
    const input = await handle.read(start, length);
    if (input.byteLength < length) throw truncated(start + input.byteLength, start + length);
    // One byte more than declared, so that a longer stream is seen as longer (and stopped there).
    const out = await inflateWhole(input, { chunkSize: Math.max(declared + 1, 64), maxOutputLength: declared + 1 });
    if (out.byteLength) yield new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
    return;
  }
  const inflater = createInflateRaw({ chunkSize: INFLATE_CHUNK });
  // The feeder waits for zlib to take each chunk (write's callback) before readRange reuses
  // its buffer. A destroyed inflater (broken data, or the consumer stopped) may never call
  // back for the chunk it holds, so its 'close' ends the wait too.
  const taken = (chunk: Uint8Array) =>
    new Promise<void>((resolve, reject) => {
      const onClose = () => reject(new Error('inflater closed'));
      inflater.once('close', onClose);
      inflater.write(chunk, (error) => {
        inflater.off('close', onClose);
        if (error) reject(error);
        else resolve();
      });
    });
  const feed = async () => {
    for await (const chunk of readRange(handle, start, length)) {
      if (inflater.destroyed) return;
      await taken(chunk);
    }
    inflater.end();
  };
  const fed = feed().catch((error: unknown) => inflater.destroy(error instanceof Error ? error : new Error(String(error))));
  try {
    for await (const chunk of inflater as AsyncIterable<Buffer>) yield new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  } finally {
    inflater.destroy();
    await fed;
  }
}

/** Anything the structural check throws that is not already a BackupError, turned into a code. */
function openError(error: unknown, path: string, size: number): BackupError {
  if (error instanceof BackupError) return error;
  const message = error instanceof Error ? error.message : String(error);
  if (/end of central directory record signature not found/i.test(message)) {
    return new BackupError('NOT_A_ZIP', `open ${path}: not a ZIP file (no end-of-central-directory record in its ${size} bytes)`, { cause: error });
  }
  if (/multi-disk/i.test(message)) return new BackupError('UNSUPPORTED', `open ${path}: multi-disk ZIP archives are not supported`, { cause: error });
  return new BackupError('CORRUPT_ENTRY', `open ${path}: the ZIP structure is damaged (${message})`, { cause: error });
}

/**
 * Opens a ZIP: `checkZipStructure` reads and checks the end records, the central directory
 * and every local header (it is the source of the entries, names decoded there). Each
 * entry's data is read from the offset that check found, in 1 MiB reads, and inflated by
 * node:zlib (readRange, inflateRange: the work yauzl's streams did, with fewer and larger
 * hand-offs). yauzl itself is no longer used here: its second parse of the central
 * directory cost time and ~7 MB of memory at 8,000 entries and found nothing the structural
 * check does not; the file keeps its name for its importers.
 */
export async function openZipReader(fs: FileSystem, path: string): Promise<ArchiveReader> {
  return openZipReaderOn(await fs.openRead(path), path);
}

/** The reader over an open handle (which it owns), e.g. an encrypted backup's decrypting view. */
export async function openZipReaderOn(handle: ReadHandle, path: string): Promise<ArchiveReader> {
  let structure: ZipStructure;
  try {
    structure = await checkZipStructure(handle, path);
  } catch (error) {
    await handle.close().catch(() => {});
    throw openError(error, path, handle.size);
  }
  const list = structure.entries.map((raw) => ({
    raw,
    info: {
      name: raw.name,
      compressedSize: raw.compressedSize,
      uncompressedSize: raw.uncompressedSize,
      compressionMethod: raw.method,
      encrypted: raw.encrypted,
      type: raw.type,
    } satisfies ArchiveEntry,
  }));
  const raws = new Map<ArchiveEntry, ZipStructureEntry>(list.map((e) => [e.info, e.raw]));
  let closed = false;
  return {
    entries: list.map((e) => e.info),
    openEntry: (info) => ({
      async *[Symbol.asyncIterator]() {
        const raw = raws.get(info);
        if (!raw) throw new Error('openEntry: not an entry of this archive');
        const name = printableName(info.name);
        if (raw.encrypted || (raw.method !== 0 && raw.method !== 8)) {
          throw new BackupError('UNSUPPORTED', `read entry ${name}: ${raw.encrypted ? 'encrypted' : `compression method ${raw.method}`}; only unencrypted stored (0) and deflate (8) entries are read`);
        }
        let crc = 0;
        let size = 0;
        const chunks = raw.method === 8 ? inflateRange(handle, raw.dataStart, raw.compressedSize, info.uncompressedSize) : readRange(handle, raw.dataStart, raw.compressedSize);
        try {
          for await (const chunk of chunks) {
            size += chunk.byteLength;
            // A bomb stops here, at its declared size, not when it has filled the disk.
            if (size > info.uncompressedSize) throw new BackupError('CORRUPT_ENTRY', `read entry ${name}: expected ${info.uncompressedSize} bytes, got more`);
            crc = crc32(chunk, crc);
            yield chunk;
          }
        } catch (error) {
          if (error instanceof BackupError) throw error;
          // inflateWhole's maxOutputLength: the one-piece path's way of saying "longer than declared".
          if ((error as { code?: unknown }).code === 'ERR_BUFFER_TOO_LARGE') {
            throw new BackupError('CORRUPT_ENTRY', `read entry ${name}: expected ${info.uncompressedSize} bytes, got more`);
          }
          const message = error instanceof Error ? error.message : String(error);
          throw new BackupError('CORRUPT_ENTRY', `read entry ${name}: ${message}`, { cause: error });
        } finally {
          await chunks.return(undefined); // also when the consumer stops early
        }
        if (size !== info.uncompressedSize) {
          throw new BackupError('CORRUPT_ENTRY', `read entry ${name}: expected ${info.uncompressedSize} bytes, got ${size}`);
        }
        if (crc >>> 0 !== raw.crc32 >>> 0) {
          throw new BackupError('CORRUPT_ENTRY', `read entry ${name}: CRC-32 is ${(crc >>> 0).toString(16)}, the ZIP says ${(raw.crc32 >>> 0).toString(16)}`);
        }
      },
    }),
    close: async () => {
      if (closed) return;
      closed = true;
      // Closing a file opened for reading loses nothing, so its failure is not one.
      await handle.close().catch(() => {});
    },
  };
}
