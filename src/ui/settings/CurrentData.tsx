import type { CurrentCounts } from '../../contract/channels.ts';
import type { CurrentData as Current } from './backupStore.ts';
import { formatBytes } from '../format.ts';
import { LoadFailed } from './LoadFailed.tsx';

export const COUNT_ROWS: { key: keyof CurrentCounts & string; label: string }[] = [
  { key: 'cases', label: 'Cases' },
  { key: 'tasks', label: 'Tasks' },
  { key: 'hearings', label: 'Hearings' },
  { key: 'orders', label: 'Orders' },
  { key: 'files', label: 'Documents' },
  { key: 'users', label: 'Users' },
];

/** The data dir the page shows: where it is, and what it holds. */
export function CurrentData({ current, failed, onRetry }: { current: Current | null; failed: boolean; onRetry: () => void }) {
  const counts = current?.counts ?? null;
  return (
    <section class="card" aria-labelledby="current-heading">
      <h2 id="current-heading" tabIndex={-1}>
        Your data now
      </h2>
      {current !== null && (
        <p class="location">
          <span class="muted">In </span>
          <code data-testid="data-dir">{current.dataDir}</code>
        </p>
      )}
      {failed ? (
        <LoadFailed what="Your data" headingId="current-heading" onRetry={onRetry} />
      ) : counts === null ? (
        <p class="muted">Loading…</p>
      ) : (
        <dl class="counts" data-testid="current-counts">
          {COUNT_ROWS.map((row) => (
            <div key={row.key}>
              <dt>{row.label}</dt>
              <dd data-testid={`count-${row.key}`}>{counts[row.key]}</dd>
            </div>
          ))}
          <div class="wide">
            <dt>Document size</dt>
            <dd data-testid="count-bytes">{formatBytes(counts.bytes)}</dd>
          </div>
        </dl>
      )}
    </section>
  );
}
