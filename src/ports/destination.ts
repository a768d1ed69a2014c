import type { ReadHandle, WriteHandle } from './fileSystem.ts';

/**
 * A place off the machine that backups are copied to (issue 14): a folder (a second drive, a
 * NAS share, a mounted network path) or S3-compatible object storage. A destination holds
 * objects named as in the backup dir: flat names at its top (`casevault-backup-….zip[.age]`,
 * its `.sha256`, the key file) and the pool's packs in one folder, `pool/<sha256>.zip[.age]`
 * (a folder: a subfolder `pool`; S3: the key prefix + `pool/`). `pool` is the only folder and a
 * name has at most one '/'; any other name is INVALID_INPUT. The domain (destinations.ts)
 * decides what to copy, in which order, and what a copy must match. An adapter guarantees,
 * for a name in the pool as for one at the top:
 * - `put` is atomic and never overwrites: the object appears under its name only when whole
 *   (a temporary name renamed, an incomplete multipart upload completed), and only after the
 *   destination confirmed that what it stores is what was read (a checksum the server computed
 *   of every part, or a re-read of the written file). An existing name is ALREADY_EXISTS.
 * - `list` gives only whole objects (never a temporary name), in pages it fetches as it goes.
 * - nothing it says (messages, `description`) holds a secret: no key, no signature.
 *
 * Every method rejects with a BackupError whose code says what a person can do about it:
 * DEST_UNREACHABLE (not mounted, connection refused, DNS, timeouts after retries),
 * DEST_ACCESS_DENIED (credentials, a policy without the permission, a read-only mount),
 * DEST_NOT_FOUND (the bucket or the folder does not exist), NO_SPACE, DEST_FILE_TOO_LARGE
 * (the file system cannot hold a file this large, e.g. FAT32's 4 GiB), ALREADY_EXISTS,
 * NOT_FOUND (an object that is not there), COPY_MISMATCH (what arrived differs from what was
 * sent), CANCELLED (the signal), IO_ERROR for anything else.
 */
/** The one folder a destination has: the pool's packs (`pool/<name>`). */
export type DestinationFolder = 'pool';

export interface DestinationObject {
  /** `<name>` at the top, `pool/<name>` in the pool. */
  readonly name: string;
  readonly size: number;
}

export interface TransferOptions {
  readonly signal?: AbortSignal;
  /** Bytes done and the total, at least every few MiB. */
  readonly onProgress?: (done: number, total: number) => void;
}

export interface ProbeReport {
  /** Bytes free where the copies go, or null if the destination cannot say (object storage). */
  readonly freeBytes: number | null;
  /** The largest file the destination can hold, or null for no known limit (FAT32: 4 GiB − 1). */
  readonly maxFileSize: number | null;
  /** True when the destination is on the same device as `sameDeviceAs` (then it is not off-machine). */
  readonly sameDevice: boolean;
}

export interface DestinationStore {
  /** What a person reads in a message: "the folder /media/usb/casevault", "s3://bucket/prefix at https://…". */
  readonly description: string;
  /**
   * Is it there and writable: writes a probe object and removes it (and reads it back).
   * `sameDeviceAs`: a local path (the data dir) to compare devices with, where that means something.
   */
  probe(options?: { signal?: AbortSignal; sameDeviceAs?: string }): Promise<ProbeReport>;
  /**
   * Every whole object at the top (never one in the pool), paged as the destination pages
   * (S3: 1,000 a page); with `folder`, every whole object in that folder instead, named
   * `<folder>/<name>` as get, put and remove take it (none while nothing was put there).
   */
  list(options?: { signal?: AbortSignal; folder?: DestinationFolder }): AsyncIterable<DestinationObject>;
  /**
   * Copies `source` (all of it) to `name`: atomic, never over an existing name, confirmed (see
   * above). A name in the pool makes the folder if it is not there yet.
   */
  put(name: string, source: ReadHandle, options?: TransferOptions): Promise<void>;
  /** Copies the object `name` into `into` (which it does not close). NOT_FOUND if there is none. */
  get(name: string, into: WriteHandle, options?: TransferOptions): Promise<void>;
  /** Removes `name`: 'locked' when retention on the destination (Object Lock, a read-only file) keeps it. */
  remove(name: string): Promise<'removed' | 'locked' | 'missing'>;
  /** Removes what interrupted puts left (temporary files, incomplete multipart uploads), at the top and in the pool; how many. */
  cleanUp(options?: { signal?: AbortSignal }): Promise<number>;
}

/** Where a destination is and how to reach it: what the backup dir stores (never a secret). */
export type DestinationTarget =
  | { readonly kind: 'folder'; readonly path: string }
  | {
      readonly kind: 's3';
      readonly endpoint: string | null;
      readonly region: string;
      readonly bucket: string;
      readonly prefix: string;
      readonly pathStyle: boolean;
      /** 'when-required' for servers the SDK's default CRC32 checksums break (Cloudflare R2, OCI). */
      readonly checksum: 'when-supported' | 'when-required';
    };

/** Opens destinations; a host that cannot reach one kind says UNSUPPORTED. Credentials are the adapter's business. */
export interface Destinations {
  open(target: DestinationTarget): DestinationStore;
}
