/** Streaming SHA-256 (the domain imports no crypto of its own). */
export interface Hash {
  update(chunk: Uint8Array): void;
  /** Lowercase hex. The hash cannot be updated afterwards. */
  digest(): string;
}

export interface Hashing {
  sha256(): Hash;
}
