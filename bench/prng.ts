/**
 * Deterministic randomness for the benchmark's data: a small seeded PRNG for choices
 * (mulberry32), and AES-256-CTR keystreams for incompressible bytes (fast, and the same
 * bytes for the same seed on every machine).
 */
import { createCipheriv, createHash } from 'node:crypto';

export interface Prng {
  /** A float in [0, 1). */
  next(): number;
  /** An integer in [min, max]. */
  int(min: number, max: number): number;
  pick<T>(items: readonly T[]): T;
}

export function createPrng(seed: number): Prng {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (min, max) => min + Math.floor(next() * (max - min + 1)),
    pick: (items) => items[Math.floor(next() * items.length)]!,
  };
}

/** `length` pseudo-random bytes that no compressor can shrink, determined by `label`. */
export function randomBytes(label: string, length: number): Buffer {
  const key = createHash('sha256').update(`key:${label}`).digest();
  const iv = createHash('sha256').update(`iv:${label}`).digest().subarray(0, 16);
  return createCipheriv('aes-256-ctr', key, iv).update(Buffer.alloc(length));
}
