import { useEffect } from 'preact/hooks';
import type { BackupStore } from './backupStore.ts';
import type { ToastStore } from '../toasts/toastStore.ts';
import { useStore } from '../useStore.ts';
import { Toasts } from '../toasts/Toasts.tsx';
import { BackupList } from './BackupList.tsx';
import { ConfirmDialog } from './ConfirmDialog.tsx';
import { CurrentData } from './CurrentData.tsx';
import { ExportPanel } from './ExportPanel.tsx';
import { RestorePanel } from './RestorePanel.tsx';
import { RestoreSummary } from './RestoreSummary.tsx';
import { StatisticsPanel } from './StatisticsPanel.tsx';
import { returnFocus } from './focusReturn.ts';

/** Settings → Backup: export, the list of backups, restore, statistics. */
export function BackupSettings({ store, toasts }: { store: BackupStore; toasts: ToastStore }) {
  const state = useStore(store);
  useEffect(() => store.start(), [store]);
  const c = state.confirmation;
  const idle = state.operation === null && !state.pending && c === null;
  // Runs after the dialog (a child) has closed and the buttons are enabled again.
  useEffect(() => {
    if (idle) returnFocus();
  }, [idle]);
  return (
    <>
      <main class="page" aria-busy={state.operation !== null}>
        <header>
          <h1>Backup &amp; Restore</h1>
          <p class="muted">Your cases, tasks, hearings, orders and documents in one verified ZIP file.</p>
        </header>
        <div class="grid">
          <CurrentData current={state.current} failed={state.loadFailed.current} onRetry={() => void store.refresh()} />
          <StatisticsPanel statistics={state.statistics} failed={state.loadFailed.statistics} onRetry={() => void store.refresh()} />
          <ExportPanel state={state} store={store} />
          <RestorePanel state={state} store={store} />
        </div>
        <BackupList state={state} store={store} />
      </main>
      <ConfirmDialog
        open={c !== null}
        title={c?.kind === 'delete' ? 'Delete this backup?' : 'Restore this backup?'}
        confirmLabel={c?.kind === 'delete' ? 'Delete' : 'Restore'}
        danger={c?.kind === 'delete'}
        onConfirm={() => void store.confirm()}
        onCancel={() => store.dismissConfirmation()}
      >
        {c?.kind === 'delete' && (
          <p>
            <strong>{c.fileName}</strong> and its checksum file will be deleted. This cannot be undone.
          </p>
        )}
        {c?.kind === 'restore' && <RestoreSummary confirmation={c} />}
      </ConfirmDialog>
      <Toasts store={toasts} />
    </>
  );
}
