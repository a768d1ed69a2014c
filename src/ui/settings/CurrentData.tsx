import type { CurrentCounts } from '../../electron/shared/channels.ts';
import { formatBytes } from '../format.ts';

export const COUNT_ROWS: { key: keyof CurrentCounts & string; label: string }[] = [
  { key: 'cases', label: 'Cases' },
  { key: 'tasks', label: 'Tasks' },
  { key: 'hearings', label: 'Hearings' },
  { key: 'orders', label: 'Orders' },
  { key: 'files', label: 'Documents' },
  { key: 'users', label: 'Users' },
];

export function CurrentData({ counts }: { counts: CurrentCounts | null }) {
  return (
    <section class="card" aria-labelledby="current-heading">
      <h2 id="current-heading">Your data now</h2>
      {counts === null ? (
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
