import type { BackupState, BackupStore } from './backupStore.ts';
import { formatBytes, formatDate, shortChecksum } from '../format.ts';
import { OperationProgress } from './ProgressBar.tsx';
import { rememberOrigin } from './focusReturn.ts';
import { LoadFailed } from './LoadFailed.tsx';

/** Where the focus goes when the control that had it went with its row: the list's heading. */
const listHeading = () => document.getElementById('backups-heading');

export function BackupList({ state, store }: { state: BackupState; store: BackupStore }) {
  const { backups, operation, pending } = state;
  const busy = operation !== null || pending;
  return (
    <section class="card" aria-labelledby="backups-heading">
      <h2 id="backups-heading" tabIndex={-1}>
        Backups
      </h2>
      {state.backupDir !== null && (
        <p class="location">
          <span class="muted">In </span>
          <code data-testid="backup-dir">{state.backupDir}</code>
        </p>
      )}
      {operation?.kind === 'verify' && <OperationProgress operation={operation} onCancel={() => void store.cancel()} />}
      {state.loadFailed.list ? (
        <LoadFailed what="The list of backups" headingId="backups-heading" onRetry={() => void store.refresh()} />
      ) : backups === null ? (
        <p class="muted">Loading…</p>
      ) : backups.length === 0 ? (
        <p class="muted" data-testid="no-backups">
          No backups yet.
        </p>
      ) : (
        <table class="backups" data-testid="backup-list">
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Date</th>
              <th scope="col">Size</th>
              <th scope="col">Checksum</th>
              <th scope="col">
                <span class="sr-only">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {backups.map((b) => (
              <tr key={b.fileName} data-testid="backup-row" data-file-name={b.fileName}>
                <th scope="row" class="name">
                  {b.fileName}
                </th>
                <td>{formatDate(b.createdAt)}</td>
                <td class="size">{formatBytes(b.size)}</td>
                <td>
                  <code title={b.checksum ?? undefined}>{shortChecksum(b.checksum)}</code>
                </td>
                <td class="row-actions">
                  <button
                    type="button"
                    disabled={busy}
                    aria-label={`Verify ${b.fileName}`}
                    onClick={(e) => {
                      rememberOrigin(e.currentTarget, listHeading);
                      void store.verify(b.fileName);
                    }}
                  >
                    Verify
                  </button>
                  <button
                    type="button"
                    disabled={busy}
                    aria-label={`Restore ${b.fileName}`}
                    onClick={(e) => {
                      rememberOrigin(e.currentTarget, listHeading);
                      void store.requestRestore({ fileName: b.fileName });
                    }}
                  >
                    Restore
                  </button>
                  <button
                    type="button"
                    class="danger"
                    disabled={busy}
                    aria-label={`Delete ${b.fileName}`}
                    onClick={(e) => {
                      rememberOrigin(e.currentTarget, listHeading);
                      store.requestDelete(b.fileName);
                    }}
                  >
                    Delete
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
