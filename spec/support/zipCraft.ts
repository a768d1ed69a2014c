/**
 * A ZIP taken apart and put back together, byte for byte (PKWARE APPNOTE 6.3), so that
 * tests and fixtures/make-fixtures.ts can build every way a ZIP can be wrong: entries are
 * laid out one after another unless an entry says otherwise, and every field a hostile
 * file could lie about can be overridden in the local header, the central directory or
 * the end record. `buildZip(parseZip(bytes).entries)` gives back the archiver's bytes.
 */
import { crc32, deflateRawSync } from 'node:zlib';

export type Descriptor = 'none' | 'signed' | 'unsigned';

export interface HeaderFields {
  readonly name: Uint8Array;
  readonly flags: number;
  readonly method: number;
  readonly crc32: number;
  readonly compressedSize: number;
  readonly uncompressedSize: number;
  readonly extra: Uint8Array;
}

export interface CraftEntry {
  readonly name: Uint8Array;
  /** The bytes as stored: deflated when method is 8. */
  readonly data: Uint8Array;
  readonly method: number;
  readonly crc32: number;
  readonly uncompressedSize: number;
  readonly flags: number;
  readonly versionMadeBy: number;
  readonly versionNeeded: number;
  readonly externalAttributes: number;
  readonly modTime: number;
  readonly modDate: number;
  readonly descriptor: Descriptor;
  readonly localExtra?: Uint8Array;
  readonly centralExtra?: Uint8Array;
  /** Values in the local header that differ from the central directory's. */
  readonly local?: Partial<HeaderFields>;
  /** Values in the central directory that differ from the local header's. */
  readonly central?: Partial<HeaderFields> & { readonly diskStart?: number; readonly localHeaderOffset?: number };
  /** Write no local header and data: the central record points at `central.localHeaderOffset`. */
  readonly omitLocal?: boolean;
  /** Write no central record: the local entry hides between the others. */
  readonly omitCentral?: boolean;
}

export interface EndOptions {
  readonly prefix?: Uint8Array;
  /** Add the prefix's length to every offset (as `zip -A` does for a self-extractor). */
  readonly adjustOffsets?: boolean;
  readonly suffix?: Uint8Array;
  readonly comment?: Uint8Array;
  readonly entryCount?: number;
  readonly disk?: number;
  readonly directoryDisk?: number;
  /** Write a ZIP64 end record and locator, with 0xFFFF/0xFFFFFFFF in the end record. */
  readonly zip64?: boolean;
}

const enc = new TextEncoder();
export const bytes = (s: string) => enc.encode(s);

function u16(v: number): number[] {
  return [v & 0xff, (v >>> 8) & 0xff];
}
function u32(v: number): number[] {
  return [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff];
}
function u64(v: number): number[] {
  return [...u32(v % 0x1_0000_0000), ...u32(Math.floor(v / 0x1_0000_0000))];
}
const r16 = (b: Uint8Array, at: number) => b[at]! | (b[at + 1]! << 8);
const r32 = (b: Uint8Array, at: number) => (b[at]! | (b[at + 1]! << 8) | (b[at + 2]! << 16) | (b[at + 3]! << 24)) >>> 0;

export function concat(parts: readonly (Uint8Array | number[])[]): Uint8Array {
  const arrays = parts.map((p) => (p instanceof Uint8Array ? p : Uint8Array.from(p)));
  const out = new Uint8Array(arrays.reduce((n, a) => n + a.byteLength, 0));
  let at = 0;
  for (const a of arrays) {
    out.set(a, at);
    at += a.byteLength;
  }
  return out;
}

export function crcOf(content: Uint8Array): number {
  return crc32(content) >>> 0;
}

/** 2026-11-25 09:00:00 in MS-DOS form: fixtures never depend on the clock or the time zone. */
export const DOS_TIME = (9 << 11) | (0 << 5) | 0;
export const DOS_DATE = ((2026 - 1980) << 9) | (11 << 5) | 25;

export function storedEntry(name: string | Uint8Array, content: Uint8Array, extra: Partial<CraftEntry> = {}): CraftEntry {
  return {
    name: typeof name === 'string' ? bytes(name) : name,
    data: content,
    method: 0,
    crc32: crcOf(content),
    uncompressedSize: content.byteLength,
    flags: 0x0800,
    versionMadeBy: 0x0314,
    versionNeeded: 20,
    externalAttributes: (0o100644 << 16) >>> 0,
    modTime: DOS_TIME,
    modDate: DOS_DATE,
    descriptor: 'none',
    ...extra,
  };
}

export function deflatedEntry(name: string | Uint8Array, content: Uint8Array, extra: Partial<CraftEntry> = {}): CraftEntry {
  return storedEntry(name, content, { method: 8, data: deflateRawSync(content, { level: 9 }), ...extra });
}

export function headerOf(entry: CraftEntry): HeaderFields {
  return {
    name: entry.name,
    flags: entry.flags,
    method: entry.method,
    crc32: entry.crc32,
    compressedSize: entry.data.byteLength,
    uncompressedSize: entry.uncompressedSize,
    extra: new Uint8Array(0),
  };
}

/** The local header of an entry as `buildZip` writes it (fixtures embed it in another entry's data). */
export function localHeaderBytes(entry: CraftEntry): Uint8Array {
  const base = headerOf(entry);
  const d = entry.descriptor !== 'none';
  const h: HeaderFields = {
    ...base,
    crc32: d ? 0 : base.crc32,
    compressedSize: d ? 0 : base.compressedSize,
    uncompressedSize: d ? 0 : base.uncompressedSize,
    extra: entry.localExtra ?? base.extra,
    ...entry.local,
  };
  return concat([
    u32(0x04034b50),
    u16(entry.versionNeeded),
    u16(h.flags),
    u16(h.method),
    u16(entry.modTime),
    u16(entry.modDate),
    u32(h.crc32),
    u32(h.compressedSize),
    u32(h.uncompressedSize),
    u16(h.name.byteLength),
    u16(h.extra.byteLength),
    h.name,
    h.extra,
  ]);
}

function descriptorBytes(entry: CraftEntry): Uint8Array {
  if (entry.descriptor === 'none') return new Uint8Array(0);
  const body = [...u32(entry.crc32), ...u32(entry.data.byteLength), ...u32(entry.uncompressedSize)];
  return Uint8Array.from(entry.descriptor === 'signed' ? [...u32(0x08074b50), ...body] : body);
}

/** Where `buildZip` puts each entry's local header (without a prefix). */
export function entryOffsets(entries: readonly CraftEntry[]): number[] {
  let position = 0;
  return entries.map((entry) => {
    const at = position;
    if (!entry.omitLocal) position += localHeaderBytes(entry).byteLength + entry.data.byteLength + descriptorBytes(entry).byteLength;
    return at;
  });
}

export function buildZip(entries: readonly CraftEntry[], options: EndOptions = {}): Uint8Array {
  const prefix = options.prefix ?? new Uint8Array(0);
  const shift = options.adjustOffsets ? prefix.byteLength : 0;
  const parts: Uint8Array[] = [prefix];
  let position = 0;
  const offsets: number[] = [];
  for (const entry of entries) {
    offsets.push(position);
    if (entry.omitLocal) continue;
    const local = localHeaderBytes(entry);
    const descriptor = descriptorBytes(entry);
    parts.push(local, entry.data, descriptor);
    position += local.byteLength + entry.data.byteLength + descriptor.byteLength;
  }
  const directoryOffset = position;
  const central: Uint8Array[] = entries.flatMap((entry, i) => (entry.omitCentral ? [] : [[entry, i] as const])).map(([entry, i]) => {
    const h = { ...headerOf(entry), extra: entry.centralExtra ?? new Uint8Array(0), ...entry.central };
    const offset = (entry.central?.localHeaderOffset ?? offsets[i]!) + shift;
    return concat([
      u32(0x02014b50),
      u16(entry.versionMadeBy),
      u16(entry.versionNeeded),
      u16(h.flags),
      u16(h.method),
      u16(entry.modTime),
      u16(entry.modDate),
      u32(h.crc32),
      u32(h.compressedSize),
      u32(h.uncompressedSize),
      u16(h.name.byteLength),
      u16(h.extra.byteLength),
      u16(0),
      u16(entry.central?.diskStart ?? 0),
      u16(0),
      u32(entry.externalAttributes),
      u32(offset),
      h.name,
      h.extra,
    ]);
  });
  const directory = concat(central);
  parts.push(directory);
  const count = options.entryCount ?? central.length;
  const comment = options.comment ?? new Uint8Array(0);
  const directoryStart = directoryOffset + shift;
  if (options.zip64) {
    const zip64EndOffset = directoryStart + directory.byteLength;
    parts.push(
      concat([
        u32(0x06064b50),
        u64(44),
        u16(0x032d),
        u16(45),
        u32(options.disk ?? 0),
        u32(options.directoryDisk ?? 0),
        u64(count),
        u64(count),
        u64(directory.byteLength),
        u64(directoryStart),
      ]),
      concat([u32(0x07064b50), u32(0), u64(zip64EndOffset), u32(1)]),
      concat([u32(0x06054b50), u16(0xffff), u16(0xffff), u16(0xffff), u16(0xffff), u32(0xffffffff), u32(0xffffffff), u16(comment.byteLength), comment]),
    );
  } else {
    parts.push(
      concat([
        u32(0x06054b50),
        u16(options.disk ?? 0),
        u16(options.directoryDisk ?? 0),
        u16(count),
        u16(count),
        u32(directory.byteLength),
        u32(directoryStart),
        u16(comment.byteLength),
        comment,
      ]),
    );
  }
  if (options.suffix) parts.push(options.suffix);
  return concat(parts);
}

/** Takes apart a well-formed ZIP without ZIP64 (an archiver or buildZip output). */
export function parseZip(zip: Uint8Array): CraftEntry[] {
  let end = zip.byteLength - 22;
  while (end >= 0 && r32(zip, end) !== 0x06054b50) end -= 1;
  if (end < 0) throw new Error('parseZip: no end record');
  const count = r16(zip, end + 10);
  let at = r32(zip, end + 16);
  const entries: CraftEntry[] = [];
  for (let i = 0; i < count; i += 1) {
    if (r32(zip, at) !== 0x02014b50) throw new Error(`parseZip: no central record at ${at}`);
    const n = r16(zip, at + 28);
    const m = r16(zip, at + 30);
    const k = r16(zip, at + 32);
    const flags = r16(zip, at + 8);
    const compressedSize = r32(zip, at + 20);
    const offset = r32(zip, at + 42);
    const ln = r16(zip, offset + 26);
    const lm = r16(zip, offset + 28);
    const dataStart = offset + 30 + ln + lm;
    const afterData = dataStart + compressedSize;
    const descriptor: Descriptor = flags & 0x08 ? (r32(zip, afterData) === 0x08074b50 ? 'signed' : 'unsigned') : 'none';
    entries.push({
      name: zip.slice(at + 46, at + 46 + n),
      data: zip.slice(dataStart, afterData),
      method: r16(zip, at + 10),
      crc32: r32(zip, at + 16),
      uncompressedSize: r32(zip, at + 24),
      flags,
      versionMadeBy: r16(zip, at + 4),
      versionNeeded: r16(zip, at + 6),
      externalAttributes: r32(zip, at + 38),
      modTime: r16(zip, at + 12),
      modDate: r16(zip, at + 14),
      descriptor,
      ...(lm > 0 ? { localExtra: zip.slice(offset + 30 + ln, dataStart) } : {}),
      ...(m > 0 ? { centralExtra: zip.slice(at + 46 + n, at + 46 + n + m) } : {}),
    });
    at += 46 + n + m + k;
  }
  return entries;
}

export function nameOf(entry: CraftEntry): string {
  return new TextDecoder().decode(entry.name);
}
