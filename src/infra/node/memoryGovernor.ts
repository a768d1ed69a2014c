/**
 * Memory policies for the streaming operations, on V8's garbage collector.
 *
 * `collectingEarly` keeps dead buffers from piling up while an export streams. It allocates
 * ~80 MB/s of short-lived ArrayBuffers (read chunks, zlib output), which V8 frees only at a
 * full collection, and it starts one only once external memory has grown by about 64 MB: the export's ArrayBuffers went in a saw-tooth from ~15 to ~75 MB, and
 * peak RSS with them (bench/RESULTS.md). While an operation runs, this checks every 25 ms
 * and, above `limitBytes` of ArrayBuffers, asks for a full collection (a few ms with a heap
 * of ~10 MB). Measured on the bench's export: peak ArrayBuffers 75 -> 28 MB, peak RSS
 * ~155 -> ~133 MB, for ~0.3 s more wall time (10.1 -> 10.4 s).
 *
 * Verify and restore run under `holdingYoungGeneration`, which watches the same way with a
 * higher limit (`readLimitBytes`, 48 MiB): an encrypted backup's reads allocate a fresh
 * 64 KiB buffer for every chunk decrypted (node:crypto's `update` takes no output buffer),
 * and on large entries they went to ~70 MB of ArrayBuffers and 146–164 MB peak RSS on the
 * bench's scans. Plain verify and restore stay under ~40 MB of ArrayBuffers there, so the
 * watch never collects for them; at 48 MiB an encrypted restore of scans collects 2–3
 * times, for 126–130 MB and no measurable CPU (at 24 MiB: 14–15 times, +0.5 s of CPU;
 * V8's minor collection instead does not help: the chunks outlive the young generation).
 *
 * The collection is V8's `gc`, exposed through `--expose-gc` set at run time and fetched
 * from a fresh context (a common way to reach it without a command-line flag). Where
 * that is not possible, the governor does nothing and V8 collects as it always would.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

let gc: (() => void) | null | undefined;

function collector(): (() => void) | null {
  if (gc !== undefined) return gc;
  try {
    setFlagsFromString('--expose-gc');
    const found: unknown = runInNewContext('typeof gc === "function" ? gc : null');
    gc = typeof found === 'function' ? (found as () => void) : null;
  } catch {
    gc = null;
  }
  return gc;
}

function setFlag(flag: string): void {
  try {
    setFlagsFromString(flag);
  } catch {
    // An engine without the flag collects as it always would.
  }
}

export interface MemoryGovernor {
  /** Runs `fn` with the governor watching; nested and concurrent runs share one timer. */
  collectingEarly<T>(fn: () => Promise<T>): Promise<T>;
  /**
   * Runs `fn` with V8's young generation held at its starting size (`--semi-space-growth-
   * factor=1`, a flag V8 reads at each collection; set back to its default of 2 after).
   * Opening a backup of 8,000 entries keeps every entry's records alive, and V8 answered that
   * by growing its new space from 2 to 32 MB, which then stayed committed for the rest of the
   * run: verify went from 116 MB at 1× to 166 MB at 4×, restore from 123 to 152 MB. Held,
   * 4× verify measured 140–144 MB and restore 132 MB, for ~0.15 s more at 1× (more, smaller
   * scavenges). For export the flag bought nothing at 1× and cost ~0.3 s, so it is not used there.
   * Also watches like `collectingEarly`, above `readLimitBytes` (decrypted chunks; see above).
   */
  holdingYoungGeneration<T>(fn: () => Promise<T>): Promise<T>;
  /** Full collections asked for so far (for tests). */
  readonly collections: () => number;
}

/** The process's ArrayBuffer bytes: what the governor watches (a test may pass its own). */
const arrayBufferBytes = () => process.memoryUsage().arrayBuffers;

export function createMemoryGovernor(
  limitBytes = 24 << 20,
  intervalMs = 25,
  readLimitBytes = 48 << 20,
  measure: () => number = arrayBufferBytes,
): MemoryGovernor {
  // One timer for every run under watch, checking against the lowest limit among them.
  const limits: number[] = [];
  let timer: ReturnType<typeof setInterval> | undefined;
  let collections = 0;
  const check = () => {
    const collect = collector();
    if (collect && measure() > Math.min(...limits)) {
      collections += 1;
      collect();
    }
  };
  const watching = async <T>(limit: number, fn: () => Promise<T>): Promise<T> => {
    limits.push(limit);
    if (!timer) {
      timer = setInterval(check, intervalMs);
      timer.unref();
    }
    try {
      return await fn();
    } finally {
      limits.splice(limits.indexOf(limit), 1);
      if (limits.length === 0 && timer) {
        clearInterval(timer);
        timer = undefined;
      }
    }
  };
  let holding = 0;
  return {
    holdingYoungGeneration: async (fn) => {
      if (holding++ === 0) setFlag('--semi-space-growth-factor=1');
      try {
        return await watching(readLimitBytes, fn);
      } finally {
        if (--holding === 0) setFlag('--semi-space-growth-factor=2');
      }
    },
    collectingEarly: (fn) => watching(limitBytes, fn),
    collections: () => collections,
  };
}
