import { render } from 'preact';
import { BackupSettings } from './settings/BackupSettings.tsx';
import { createBackupStore } from './settings/backupStore.ts';
import { createToastStore } from './toasts/toastStore.ts';
import './styles.css';

const root = document.getElementById('root');
if (!root) throw new Error('casevault: the page has no #root element');
if (!window.app) {
  root.textContent = 'casevault: window.app is missing; open this page through the app or the browser shell (npm start).';
} else {
  const toasts = createToastStore();
  render(<BackupSettings store={createBackupStore(window.app, toasts)} toasts={toasts} />, root);
}
