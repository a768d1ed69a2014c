/** Limits a backup must stay within before a restore or a verify writes or inflates anything. */
export interface Limits {
  /** Entries in the ZIP, directories included. */
  readonly maxEntries: number;
  /** Sum of the uncompressed sizes. Also bounded by the free space of the target disk. */
  readonly maxTotalBytes: number;
  /** Uncompressed : compressed of one deflated entry (deflate itself cannot exceed ~1032). */
  readonly maxCompressionRatio: number;
  /** manifest.json and backup-metadata.json are read whole, so they get a small bound. */
  readonly maxJsonBytes: number;
}

export const DEFAULT_LIMITS: Limits = {
  maxEntries: 1_000_000,
  maxTotalBytes: 1024 ** 4, // 1 TiB
  maxCompressionRatio: 1100,
  maxJsonBytes: 256 * 1024 ** 2,
};
