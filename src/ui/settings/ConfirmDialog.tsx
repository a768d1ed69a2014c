import type { ComponentChildren } from 'preact';
import { useModal } from './useModal.ts';

/**
 * A modal confirmation on the native <dialog>: it traps focus, Escape cancels, and focus
 * returns to where it was when the dialog closes.
 */
export function ConfirmDialog(props: {
  /** Distinguishes two dialogs on one page (their titles' ids). */
  id?: string;
  open: boolean;
  title: string;
  confirmLabel: string;
  danger?: boolean;
  onConfirm: () => void;
  onCancel: () => void;
  children: ComponentChildren;
}) {
  const ref = useModal(props.open);
  return (
    <dialog
      ref={ref}
      class="confirm"
      aria-labelledby={`${props.id ?? 'confirm'}-title`}
      data-testid="confirm-dialog"
      onCancel={(e) => {
        e.preventDefault();
        props.onCancel();
      }}
    >
      <h2 id={`${props.id ?? 'confirm'}-title`}>{props.title}</h2>
      <div class="confirm-body">{props.children}</div>
      <div class="actions">
        <button type="button" onClick={props.onCancel}>
          Cancel
        </button>
        <button type="button" class={props.danger ? 'danger' : 'primary'} onClick={props.onConfirm}>
          {props.confirmLabel}
        </button>
      </div>
    </dialog>
  );
}
