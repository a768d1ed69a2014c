import type { ReadHandle, WriteHandle } from './fileSystem.ts';

/**
 * Encryption of backups (age v1 in src/infra/age): X25519 key pairs, the password slot's
 * key file, an encrypting WriteHandle and a seekable decrypting ReadHandle. Public keys are
 * text (`age1…`); a secret key is an opaque object whose text only `exportSecretKey` gives
 * (it is never logged: an adapter's object prints its public key only).
 */
export interface SecretKey {
  /** Its public key, `age1…`. */
  readonly publicKey: string;
}

/** What can be known of an encrypted file without a key. */
export interface EncryptedFileInfo {
  /** How many recipients (key slots) its header has. */
  readonly recipients: number;
  /** The plaintext's size (the ZIP's). */
  readonly plaintextSize: number;
  readonly chunks: number;
}

/** The plaintext of an encrypted file, read at any offset; every chunk read is authenticated. */
export interface DecryptingHandle extends ReadHandle {
  /**
   * Authenticates, front to back, every chunk that no read of this handle has: once it
   * resolves, every chunk of the file has been authenticated (an adapter may skip those its
   * reads already did, so that none is decrypted twice). Rejects with ENCRYPTED_DAMAGED
   * naming the first chunk that fails, CANCELLED once `signal` aborts.
   */
  authenticateAll(options?: { signal?: AbortSignal; onProgress?: (done: number, total: number) => void }): Promise<void>;
}

export interface Encryption {
  /** A new key pair. */
  generateKey(): SecretKey;
  /** The secret key's text (`AGE-SECRET-KEY-1…`): shown once to a person, never logged. */
  exportSecretKey(key: SecretKey): string;
  /** Rejects (throws) INVALID_INPUT without echoing the text. */
  parseSecretKey(text: string, what?: string): SecretKey;
  /** The canonical `age1…`; throws INVALID_INPUT without echoing the text. */
  parsePublicKey(text: string, what?: string): string;
  /** The key file's bytes: `key` encrypted with `password` (scrypt). INVALID_INPUT for an empty password. */
  sealKeyFile(key: SecretKey, password: string): Promise<Uint8Array>;
  /** Without the password: is it a whole key file (header, payload size)? Throws KEY_FILE_DAMAGED, UNSUPPORTED. */
  checkKeyFile(bytes: Uint8Array, label: string): void;
  /** The key in a key file. Rejects with WRONG_PASSWORD, KEY_FILE_DAMAGED. */
  openKeyFile(bytes: Uint8Array, password: string, label: string): Promise<SecretKey>;
  /**
   * A WriteHandle that encrypts to `recipients` into `inner` (which it owns: closes or
   * aborts it). Rejects with INVALID_INPUT for no recipients: never a plaintext file.
   */
  encryptingWriter(inner: WriteHandle, recipients: readonly string[]): Promise<WriteHandle>;
  /**
   * The plaintext of `inner` (an encrypted file; owned: closed with the result, or on
   * failure). Rejects with ENCRYPTED_NEEDS_KEY (no keys), WRONG_KEY, ENCRYPTED_DAMAGED,
   * UNSUPPORTED.
   */
  openDecrypting(inner: ReadHandle, keys: readonly SecretKey[], label: string): Promise<DecryptingHandle>;
  /** Without a key: ENCRYPTED_DAMAGED, UNSUPPORTED. Does not close `inner`. */
  inspect(inner: ReadHandle, label: string): Promise<EncryptedFileInfo>;
  /** Whether these first bytes (at least 19) start an encrypted file. */
  isEncrypted(firstBytes: Uint8Array): boolean;
}
