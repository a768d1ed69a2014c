import type { ComponentChildren } from 'preact';
import { useEffect } from 'preact/hooks';
import { useModal } from './useModal.ts';

/**
 * A modal form on the native <dialog>, like ConfirmDialog: it traps focus, Escape cancels,
 * and focus returns to where it was when it closes. Enter in a field submits; the first
 * field with `autoFocus` (or the first control) has the focus when it opens. Its children
 * are mounted only while it is open, so what was typed in it (a password) goes with it.
 */
export function FormDialog(props: {
  id: string;
  open: boolean;
  /** A new value moves the focus to the first field again (the next step of a dialog that stays open). */
  focusKey?: string;
  title: string;
  /** Omitted: no submit button (a step whose own buttons move on). */
  submitLabel?: string;
  cancelLabel?: string;
  /** A call is running: the buttons wait. */
  busy?: boolean;
  onSubmit: () => void;
  onCancel: () => void;
  /** More buttons, before Cancel. */
  extraActions?: ComponentChildren;
  children: ComponentChildren;
}) {
  const ref = useModal(props.open);
  useEffect(() => {
    if (props.open) ref.current?.querySelector<HTMLElement>('[autofocus], input, button')?.focus();
  }, [props.open, props.focusKey]);
  return (
    <dialog
      ref={ref}
      id={props.id}
      class="confirm form-dialog"
      aria-labelledby={`${props.id}-title`}
      data-testid={props.id}
      onCancel={(e) => {
        e.preventDefault();
        props.onCancel();
      }}
    >
      {props.open && (
        <form
          noValidate
          onSubmit={(e) => {
            e.preventDefault();
            if (!props.busy) props.onSubmit();
          }}
        >
          <h2 id={`${props.id}-title`}>{props.title}</h2>
          <div class="confirm-body">{props.children}</div>
          <div class="actions">
            {props.extraActions}
            <button type="button" onClick={props.onCancel}>
              {props.cancelLabel ?? 'Cancel'}
            </button>
            {props.submitLabel !== undefined && (
              <button type="submit" class="primary" disabled={props.busy}>
                {props.submitLabel}
              </button>
            )}
          </div>
        </form>
      )}
    </dialog>
  );
}
