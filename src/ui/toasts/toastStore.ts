/**
 * Toasts: stacked, newest last, each dismissed after `durationMs`, except errors and toasts
 * shown as `sticky`, which stay until the person dismisses them (an error is read, perhaps
 * copied, and acted on: it must not vanish while they do). While the pointer or the keyboard
 * focus is on the stack, every countdown pauses (so no toast slides away under the pointer),
 * and each resumes with the time it had left.
 */
import { createStore, type ReadableStore } from '../store.ts';

export type ToastType = 'success' | 'error' | 'warning' | 'info';

export interface Toast {
  readonly id: number;
  readonly type: ToastType;
  readonly title: string;
  readonly message: string;
  /** The technical detail (the error as the backend said it), behind a "Details" disclosure. */
  readonly details?: string;
  /** Stays until dismissed; errors always do. */
  readonly sticky?: boolean;
}

export interface ToastState {
  readonly toasts: readonly Toast[];
}

export interface ToastStore extends ReadableStore<ToastState> {
  show(toast: Omit<Toast, 'id'>): number;
  dismiss(id: number): void;
  /** Pauses every countdown, also of toasts shown while paused. */
  pause(): void;
  resume(): void;
}

export interface TimerApi {
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
  now(): number;
}

const realTimers: TimerApi = {
  setTimeout: (callback, ms) => globalThis.setTimeout(callback, ms),
  clearTimeout: (handle) => globalThis.clearTimeout(handle as ReturnType<typeof globalThis.setTimeout>),
  now: () => Date.now(),
};

export const TOAST_DURATION_MS = 5000;

export function createToastStore(options: { durationMs?: number; timers?: TimerApi } = {}): ToastStore {
  const durationMs = options.durationMs ?? TOAST_DURATION_MS;
  const timers = options.timers ?? realTimers;
  const store = createStore<ToastState>({ toasts: [] });
  const countdowns = new Map<number, { handle: unknown; deadline: number; remaining: number; paused: boolean }>();
  let nextId = 1;
  let paused = false;

  const schedule = (id: number, ms: number) => {
    if (paused) {
      countdowns.set(id, { handle: null, deadline: 0, remaining: ms, paused: true });
      return;
    }
    const handle = timers.setTimeout(() => api.dismiss(id), ms);
    countdowns.set(id, { handle, deadline: timers.now() + ms, remaining: ms, paused: false });
  };

  const api: ToastStore = {
    get: store.get,
    subscribe: store.subscribe,
    show(toast) {
      const id = nextId++;
      store.update((s) => ({ toasts: [...s.toasts, { ...toast, id }] }));
      if (durationMs > 0 && !toast.sticky && toast.type !== 'error') schedule(id, durationMs);
      return id;
    },
    dismiss(id) {
      const countdown = countdowns.get(id);
      if (countdown && !countdown.paused) timers.clearTimeout(countdown.handle);
      countdowns.delete(id);
      store.update((s) => ({ toasts: s.toasts.filter((t) => t.id !== id) }));
      // An empty stack is under no pointer and holds no focus (no leave event comes when the
      // last toast goes away under the pointer): the next toast counts down again.
      if (store.get().toasts.length === 0) paused = false;
    },
    pause() {
      paused = true;
      for (const [id, countdown] of countdowns) {
        if (countdown.paused) continue;
        timers.clearTimeout(countdown.handle);
        countdowns.set(id, { ...countdown, paused: true, remaining: Math.max(0, countdown.deadline - timers.now()) });
      }
    },
    resume() {
      if (!paused) return;
      paused = false;
      // At least a second, so a toast does not vanish the instant the pointer leaves it.
      for (const [id, countdown] of [...countdowns]) if (countdown.paused) schedule(id, Math.max(countdown.remaining, 1000));
    },
  };
  return api;
}
