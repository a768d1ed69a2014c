/**
 * The file system as export and restore need it. Paths are absolute, with '/' as the
 * separator on every adapter; `join`, `dirname` and `basename` are the only path
 * arithmetic the domain does, so the adapter decides what a path means.
 *
 * Every method rejects with a BackupError whose code says what went wrong:
 * NOT_FOUND (ENOENT), NO_SPACE (ENOSPC, EDQUOT), PERMISSION_DENIED (EACCES, EPERM, EROFS),
 * and IO_ERROR for anything else the disk reports (EIO, …). The domain never sees errno.
 */
export type FileKind = 'file' | 'directory' | 'symlink' | 'other';

export interface FileStat {
  readonly kind: FileKind;
  readonly size: number;
  readonly mtimeMs: number;
}

/** A file opened for random-access reads (the ZIP reader reads the central directory first). */
export interface ReadHandle {
  readonly size: number;
  /**
   * Reads up to `length` bytes at `position`; fewer only at the end of the file. With `into`
   * (at least `length` bytes), the bytes are read into it and a view of it is returned, so
   * that a caller streaming a large file reuses its buffers instead of allocating per read.
   */
  read(position: number, length: number, into?: Uint8Array): Promise<Uint8Array>;
  close(): Promise<void>;
}

/** A file opened for sequential writes. */
export interface WriteHandle {
  write(chunk: Uint8Array): Promise<void>;
  /** Flushes to stable storage (fsync) and closes. After it resolves the bytes survive a power cut. */
  close(): Promise<void>;
  /** Closes without flushing and removes the file; never rejects. */
  abort(): Promise<void>;
}

export interface WriteOptions {
  /** Permission bits for a new file (e.g. 0o600); ignored where the platform has none. */
  readonly mode?: number;
  /** Rejects with ALREADY_EXISTS if the file exists. */
  readonly exclusive?: boolean;
  /**
   * A file removed after use (verify's copy of the database for its integrity check): its
   * handle's `close` does not fsync. Nothing that must survive a power cut is opened so.
   */
  readonly scratch?: boolean;
}

export interface FileSystem {
  join(...parts: string[]): string;
  dirname(path: string): string;
  basename(path: string): string;

  /** Does not follow symlinks (lstat). Rejects with NOT_FOUND. */
  stat(path: string): Promise<FileStat>;
  /** Resolves false for a missing path; never rejects for ENOENT. */
  exists(path: string): Promise<boolean>;
  /** Names of the entries of a directory, sorted. Rejects with NOT_FOUND. */
  readdir(path: string): Promise<string[]>;
  /** Creates the directory and its parents; resolves if it exists. */
  mkdir(path: string, options?: { mode?: number }): Promise<void>;
  /** Sets permission bits; a no-op where the platform has none. */
  chmod(path: string, mode: number): Promise<void>;

  readFile(path: string): Promise<Uint8Array>;
  /** Writes the whole file and fsyncs it. */
  writeFile(path: string, data: Uint8Array, options?: WriteOptions): Promise<void>;
  /** Appends to a file (creating it with `options.mode`) and fsyncs it. */
  appendFile(path: string, data: Uint8Array, options?: { mode?: number }): Promise<void>;
  /**
   * Streams a file in chunks of at most `chunkSize` bytes (default 1 MiB): its bytes up to its
   * size when it was opened (a file that grows meanwhile is read to that size). Rejects with NOT_FOUND.
   */
  readStream(path: string, chunkSize?: number): AsyncIterable<Uint8Array>;
  openRead(path: string): Promise<ReadHandle>;
  /**
   * The SHA-256 (lowercase hex) and size of a whole file, read once (a `sha256sum`). An
   * adapter may read and hash it off the caller's thread. Rejects with NOT_FOUND, or with
   * CANCELLED (naming `operation`) once `signal` aborts.
   */
  hashFile(path: string, options?: { signal?: AbortSignal; operation?: string }): Promise<{ sha256: string; size: number }>;
  openWrite(path: string, options?: WriteOptions): Promise<WriteHandle>;

  /** Atomic on one file system: `to` is the old file or the new one, never a mix. Replaces a file at `to`. */
  rename(from: string, to: string): Promise<void>;
  /** A hard link (content-addressed documents are immutable, so sharing the inode is safe). */
  link(existing: string, newPath: string): Promise<void>;
  copyFile(from: string, to: string): Promise<void>;
  /** Removes a file or a directory tree; resolves if the path does not exist. */
  remove(path: string): Promise<void>;
  /** fsyncs a directory, so the renames and creations inside it survive a power cut. */
  syncDir(path: string): Promise<void>;
  /** Bytes free for new files on the file system that holds `path` (or its nearest existing parent). */
  freeSpace(path: string): Promise<number>;
}
