/**
 * An independent structural check of a ZIP file (PKWARE APPNOTE 6.3), read through the
 * FileSystem port's ReadHandle. yauzl trusts the end record's entry count, accepts a fake
 * end record in a comment (when its length fits), never compares local headers with the
 * central directory and never notices overlapping entries; this check does, before a byte
 * of data is inflated. It reads only the end record (42 bytes; the last 64 KiB only when
 * there is a comment or something after it), the central directory (in sequential 1 MiB
 * chunks) and each local header with the 24 bytes before it (where the previous entry's
 * data descriptor is): small reads, never the entries' data.
 *
 * Algorithm, O(n log n) for n entries:
 * 1. Find the end record: the last 22 bytes without a comment, or else exactly one
 *    signature whose comment runs exactly to the end of the file. None → TRUNCATED (the file starts like a ZIP) or NOT_A_ZIP; bytes after it →
 *    CORRUPT_ENTRY; two (one hidden in the other's comment) → CORRUPT_ENTRY.
 * 2. ZIP64: a locator right before the end record leads to the ZIP64 end record, which
 *    must end exactly at the locator; its fields must agree with the 32-bit ones that are
 *    not 0xFFFF/0xFFFFFFFF. Accepted (archiver writes it past 65,535 entries or 4 GiB).
 *    Any disk number other than 0 → UNSUPPORTED (multi-disk).
 * 3. The central directory must end exactly where the (ZIP64) end record begins; it is
 *    parsed record by record to that end, and the number of records must be the end
 *    record's count (otherwise entries hide from readers that trust the count).
 * 4. Entries sorted by local header offset must tile [0, central directory) exactly: the
 *    first at 0, each local header + data + data descriptor (12/16/20/24 bytes, checked
 *    against the central directory) followed at once by the next. A gap is junk or a
 *    hidden entry, a negative gap is an overlap (a shared local header, an overlap bomb).
 *    Each local header must agree with the central directory: signature, name bytes,
 *    method, flags (encryption, descriptor, UTF-8), and CRC-32 and sizes (which may be 0
 *    with a data descriptor).
 * Names are decoded here (UTF-8 with flag bit 11, CP437 otherwise, control characters kept
 * as such so that the domain sees them); the Info-ZIP Unicode Path extra field is ignored,
 * so the name checked is the name in the central directory and in the local header.
 */
import type { ReadHandle } from '../../ports/fileSystem.ts';
import { BackupError } from '../../domain/errors.ts';
import { printableName } from '../../domain/layout.ts';

/** What the central directory says of an entry (the fields this check reads). */
interface CentralRecord {
  /** Position in the central directory. */
  readonly index: number;
  readonly name: string;
  readonly nameBytes: Uint8Array;
  readonly versionMadeBy: number;
  readonly flags: number;
  readonly method: number;
  readonly crc32: number;
  readonly compressedSize: number;
  readonly uncompressedSize: number;
  readonly localHeaderOffset: number;
  readonly externalAttributes: number;
  readonly extraLength: number;
}

export interface ZipStructureEntry extends Omit<CentralRecord, 'extraLength'> {
  /** Where the entry's (compressed) data starts, after its local header. */
  readonly dataStart: number;
  readonly encrypted: boolean;
  readonly type: 'file' | 'directory' | 'symlink' | 'other';
}

export interface ZipStructure {
  readonly entries: readonly ZipStructureEntry[];
  readonly zip64: boolean;
  readonly centralDirectoryOffset: number;
  readonly endRecordOffset: number;
}

const SIG_LOCAL = 0x04034b50;
const SIG_CENTRAL = 0x02014b50;
const SIG_END = 0x06054b50;
const SIG_ZIP64_END = 0x06064b50;
const SIG_ZIP64_LOCATOR = 0x07064b50;
const SIG_DESCRIPTOR = 0x08074b50;
const END_SIZE = 22;
const LOCATOR_SIZE = 20;
const MAX_COMMENT = 0xffff;
const LOCAL_SIZE = 30;
const CENTRAL_SIZE = 46;
/** Bytes read before each local header: the longest data descriptor (signature + ZIP64 sizes). */
const DESCRIPTOR_MAX = 24;
/** Flag bits that must be the same in the local header and the central directory. */
const COMPARED_FLAGS = 0x0001 | 0x0008 | 0x0040 | 0x0800 | 0x2000;
const FLAG_ENCRYPTED = 0x0001;
const FLAG_DESCRIPTOR = 0x0008;
const FLAG_STRONG_ENCRYPTION = 0x0040;
const FLAG_UTF8 = 0x0800;
const FLAG_MASKED_HEADERS = 0x2000;
/** Local headers read in parallel (each a small read), to overlap the disk's latency. */
const READ_WINDOW = 32;
const CD_CHUNK = 1 << 20;

// prettier-ignore
const CP437_HIGH =
  'ÇüéâäàåçêëèïîìÄÅÉæÆôöòûùÿÖÜ¢£¥₧ƒáíóúñÑªº¿⌐¬½¼¡«»░▒▓│┤╡╢╖╕╣║╗╝╜╛┐└┴┬├─┼╞╟╚╔╩╦╠═╬╧╨╤╥╙╘╒╓╫╪┘┌█▄▌▐▀αßΓπΣσµτΦΘΩδ∞φε∩≡±≥≤⌠⌡÷≈°∙·√ⁿ²■\u00a0';

const corrupt = (label: string, detail: string) => new BackupError('CORRUPT_ENTRY', `open ${label}: ${detail}`);
const unsupported = (label: string, detail: string) => new BackupError('UNSUPPORTED', `open ${label}: ${detail}`);

function u16(b: Uint8Array, at: number): number {
  return b[at]! | (b[at + 1]! << 8);
}
function u32(b: Uint8Array, at: number): number {
  return (b[at]! | (b[at + 1]! << 8) | (b[at + 2]! << 16) | (b[at + 3]! << 24)) >>> 0;
}
/** A 64-bit field as a number; beyond 2^53 no real file reaches, so it is reported as damage. */
function u64(b: Uint8Array, at: number, label: string, what: string): number {
  const value = u32(b, at) + u32(b, at + 4) * 0x1_0000_0000;
  if (!Number.isSafeInteger(value)) throw corrupt(label, `${what} is ${value}, beyond any file`);
  return value;
}

async function readExactly(handle: ReadHandle, position: number, length: number, label: string): Promise<Uint8Array> {
  const bytes = length === 0 ? new Uint8Array(0) : await handle.read(position, length);
  if (bytes.byteLength !== length) {
    throw new BackupError('TRUNCATED', `open ${label}: the file ends at ${position + bytes.byteLength} bytes, before ${position + length}`);
  }
  return bytes;
}

export function decodeEntryName(bytes: Uint8Array, flags: number): string {
  let ascii = true;
  for (const b of bytes) if (b >= 0x80) ascii = false;
  if (ascii) return String.fromCharCode(...bytes);
  if (flags & FLAG_UTF8) return new TextDecoder('utf-8').decode(bytes); // invalid sequences become U+FFFD
  let name = '';
  for (const b of bytes) name += b < 0x80 ? String.fromCharCode(b) : CP437_HIGH[b - 0x80]!;
  return name;
}

interface ExtraFields {
  readonly zip64?: Uint8Array;
}

function parseExtra(extra: Uint8Array, label: string, where: () => string): ExtraFields {
  let zip64: Uint8Array | undefined;
  let at = 0;
  while (at < extra.byteLength) {
    if (at + 4 > extra.byteLength) throw corrupt(label, `${where()}: its extra field ends in the middle of a field header`);
    const id = u16(extra, at);
    const size = u16(extra, at + 2);
    if (at + 4 + size > extra.byteLength) {
      throw corrupt(label, `${where()}: extra field 0x${id.toString(16).padStart(4, '0')} declares ${size} bytes, only ${extra.byteLength - at - 4} remain`);
    }
    if (id === 0x0001) {
      if (zip64) throw corrupt(label, `${where()}: two ZIP64 extra fields`);
      zip64 = extra.subarray(at + 4, at + 4 + size);
    }
    at += 4 + size;
  }
  return zip64 ? { zip64 } : {};
}

/** Resolves 0xFFFFFFFF fields from the ZIP64 extra field, in APPNOTE's order. */
function resolveZip64(
  fields: { name: string; value: number; bytes: 4 | 2 }[],
  zip64: Uint8Array | undefined,
  label: string,
  where: () => string,
): number[] {
  let at = 0;
  return fields.map((f) => {
    const marker = f.bytes === 4 ? 0xffffffff : 0xffff;
    if (f.value !== marker) return f.value;
    if (!zip64) throw corrupt(label, `${where()}: ${f.name} is 0x${marker.toString(16)} but there is no ZIP64 extra field`);
    const width = f.bytes === 4 ? 8 : 4;
    if (at + width > zip64.byteLength) throw corrupt(label, `${where()}: the ZIP64 extra field has no ${f.name}`);
    const value = width === 8 ? u64(zip64, at, label, `${where()}: ${f.name}`) : u32(zip64, at);
    at += width;
    return value;
  });
}

const S_IFMT = 0o170000;
const TYPES: Record<number, ZipStructureEntry['type']> = { 0o100000: 'file', 0o040000: 'directory', 0o120000: 'symlink' };

/**
 * The entry's file type. Unix modes are in the upper 16 bits of the external attributes;
 * they are honoured whatever "made by" says (Python writes them with host 0 on Windows), so
 * a symlink cannot slip through under another host id.
 */
function entryType(externalAttributes: number, name: string): ZipStructureEntry['type'] {
  const format = (externalAttributes >>> 16) & S_IFMT;
  if (format !== 0) return TYPES[format] ?? 'other';
  return name.endsWith('/') || (externalAttributes & 0x10) !== 0 ? 'directory' : 'file';
}

interface EndInfo {
  readonly endOffset: number;
  readonly zip64: boolean;
  /** Where the central directory must end: the ZIP64 end record, or the end record. */
  readonly directoryEnd: number;
  readonly entryCount: number;
  readonly directorySize: number;
  readonly directoryOffset: number;
}

/**
 * The end record. Fast path (every backup casevault writes): the last 22 bytes are an end
 * record without a comment; every reader that searches from the end (yauzl, Info-ZIP) takes
 * it, and there is no comment to hide another in, so 42 bytes are read (with the ZIP64
 * locator's place). Otherwise the last 64 KiB (the longest comment) are searched.
 */
async function findEnd(handle: ReadHandle, label: string): Promise<EndInfo> {
  const size = handle.size;
  const quick = await readExactly(handle, Math.max(0, size - END_SIZE - LOCATOR_SIZE), Math.min(size, END_SIZE + LOCATOR_SIZE), label);
  const end = quick.byteLength - END_SIZE;
  if (end >= 0 && u32(quick, end) === SIG_END && u16(quick, end + 20) === 0) {
    // Taken if it is consistent (its directory ends where it begins, or a ZIP64 locator
    // precedes it); if not, the search below tells a fake end record from junk.
    const hasLocator = end >= LOCATOR_SIZE && u32(quick, end - LOCATOR_SIZE) === SIG_ZIP64_LOCATOR;
    if (hasLocator || u32(quick, end + 16) + u32(quick, end + 12) === size - END_SIZE) return parseEnd(handle, quick, size - quick.byteLength, end, label);
  }
  const head = await handle.read(0, Math.min(4, size));
  const startsLikeZip = head.byteLength === 4 && u32(head, 0) === SIG_LOCAL;
  const tailLength = Math.min(size, END_SIZE + MAX_COMMENT + LOCATOR_SIZE);
  const tailStart = size - tailLength;
  const tail = await readExactly(handle, tailStart, tailLength, label);
  const exact: number[] = [];
  let nearest = -1;
  for (let i = tail.byteLength - END_SIZE; i >= 0; i -= 1) {
    if (u32(tail, i) !== SIG_END) continue;
    if (nearest < 0) nearest = i;
    if (u16(tail, i + 20) === tail.byteLength - i - END_SIZE) exact.push(i);
  }
  if (exact.length === 0) {
    if (nearest >= 0 && startsLikeZip) {
      const declared = u16(tail, nearest + 20);
      const after = tail.byteLength - nearest - END_SIZE;
      if (declared > after) {
        throw new BackupError('TRUNCATED', `open ${label}: the end record at ${tailStart + nearest} declares a ${declared}-byte comment, but the file ends ${after} bytes after it; the file is incomplete`);
      }
      throw corrupt(label, `${after - declared} bytes follow the end of the ZIP (end record at ${tailStart + nearest}, comment of ${declared} bytes); something was appended to the backup`);
    }
    if (startsLikeZip || (size >= 4 && tailLength < size && u32(tail, 0) === SIG_LOCAL)) {
      throw new BackupError('TRUNCATED', `open ${label}: the file starts like a ZIP but has no end record in its last ${tailLength} bytes (of ${size}); it is incomplete (cut off)`);
    }
    throw new BackupError('NOT_A_ZIP', `open ${label}: not a ZIP file (no end-of-central-directory record in its ${size} bytes)`);
  }
  if (exact.length > 1) {
    throw corrupt(label, `there are ${exact.length} end records (at ${exact.map((i) => tailStart + i).reverse().join(' and ')}), one hidden in the comment of another; refusing an ambiguous ZIP`);
  }
  return parseEnd(handle, tail, tailStart, exact[0]!, label);
}

/** Reads the end record at `tail[at]` (and the ZIP64 records it leads to). */
async function parseEnd(handle: ReadHandle, tail: Uint8Array, tailStart: number, at: number, label: string): Promise<EndInfo> {
  const endOffset = tailStart + at;
  const end = tail.subarray(at, at + END_SIZE);
  const disk = u16(end, 4);
  const directoryDisk = u16(end, 6);
  const entriesOnDisk = u16(end, 8);
  let entryCount = u16(end, 10);
  let directorySize = u32(end, 12);
  let directoryOffset = u32(end, 16);
  const hasLocator = at >= LOCATOR_SIZE && u32(tail, at - LOCATOR_SIZE) === SIG_ZIP64_LOCATOR;
  if (!hasLocator) {
    if (disk !== 0 || directoryDisk !== 0 || entriesOnDisk !== entryCount) {
      throw unsupported(label, `this is part ${disk + 1} of a multi-disk (split or spanned) ZIP; casevault reads single-file backups only`);
    }
    return { endOffset, zip64: false, directoryEnd: endOffset, entryCount, directorySize, directoryOffset };
  }
  const locatorOffset = endOffset - LOCATOR_SIZE;
  const locator = tail.subarray(at - LOCATOR_SIZE, at);
  const zip64Disk = u32(locator, 4);
  const zip64EndOffset = u64(locator, 8, label, 'the ZIP64 end record offset');
  const totalDisks = u32(locator, 16);
  if (zip64Disk !== 0 || totalDisks > 1) {
    throw unsupported(label, `the ZIP64 locator names ${totalDisks} disks; casevault reads single-file backups only`);
  }
  if (zip64EndOffset + 56 > locatorOffset) {
    throw corrupt(label, `the ZIP64 end record at ${zip64EndOffset} does not fit before its locator at ${locatorOffset}`);
  }
  const z = await readExactly(handle, zip64EndOffset, 56, label);
  if (u32(z, 0) !== SIG_ZIP64_END) throw corrupt(label, `no ZIP64 end record at ${zip64EndOffset}, where the locator points`);
  const recordSize = u64(z, 4, label, 'the ZIP64 end record size');
  if (zip64EndOffset + 12 + recordSize !== locatorOffset) {
    throw corrupt(label, `the ZIP64 end record at ${zip64EndOffset} (${12 + recordSize} bytes) does not end at its locator at ${locatorOffset}`);
  }
  const disk64 = u32(z, 16);
  const directoryDisk64 = u32(z, 20);
  const entriesOnDisk64 = u64(z, 24, label, 'the ZIP64 entry count');
  const entryCount64 = u64(z, 32, label, 'the ZIP64 entry count');
  const directorySize64 = u64(z, 40, label, 'the ZIP64 central directory size');
  const directoryOffset64 = u64(z, 48, label, 'the ZIP64 central directory offset');
  if (disk64 !== 0 || directoryDisk64 !== 0 || entriesOnDisk64 !== entryCount64) {
    throw unsupported(label, `this is part ${disk64 + 1} of a multi-disk (split or spanned) ZIP64; casevault reads single-file backups only`);
  }
  const agree = (what: string, value: number, marker: number, value64: number) => {
    if (value !== marker && value !== value64) throw corrupt(label, `the end record says ${what} ${value}, the ZIP64 end record ${value64}`);
  };
  agree('disk', disk, 0xffff, disk64);
  agree('central directory disk', directoryDisk, 0xffff, directoryDisk64);
  agree('entry count', entryCount, 0xffff, entryCount64);
  agree('central directory size', directorySize, 0xffffffff, directorySize64);
  agree('central directory offset', directoryOffset, 0xffffffff, directoryOffset64);
  entryCount = entryCount64;
  directorySize = directorySize64;
  directoryOffset = directoryOffset64;
  return { endOffset, zip64: true, directoryEnd: zip64EndOffset, entryCount, directorySize, directoryOffset };
}

async function readCentralDirectory(handle: ReadHandle, end: EndInfo, label: string): Promise<CentralRecord[]> {
  const { directoryOffset, directorySize, directoryEnd } = end;
  const claimedEnd = directoryOffset + directorySize;
  if (claimedEnd !== directoryEnd) {
    const shift = directoryEnd - claimedEnd;
    throw corrupt(
      label,
      shift > 0
        ? `the central directory (${directorySize} bytes at ${directoryOffset}) ends ${shift} bytes before the end record at ${directoryEnd}: bytes were inserted, or something was glued in front of the backup`
        : `the central directory (${directorySize} bytes at ${directoryOffset}) runs ${-shift} bytes past the end record at ${directoryEnd}`,
    );
  }
  const records: CentralRecord[] = [];
  let buffer: Uint8Array = new Uint8Array(0);
  let bufferStart = directoryOffset;
  const ensure = async (position: number, length: number) => {
    if (position >= bufferStart && position + length <= bufferStart + buffer.byteLength) return;
    const readLength = Math.min(Math.max(length, CD_CHUNK), directoryEnd - position);
    buffer = await readExactly(handle, position, readLength, label);
    bufferStart = position;
  };
  let position = directoryOffset;
  while (position < directoryEnd) {
    const index = records.length;
    const recordAt = position;
    // Messages are built only when needed: this loop runs once per entry.
    const where = () => `central directory record ${index + 1} at ${recordAt}`;
    if (position + CENTRAL_SIZE > directoryEnd) throw corrupt(label, `${where()} is cut off by the end of the central directory at ${directoryEnd}`);
    await ensure(position, CENTRAL_SIZE);
    let b = buffer.subarray(position - bufferStart);
    if (u32(b, 0) !== SIG_CENTRAL) throw corrupt(label, `${where()}: signature 0x${u32(b, 0).toString(16)}, not a central directory record`);
    const nameLength = u16(b, 28);
    const extraLength = u16(b, 30);
    const commentLength = u16(b, 32);
    const recordLength = CENTRAL_SIZE + nameLength + extraLength + commentLength;
    if (position + recordLength > directoryEnd) throw corrupt(label, `${where()} (${recordLength} bytes) runs past the end of the central directory at ${directoryEnd}`);
    await ensure(position, recordLength);
    b = buffer.subarray(position - bufferStart, position - bufferStart + recordLength);
    const flags = u16(b, 8);
    const nameBytes = b.slice(CENTRAL_SIZE, CENTRAL_SIZE + nameLength);
    const name = decodeEntryName(nameBytes, flags);
    const entryWhere = () => `entry "${printableName(name)}" (${where()})`;
    const extra = parseExtra(b.subarray(CENTRAL_SIZE + nameLength, CENTRAL_SIZE + nameLength + extraLength), label, entryWhere);
    const [uncompressedSize, compressedSize, localHeaderOffset, diskStart] = resolveZip64(
      [
        { name: 'the uncompressed size', value: u32(b, 24), bytes: 4 },
        { name: 'the compressed size', value: u32(b, 20), bytes: 4 },
        { name: 'the local header offset', value: u32(b, 42), bytes: 4 },
        { name: 'the disk number', value: u16(b, 34), bytes: 2 },
      ],
      extra.zip64,
      label,
      entryWhere,
    ) as [number, number, number, number];
    if (diskStart !== 0) throw unsupported(label, `${entryWhere()} starts on disk ${diskStart + 1}; multi-disk ZIPs are not supported`);
    records.push({
      index,
      name,
      nameBytes,
      versionMadeBy: u16(b, 4),
      flags,
      method: u16(b, 10),
      crc32: u32(b, 16),
      compressedSize,
      uncompressedSize,
      localHeaderOffset,
      externalAttributes: u32(b, 38),
      extraLength,
    });
    position += recordLength;
  }
  if (records.length !== end.entryCount) {
    throw corrupt(label, `the end record says ${end.entryCount} entries, but the central directory holds ${records.length}; entries would be hidden from other ZIP readers`);
  }
  return records;
}

interface LocalView {
  readonly bytes: Uint8Array;
  /** File position of bytes[0]. */
  readonly start: number;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.byteLength !== b.byteLength) return false;
  for (let i = 0; i < a.byteLength; i += 1) if (a[i] !== b[i]) return false;
  return true;
}

/** Checks one local header against its central record; returns where its data starts. */
function checkLocalHeader(view: LocalView, record: CentralRecord, directoryOffset: number, label: string): number {
  const offset = record.localHeaderOffset;
  const where = `entry "${record.name.length > 120 || /[\u0000-\u001f\u007f]/.test(record.name) ? printableName(record.name) : record.name}"`;
  if (offset + LOCAL_SIZE > directoryOffset) {
    throw corrupt(label, `${where}: its local header at ${offset} is not before the central directory at ${directoryOffset}`);
  }
  const b = view.bytes.subarray(offset - view.start);
  if (b.byteLength < LOCAL_SIZE) throw corrupt(label, `${where}: its local header at ${offset} is cut off`);
  if (u32(b, 0) !== SIG_LOCAL) throw corrupt(label, `${where}: no local header at ${offset} (signature 0x${u32(b, 0).toString(16)})`);
  const flags = u16(b, 6);
  const method = u16(b, 8);
  const nameLength = u16(b, 26);
  const extraLength = u16(b, 28);
  const dataStart = offset + LOCAL_SIZE + nameLength + extraLength;
  if (dataStart > directoryOffset) throw corrupt(label, `${where}: its local header at ${offset} runs into the central directory at ${directoryOffset}`);
  if (b.byteLength < LOCAL_SIZE + nameLength + extraLength) throw corrupt(label, `${where}: its local header at ${offset} is cut off`);
  const nameBytes = b.subarray(LOCAL_SIZE, LOCAL_SIZE + nameLength);
  if (!sameBytes(nameBytes, record.nameBytes)) {
    throw corrupt(label, `the central directory names an entry "${printableName(record.name)}", its local header at ${offset} "${printableName(decodeEntryName(nameBytes, flags))}"`);
  }
  if ((flags & COMPARED_FLAGS) !== (record.flags & COMPARED_FLAGS)) {
    throw corrupt(label, `${where}: the local header has flags 0x${flags.toString(16)}, the central directory 0x${record.flags.toString(16)}`);
  }
  if (method !== record.method) throw corrupt(label, `${where}: the local header says compression method ${method}, the central directory ${record.method}`);
  if (record.flags & FLAG_MASKED_HEADERS) return dataStart; // values masked by design (and refused as encrypted)
  const extra = parseExtra(b.subarray(LOCAL_SIZE + nameLength, LOCAL_SIZE + nameLength + extraLength), label, () => `${where} (local header)`);
  const [uncompressedSize, compressedSize] = resolveZip64(
    [
      { name: 'the uncompressed size', value: u32(b, 22), bytes: 4 },
      { name: 'the compressed size', value: u32(b, 18), bytes: 4 },
    ],
    extra.zip64,
    label,
    () => `${where} (local header)`,
  ) as [number, number];
  const crc = u32(b, 14);
  const descriptor = (flags & FLAG_DESCRIPTOR) !== 0;
  const check = (what: string, local: number, central: number) => {
    if (local === central || (descriptor && local === 0)) return;
    throw corrupt(label, `${where}: the local header says ${what} ${local}, the central directory ${central}`);
  };
  check('CRC-32', crc, record.crc32);
  check('compressed size', compressedSize, record.compressedSize);
  check('uncompressed size', uncompressedSize, record.uncompressedSize);
  return dataStart;
}

/** The data descriptor between an entry's data and whatever follows: its length is the gap. */
function checkDescriptor(bytes: Uint8Array, record: CentralRecord, at: number, label: string): void {
  const where = `entry "${printableName(record.name)}"`;
  const signed = bytes.byteLength === 16 || bytes.byteLength === 24;
  if (signed && u32(bytes, 0) !== SIG_DESCRIPTOR) {
    throw corrupt(label, `${where}: ${bytes.byteLength} unknown bytes at ${at} where its data descriptor should be`);
  }
  const b = signed ? bytes.subarray(4) : bytes;
  const wide = b.byteLength === 20;
  const crc = u32(b, 0);
  const compressed = wide ? u64(b, 4, label, `${where}: descriptor size`) : u32(b, 4);
  const uncompressed = wide ? u64(b, 12, label, `${where}: descriptor size`) : u32(b, 8);
  if (crc !== record.crc32 || compressed !== record.compressedSize || uncompressed !== record.uncompressedSize) {
    throw corrupt(
      label,
      `${where}: its data descriptor at ${at} says CRC-32 ${crc.toString(16)}, ${compressed} → ${uncompressed} bytes; the central directory says ${record.crc32.toString(16)}, ${record.compressedSize} → ${record.uncompressedSize}`,
    );
  }
}

async function checkLocalHeaders(handle: ReadHandle, records: CentralRecord[], directoryOffset: number, label: string): Promise<number[]> {
  const sorted = [...records].sort((a, b) => a.localHeaderOffset - b.localHeaderOffset || a.index - b.index);
  const dataStarts = new Array<number>(records.length);
  if (sorted.length === 0 && directoryOffset !== 0) {
    throw corrupt(label, `${directoryOffset} bytes of unknown data before the central directory of an empty ZIP`);
  }
  let previous: { record: CentralRecord; dataEnd: number } | null = null;
  const between = (next: number, nextWhat: () => string, tailBytes: Uint8Array, tailStart: number) => {
    const expected = previous ? previous.dataEnd : 0;
    if (!previous) {
      if (next > 0) throw corrupt(label, `${next} bytes of unknown data before the first entry; a backup starts with its first entry (is this a self-extracting archive, or a file with a ZIP appended?)`);
      return;
    }
    const { record, dataEnd } = previous;
    const gap = next - expected;
    const name = printableName(record.name);
    if (gap < 0) {
      throw corrupt(
        label,
        next === record.localHeaderOffset
          ? `entry "${name}" and ${nextWhat()} share the local header at ${next}; overlapping entries (a ZIP bomb?)`
          : `${nextWhat()} at ${next} lies inside the data of entry "${name}" (${record.localHeaderOffset}–${dataEnd}); overlapping entries (a ZIP bomb?)`,
      );
    }
    const descriptor = (record.flags & FLAG_DESCRIPTOR) !== 0;
    if (gap === 0 && !descriptor) return;
    if (descriptor && (gap === 12 || gap === 16 || gap === 20 || gap === 24)) {
      checkDescriptor(tailBytes.subarray(expected - tailStart, next - tailStart), record, expected, label);
      return;
    }
    throw corrupt(label, `${gap} bytes of unknown data between entry "${name}" (ends at ${expected}${descriptor ? ', data descriptor expected' : ''}) and ${nextWhat()} at ${next}; junk or a hidden entry`);
  };
  for (let batch = 0; batch < sorted.length; batch += READ_WINDOW) {
    const group = sorted.slice(batch, batch + READ_WINDOW);
    const views = await Promise.all(
      group.map(async (record): Promise<LocalView> => {
        const offset = record.localHeaderOffset;
        if (offset >= directoryOffset) return { bytes: new Uint8Array(0), start: offset };
        const start = Math.max(0, offset - DESCRIPTOR_MAX);
        // The header as long as the central record says; read again if its extra field is longer.
        const end = Math.min(directoryOffset, offset + LOCAL_SIZE + record.nameBytes.byteLength + record.extraLength);
        let bytes = await readExactly(handle, start, end - start, label);
        const headerEnd = bytes.byteLength >= offset - start + LOCAL_SIZE ? offset + LOCAL_SIZE + u16(bytes, offset - start + 26) + u16(bytes, offset - start + 28) : end;
        if (headerEnd > end && headerEnd <= directoryOffset) bytes = await readExactly(handle, start, headerEnd - start, label);
        return { bytes, start };
      }),
    );
    for (const [i, record] of group.entries()) {
      const view = views[i]!;
      const name = () => `entry "${printableName(record.name)}"`;
      if (record.localHeaderOffset + LOCAL_SIZE > directoryOffset) {
        throw corrupt(label, `${name()}: its local header at ${record.localHeaderOffset} is not before the central directory at ${directoryOffset}`);
      }
      between(record.localHeaderOffset, name, view.bytes, view.start);
      const dataStart = checkLocalHeader(view, record, directoryOffset, label);
      const dataEnd = dataStart + record.compressedSize;
      if (dataEnd > directoryOffset) {
        throw corrupt(label, `${name()}: its ${record.compressedSize} bytes of data from ${dataStart} run past the central directory at ${directoryOffset}`);
      }
      dataStarts[record.index] = dataStart;
      previous = { record, dataEnd };
    }
  }
  if (previous) {
    const last: { record: CentralRecord; dataEnd: number } = previous;
    const start = Math.max(last.dataEnd, directoryOffset - DESCRIPTOR_MAX);
    const tailBytes = start < directoryOffset ? await readExactly(handle, start, directoryOffset - start, label) : new Uint8Array(0);
    between(directoryOffset, () => 'the central directory', tailBytes, start);
  }
  return dataStarts;
}

/** Checks the structure of the ZIP behind `handle`; `label` names it in messages. */
export async function checkZipStructure(handle: ReadHandle, label: string): Promise<ZipStructure> {
  const end = await findEnd(handle, label);
  const records = await readCentralDirectory(handle, end, label);
  const dataStarts = await checkLocalHeaders(handle, records, end.directoryOffset, label);
  const entries = records.map((r): ZipStructureEntry => ({
    ...r,
    dataStart: dataStarts[r.index]!,
    encrypted: (r.flags & (FLAG_ENCRYPTED | FLAG_STRONG_ENCRYPTION | FLAG_MASKED_HEADERS)) !== 0,
    type: entryType(r.externalAttributes, r.name),
  }));
  return { entries, zip64: end.zip64, centralDirectoryOffset: end.directoryOffset, endRecordOffset: end.endOffset };
}
