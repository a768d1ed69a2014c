import { useEffect } from 'preact/hooks';
import type { BackupStore } from './backupStore.ts';
import type { ProtectionStore } from './protectionStore.ts';
import type { EncryptionStore } from './encryptionStore.ts';
import type { ToastStore } from '../toasts/toastStore.ts';
import { useStore } from '../useStore.ts';
import { Toasts } from '../toasts/Toasts.tsx';
import { AlarmBanner } from './AlarmBanner.tsx';
import { BackupList } from './BackupList.tsx';
import { ConfirmDialog } from './ConfirmDialog.tsx';
import { CurrentData } from './CurrentData.tsx';
import { ExportPanel } from './ExportPanel.tsx';
import { ChangePasswordDialog } from './ChangePasswordDialog.tsx';
import { EncryptionPanel } from './EncryptionPanel.tsx';
import { KeySetupDialog } from './KeySetupDialog.tsx';
import { UnlockDialog } from './UnlockDialog.tsx';
import { ProtectionPanel } from './ProtectionPanel.tsx';
import { PruneSummary } from './PruneSummary.tsx';
import { RestorePanel } from './RestorePanel.tsx';
import { RestoreSummary } from './RestoreSummary.tsx';
import { StatisticsPanel } from './StatisticsPanel.tsx';
import { Timeline } from './Timeline.tsx';
import { returnFocus } from './focusReturn.ts';
import type { DestinationStore } from './destinationStore.ts';
import { DestinationsPanel } from './DestinationsPanel.tsx';
import { AddDestinationDialog } from './AddDestinationDialog.tsx';

/** Settings → Backup: the alarms, export, restore (and its undo), automatic backups, encryption, the last 90 days, the list of backups. */
export function BackupSettings({
  store,
  protectionStore,
  encryptionStore,
  destinationStore,
  toasts,
}: {
  store: BackupStore;
  protectionStore: ProtectionStore;
  encryptionStore: EncryptionStore;
  destinationStore: DestinationStore;
  toasts: ToastStore;
}) {
  const state = useStore(store);
  const protection = useStore(protectionStore);
  const encryption = useStore(encryptionStore);
  useEffect(() => store.start(), [store]);
  useEffect(() => protectionStore.start(), [protectionStore]);
  useEffect(() => encryptionStore.start(), [encryptionStore]);
  const destinations = useStore(destinationStore);
  useEffect(() => destinationStore.start(), [destinationStore]);
  const c = state.confirmation;
  const pc = protection.confirmation;
  const busy = state.operation !== null || state.pending || protection.operation !== null || protection.pending;
  const encryptionOpen = encryption.setup !== null || encryption.change !== null || encryption.confirmingOff || encryption.pending;
  const idle = !busy && c === null && pc === null && !protection.saving && state.unlockPrompt === null && !encryptionOpen;
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
        <EncryptionPanel state={encryption} store={encryptionStore} busy={busy} />
        <DestinationsPanel state={destinations} store={destinationStore} busy={busy} />
        <Timeline backups={state.backups} />
        <BackupList state={state} store={store} protection={protection} protectionStore={protectionStore} marks={destinations.destinations ? destinationStore.marks() : undefined} />
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
      <ConfirmDialog
        id="encryption-off"
        open={encryption.confirmingOff}
        title="Turn off encryption?"
        confirmLabel="Turn off encryption"
        danger
        onConfirm={() => void encryptionStore.confirmOff()}
        onCancel={() => encryptionStore.dismissOff()}
      >
        <p data-testid="encryption-off-note">
          <strong>New backups will not be encrypted:</strong> anyone who gets hold of one can read it. Backups already made stay encrypted and still open with the
          password or the recovery key. You can turn it on again here at any time; the change is recorded in the audit log.
        </p>
      </ConfirmDialog>
      <KeySetupDialog state={encryption} store={encryptionStore} />
      <AddDestinationDialog state={destinations} store={destinationStore} />
      <ChangePasswordDialog state={encryption} store={encryptionStore} />
      <UnlockDialog prompt={state.unlockPrompt} busy={state.pending} onSubmit={(unlock) => void store.submitUnlock(unlock)} onCancel={() => store.dismissUnlock()} />
      <Toasts store={toasts} />
    </>
  );
}
