/** Where each entry's compressed data lies in a ZIP (via yauzl), for tests that damage it. */
import yauzl from 'yauzl';

export interface DataRange {
  readonly name: string;
  readonly start: number;
  readonly end: number;
}

export async function dataRanges(zipBytes: Uint8Array): Promise<DataRange[]> {
  const zip = await yauzl.fromBufferPromise(Buffer.from(zipBytes), { lazyEntries: true, autoClose: false });
  const ranges: DataRange[] = [];
  for await (const entry of zip.eachEntry()) {
    const { fileDataStart } = await zip.readLocalFileHeaderPromise(entry, { minimal: true });
    ranges.push({ name: entry.fileName, start: fileDataStart, end: fileDataStart + entry.compressedSize });
  }
  zip.close();
  return ranges;
}
