/** A padlock that says "encrypted" to a screen reader (and in its tooltip), never by its shape alone. */
export function LockMark({ title = 'Encrypted: opening it needs the password or the recovery key' }: { title?: string }) {
  return (
    <svg class="lock" role="img" aria-label="encrypted" viewBox="0 0 16 16" width="14" height="14" data-testid="lock">
      <title>{title}</title>
      <path d="M5 7V5a3 3 0 0 1 6 0v2" fill="none" stroke="currentColor" stroke-width="1.6" />
      <rect x="3" y="7" width="10" height="8" rx="1.5" fill="currentColor" />
    </svg>
  );
}
