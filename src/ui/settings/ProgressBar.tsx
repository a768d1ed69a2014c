import type { Progress } from '../../contract/channels.ts';
import { formatBytes, percent } from '../format.ts';

const PHASES = {
  snapshot: 'Taking a snapshot of the database',
  archive: 'Writing the backup',
  verify: 'Checking every entry',
  extract: 'Unpacking and checking',
  swap: 'Switching to the restored data',
} as const;

const LABELS = { export: 'Export', restore: 'Restore', verify: 'Verify', portable: 'Portable copy', drill: 'Check', undo: 'Undo' } as const;

/** Progress of the running operation, with its Cancel button. */
export function OperationProgress({
  operation,
  onCancel,
}: {
  operation: { readonly kind: keyof typeof LABELS; readonly progress: Progress | null; readonly cancelling: boolean };
  onCancel: () => void;
}) {
  const p = operation.progress;
  const value = p ? percent(p.done, p.total) : 0;
  const detail = p
    ? p.unit === 'bytes'
      ? `${formatBytes(p.done)} of ${formatBytes(p.total)}`
      : `${p.done} of ${p.total}`
    : 'Starting…';
  const label = `${LABELS[operation.kind]} progress`;
  return (
    <div class="operation" data-testid={`${operation.kind}-progress`}>
      <div class="operation-line">
        <span>{operation.cancelling ? 'Cancelling…' : p ? (operation.kind === 'portable' && p.phase === 'archive' ? 'Copying and checking every entry' : PHASES[p.phase]) : 'Starting…'}</span>
        <span class="muted">{detail}</span>
      </div>
      <progress max={100} value={value} aria-label={label} aria-valuetext={`${value}%, ${detail}`} />
      <button type="button" class="secondary" onClick={onCancel} disabled={operation.cancelling}>
        Cancel
      </button>
    </div>
  );
}
