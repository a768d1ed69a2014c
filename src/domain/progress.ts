export type ProgressPhase = 'snapshot' | 'archive' | 'verify' | 'extract' | 'swap';

export interface Progress {
  readonly phase: ProgressPhase;
  readonly done: number;
  readonly total: number;
  readonly unit: 'bytes' | 'files';
}

export type ProgressListener = (progress: Progress) => void;

export const noProgress: ProgressListener = () => {};

/**
 * Reports byte progress at most every `step` bytes (and always at 0 and at the end), so a
 * listener that crosses IPC is not called once per 64 KiB chunk.
 */
export function byteProgress(
  phase: ProgressPhase,
  total: number,
  listener: ProgressListener,
  step = Math.max(1 << 20, Math.floor(total / 200)),
): (delta: number) => void {
  let done = 0;
  let reported = 0;
  listener({ phase, done: 0, total, unit: 'bytes' });
  return (delta) => {
    done += delta;
    if (done - reported >= step || done >= total) {
      reported = done;
      listener({ phase, done: Math.min(done, total), total, unit: 'bytes' });
    }
  };
}
