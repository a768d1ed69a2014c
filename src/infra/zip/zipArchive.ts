import type { ArchiveFormat } from '../../ports/archive.ts';
import type { FileSystem } from '../../ports/fileSystem.ts';
import { createZipWriter } from './zipWriter.ts';
import { openZipReader, openZipReaderOn } from './zipReader.ts';

/**
 * ZIP over a FileSystem port: zipWriter.ts (stores what does not compress, deflates on
 * every core) writes; zipReader.ts (zipStructure.ts's strict check, then streaming with
 * CRC-32 and size checks) reads. They replaced archiver and yauzl (bench/RESULTS.md), which
 * the tests still use as independent writers and readers.
 */
export function createZipArchive(fs: FileSystem): ArchiveFormat {
  return {
    open: (path) => openZipReader(fs, path),
    openHandle: (handle, label) => openZipReaderOn(handle, label),
    createWriter: (output, options) => createZipWriter(output, options),
  };
}
