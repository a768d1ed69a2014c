/**
 * The age v1 header (C2SP age spec): the version line, one recipient stanza per key the file
 * key is wrapped for, and the `---` line with HMAC-SHA-256 over everything before its space
 * under HKDF-SHA-256(ikm = file key, salt = empty, info = "header").
 *
 *     age-encryption.org/v1
 *     -> X25519 <ephemeral share, base64>
 *     <body: the wrapped file key, base64 wrapped at 64 columns, ending with a short line>
 *     --- <MAC, base64>
 *
 * Parsing is strict, as the spec's ABNF: LF only, printable ASCII, canonical unpadded
 * base64, full body lines of exactly 64 columns and a final shorter one (maybe empty), a
 * MAC of exactly 32 bytes, and at most MAX_HEADER_SIZE bytes in all. Known stanza types
 * are checked whole (an X25519 stanza with a 33-byte share is damage, not "not mine"); an
 * scrypt stanza must be alone. Every failure is a BackupError: ENCRYPTED_DAMAGED (naming
 * the line), UNSUPPORTED (another age version), WRONG_KEY (no identity unwraps a stanza).
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { BackupError } from '../../domain/errors.ts';
import { defaultChunkCipher, type ChunkCipher } from './chunkCipher.ts';
import type { X25519Identity, X25519Recipient } from './keys.ts';
import { FILE_KEY_SIZE, hkdf32 } from './stream.ts';

export const VERSION_LINE = 'age-encryption.org/v1';
const VERSION_PREFIX = 'age-encryption.org/';
/** A header longer than this is refused before it is read further (age's CLI writes ~100 bytes per recipient). */
export const MAX_HEADER_SIZE = 1 << 20;
/** A line longer than this is refused (a post-quantum stanza's argument is ~1,500 columns). */
const MAX_LINE = 16 * 1024;
const COLUMNS = 64;
const X25519_LABEL = 'age-encryption.org/v1/X25519';
const ZERO_NONCE = new Uint8Array(12);

export interface Stanza {
  /** The first argument: `X25519`, `scrypt`, or another recipient type. */
  readonly type: string;
  /** The arguments after the type. */
  readonly args: readonly string[];
  readonly body: Uint8Array;
}

export interface AgeHeader {
  readonly stanzas: readonly Stanza[];
  readonly mac: Uint8Array;
  /** The header up to and including `---`: the bytes the MAC covers. */
  readonly macInput: Uint8Array;
  /** The whole header's size, through the LF after the MAC: where the payload's nonce begins. */
  readonly size: number;
}

// ---- canonical unpadded base64 ----

const B64_CHARS = /^[A-Za-z0-9+/]*$/;

export function encodeBase64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64').replace(/=+$/, '');
}

/** Canonical unpadded base64 (RFC 4648 §3.5), else undefined: no `=`, no stray bits, no other characters. */
export function decodeBase64(text: string): Uint8Array | undefined {
  if (!B64_CHARS.test(text) || text.length % 4 === 1) return undefined;
  const bytes = Buffer.from(text, 'base64');
  // Node ignores set bits beyond the data; re-encoding shows them.
  if (encodeBase64(bytes) !== text) return undefined;
  return new Uint8Array(bytes);
}

// ---- encoding ----

function stanzaText(stanza: Stanza): string {
  const body = encodeBase64(stanza.body);
  const lines: string[] = [];
  for (let at = 0; at <= body.length; at += COLUMNS) lines.push(body.slice(at, at + COLUMNS));
  // A body that fills its last line exactly ends with an empty line (the slice past the end).
  return `-> ${[stanza.type, ...stanza.args].join(' ')}\n${lines.join('\n')}\n`;
}

export function headerMac(fileKey: Uint8Array, macInput: Uint8Array): Uint8Array {
  return new Uint8Array(createHmac('sha256', hkdf32(fileKey, new Uint8Array(0), 'header')).update(macInput).digest());
}

/** The header's bytes for `stanzas`, MAC'd under `fileKey`. */
export function encodeHeader(stanzas: readonly Stanza[], fileKey: Uint8Array): Uint8Array {
  const macInput = Buffer.from(`${VERSION_LINE}\n${stanzas.map(stanzaText).join('')}---`, 'latin1');
  const mac = headerMac(fileKey, macInput);
  return new Uint8Array(Buffer.concat([macInput, Buffer.from(` ${encodeBase64(mac)}\n`, 'latin1')]));
}

/** A new random 16-byte file key. */
export function newFileKey(): Uint8Array {
  return new Uint8Array(randomBytes(FILE_KEY_SIZE));
}

/** An X25519 stanza wrapping `fileKey` for `recipient`, with a fresh ephemeral key (age's Wrap). */
export function wrapForRecipient(fileKey: Uint8Array, recipient: X25519Recipient, ephemeral: X25519Identity, cipher: ChunkCipher = defaultChunkCipher()): Stanza {
  const share = ephemeral.recipient.publicKey;
  const shared = ephemeral.sharedSecret(recipient.publicKey);
  if (!shared) throw new BackupError('INVALID_INPUT', `encrypt: the public key ${recipient.encode()} is not a usable X25519 key (a low-order point)`);
  const wrapKey = hkdf32(shared, concat(share, recipient.publicKey), X25519_LABEL);
  const body = new Uint8Array(fileKey.length + 16);
  cipher.forKey(wrapKey).seal(ZERO_NONCE, fileKey, body);
  return { type: 'X25519', args: [encodeBase64(share)], body };
}

// ---- parsing ----

const damaged = (label: string, detail: string) => new BackupError('ENCRYPTED_DAMAGED', `${label}: the age header is damaged: ${detail}`);

function printable(bytes: Uint8Array, start: number, end: number, allowSpace: boolean): boolean {
  for (let i = start; i < end; i += 1) {
    const b = bytes[i]!;
    if (b > 126 || b < 32 || (b === 32 && !allowSpace)) return false;
  }
  return true;
}

/** A short, safe rendering of a line for a message. */
function show(text: string): string {
  return JSON.stringify(text.length > 40 ? `${text.slice(0, 40)}…` : text);
}

/**
 * Parses the header at the start of `bytes`. Resolves undefined when `bytes` ends before
 * the header does and `atEnd` is false (read more and call again); `atEnd` says `bytes`
 * is the whole file. `label` names the file in messages.
 */
export function parseHeader(bytes: Uint8Array, atEnd: boolean, label: string): AgeHeader | undefined {
  let position = 0;
  let lineNumber = 0;
  /** The next line without its LF, or undefined when more bytes are needed. */
  const nextLine = (allowSpace: boolean): string | undefined => {
    const end = bytes.indexOf(0x0a, position);
    if (end < 0) {
      if (bytes.length - position > MAX_LINE) throw damaged(label, `line ${lineNumber + 1} is longer than ${MAX_LINE} bytes`);
      if (bytes.length > MAX_HEADER_SIZE) throw damaged(label, `it is longer than ${MAX_HEADER_SIZE} bytes`);
      if (atEnd) throw damaged(label, position === bytes.length ? `the file ends after line ${lineNumber}, before the header's MAC line` : `line ${lineNumber + 1} has no line feed (the file ends there)`);
      return undefined;
    }
    lineNumber += 1;
    if (end - position > MAX_LINE) throw damaged(label, `line ${lineNumber} is longer than ${MAX_LINE} bytes`);
    if (!printable(bytes, position, end, allowSpace)) {
      const cr = bytes[end - 1] === 0x0d ? ' (a CR: age lines end with LF only)' : '';
      throw damaged(label, `line ${lineNumber} has a character that is not printable ASCII${cr}`);
    }
    const line = Buffer.from(bytes.buffer, bytes.byteOffset + position, end - position).toString('latin1');
    position = end + 1;
    return line;
  };

  // The version line: told apart from "not an age file" and "a later age".
  const versionEnd = bytes.indexOf(0x0a);
  const head = Buffer.from(bytes.buffer, bytes.byteOffset, Math.min(bytes.length, versionEnd < 0 ? VERSION_PREFIX.length : versionEnd)).toString('latin1');
  if (!VERSION_PREFIX.startsWith(head.slice(0, VERSION_PREFIX.length)) || (bytes.length === 0 && atEnd)) {
    throw new BackupError('ENCRYPTED_DAMAGED', `${label}: not an age-encrypted file (it does not begin with "${VERSION_LINE}")`);
  }
  const version = nextLine(false);
  if (version === undefined) return undefined;
  if (version !== VERSION_LINE) {
    if (version.startsWith(VERSION_PREFIX) && /^[\x21-\x7e]+$/.test(version)) {
      throw new BackupError('UNSUPPORTED', `${label}: age format ${show(version.slice(VERSION_PREFIX.length))}; casevault reads age v1`);
    }
    throw damaged(label, `line 1 is ${show(version)}, not "${VERSION_LINE}"`);
  }

  const stanzas: Stanza[] = [];
  for (;;) {
    const lineStart = position;
    const line = nextLine(true);
    if (line === undefined) return undefined;
    if (line.startsWith('---')) {
      const mac = line.startsWith('--- ') ? decodeBase64(line.slice(4)) : undefined;
      if (!mac || mac.length !== 32) throw damaged(label, `line ${lineNumber}, the MAC line, is not "--- " and 43 base64 characters`);
      if (stanzas.length === 0) throw damaged(label, 'it has no recipient stanza');
      return { stanzas, mac, macInput: bytes.slice(0, lineStart + 3), size: position };
    }
    if (!line.startsWith('-> ')) throw damaged(label, `line ${lineNumber} is ${show(line)}, where a stanza ("-> ") or the MAC line ("--- ") should begin`);
    const args = line.slice(3).split(' ');
    if (args.some((a) => a.length === 0)) throw damaged(label, `line ${lineNumber}: a stanza argument is empty (two spaces, or a space at the end)`);
    const stanzaLine = lineNumber;
    const body: Uint8Array[] = [];
    for (;;) {
      const bodyLine = nextLine(true); // a space is refused below, as not base64
      if (bodyLine === undefined) return undefined;
      const decoded = bodyLine.length <= COLUMNS ? decodeBase64(bodyLine) : undefined;
      if (!decoded) {
        const why = bodyLine.startsWith('-') ? `the stanza of line ${stanzaLine} ends without a short line` : bodyLine.length > COLUMNS ? `it is longer than ${COLUMNS} columns` : 'it is not canonical unpadded base64';
        throw damaged(label, `line ${lineNumber}: ${why}`);
      }
      body.push(decoded);
      if (bodyLine.length < COLUMNS) break;
    }
    stanzas.push({ type: args[0]!, args: args.slice(1), body: Buffer.concat(body) });
  }
}

/** What the header says about who can open the file, for a message: "2 X25519, 1 piv-p256". */
export function describeStanzas(stanzas: readonly Stanza[]): string {
  const counts = new Map<string, number>();
  for (const s of stanzas) counts.set(s.type, (counts.get(s.type) ?? 0) + 1);
  return [...counts].map(([type, n]) => `${n} ${type.length > 24 ? `${type.slice(0, 24)}…` : type}`).join(', ');
}

/**
 * Checks the stanzas of the types casevault knows, whole (the spec's MUSTs): an X25519
 * stanza has exactly one argument, a canonical 32-byte share, and a 32-byte body; an scrypt
 * stanza is the only stanza.
 */
export function checkStanzas(stanzas: readonly Stanza[], label: string): void {
  stanzas.forEach((s, i) => {
    const which = `stanza ${i + 1} (${s.type})`;
    if (s.type === 'X25519') {
      if (s.args.length !== 1) throw damaged(label, `${which} has ${s.args.length} arguments after its type, not 1`);
      if (decodeBase64(s.args[0]!)?.length !== 32) throw damaged(label, `${which}: its share is not canonical base64 of 32 bytes`);
      if (s.body.length !== 32) throw damaged(label, `${which}: its body has ${s.body.length} bytes, not 32`);
    }
    if (s.type === 'scrypt' && stanzas.length > 1) {
      throw damaged(label, `an scrypt (passphrase) stanza is mixed with ${stanzas.length - 1} other stanza(s), which age forbids`);
    }
  });
}

/**
 * The file key, unwrapped from an X25519 stanza by one of `identities` and checked against
 * the header's MAC. Rejects with ENCRYPTED_NEEDS_KEY (no identities), WRONG_KEY (none
 * unwraps a stanza: the message says what the file was encrypted to), ENCRYPTED_DAMAGED
 * (a malformed stanza, a low-order share, or a MAC that does not match), UNSUPPORTED (a
 * passphrase-encrypted file: casevault's backups are encrypted to keys).
 */
export function unwrapFileKey(header: AgeHeader, identities: readonly X25519Identity[], label: string, cipher: ChunkCipher = defaultChunkCipher()): Uint8Array {
  checkStanzas(header.stanzas, label);
  if (header.stanzas[0]!.type === 'scrypt') {
    throw new BackupError('UNSUPPORTED', `${label}: encrypted with a passphrase (age -p); casevault opens backups encrypted to keys (age -r), with the password's key file or the recovery key`);
  }
  if (identities.length === 0) {
    throw new BackupError('ENCRYPTED_NEEDS_KEY', `${label}: the backup is encrypted (to ${describeStanzas(header.stanzas)} key(s)); give the password or the recovery key`);
  }
  for (const [i, stanza] of header.stanzas.entries()) {
    if (stanza.type !== 'X25519') continue;
    const share = decodeBase64(stanza.args[0]!)!;
    for (const identity of identities) {
      const shared = identity.sharedSecret(share);
      if (!shared) throw damaged(label, `stanza ${i + 1} (X25519): its share is a low-order point`);
      const wrapKey = hkdf32(shared, concat(share, identity.recipient.publicKey), X25519_LABEL);
      const fileKey = cipher.forKey(wrapKey).open(ZERO_NONCE, stanza.body);
      if (!fileKey) continue;
      if (fileKey.length !== FILE_KEY_SIZE) throw damaged(label, `stanza ${i + 1} (X25519) wraps a ${fileKey.length}-byte file key, not ${FILE_KEY_SIZE}`);
      if (!timingSafeEqual(headerMac(fileKey, header.macInput), header.mac)) {
        throw damaged(label, "its MAC does not match (the header was altered after it was written)");
      }
      return fileKey;
    }
  }
  const x25519 = header.stanzas.filter((s) => s.type === 'X25519').length;
  throw new BackupError(
    'WRONG_KEY',
    `${label}: none of the ${identities.length} key(s) given opens it. It was encrypted to ${describeStanzas(header.stanzas)} recipient(s)` +
      (x25519 > 0 ? '; an age file does not record which public keys (age1…) those are' : '') +
      '. Try the recovery key, or the password of the key file this backup was made with',
  );
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}
