import type { ArchiveFormat } from '../../ports/archive.ts';
import type { FileSystem } from '../../ports/fileSystem.ts';
import { createZipWriter } from './zipWriter.ts';
import { openYauzlReader } from './yauzlReader.ts';

/**
 * ZIP over a FileSystem port: our writer (zipWriter.ts: stores what does not compress,
 * deflates on every core) writes, yauzl reads. archiverWriter.ts is the slower writer it
 * replaced (bench/RESULTS.md), kept for comparison.
 */
export function createZipArchive(fs: FileSystem): ArchiveFormat {
  return {
    open: (path) => openYauzlReader(fs, path),
    createWriter: (output, options) => createZipWriter(output, options),
  };
}
