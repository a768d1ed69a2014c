/**
 * The toast store on a hand-driven clock: success and info toasts go by themselves, errors
 * (and toasts shown as sticky) stay until the person dismisses them.
 */
import { describe, expect, it } from 'vitest';
import { createToastStore, type TimerApi } from '../../src/ui/toasts/toastStore.ts';

function manualTimers() {
  let now = 0;
  const pending = new Map<number, { at: number; callback: () => void }>();
  let next = 1;
  const timers: TimerApi = {
    setTimeout: (callback, ms) => {
      const id = next++;
      pending.set(id, { at: now + ms, callback });
      return id;
    },
    clearTimeout: (handle) => void pending.delete(handle as number),
    now: () => now,
  };
  const advance = (ms: number) => {
    now += ms;
    for (const [id, timer] of [...pending].sort((a, b) => a[1].at - b[1].at)) {
      if (timer.at > now) continue;
      pending.delete(id);
      timer.callback();
    }
  };
  return { timers, advance };
}

describe('createToastStore', () => {
  it('dismisses a success toast after its duration', () => {
    const { timers, advance } = manualTimers();
    const toasts = createToastStore({ durationMs: 5000, timers });
    toasts.show({ type: 'success', title: 'Backup exported successfully', message: 'x.zip' });
    advance(4999);
    expect(toasts.get().toasts).toHaveLength(1);
    advance(1);
    expect(toasts.get().toasts).toHaveLength(0);
  });

  it('keeps an error until it is dismissed', () => {
    const { timers, advance } = manualTimers();
    const toasts = createToastStore({ durationMs: 5000, timers });
    const id = toasts.show({ type: 'error', title: 'This file is not a casevault backup', message: 'm', details: 'open …: not a ZIP file' });
    advance(10 * 60_000);
    expect(toasts.get().toasts).toMatchObject([{ id, type: 'error', details: 'open …: not a ZIP file' }]);
    // Pausing and resuming (the pointer over the stack) does not start a countdown for it.
    toasts.pause();
    toasts.resume();
    advance(10 * 60_000);
    expect(toasts.get().toasts).toHaveLength(1);
    toasts.dismiss(id);
    expect(toasts.get().toasts).toHaveLength(0);
  });

  it('keeps a toast shown as sticky, and still times out the others beside it', () => {
    const { timers, advance } = manualTimers();
    const toasts = createToastStore({ durationMs: 5000, timers });
    toasts.show({ type: 'success', title: 'Backup restored successfully', message: 'kept in /x.safety-1', sticky: true });
    toasts.show({ type: 'info', title: 'Cancelled', message: 'Nothing was changed.' });
    advance(6000);
    expect(toasts.get().toasts.map((t) => t.title)).toEqual(['Backup restored successfully']);
  });
});
