import type { ReadHandle, WriteHandle } from './fileSystem.ts';

/**
 * ZIP reading and writing. The reader reports what the central directory says and lets
 * the domain decide what to trust; it checks only what needs the ZIP's own structure:
 * CRC-32 and sizes while inflating, local headers against the central directory.
 */
export interface ArchiveEntry {
  readonly name: string;
  readonly compressedSize: number;
  readonly uncompressedSize: number;
  /** 0 stored, 8 deflate; anything else is reported as is. */
  readonly compressionMethod: number;
  readonly encrypted: boolean;
  /** The unix file type from the external attributes: 'file' if none is given. */
  readonly type: 'file' | 'directory' | 'symlink' | 'other';
}

export interface ArchiveReader {
  readonly entries: readonly ArchiveEntry[];
  /**
   * Streams an entry's uncompressed bytes. Rejects with CORRUPT_ENTRY if the deflate
   * stream is broken, the CRC-32 does not match, or the data is longer or shorter than
   * `uncompressedSize` (checked while inflating: a bomb is stopped at its declared size).
   * A chunk is valid until the next one is asked for (an adapter may read the next into the
   * same memory); a consumer that keeps chunks copies them.
   */
  openEntry(entry: ArchiveEntry): AsyncIterable<Uint8Array>;
  close(): Promise<void>;
}

export interface ArchiveWriter {
  /** Appends an entry; entries are written in the order of the calls. Resolves when `source` is consumed. */
  add(name: string, source: AsyncIterable<Uint8Array>): Promise<void>;
  /** Writes the central directory and closes (fsyncs) the output. */
  finish(): Promise<void>;
  /** Stops writing and aborts the output; never rejects. */
  abort(): Promise<void>;
}

export interface ArchiveFormat {
  /**
   * Opens a ZIP for reading. Rejects with NOT_A_ZIP when there is no end-of-central-
   * directory record, TRUNCATED when the central directory lies beyond the end of the file,
   * UNSUPPORTED for multi-disk archives.
   */
  open(path: string): Promise<ArchiveReader>;
  /**
   * Opens a ZIP from a handle (an encrypted backup's decrypting view), as `open` does;
   * `label` names it in messages. Takes ownership of `handle`: the reader's `close` closes
   * it, and so does a failed open.
   */
  openHandle(handle: ReadHandle, label: string): Promise<ArchiveReader>;
  /**
   * A writer into `output`, which it owns and closes. `level` is deflate's 0–9; 0 stores
   * every entry, and an adapter may store an entry that does not compress at any level.
   */
  createWriter(output: WriteHandle, options: { level: number; modified: Date }): ArchiveWriter;
}
