import { useEffect } from 'preact/hooks';
import type { BackupStore } from './backupStore.ts';
import type { ProtectionStore } from './protectionStore.ts';
import type { ToastStore } from '../toasts/toastStore.ts';
import { useStore } from '../useStore.ts';
import { Toasts } from '../toasts/Toasts.tsx';
import { AlarmBanner } from './AlarmBanner.tsx';
import { BackupList } from './BackupList.tsx';
import { ConfirmDialog } from './ConfirmDialog.tsx';
import { CurrentData } from './CurrentData.tsx';
import { ExportPanel } from './ExportPanel.tsx';
import { ProtectionPanel } from './ProtectionPanel.tsx';
import { PruneSummary } from './PruneSummary.tsx';
import { RestorePanel } from './RestorePanel.tsx';
import { RestoreSummary } from './RestoreSummary.tsx';
import { StatisticsPanel } from './StatisticsPanel.tsx';
import { Timeline } from './Timeline.tsx';
import { returnFocus } from './focusReturn.ts';

/** Settings → Backup: the alarms, export, restore (and its undo), automatic backups, the last 90 days, the list of backups. */
export function BackupSettings({ store, protectionStore, toasts }: { store: BackupStore; protectionStore: ProtectionStore; toasts: ToastStore }) {
  const state = useStore(store);
  const protection = useStore(protectionStore);
  useEffect(() => store.start(), [store]);
  useEffect(() => protectionStore.start(), [protectionStore]);
  const c = state.confirmation;
  const pc = protection.confirmation;
  const busy = state.operation !== null || state.pending || protection.operation !== null || protection.pending;
  const idle = !busy && c === null && pc === null && !protection.saving;
  // Runs after the dialog (a child) has closed and the buttons are enabled again.
  useEffect(() => {
    if (idle) returnFocus();
  }, [idle]);
  return (
    <>
      <main class="page" aria-busy={state.operation !== null || protection.operation !== null}>
        <header>
          <h1>Backup &amp; Restore</h1>
          <p class="muted">Your cases, tasks, hearings, orders and documents in one verified ZIP file.</p>
        </header>
        <AlarmBanner alarms={protection.status?.alarms ?? []} backups={state.backups} busy={busy} onBackUp={() => void store.exportNow()} onCheck={() => void protectionStore.drillNow()} />
        <div class="grid">
          <CurrentData current={state.current} failed={state.loadFailed.current} onRetry={() => void store.refresh()} />
          <StatisticsPanel statistics={state.statistics} failed={state.loadFailed.statistics} onRetry={() => void store.refresh()} />
          <ExportPanel state={state} store={store} blocked={protection.operation !== null} />
          <RestorePanel state={state} store={store} protection={protection} protectionStore={protectionStore} />
        </div>
        <ProtectionPanel state={protection} store={protectionStore} busy={busy} />
        <Timeline backups={state.backups} />
        <BackupList state={state} store={store} protection={protection} protectionStore={protectionStore} />
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
      <ConfirmDialog
        id="protection-confirm"
        open={pc !== null}
        title={pc?.kind === 'prune' ? 'Prune the backups?' : 'Undo the last restore?'}
        confirmLabel={pc?.kind === 'prune' ? (pc.verdicts.some((v) => !v.keep) ? 'Delete' : 'Close') : 'Undo the restore'}
        danger={pc?.kind === 'prune' && pc.verdicts.some((v) => !v.keep)}
        onConfirm={() => void protectionStore.confirm()}
        onCancel={() => protectionStore.dismissConfirmation()}
      >
        {pc?.kind === 'prune' && <PruneSummary verdicts={pc.verdicts} />}
        {pc?.kind === 'undo' && (
          <p data-testid="undo-note">
            Your data goes back to how it was before the last restore: all of it, or, if anything goes wrong, nothing changes. The data in use now is kept
            as a safety copy, so this can be undone too.
          </p>
        )}
      </ConfirmDialog>
      <Toasts store={toasts} />
    </>
  );
}
