/**
 * ArchiveReader through the FileSystem port (random access, so the central directory is
 * read first and entries in any order); it replaced yauzl 3 (bench/RESULTS.md). The structure
 * (end records, central directory, local headers, overlaps) is checked by zipStructure.ts,
 * which yauzl did not do. Entries are streamed here (readRange, inflateRange): each entry's CRC-32 is
 * computed while it streams and compared at its end, and an entry that inflates past its
 * declared size (a bomb) is stopped mid-stream at that size.
 */
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { crc32, createInflateRaw } from 'node:zlib';
import type { ArchiveEntry, ArchiveReader } from '../../ports/archive.ts';
import type { FileSystem, ReadHandle } from '../../ports/fileSystem.ts';
import { BackupError } from '../../domain/errors.ts';
import { printableName } from '../../domain/layout.ts';
import { checkZipStructure, type ZipStructure, type ZipStructureEntry } from './zipStructure.ts';

/** Bytes read from the archive at once, and inflated bytes handed on at once. */
const READ_CHUNK = 1 << 20;
const INFLATE_CHUNK = 1 << 20;

/** The bytes of [start, start + length), in chunks, with the next read already under way. */
async function* readRange(handle: ReadHandle, start: number, length: number): AsyncGenerator<Uint8Array, void, undefined> {
  const end = start + length;
  const read = async (position: number) => {
    const bytes = await handle.read(position, Math.min(READ_CHUNK, end - position));
    if (bytes.byteLength === 0) throw new BackupError('TRUNCATED', `read: the file ends at ${position} bytes, before ${end}`);
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

/**
 * The inflated bytes of a raw deflate stream at [start, start + length). zlib inflates on
 * the threadpool while the next compressed chunk is read and the last inflated one is
 * hashed and written; output comes in chunks of up to 1 MiB (zlib's default of 16 KiB made
 * one hand-off, and one write, per 16 KiB).
 */
async function* inflateRange(handle: ReadHandle, start: number, length: number): AsyncGenerator<Uint8Array, void, undefined> {
  const inflater = createInflateRaw({ chunkSize: INFLATE_CHUNK });
  const source = Readable.from(readRange(handle, start, length), { highWaterMark: 2 });
  const fed = pipeline(source, inflater).catch(() => {}); // errors reach the loop through `inflater`
  try {
    for await (const chunk of inflater as AsyncIterable<Buffer>) yield new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  } finally {
    source.destroy();
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
  const handle = await fs.openRead(path);
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
        const chunks = raw.method === 8 ? inflateRange(handle, raw.dataStart, raw.compressedSize) : readRange(handle, raw.dataStart, raw.compressedSize);
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
