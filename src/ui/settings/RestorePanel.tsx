import type { BackupState, BackupStore } from './backupStore.ts';
import type { ProtectionState, ProtectionStore } from './protectionStore.ts';
import { formatDate } from '../format.ts';
import { OperationProgress } from './ProgressBar.tsx';
import { rememberOrigin } from './focusReturn.ts';

export function RestorePanel({ state, store, protection, protectionStore }: { state: BackupState; store: BackupStore; protection: ProtectionState; protectionStore: ProtectionStore }) {
  const { operation, selectedFile, pending } = state;
  const busy = operation !== null || pending || protection.operation !== null || protection.pending;
  const undo = protection.status?.undo ?? null;
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
      {undo !== null && (
        <div class="undo" data-testid="undo-offer">
          <p>
            The data from before the last restore{undo.restoredAt ? <> (on {formatDate(undo.restoredAt)})</> : null} is kept beside your data folder. You can put it back, all or
            nothing.
          </p>
          <div class="actions">
            <button
              type="button"
              disabled={busy}
              onClick={(e) => {
                rememberOrigin(e.currentTarget);
                protectionStore.requestUndo();
              }}
            >
              Undo the last restore…
            </button>
          </div>
          {protection.operation?.kind === 'undo' && <OperationProgress operation={protection.operation} onCancel={() => void protectionStore.cancel()} />}
        </div>
      )}
    </section>
  );
}
