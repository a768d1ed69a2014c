import { useEffect, useRef } from 'preact/hooks';
import type { ToastStore } from './toastStore.ts';
import { useStore } from '../useStore.ts';

const ICONS = { success: '✓', error: '✕', warning: '!', info: 'i' } as const;

/**
 * The stack of toasts. The container is an aria-live region that is always in the page, so
 * screen readers announce what is added to it; errors are role=alert (announced at once).
 * A toast's technical detail is behind a closed "Details" disclosure. Closing a toast that
 * holds the focus hands it to the next toast's close button, or after the last one back to
 * the control it came from, never to <body>.
 */
export function Toasts({ store }: { store: ToastStore }) {
  const { toasts } = useStore(store);
  const stack = useRef<HTMLElement>(null);
  const cameFrom = useRef<HTMLElement | null>(null);
  const focusAt = useRef<number | null>(null);
  useEffect(() => {
    const index = focusAt.current;
    if (index === null) return;
    focusAt.current = null;
    const closes = stack.current?.querySelectorAll<HTMLButtonElement>('.toast-close') ?? [];
    const back = cameFrom.current;
    if (closes.length > 0) closes[Math.min(index, closes.length - 1)]!.focus();
    else if (back?.isConnected && !back.matches(':disabled')) back.focus();
  }, [toasts]);
  return (
    <section
      ref={stack}
      class="toasts"
      aria-label="Notifications"
      aria-live="polite"
      aria-relevant="additions text"
      onMouseEnter={() => store.pause()}
      onMouseLeave={() => store.resume()}
      onFocusIn={(e) => {
        const from = e.relatedTarget;
        if (from instanceof HTMLElement && !e.currentTarget.contains(from)) cameFrom.current = from;
        store.pause();
      }}
      onFocusOut={(e) => {
        // Focus moving between toasts (or their buttons) keeps the stack paused.
        if (!(e.relatedTarget instanceof Node && e.currentTarget.contains(e.relatedTarget))) store.resume();
      }}
    >
      {toasts.map((toast, index) => (
        <div
          key={toast.id}
          class={`toast toast-${toast.type}`}
          role={toast.type === 'error' ? 'alert' : 'status'}
          aria-atomic="true"
          data-testid="toast"
          data-type={toast.type}
        >
          <span class="toast-icon" aria-hidden="true">
            {ICONS[toast.type]}
          </span>
          <div class="toast-body">
            <strong class="toast-title">{toast.title}</strong>
            <p class="toast-message">{toast.message}</p>
            {toast.details !== undefined && (
              <details class="toast-details">
                <summary>Details</summary>
                <p class="toast-details-text">{toast.details}</p>
              </details>
            )}
          </div>
          <button
            type="button"
            class="toast-close"
            aria-label={`Dismiss: ${toast.title}`}
            onClick={(e) => {
              if (e.currentTarget === document.activeElement) focusAt.current = index;
              store.dismiss(toast.id);
            }}
          >
            ×
          </button>
        </div>
      ))}
    </section>
  );
}
