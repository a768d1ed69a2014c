/**
 * Worker threads that seal batches of payload chunks with node:crypto's ChaCha20-Poly1305,
 * so encryption runs beside the main thread (which, in an export, CRCs, hashes and writes
 * the ZIP). A batch's plaintext buffer and an output buffer are transferred to the worker,
 * not copied, and both come back for reuse. Workers start on first use and are referenced only while they
 * have work, so an idle pool never keeps the process alive. Only where node:crypto has
 * the cipher (not Electron's BoringSSL: there the caller seals inline with @noble/ciphers).
 */
import { Worker } from 'node:worker_threads';

/** The worker's code (CommonJS, evaluated, so that no separate file has to ship); its nonce is stream.ts's chunkNonce. */
const SEAL_WORKER = `
const { parentPort } = require('node:worker_threads');
const { createCipheriv, createSecretKey } = require('node:crypto');
const CHUNK = 65536, TAG = 16;
parentPort.on('message', (m) => {
  try {
    const key = createSecretKey(Buffer.from(m.key));
    const plain = new Uint8Array(m.plain, 0, m.length);
    const out = new Uint8Array(m.out);
    const count = Math.max(1, Math.ceil(m.length / CHUNK));
    const nonce = Buffer.alloc(12);
    for (let i = 0; i < count; i += 1) {
      const index = m.first + i;
      nonce.writeUInt32BE(Math.floor(index / 4294967296), 3);
      nonce.writeUInt32BE(index >>> 0, 7);
      nonce[11] = m.final && i === count - 1 ? 1 : 0;
      const start = i * CHUNK, end = Math.min(m.length, start + CHUNK);
      const cipher = createCipheriv('chacha20-poly1305', key, nonce, { authTagLength: TAG });
      const body = cipher.update(plain.subarray(start, end));
      cipher.final();
      out.set(body, i * (CHUNK + TAG));
      out.set(cipher.getAuthTag(), i * (CHUNK + TAG) + end - start);
    }
    parentPort.postMessage({ id: m.id, plain: m.plain, out: m.out }, [m.plain, m.out]);
  } catch (error) {
    parentPort.postMessage({ id: m.id, error: String(error && error.message) });
  }
});`;

export interface SealingPool {
  /**
   * Seals the first `length` bytes of `plain` as chunks `first`, `first + 1`, … (the last
   * with the final flag when `final`) into `out`, like stream.ts's sealChunks. Both buffers
   * (whole ArrayBuffers, not views) go to the worker and come back, so the caller can reuse
   * them: it must not touch them until the promise settles.
   */
  seal(key: Uint8Array, first: number, plain: ArrayBuffer, length: number, final: boolean, out: ArrayBuffer): Promise<{ plain: ArrayBuffer; out: ArrayBuffer }>;
  /** Stops the workers; pending seals reject. */
  close(): Promise<void>;
}

interface Lane {
  readonly worker: Worker;
  readonly pending: Map<number, { resolve: (result: { plain: ArrayBuffer; out: ArrayBuffer }) => void; reject: (error: Error) => void }>;
}

export function createSealingPool(size: number): SealingPool {
  const lanes: Lane[] = [];
  let nextId = 0;
  let closed = false;

  const failLane = (lane: Lane, error: Error) => {
    for (const { reject } of lane.pending.values()) reject(error);
    lane.pending.clear();
    const at = lanes.indexOf(lane);
    if (at >= 0) lanes.splice(at, 1);
  };

  const startLane = (): Lane => {
    const worker = new Worker(SEAL_WORKER, { eval: true });
    const lane: Lane = { worker, pending: new Map() };
    worker.on('message', (m: { id: number; plain?: ArrayBuffer; out?: ArrayBuffer; error?: string }) => {
      const task = lane.pending.get(m.id);
      if (!task) return;
      lane.pending.delete(m.id);
      if (lane.pending.size === 0) worker.unref();
      if (m.plain && m.out) task.resolve({ plain: m.plain, out: m.out });
      else task.reject(new Error(`age: a sealing worker failed: ${m.error}`));
    });
    worker.on('error', (error) => failLane(lane, error));
    worker.on('exit', (code) => failLane(lane, new Error(`age: a sealing worker stopped (exit code ${code})`)));
    lanes.push(lane);
    return lane;
  };

  return {
    seal(key, first, plain, length, final, out) {
      if (closed) return Promise.reject(new Error('age: the sealing pool is closed'));
      // The least busy lane; a new one while there are fewer than `size`.
      let lane = lanes.reduce<Lane | undefined>((best, l) => (!best || l.pending.size < best.pending.size ? l : best), undefined);
      if (!lane || (lane.pending.size > 0 && lanes.length < size)) lane = startLane();
      const id = nextId++;
      const chosen = lane;
      return new Promise((resolve, reject) => {
        chosen.pending.set(id, { resolve, reject });
        if (chosen.pending.size === 1) chosen.worker.ref();
        chosen.worker.postMessage({ id, key, first, final, length, plain, out }, [plain, out]);
      });
    },
    async close() {
      closed = true;
      await Promise.all(lanes.map((lane) => lane.worker.terminate()));
    },
  };
}
