/**
 * ArchiveWriter over archiver 8: entries are appended one at a time (each `add` resolves
 * when archiver has consumed its source, so memory holds one chunk per entry, not the
 * archive), and the output is a WriteHandle of the FileSystem port.
 */
import { ZipArchive } from 'archiver';
import { Readable, Writable } from 'node:stream';
import type { ArchiveWriter } from '../../ports/archive.ts';
import type { WriteHandle } from '../../ports/fileSystem.ts';

export function createArchiverWriter(output: WriteHandle, options: { level: number; modified: Date }): ArchiveWriter {
  const zip = new ZipArchive({ zlib: { level: options.level }, store: options.level === 0, forceZip64: false });
  let failure: unknown;
  const sink = new Writable({
    highWaterMark: 1 << 20,
    write(chunk: Buffer, _encoding, callback) {
      output.write(chunk).then(() => callback(), callback);
    },
    final(callback) {
      output.close().then(() => callback(), callback);
    },
  });
  const done = new Promise<void>((resolve, reject) => {
    const fail = (error: unknown) => {
      failure ??= error;
      reject(error);
    };
    zip.on('error', fail);
    sink.on('error', fail);
    sink.on('finish', () => resolve());
  });
  done.catch(() => {}); // observed through add/finish
  zip.pipe(sink);
  let aborted = false;

  return {
    add: async (name, source) => {
      if (failure) throw failure;
      const stream = Readable.from(source, { objectMode: false });
      const consumed = new Promise<void>((resolve, reject) => {
        stream.on('end', resolve);
        stream.on('error', reject);
      });
      zip.append(stream, { name, date: options.modified });
      // archiver reads entries strictly in order, so waiting here keeps one entry in flight.
      await Promise.race([consumed, done.then(() => undefined)]);
      if (failure) throw failure;
    },
    finish: async () => {
      if (failure) throw failure;
      await zip.finalize();
      await done;
    },
    abort: async () => {
      if (aborted) return;
      aborted = true;
      zip.abort();
      sink.destroy();
      await output.abort();
    },
  };
}
