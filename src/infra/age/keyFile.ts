/**
 * The password slot's key file (casevault-key.age): an age file encrypted with the password
 * (one scrypt stanza, work factor 2^18 as age's CLI uses) whose plaintext is an age identity
 * file, `# public key: age1…` and the `AGE-SECRET-KEY-1…` line. So `age -d casevault-key.age`
 * with the password prints the secret key, and `age -d -i casevault-key.age backup.zip.age`
 * decrypts a backup without casevault.
 *
 * The age file itself (header, MAC, payload) is age-encryption's, the reference TypeScript
 * implementation. Its scrypt is pure JS and blocks the thread for seconds (2.7 s to write,
 * 4.9 s to open, measured here under load), too long for Electron's main process, so the
 * scrypt stanza is made and opened here, as age-encryption's Recipient and Identity, with
 * node:crypto's scrypt on the libuv threadpool, checked as age-encryption checks it (one
 * stanza only, three arguments, a canonical 16-byte salt, a work factor in plain decimal
 * of at most 2^20, a 32-byte body). Where node:crypto refuses scrypt, age-encryption's own
 * is used (as with `scrypt: 'library'`); each opens the other's files.
 *
 * Passwords are NFC-normalized (the same password typed on two systems can arrive as
 * different Unicode); opening also tries the password as given if that differs, so a key
 * file written by `age -p` with a decomposed password opens too.
 */
import { randomBytes, scrypt as scryptCallback } from 'node:crypto';
import { Decrypter, Encrypter, Stanza as LibraryStanza, type Identity, type Recipient } from 'age-encryption';
import { BackupError } from '../../domain/errors.ts';
import { defaultChunkCipher, type ChunkCipher } from './chunkCipher.ts';
import { checkStanzas, decodeBase64, encodeBase64, parseHeader } from './header.ts';
import { parseIdentity, type X25519Identity } from './keys.ts';
import { FILE_KEY_SIZE } from './stream.ts';

export const KEY_FILE_NAME = 'casevault-key.age';
/** age's CLI default: about a second on a desktop. */
export const KEY_FILE_WORK_FACTOR = 18;
/** The highest work factor opened (age-encryption's limit): a hostile file cannot ask for 2^30. */
export const MAX_WORK_FACTOR = 20;
const SCRYPT_LABEL = 'age-encryption.org/v1/scrypt';
const ZERO_NONCE = new Uint8Array(12);
const NO_MATCH = "no identity matched any of the file's recipients"; // age-encryption 0.3.1's words

export interface KeyFileOptions {
  /**
   * Who scrypts: node:crypto off the main thread (default; age-encryption's if node:crypto
   * refuses), or age-encryption's pure JS.
   */
  readonly scrypt?: 'node' | 'library';
  /** log2 of scrypt's N when writing (default 18). */
  readonly workFactor?: number;
  readonly cipher?: ChunkCipher;
  /** Names the file in messages. */
  readonly label?: string;
}

/** node:crypto refused scrypt itself (a build without it, or with a lower memory cap): use age-encryption's. */
class ScryptUnavailable extends Error {}

function nodeScrypt(password: string, salt: Uint8Array, logN: number): Promise<Uint8Array> {
  const N = 2 ** logN;
  return new Promise((resolve, reject) => {
    try {
      scryptCallback(password, Buffer.concat([Buffer.from(SCRYPT_LABEL), salt]), 32, { N, r: 8, p: 1, maxmem: 2 * 128 * 8 * N }, (error, key) =>
        error ? reject(new ScryptUnavailable(error.message, { cause: error })) : resolve(new Uint8Array(key)),
      );
    } catch (error) {
      reject(new ScryptUnavailable(String(error), { cause: error }));
    }
  });
}

class NodeScryptRecipient implements Recipient {
  constructor(
    private readonly password: string,
    private readonly logN: number,
    private readonly cipher: ChunkCipher,
  ) {}

  async wrapFileKey(fileKey: Uint8Array): Promise<LibraryStanza[]> {
    const salt = new Uint8Array(randomBytes(16));
    const key = await nodeScrypt(this.password, salt, this.logN);
    const body = new Uint8Array(fileKey.length + 16);
    this.cipher.forKey(key).seal(ZERO_NONCE, fileKey, body);
    return [new LibraryStanza(['scrypt', encodeBase64(salt), String(this.logN)], body)];
  }
}

class NodeScryptIdentity implements Identity {
  constructor(
    private readonly password: string,
    private readonly cipher: ChunkCipher,
  ) {}

  /** Null when the password does not unwrap it; the stanza's shape was checked before (checkKeyFileHeader). */
  async unwrapFileKey(stanzas: LibraryStanza[]): Promise<Uint8Array | null> {
    const [type, saltText, logText] = stanzas[0]!.args;
    if (stanzas.length !== 1 || type !== 'scrypt') return null;
    const key = await nodeScrypt(this.password, decodeBase64(saltText!)!, Number(logText));
    const fileKey = this.cipher.forKey(key).open(ZERO_NONCE, stanzas[0]!.body);
    return fileKey?.length === FILE_KEY_SIZE ? fileKey : null;
  }
}

const damaged = (label: string, detail: string) => new BackupError('KEY_FILE_DAMAGED', `${label}: ${detail}; the recovery key still opens the backups`);

/** Our strict header check first: a key file is one well-formed scrypt stanza of a work factor we accept. */
function checkKeyFileHeader(bytes: Uint8Array, label: string): void {
  let stanzas;
  try {
    const header = parseHeader(bytes, true, label)!;
    checkStanzas(header.stanzas, label);
    stanzas = header.stanzas;
  } catch (error) {
    if (error instanceof BackupError && error.code !== 'UNSUPPORTED') throw new BackupError('KEY_FILE_DAMAGED', `${error.message}; the recovery key still opens the backups`, { cause: error });
    throw error;
  }
  const stanza = stanzas[0]!;
  if (stanzas.length !== 1 || stanza.type !== 'scrypt') {
    throw damaged(label, `not a password-protected key file: it is encrypted to ${stanzas.map((s) => s.type).join(', ')} recipient(s), not with a password`);
  }
  const [salt, logN] = stanza.args;
  if (stanza.args.length !== 2 || decodeBase64(salt!)?.length !== 16 || !/^[1-9][0-9]*$/.test(logN!) || stanza.body.length !== 32) {
    throw damaged(label, 'its scrypt stanza is malformed (age wants a 16-byte salt, a decimal work factor and a 32-byte body)');
  }
  if (Number(logN) > MAX_WORK_FACTOR) throw damaged(label, `its scrypt work factor 2^${logN} is above the 2^${MAX_WORK_FACTOR} casevault opens`);
}

/**
 * Without the password: is this a whole key file as casevault writes it? Its header (one
 * scrypt stanza, well formed) and a payload of exactly one chunk of the key file's text (a
 * 16-byte nonce, the text, the 16-byte tag): a file cut short or grown is refused before
 * new backups are encrypted to a key the password could no longer open. What the payload
 * says is checked only with the password (openKeyFile). Rejects with KEY_FILE_DAMAGED, UNSUPPORTED.
 */
export function checkKeyFile(bytes: Uint8Array, label = KEY_FILE_NAME): void {
  checkKeyFileHeader(bytes, label);
  const header = parseHeader(bytes, true, label)!;
  const payload = bytes.byteLength - header.size;
  const expected = 16 + KEY_FILE_TEXT_SIZE + 16;
  if (payload !== expected) throw damaged(label, `its payload is ${payload} bytes, not the ${expected} of a key file casevault writes: it was cut short or altered`);
}

/** The identity file's one secret key (comments and blank lines are allowed, as age reads it). */
function identityFrom(text: string, label: string): X25519Identity {
  const keys = text.split('\n').map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('#'));
  if (keys.length !== 1) throw damaged(label, `it decrypts, but holds ${keys.length} key lines, not one secret key`);
  try {
    return parseIdentity(keys[0]!, label);
  } catch (error) {
    throw damaged(label, `it decrypts, but not to an age X25519 secret key (${error instanceof Error ? error.message : String(error)})`);
  }
}

/** What a key file holds, as casevault writes it (age -d with the password prints it). */
const keyFileText = (publicKey: string, secretKey: string) => `# casevault password key (age -d with the password prints it)\n# public key: ${publicKey}\n${secretKey}\n`;
/** Its size: a public key is 62 characters (age1…), a secret key 74 (AGE-SECRET-KEY-1…), so every key file's is the same. */
const KEY_FILE_TEXT_SIZE = keyFileText('a'.repeat(62), 'A'.repeat(74)).length;

/** The key file's bytes for `identity`, encrypted with `password`. Rejects with INVALID_INPUT for an empty password. */
export async function encryptKeyFile(identity: X25519Identity, password: string, options: KeyFileOptions = {}): Promise<Uint8Array> {
  if (password.length === 0) throw new BackupError('INVALID_INPUT', 'key file: the password is empty');
  const logN = options.workFactor ?? KEY_FILE_WORK_FACTOR;
  if (!Number.isInteger(logN) || logN < 1 || logN > MAX_WORK_FACTOR) throw new BackupError('INVALID_INPUT', `key file: work factor ${logN} is not 1–${MAX_WORK_FACTOR}`);
  const text = keyFileText(identity.recipient.encode(), identity.encode());
  const normalized = password.normalize('NFC');
  const encrypt = (scrypt: 'node' | 'library') => {
    const encrypter = new Encrypter();
    if (scrypt === 'library') {
      encrypter.setPassphrase(normalized);
      encrypter.setScryptWorkFactor(logN);
    } else {
      encrypter.addRecipient(new NodeScryptRecipient(normalized, logN, options.cipher ?? defaultChunkCipher()));
    }
    return encrypter.encrypt(text);
  };
  if (options.scrypt === 'library') return encrypt('library');
  try {
    return await encrypt('node');
  } catch (error) {
    if (error instanceof ScryptUnavailable) return encrypt('library');
    throw error;
  }
}

/**
 * The plaintext of an age file encrypted with a password (exactly one scrypt stanza): the
 * key file's outer layer, also what the C2SP passphrase vectors test. Rejects as
 * `openKeyFile` does, except for what the plaintext holds.
 */
export async function decryptWithPassword(bytes: Uint8Array, password: string, options: KeyFileOptions = {}): Promise<Uint8Array> {
  const label = options.label ?? KEY_FILE_NAME;
  checkKeyFileHeader(bytes, label);
  const candidates = [...new Set([password.normalize('NFC'), password])];
  let scrypt = options.scrypt ?? 'node';
  for (let i = 0; i < candidates.length; i += 1) {
    const decrypter = new Decrypter();
    if (scrypt === 'library') decrypter.addPassphrase(candidates[i]!);
    else decrypter.addIdentity(new NodeScryptIdentity(candidates[i]!, options.cipher ?? defaultChunkCipher()));
    try {
      return await decrypter.decrypt(bytes);
    } catch (error) {
      if (error instanceof ScryptUnavailable) {
        scrypt = 'library';
        i -= 1; // the same password again, with age-encryption's scrypt
        continue;
      }
      const message = error instanceof Error ? error.message : String(error);
      if (message === NO_MATCH) continue;
      throw new BackupError('KEY_FILE_DAMAGED', `${label}: it does not decrypt (${message}); the recovery key still opens the backups`, { cause: error });
    }
  }
  throw new BackupError('WRONG_PASSWORD', `${label}: the password is wrong (it does not open the key file); the recovery key (AGE-SECRET-KEY-1…) also opens the backups`);
}

/**
 * The identity in a key file. Rejects with WRONG_PASSWORD (the password does not unwrap
 * it; age cannot tell that from a damaged stanza body), KEY_FILE_DAMAGED (not an age
 * scrypt file, a malformed or altered header, a damaged payload, not one secret key
 * inside), UNSUPPORTED (a later age version).
 */
export async function openKeyFile(bytes: Uint8Array, password: string, options: KeyFileOptions = {}): Promise<X25519Identity> {
  const label = options.label ?? KEY_FILE_NAME;
  const plain = await decryptWithPassword(bytes, password, options);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(plain);
  } catch {
    throw damaged(label, 'it decrypts, but not to text');
  }
  return identityFrom(text, label);
}
