import type { ArchiveFormat } from '../../ports/archive.ts';
import type { FileSystem } from '../../ports/fileSystem.ts';
import { createArchiverWriter } from './archiverWriter.ts';
import { openYauzlReader } from './yauzlReader.ts';

/** ZIP over a FileSystem port: archiver writes, yauzl reads. */
export function createZipArchive(fs: FileSystem): ArchiveFormat {
  return {
    open: (path) => openYauzlReader(fs, path),
    createWriter: (output, options) => createArchiverWriter(output, options),
  };
}
