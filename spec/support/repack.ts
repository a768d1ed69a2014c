/** Unpacks a backup's entries and packs them again (valid ZIP, valid CRCs), for forged-backup tests. */
import yauzl from 'yauzl';
import { createZipArchive } from '../../src/infra/zip/zipArchive.ts';
import type { FileSystem } from '../../src/ports/fileSystem.ts';
import { once } from '../../src/domain/streams.ts';

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

export async function pack(fs: FileSystem, path: string, entries: readonly PackedEntry[]): Promise<void> {
  await fs.remove(path);
  const writer = createZipArchive(fs).createWriter(await fs.openWrite(path), { level: 6, modified: new Date('2026-01-01T00:00:00Z') });
  for (const entry of entries) await writer.add(entry.name, once(entry.bytes));
  await writer.finish();
}
