/**
 * A whole file's SHA-256 in a worker thread: `verify` checks the backup's `.sha256` sidecar
 * while its entries inflate and hash on the main thread, and hashing the 0.4–2 GB file there
 * too made the main thread the bottleneck (bench/RESULTS.md). The worker reads with one
 * reused 1 MiB buffer, so it adds its isolate and that buffer to the memory, nothing that
 * grows with the file. An abort terminates it.
 */
import { Worker } from 'node:worker_threads';
import { BackupError } from '../../domain/errors.ts';
import type { FileSystem } from '../../ports/fileSystem.ts';
import { fromErrno } from '../fs/errno.ts';

/** The worker's code (CommonJS, evaluated, so that no separate file has to ship). */
const HASH_WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const { openSync, readSync, closeSync } = require('node:fs');
const { createHash } = require('node:crypto');
try {
  const fd = openSync(workerData.path, 'r');
  const buffer = Buffer.allocUnsafe(1 << 20);
  const hash = createHash('sha256');
  let size = 0;
  try {
    for (let n; (n = readSync(fd, buffer, 0, buffer.length, null)) > 0; size += n) hash.update(buffer.subarray(0, n));
  } finally {
    closeSync(fd);
  }
  parentPort.postMessage({ ok: true, sha256: hash.digest('hex'), size });
} catch (error) {
  parentPort.postMessage({ ok: false, code: error && error.code, message: String(error && error.message) });
}`;

export const hashFileInWorker: FileSystem['hashFile'] = (path, options = {}) =>
  new Promise((resolve, reject) => {
    const operation = options.operation ?? 'hash';
    const cancelled = () => new BackupError('CANCELLED', `${operation}: cancelled`);
    if (options.signal?.aborted) return reject(cancelled());
    const worker = new Worker(HASH_WORKER, { eval: true, workerData: { path } });
    let settled = false;
    const settle = (fn: () => void) => {
      if (settled) return;
      settled = true;
      options.signal?.removeEventListener('abort', onAbort);
      fn();
    };
    const onAbort = () => settle(() => void worker.terminate().finally(() => reject(cancelled())));
    options.signal?.addEventListener('abort', onAbort, { once: true });
    worker.once('message', (message: { ok: boolean; sha256?: string; size?: number; code?: string; message?: string }) =>
      settle(() => {
        if (message.ok) resolve({ sha256: message.sha256!, size: message.size! });
        else reject(fromErrno(Object.assign(new Error(message.message), { code: message.code }), 'read', path));
      }),
    );
    worker.once('error', (error) => settle(() => reject(fromErrno(error, 'read', path))));
    worker.once('exit', (code) => settle(() => reject(new BackupError('INTERNAL', `read ${path}: the hashing worker stopped (exit code ${code})`))));
  });
