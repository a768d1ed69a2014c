/**
 * How fast the age layer is here: `node --import tsx spec/infra/age/bench.ts [MiB]`.
 * - encrypt: plaintext in 4 MiB writes (the ZIP writer's) through the encrypting
 *   WriteHandle into a sink that drops it, by sealing path;
 * - decrypt: the decrypting ReadHandle over the ciphertext in memory, 1 MiB reads (the ZIP
 *   reader's) front to back, and 4 lanes at once (the parallel extraction's);
 * - in context: our ZIP writer (level 6, one incompressible and one text entry) into a
 *   dropping sink, plain vs through the encrypting handle, and `age` (Go) for reference.
 * Medians of 3 runs; the machine's load average is printed, since it moves every number.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { nobleChunkCipher, nodeChunkCipher, type ChunkCipher } from '../../../src/infra/age/chunkCipher.ts';
import { openDecryptingReadHandle } from '../../../src/infra/age/decryptingReadHandle.ts';
import { createEncryptingWriteHandle, type EncryptOptions } from '../../../src/infra/age/encryptingWriteHandle.ts';
import { generateIdentity } from '../../../src/infra/age/keys.ts';
import { createZipWriter } from '../../../src/infra/zip/zipWriter.ts';
import type { WriteHandle } from '../../../src/ports/fileSystem.ts';
import { bytesOf, memoryReadHandle } from './ageHelpers.ts';
import { encryptBytes } from './streamHelpers.ts';

const MiB = 1 << 20;
const size = Number(process.argv[2] ?? 256) * MiB;
const identity = generateIdentity();
const plain = bytesOf(size, 42);

const nullSink = (): WriteHandle => ({ write: async () => {}, close: async () => {}, abort: async () => {} });
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
/** Median wall time and CPU time (all threads of the process: workers included) of `runs` runs. */
async function timed(runs: number, fn: () => Promise<void>): Promise<{ wall: number; cpu: number }> {
  const walls: number[] = [];
  const cpus: number[] = [];
  for (let i = 0; i < runs; i += 1) {
    const c = process.cpuUsage();
    const t = performance.now();
    await fn();
    walls.push(performance.now() - t);
    const used = process.cpuUsage(c);
    cpus.push((used.user + used.system) / 1000);
  }
  return { wall: median(walls), cpu: median(cpus) };
}
/** MB per wall second, and per CPU second (what the load average does not move as much). */
const rate = (bytes: number, t: { wall: number; cpu: number }) =>
  `${((bytes / 1e6) / (t.wall / 1000)).toFixed(0).padStart(5)} MB/s wall, ${((bytes / 1e6) / (t.cpu / 1000)).toFixed(0).padStart(5)} MB per CPU-s`;

async function encrypt(options: Omit<EncryptOptions, 'recipients'>, bytes: Uint8Array) {
  const handle = await createEncryptingWriteHandle(nullSink(), { recipients: [identity.recipient], ...options });
  for (let at = 0; at < bytes.length; at += 4 * MiB) await handle.write(bytes.subarray(at, at + 4 * MiB));
  await handle.close();
}

async function decrypt(file: Uint8Array, cipher: ChunkCipher, lanes: number) {
  const handle = await openDecryptingReadHandle(memoryReadHandle(file), { identities: [identity], cipher });
  const buffers = Array.from({ length: lanes }, () => new Uint8Array(MiB));
  let next = 0;
  await Promise.all(
    buffers.map(async (buffer) => {
      for (let at = next; at < handle.size; at = next) {
        next += MiB;
        await handle.read(at, MiB, buffer);
      }
    }),
  );
  await handle.close();
}

async function zip(output: WriteHandle, bytes: Uint8Array) {
  const writer = createZipWriter(output, { level: 6, modified: new Date(0) });
  async function* pieces(from: Uint8Array) {
    for (let at = 0; at < from.length; at += MiB) yield from.subarray(at, at + MiB);
  }
  const text = new TextEncoder().encode('The hearing is adjourned to the 14th; the order follows. '.repeat(Math.ceil(bytes.length / 4 / 58)));
  await writer.add('files/aa/random', pieces(bytes.subarray(0, (bytes.length * 3) / 4)));
  await writer.add('files/bb/text', pieces(text));
  await writer.finish();
}

console.log(`age layer, ${size / MiB} MiB, Node ${process.versions.node}, load average ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
const small = plain.subarray(0, Math.min(size, 32 * MiB));
for (const [name, options, bytes] of [
  ['encrypt, node:crypto inline        ', { cipher: nodeChunkCipher, workers: 0 }, plain],
  ['encrypt, node:crypto, 1 worker     ', { cipher: nodeChunkCipher, workers: 1 }, plain],
  ['encrypt, node:crypto, 2 workers    ', { cipher: nodeChunkCipher, workers: 2 }, plain],
  ['encrypt, @noble/ciphers (Electron) ', { cipher: nobleChunkCipher }, small],
] as const) {
  console.log(`${name} ${rate(bytes.length, await timed(3, () => encrypt(options, bytes)))}`);
}
const file = await encryptBytes(plain, { recipients: [identity.recipient] }, 4 * MiB);
const smallFile = await encryptBytes(small, { recipients: [identity.recipient] }, 4 * MiB);
for (const [name, cipher, lanes, f, n] of [
  ['decrypt, node:crypto, 1 MiB reads  ', nodeChunkCipher, 1, file, plain.length],
  ['decrypt, node:crypto, 4 lanes      ', nodeChunkCipher, 4, file, plain.length],
  ['decrypt, @noble/ciphers (Electron) ', nobleChunkCipher, 1, smallFile, small.length],
] as const) {
  console.log(`${name} ${rate(n, await timed(3, () => decrypt(f, cipher, lanes)))}`);
}

// The bare cipher, for scale: one node:crypto context per 64 KiB chunk and nothing else.
const bare = await timed(3, async () => {
  const aead = nodeChunkCipher.forKey(new Uint8Array(32));
  const out = new Uint8Array(65536 + 16);
  const nonce = new Uint8Array(12);
  for (let at = 0; at < plain.length; at += 65536) aead.seal(nonce, plain.subarray(at, at + 65536), out);
});
console.log(`bare node:crypto ChaCha20-Poly1305  ${rate(plain.length, bare)}`);

const plainZip = await timed(3, () => zip(nullSink(), plain));
console.log(`ZIP writer, plain                   ${rate(plain.length, plainZip)}  (${plainZip.wall.toFixed(0)} ms)`);
for (const workers of [0, 1]) {
  const t = await timed(3, async () => zip(await createEncryptingWriteHandle(nullSink(), { recipients: [identity.recipient], workers }), plain));
  console.log(`ZIP writer, encrypted, ${workers} worker(s)  ${rate(plain.length, t)}  (${t.wall.toFixed(0)} ms, ${(t.wall / plainZip.wall).toFixed(2)} × plain wall, ${(t.cpu / plainZip.cpu).toFixed(2)} × CPU)`);
}

const dir = mkdtempSync(join(tmpdir(), 'casevault-age-bench-'));
try {
  writeFileSync(join(dir, 'key'), `${identity.encode()}\n`);
  writeFileSync(join(dir, 'plain'), plain);
  let t = performance.now();
  execFileSync('age', ['-e', '-r', identity.recipient.encode(), '-o', join(dir, 'file.age'), join(dir, 'plain')]);
  console.log(`age CLI (Go), encrypt               ${((plain.length / 1e6) / ((performance.now() - t) / 1000)).toFixed(0).padStart(5)} MB/s wall`);
  t = performance.now();
  execFileSync('age', ['-d', '-i', join(dir, 'key'), '-o', '/dev/null', join(dir, 'file.age')]);
  console.log(`age CLI (Go), decrypt               ${((plain.length / 1e6) / ((performance.now() - t) / 1000)).toFixed(0).padStart(5)} MB/s wall`);
} catch (error) {
  console.log(`age CLI: ${(error as Error).message.split('\n')[0]}`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
