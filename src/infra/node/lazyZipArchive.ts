/**
 * The ZIP adapter, loaded on first use: archiver and yauzl take most of a second to import
 * on a busy machine, and `casevault list` or `--help` need neither.
 */
import type { ArchiveFormat, ArchiveWriter } from '../../ports/archive.ts';
import type { FileSystem } from '../../ports/fileSystem.ts';

export function createLazyZipArchive(fs: FileSystem): ArchiveFormat {
  let loaded: Promise<ArchiveFormat> | undefined;
  const load = () => (loaded ??= import('../zip/zipArchive.ts').then((m) => m.createZipArchive(fs)));
  return {
    open: async (path) => (await load()).open(path),
    openHandle: async (handle, label) => {
      try {
        return await (await load()).openHandle(handle, label);
      } catch (error) {
        await handle.close().catch(() => {}); // owned, also when loading the adapter fails
        throw error;
      }
    },
    createWriter: (output, options) => {
      const writer: Promise<ArchiveWriter> = load().then((format) => format.createWriter(output, options));
      return {
        add: async (name, source) => (await writer).add(name, source),
        finish: async () => (await writer).finish(),
        abort: async () => {
          try {
            await (await writer).abort();
          } catch {
            await output.abort();
          }
        },
      };
    },
  };
}
