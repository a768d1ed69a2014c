import { render } from 'preact';
import { BackupSettings } from './settings/BackupSettings.tsx';
import { createBackupStore } from './settings/backupStore.ts';
import { createProtectionStore } from './settings/protectionStore.ts';
import { createEncryptionStore } from './settings/encryptionStore.ts';
import { createToastStore } from './toasts/toastStore.ts';
import { createDestinationStore } from './settings/destinationStore.ts';
import './styles.css';

const root = document.getElementById('root');
if (!root) throw new Error('casevault: the page has no #root element');
if (!window.app) {
  root.textContent = 'casevault: window.app is missing; open this page through the app or the browser shell (npm start).';
} else {
  const toasts = createToastStore();
  // Each store tells the other what changed: an export changes the status, a pin the list.
  let protection: ReturnType<typeof createProtectionStore> | null = null;
  const backups = createBackupStore(window.app, toasts, { onChanged: () => void protection?.reloadStatus() });
  protection = createProtectionStore(window.app, toasts, { reloadBackups: (options) => backups.reload(options) });
  const encryption = createEncryptionStore(window.app, toasts);
  // Copies off this computer (issue 14): a backup fetched back opens the usual restore confirmation.
  const destinations = createDestinationStore(window.app, toasts, {
    restore: (fileName) => backups.requestRestore({ fileName }),
    onChanged: () => void backups.reload({ counts: false }).then(() => protection?.reloadStatus()),
  });
  render(<BackupSettings store={backups} protectionStore={protection} encryptionStore={encryption} destinationStore={destinations} toasts={toasts} />, root);
}
