/**
 * kill -9 of the real CLI at seeded instants (spec/integration/crashKill*.spec.ts): the
 * seed, a PRNG, spawning the CLI and killing it a given time after its first progress line.
 * CASEVAULT_CRASH_SEED=<n> replays a run.
 */
import { collect, spawnCli } from './nodeHarness.ts';

export const SEED = Number(process.env.CASEVAULT_CRASH_SEED ?? 20261125);
export const TRIALS = 20;

export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface Killed {
  /** Whether the kill landed before the CLI finished by itself. */
  readonly killed: boolean;
  /** The phase of the last progress line before the kill. */
  readonly phase: string;
  readonly code: number | null;
  readonly stderr: string;
}

/** Spawns the CLI; `delayMs` after its first progress line (the work has begun), SIGKILL. Null: let it finish. */
export async function runAndKill(args: string[], delayMs: number | null): Promise<Killed & { workMs: number }> {
  const child = spawnCli(args, { CASEVAULT_PROGRESS: 'plain' });
  let startedAt = 0;
  let phase = 'start';
  let timer: ReturnType<typeof setTimeout> | undefined;
  child.stderr!.on('data', (chunk: Buffer) => {
    const phases = [...chunk.toString('utf8').matchAll(/progress (\w+) /g)];
    if (phases.length > 0) phase = phases[phases.length - 1]![1]!;
    if (startedAt === 0 && chunk.toString('utf8').includes('progress ')) {
      startedAt = performance.now();
      if (delayMs !== null) timer = setTimeout(() => child.kill('SIGKILL'), delayMs);
    }
  });
  const run = await collect(child);
  clearTimeout(timer);
  return { killed: run.signal === 'SIGKILL', phase, code: run.code, stderr: run.stderr, workMs: performance.now() - startedAt };
}

/** The median of three uninterrupted runs' work time (first progress line to exit). */
export async function calibrate(run: () => Promise<number>): Promise<{ workMs: number }> {
  const times = [await run(), await run(), await run()].sort((a, b) => a - b);
  return { workMs: times[1]! };
}

