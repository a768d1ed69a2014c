/**
 * Shared by the age specs: in-memory handles of the FileSystem port's shape, the `age` CLI
 * (required, not optional: CI installs Debian's `age`; a missing one fails the suite with
 * what to install), a pty for age's passphrase prompt, and deterministic bytes.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { BackupError } from '../../../src/domain/errors.ts';
import type { ReadHandle, WriteHandle } from '../../../src/ports/fileSystem.ts';

export const AGE = process.env.AGE_PATH ?? '/usr/bin/age';
export const AGE_KEYGEN = process.env.AGE_KEYGEN_PATH ?? '/usr/bin/age-keygen';

/** Throws (the test fails, it is not skipped) when Debian's age is not installed. */
export function requireAgeCli(): string {
  const probe = spawnSync(AGE, ['--version'], { encoding: 'utf8' });
  if (probe.error || probe.status !== 0) {
    throw new Error(`the age CLI is needed at ${AGE} for the interop tests (apt-get install -y age; .ci/run does): ${probe.error?.message ?? probe.stderr}`);
  }
  return probe.stdout.trim();
}

export function age(args: string[], input?: Uint8Array): Buffer {
  return execFileSync(AGE, args, { input, maxBuffer: 1 << 30 });
}

/**
 * Runs `age` with `password` typed at its terminal prompt: age 1.1.1 reads passphrases from
 * /dev/tty only, so util-linux's `script` gives it a pty and forwards our stdin to it (the
 * line is buffered by the pty until age reads it). Output must go to `-o FILE`.
 */
export function ageWithPassword(args: string[], password: string): { status: number | null; output: string } {
  const command = [AGE, ...args].map((a) => `'${a.replaceAll("'", "'\\''")}'`).join(' ');
  const run = spawnSync('script', ['-qec', command, '/dev/null'], { input: `${password}\n`, encoding: 'utf8', timeout: 60_000 });
  if (run.error) throw new Error(`script(1) is needed to type a passphrase to age: ${run.error.message}`);
  return { status: run.status, output: run.stdout + run.stderr };
}

export const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

/** Deterministic bytes (xorshift), so a failing size is reproducible. */
export function bytesOf(length: number, seed = 1): Uint8Array {
  const out = new Uint8Array(length);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < length; i += 1) {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    out[i] = s & 0xff;
  }
  return out;
}

/** A WriteHandle that keeps what is written (copied: the writer may reuse its buffer). */
export function memoryWriteHandle(): WriteHandle & { bytes(): Uint8Array; closed: boolean; aborted: boolean } {
  const parts: Uint8Array[] = [];
  const handle = {
    closed: false,
    aborted: false,
    async write(chunk: Uint8Array) {
      parts.push(chunk.slice());
    },
    async close() {
      handle.closed = true;
    },
    async abort() {
      handle.aborted = true;
    },
    bytes: () => new Uint8Array(Buffer.concat(parts)),
  };
  return handle;
}

/** A ReadHandle over bytes, counting reads. */
export function memoryReadHandle(bytes: Uint8Array): ReadHandle & { reads: number; closed: boolean } {
  const handle = {
    size: bytes.length,
    reads: 0,
    closed: false,
    async read(position: number, length: number, into?: Uint8Array) {
      handle.reads += 1;
      const slice = bytes.subarray(position, Math.min(bytes.length, position + length));
      if (!into) return slice.slice();
      into.set(slice);
      return into.subarray(0, slice.length);
    },
    async close() {
      handle.closed = true;
    },
  };
  return handle;
}

/** The code of a BackupError a promise rejects with ('resolved' if it did not, 'not a BackupError: …' otherwise). */
export async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return 'resolved';
  } catch (error) {
    // By name too: a spec that re-imports modules (vi.resetModules) has a second BackupError class.
    if (error instanceof BackupError || (error instanceof Error && error.name === 'BackupError')) return (error as BackupError).code;
    return `not a BackupError: ${String(error)}`;
  }
}
