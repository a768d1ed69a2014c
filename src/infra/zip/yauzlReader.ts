/**
 * ArchiveReader over yauzl 3, reading through the FileSystem port (random access, so the
 * central directory is read first and entries in any order). yauzl does not check CRC-32,
 * so each entry's CRC is computed while it streams and compared at its end; yauzl's own
 * size validation stops an entry that inflates past its declared size (a bomb) mid-stream.
 */
import { Readable } from 'node:stream';
import { crc32 } from 'node:zlib';
import yauzl from 'yauzl';
import type { ArchiveEntry, ArchiveReader } from '../../ports/archive.ts';
import type { FileSystem, ReadHandle } from '../../ports/fileSystem.ts';
import { BackupError } from '../../domain/errors.ts';
import { printableName } from '../../domain/layout.ts';

class PortReader extends yauzl.RandomAccessReader {
  constructor(private readonly handle: ReadHandle) {
    super();
  }

  override _readStreamForRange(start: number, end: number): Readable {
    const handle = this.handle;
    return Readable.from(
      (async function* () {
        let position = start;
        while (position < end) {
          const length = Math.min(1 << 20, end - position);
          const bytes = await handle.read(position, length);
          if (bytes.byteLength === 0) throw new BackupError('TRUNCATED', `read: the file ends at ${position} bytes, before ${end}`);
          position += bytes.byteLength;
          yield Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
        }
      })(),
    );
  }

  override close(callback: (error: Error | null) => void): void {
    this.handle.close().then(() => callback(null), callback);
  }
}

const S_IFMT = 0o170000;
const TYPES: Record<number, ArchiveEntry['type']> = { 0o100000: 'file', 0o040000: 'directory', 0o120000: 'symlink' };

function entryType(entry: yauzl.Entry): ArchiveEntry['type'] {
  const madeByUnix = entry.versionMadeBy >> 8 === 3;
  const mode = (entry.externalFileAttributes >>> 16) & S_IFMT;
  if (madeByUnix && mode !== 0) return TYPES[mode] ?? 'other';
  return entry.fileName.endsWith('/') ? 'directory' : 'file';
}

/** yauzl's messages, turned into codes a person can act on. */
function openError(error: unknown, path: string, size: number): BackupError {
  if (error instanceof BackupError) return error;
  const message = error instanceof Error ? error.message : String(error);
  if (/end of central directory record signature not found/i.test(message)) {
    return new BackupError('NOT_A_ZIP', `open ${path}: not a ZIP file (no end-of-central-directory record in its ${size} bytes)`, { cause: error });
  }
  if (/multi-disk/i.test(message)) return new BackupError('UNSUPPORTED', `open ${path}: multi-disk ZIP archives are not supported`, { cause: error });
  if (/invalid (central directory file header|zip64)|offset|past|truncat|unexpected EOF/i.test(message)) {
    return new BackupError('TRUNCATED', `open ${path}: the ZIP's directory is incomplete or damaged (${message})`, { cause: error });
  }
  return new BackupError('CORRUPT_ENTRY', `open ${path}: the ZIP structure is damaged (${message})`, { cause: error });
}

export async function openYauzlReader(fs: FileSystem, path: string): Promise<ArchiveReader> {
  const handle = await fs.openRead(path);
  let zip: yauzl.ZipFile;
  const list: { info: ArchiveEntry; raw: yauzl.Entry }[] = [];
  try {
    zip = await yauzl.fromRandomAccessReaderPromise(new PortReader(handle), handle.size, {
      lazyEntries: true,
      autoClose: false,
      decodeStrings: true,
      validateEntrySizes: true,
      strictFileNames: false,
    });
    for await (const raw of zip.eachEntry()) {
      list.push({
        raw,
        info: {
          name: raw.fileName,
          compressedSize: raw.compressedSize,
          uncompressedSize: raw.uncompressedSize,
          compressionMethod: raw.compressionMethod,
          encrypted: raw.isEncrypted(),
          type: entryType(raw),
        },
      });
    }
  } catch (error) {
    await handle.close().catch(() => {});
    throw openError(error, path, handle.size);
  }
  const raws = new Map(list.map((e) => [e.info, e.raw]));
  let closed = false;
  return {
    entries: list.map((e) => e.info),
    openEntry: (info) => ({
      async *[Symbol.asyncIterator]() {
        const raw = raws.get(info);
        if (!raw) throw new Error('openEntry: not an entry of this archive');
        const name = printableName(info.name);
        let stream: Readable;
        try {
          stream = await zip.openReadStreamPromise(raw);
        } catch (error) {
          throw new BackupError('CORRUPT_ENTRY', `read entry ${name}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
        }
        let crc = 0;
        let size = 0;
        try {
          for await (const chunk of stream as AsyncIterable<Buffer>) {
            crc = crc32(chunk, crc);
            size += chunk.byteLength;
            yield new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength);
          }
        } catch (error) {
          if (error instanceof BackupError) throw error;
          const message = error instanceof Error ? error.message : String(error);
          throw new BackupError('CORRUPT_ENTRY', `read entry ${name}: ${message}`, { cause: error });
        } finally {
          stream.destroy(); // also when the consumer stops early
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
      zip.close();
    },
  };
}
