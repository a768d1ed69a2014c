import type { BackupState, BackupStore } from './backupStore.ts';
import { OperationProgress } from './ProgressBar.tsx';
import { rememberOrigin } from './focusReturn.ts';

export function RestorePanel({ state, store }: { state: BackupState; store: BackupStore }) {
  const { operation, selectedFile, pending } = state;
  const busy = operation !== null || pending;
  return (
    <section class="card" aria-labelledby="restore-heading">
      <h2 id="restore-heading">Restore from a file</h2>
      <p class="muted">Replaces the current data with a backup's. You will see what the backup holds before anything changes.</p>
      <div class="file-pick">
        <button
          type="button"
          disabled={busy}
          onClick={(e) => {
            rememberOrigin(e.currentTarget);
            void store.chooseFile();
          }}
        >
          Choose backup file…
        </button>
        <span data-testid="selected-file" class={selectedFile ? '' : 'muted'}>
          {selectedFile ? selectedFile.fileName : 'No file chosen'}
        </span>
      </div>
      <div class="actions">
        <button
          type="button"
          class="primary"
          disabled={busy}
          onClick={(e) => {
            rememberOrigin(e.currentTarget);
            void store.requestRestore();
          }}
        >
          Restore from file
        </button>
      </div>
      {operation?.kind === 'restore' && <OperationProgress operation={operation} onCancel={() => void store.cancel()} />}
    </section>
  );
}
