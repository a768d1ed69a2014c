import { rememberOrigin } from './focusReturn.ts';

/**
 * In place of a card's content that could not be loaded: what, and a way to try again (the
 * toast says why). The button goes when the content comes: the focus goes to the card's
 * heading (`headingId`, focusable with tabIndex -1).
 */
export function LoadFailed({ what, headingId, onRetry }: { what: string; headingId: string; onRetry: () => void }) {
  return (
    <div class="load-failed" data-testid="load-failed">
      <p>{what} could not be read.</p>
      <button
        type="button"
        onClick={(e) => {
          rememberOrigin(e.currentTarget, () => document.getElementById(headingId));
          onRetry();
        }}
      >
        Try again
      </button>
    </div>
  );
}
