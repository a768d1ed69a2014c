/**
 * The age v1 header: what we write is what age-encryption parses back byte for byte, and
 * parsing is as strict as the spec's ABNF. Each way a header can be malformed has its
 * code: ENCRYPTED_DAMAGED (naming the line), UNSUPPORTED (another age version or a
 * passphrase file), WRONG_KEY (nobody here can unwrap it), ENCRYPTED_NEEDS_KEY (no key given).
 */
import { Stanza as LibraryStanza } from 'age-encryption';
// age-encryption exports only its index; its header codec is reached by path (test only).
import { encodeHeader as libraryEncodeHeader, parseHeader as libraryParseHeader } from '../../../node_modules/age-encryption/dist/format.js';
import { describe, expect, it } from 'vitest';
import { BackupError } from '../../../src/domain/errors.ts';
import { nobleChunkCipher } from '../../../src/infra/age/chunkCipher.ts';
import { decodeBase64, encodeBase64, encodeHeader, newFileKey, parseHeader, unwrapFileKey, wrapForRecipient, type Stanza } from '../../../src/infra/age/header.ts';
import { generateIdentity } from '../../../src/infra/age/keys.ts';

const MAC = encodeBase64(new Uint8Array(32));

function thrown(fn: () => unknown): BackupError {
  try {
    fn();
  } catch (error) {
    if (error instanceof BackupError) return error;
    throw error;
  }
  throw new Error('it did not throw');
}

/** A header of `n` recipients and its keys. */
function made(n: number) {
  const identities = Array.from({ length: n }, () => generateIdentity());
  const fileKey = newFileKey();
  const stanzas = identities.map((id) => wrapForRecipient(fileKey, id.recipient, generateIdentity()));
  return { identities, fileKey, stanzas, bytes: encodeHeader(stanzas, fileKey) };
}

const readable = (bytes: Uint8Array) =>
  new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(bytes);
      controller.close();
    },
  });

describe('age header', () => {
  it('writes what age-encryption parses, and re-encodes to the same bytes', async () => {
    const { bytes, stanzas } = made(3);
    const theirs = await libraryParseHeader(readable(bytes));
    expect(theirs.headerSize).toBe(bytes.length);
    expect(theirs.stanzas.map((s) => s.args)).toEqual(stanzas.map((s) => [s.type, ...s.args]));
    expect(libraryEncodeHeader(theirs.stanzas, theirs.MAC)).toEqual(bytes);
    const ours = parseHeader(bytes, true, 'x')!;
    expect(ours.size).toBe(bytes.length);
    expect(ours.stanzas.map((s) => [s.type, ...s.args])).toEqual(stanzas.map((s) => [s.type, ...s.args]));
    expect(ours.stanzas.map((s) => Buffer.from(s.body).toString('hex'))).toEqual(stanzas.map((s) => Buffer.from(s.body).toString('hex')));
  });

  it('wraps a stanza body at 64 columns, ending with a short (maybe empty) line, as age-encryption does', () => {
    for (const length of [0, 1, 47, 48, 49, 95, 96, 97, 200]) {
      const body = Uint8Array.from({ length }, (_, i) => i);
      const ours = encodeHeader([{ type: 'test', args: ['a', 'b'], body }], new Uint8Array(16));
      const theirs = libraryEncodeHeader([new LibraryStanza(['test', 'a', 'b'], body)], headerMacOf(ours));
      expect(Buffer.from(ours).toString(), `body of ${length}`).toBe(Buffer.from(theirs).toString());
      const parsed = parseHeader(ours, true, 'x')!;
      expect(Buffer.from(parsed.stanzas[0]!.body)).toEqual(Buffer.from(body));
      const lines = Buffer.from(ours).toString().split('\n');
      expect(lines.every((l) => l.startsWith('->') || l.startsWith('---') || l.length <= 64)).toBe(true);
    }
  });

  it('asks for more bytes until the MAC line is complete', () => {
    const { bytes } = made(2);
    for (let cut = 0; cut < bytes.length; cut += 7) expect(parseHeader(bytes.subarray(0, cut), false, 'x')).toBeUndefined();
    expect(parseHeader(bytes, false, 'x')?.size).toBe(bytes.length);
    // At the end of the file, a cut header is damage.
    expect(thrown(() => parseHeader(bytes.subarray(0, bytes.length - 1), true, 'x')).code).toBe('ENCRYPTED_DAMAGED');
  });

  it('unwraps the file key with any one of several identities, and checks the MAC', () => {
    const { identities, fileKey, bytes } = made(3);
    const header = parseHeader(bytes, true, 'x')!;
    for (const identity of identities) expect(unwrapFileKey(header, [identity], 'x')).toEqual(fileKey);
    expect(unwrapFileKey(header, [generateIdentity(), identities[2]!], 'x', nobleChunkCipher)).toEqual(fileKey);
  });

  it('says WRONG_KEY with what the file was encrypted to, ENCRYPTED_NEEDS_KEY without a key', () => {
    const { bytes } = made(2);
    const header = parseHeader(bytes, true, 'backup.zip.age')!;
    const wrong = thrown(() => unwrapFileKey(header, [generateIdentity()], 'backup.zip.age'));
    expect(wrong.code).toBe('WRONG_KEY');
    expect(wrong.message).toMatch(/^backup\.zip\.age: none of the 1 key\(s\) given opens it\. It was encrypted to 2 X25519 recipient\(s\); an age file does not record which public keys/);
    expect(thrown(() => unwrapFileKey(header, [], 'backup.zip.age')).code).toBe('ENCRYPTED_NEEDS_KEY');
  });

  it('refuses a header whose MAC does not match (ENCRYPTED_DAMAGED)', () => {
    const { identities, bytes } = made(1);
    const s = Buffer.from(bytes).toString('latin1');
    const at = s.lastIndexOf('--- ') + 4;
    const altered = s.slice(0, at) + (s[at] === 'A' ? 'B' : 'A') + s.slice(at + 1);
    const error = thrown(() => unwrapFileKey(parseHeader(Buffer.from(altered, 'latin1'), true, 'x')!, identities, 'x'));
    expect(error.code).toBe('ENCRYPTED_DAMAGED');
    expect(error.message).toMatch(/MAC does not match/);
  });

  it('refuses an scrypt stanza beside others, and opens none that is alone (casevault backups are encrypted to keys)', () => {
    const { identities, stanzas, fileKey } = made(1);
    const scrypt: Stanza = { type: 'scrypt', args: [encodeBase64(new Uint8Array(16)), '18'], body: new Uint8Array(32) };
    const mixed = parseHeader(encodeHeader([...stanzas, scrypt], fileKey), true, 'x')!;
    const error = thrown(() => unwrapFileKey(mixed, identities, 'x'));
    expect(error.code).toBe('ENCRYPTED_DAMAGED');
    expect(error.message).toMatch(/scrypt \(passphrase\) stanza is mixed with 1 other/);
    const alone = parseHeader(encodeHeader([scrypt], fileKey), true, 'x')!;
    expect(thrown(() => unwrapFileKey(alone, identities, 'x')).code).toBe('UNSUPPORTED');
  });

  it('ignores stanzas of other types, and checks X25519 stanzas whole', () => {
    const { identities, stanzas, fileKey } = made(1);
    const other: Stanza = { type: 'example.com/enigma', args: ['x'], body: new Uint8Array(7) };
    expect(unwrapFileKey(parseHeader(encodeHeader([other, ...stanzas], fileKey), true, 'x')!, identities, 'x')).toEqual(fileKey);
    const x = stanzas[0]!;
    const malformed: Stanza[] = [
      { ...x, args: [...x.args, 'extra'] },
      { ...x, args: [] },
      { ...x, args: [encodeBase64(new Uint8Array(33))] },
      { ...x, body: new Uint8Array(33) },
    ];
    for (const stanza of malformed) {
      expect(thrown(() => unwrapFileKey(parseHeader(encodeHeader([stanza], fileKey), true, 'x')!, identities, 'x')).code).toBe('ENCRYPTED_DAMAGED');
    }
    // A low-order share (all zero) makes an all-zero shared secret: refused, not tried.
    const lowOrder: Stanza = { ...x, args: [encodeBase64(new Uint8Array(32))] };
    const error = thrown(() => unwrapFileKey(parseHeader(encodeHeader([lowOrder], fileKey), true, 'x')!, identities, 'x'));
    expect(error.code).toBe('ENCRYPTED_DAMAGED');
    expect(error.message).toMatch(/low-order/);
  });

  const V = 'age-encryption.org/v1\n';
  const malformed: [string, string, 'ENCRYPTED_DAMAGED' | 'UNSUPPORTED', RegExp][] = [
    ['not an age file', 'PK\x03\x04 a zip', 'ENCRYPTED_DAMAGED', /not an age-encrypted file/],
    ['an empty file', '', 'ENCRYPTED_DAMAGED', /not an age-encrypted file/],
    ['a later version', `age-encryption.org/v2\n-> X\n\n--- ${MAC}\n`, 'UNSUPPORTED', /age format "v2"/],
    ['CRLF', `age-encryption.org/v1\r\n-> X\n\n--- ${MAC}\n`, 'ENCRYPTED_DAMAGED', /line 1 .*CR/],
    ['CRLF in a stanza', `${V}-> X\r\n\n--- ${MAC}\n`, 'ENCRYPTED_DAMAGED', /line 2/],
    ['no stanza', `${V}--- ${MAC}\n`, 'ENCRYPTED_DAMAGED', /no recipient stanza/],
    ['a stanza without arguments', `${V}->\n\n--- ${MAC}\n`, 'ENCRYPTED_DAMAGED', /line 2/],
    ['an empty argument', `${V}-> X  y\n\n--- ${MAC}\n`, 'ENCRYPTED_DAMAGED', /argument is empty/],
    ['a trailing space', `${V}-> X y \n\n--- ${MAC}\n`, 'ENCRYPTED_DAMAGED', /argument is empty/],
    ['a non-ASCII argument', `${V}-> X \u00e9\n\n--- ${MAC}\n`, 'ENCRYPTED_DAMAGED', /not printable ASCII/],
    ['padded base64', `${V}-> X\nAA==\n--- ${MAC}\n`, 'ENCRYPTED_DAMAGED', /line 3: it is not canonical/],
    ['non-canonical base64', `${V}-> X\nAB\n--- ${MAC}\n`, 'ENCRYPTED_DAMAGED', /line 3: it is not canonical/],
    ['a body line of 65 columns', `${V}-> X\n${'A'.repeat(65)}\n--- ${MAC}\n`, 'ENCRYPTED_DAMAGED', /longer than 64 columns/],
    ['a body without its final short line', `${V}-> X\n${'A'.repeat(64)}\n--- ${MAC}\n`, 'ENCRYPTED_DAMAGED', /ends without a short line/],
    ['a body line with a space', `${V}-> X\nAA AA\n--- ${MAC}\n`, 'ENCRYPTED_DAMAGED', /not printable|canonical/],
    ['two short body lines', `${V}-> X\nAAAA\nAAAA\n--- ${MAC}\n`, 'ENCRYPTED_DAMAGED', /line 4/],
    ['a short MAC', `${V}-> X\n\n--- ${MAC.slice(1)}\n`, 'ENCRYPTED_DAMAGED', /MAC line/],
    ['a MAC with two spaces', `${V}-> X\n\n---  ${MAC}\n`, 'ENCRYPTED_DAMAGED', /MAC line/],
    ['a MAC line without a space', `${V}-> X\n\n---${MAC}\n`, 'ENCRYPTED_DAMAGED', /MAC line/],
    ['no MAC line', `${V}-> X\n\n`, 'ENCRYPTED_DAMAGED', /ends after line 3, before the header's MAC line/],
    ['no LF after the MAC', `${V}-> X\n\n--- ${MAC}`, 'ENCRYPTED_DAMAGED', /no line feed/],
    ['a line that is neither stanza nor MAC', `${V}-> X\n\nhello\n--- ${MAC}\n`, 'ENCRYPTED_DAMAGED', /line 4 is "hello"/],
    ['a 17 KB line', `${V}-> X ${'a'.repeat(17000)}\n\n--- ${MAC}\n`, 'ENCRYPTED_DAMAGED', /longer than 16384 bytes/],
  ];
  it.each(malformed)('refuses %s', (_, header, code, message) => {
    const error = thrown(() => parseHeader(Buffer.from(header, 'utf8'), true, 'backup.zip.age'));
    expect(error.code).toBe(code);
    expect(error.message).toMatch(/^backup\.zip\.age: /);
    expect(error.message).toMatch(message);
  });

  it('has strict canonical unpadded base64', () => {
    for (let n = 0; n < 40; n += 1) {
      const bytes = Uint8Array.from({ length: n }, (_, i) => (i * 89 + 3) & 0xff);
      expect(decodeBase64(encodeBase64(bytes))).toEqual(bytes);
    }
    for (const bad of ['A', 'AB=', 'AB==', 'AF', 'AAB', 'A A', 'AA\n', '-_', 'AA\r']) expect(decodeBase64(bad), bad).toBeUndefined();
  });
});

/** The MAC our encoder wrote (to hand the same one to age-encryption's encoder). */
function headerMacOf(bytes: Uint8Array): Uint8Array {
  const s = Buffer.from(bytes).toString('latin1');
  return decodeBase64(s.slice(s.lastIndexOf('--- ') + 4, -1))!;
}
