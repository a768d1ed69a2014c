/**
 * Unpacks a backup's entries and packs them again with archiver (a valid ZIP with valid
 * CRCs, duplicates allowed), for forged-backup tests. Deliberately not our own writer: a
 * forger does not use it, and it refuses a duplicate name.
 */
import { ZipArchive } from 'archiver';
import yauzl from 'yauzl';
import type { FileSystem } from '../../src/ports/fileSystem.ts';

export interface PackedEntry {
  name: string;
  bytes: Uint8Array;
}

export async function unpack(zipBytes: Uint8Array): Promise<PackedEntry[]> {
  const zip = await yauzl.fromBufferPromise(Buffer.from(zipBytes), { lazyEntries: true });
  const out: PackedEntry[] = [];
  for await (const entry of zip.eachEntry()) {
    const chunks: Buffer[] = [];
    for await (const chunk of await zip.openReadStreamPromise(entry)) chunks.push(chunk as Buffer);
    out.push({ name: entry.fileName, bytes: new Uint8Array(Buffer.concat(chunks)) });
  }
  zip.close();
  return out;
}

export async function packToBytes(entries: readonly PackedEntry[]): Promise<Uint8Array> {
  const zip = new ZipArchive({ zlib: { level: 6 } });
  const chunks: Buffer[] = [];
  zip.on('data', (chunk: Buffer) => chunks.push(chunk));
  const ended = new Promise<void>((resolve, reject) => {
    zip.on('end', resolve);
    zip.on('error', reject);
  });
  for (const entry of entries) zip.append(Buffer.from(entry.bytes), { name: entry.name, date: new Date('2026-01-01T00:00:00Z') });
  await zip.finalize();
  await ended;
  return new Uint8Array(Buffer.concat(chunks));
}

export async function pack(fs: FileSystem, path: string, entries: readonly PackedEntry[]): Promise<void> {
  await fs.remove(path);
  await fs.writeFile(path, await packToBytes(entries));
}
