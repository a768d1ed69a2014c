/**
 * Focus back to the control that started an action. A button disabled while its action runs
 * loses the focus to <body> (so does a dialog that opens after such a wait, when it closes),
 * and a keyboard user would start again from the top of the page. The control is remembered
 * when it is pressed; when the page is idle again (no operation, nothing pending, no dialog)
 * and the focus is on <body>, it goes back to that control, or, if the control is gone (a
 * deleted backup's row), to the fallback. If the person has moved the focus on, it stays.
 */
let origin: { readonly element: HTMLElement; readonly fallback: (() => HTMLElement | null) | null } | null = null;

/** Called by a control's handler with the control (`event.currentTarget`). */
export function rememberOrigin(element: EventTarget | null, fallback?: () => HTMLElement | null): void {
  origin = element instanceof HTMLElement ? { element, fallback: fallback ?? null } : null;
}

/** Called when the page becomes idle. */
export function returnFocus(): void {
  if (!origin) return;
  const { element, fallback } = origin;
  origin = null;
  // A control in a dialog that has just closed still reads as active until the browser's
  // next rendering update moves the focus to <body>: it has lost the focus too.
  const active = document.activeElement;
  if (active !== null && active !== document.body && active.getClientRects().length > 0) return;
  const usable = (el: HTMLElement | null) => el !== null && el.isConnected && !el.matches(':disabled');
  const target = usable(element) ? element : (fallback?.() ?? null);
  if (usable(target)) target!.focus();
}
