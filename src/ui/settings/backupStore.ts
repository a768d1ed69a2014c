/**
 * The state of the Backup settings page and everything it does, outside the components:
 * it talks to the main process only through `window.app` (an AppBridge), and tells the
 * person what happened through the toast store. Failures show ERROR_TITLES[code], what is
 * wrong and what to do in plain words (failureText.ts), naming the backup as the person
 * knows it, and the backend's detail behind "Details"; they stay until dismissed. A
 * cancelled operation is not a failure and shows a neutral info toast.
 * An encrypted backup (issue 13) is opened with what the person types in the password prompt
 * (`unlock`): asked before Restore or Verify of one the list says is encrypted, or when the
 * main process says a key is needed, and asked again, saying why, while it is wrong. What was
 * typed is kept only from the prompt to the end of that restore (through its confirmation)
 * or verification.
 */
import { ERROR_TITLES } from '../../contract/errorTitles.ts';
import type {
  AppBridge,
  BackupListItem,
  BackupStatistics,
  CurrentCounts,
  Failure,
  Progress,
  Success,
  UnlockRequest,
} from '../../contract/channels.ts';
import { createStore, type ReadableStore } from '../store.ts';
import type { ToastStore } from '../toasts/toastStore.ts';
import { formatBytes } from '../format.ts';
import { failureText, wrongKeyText, type FailedAction } from './failureText.ts';

export interface ExportOptionsState {
  readonly includeDatabase: boolean;
  readonly includeFiles: boolean;
  readonly includeMetadata: boolean;
  readonly compressionLevel: number;
}

export type OperationKind = 'export' | 'restore' | 'verify' | 'portable';

export interface RunningOperation {
  readonly kind: OperationKind;
  readonly id: string;
  /** What it works on, for the progress label (a backup's file name). */
  readonly target: string | null;
  readonly progress: Progress | null;
  readonly cancelling: boolean;
}

/** A backup named by the page: from the list, or a file the person chose. */
export type BackupSource = { readonly fileName: string } | { readonly filePath: string };

/** The data dir the page shows, as it is now. */
export interface CurrentData {
  readonly counts: CurrentCounts;
  readonly dataDir: string;
  readonly hasSettings: boolean;
}

export type Confirmation =
  | { readonly kind: 'delete'; readonly fileName: string }
  | {
      readonly kind: 'restore';
      readonly source: BackupSource;
      readonly fileName: string;
      readonly size: number;
      readonly backup: Success<'backup:inspectBackup'>['metadata'];
      readonly current: CurrentData | null;
      /** What opened it (an encrypted backup), for the restore itself. */
      readonly unlock: UnlockRequest | null;
    };

/** The password prompt: what it is for, and why it asks again (the last attempt's refusal). */
export interface UnlockPrompt {
  readonly action: 'restore' | 'verify' | 'portable';
  readonly source: BackupSource;
  /** The backup as the person knows it. */
  readonly fileName: string;
  readonly failure: { readonly title: string; readonly text: string; readonly keys: readonly string[] } | null;
}

export interface BackupState {
  readonly options: ExportOptionsState;
  readonly backups: readonly BackupListItem[] | null;
  readonly statistics: BackupStatistics | null;
  /** The folder the backups are listed from (null until the list has loaded). */
  readonly backupDir: string | null;
  readonly current: CurrentData | null;
  readonly operation: RunningOperation | null;
  /** The file chosen for "Restore from file". */
  readonly selectedFile: { readonly filePath: string; readonly fileName: string } | null;
  readonly confirmation: Confirmation | null;
  readonly unlockPrompt: UnlockPrompt | null;
  /** Inspecting a backup before the restore confirmation, choosing a file, deleting. */
  readonly pending: boolean;
  /** What could not be loaded: its card says so (not "Loading…" for ever) and offers to try again. */
  readonly loadFailed: { readonly list: boolean; readonly statistics: boolean; readonly current: boolean };
}

export interface BackupStore extends ReadableStore<BackupState> {
  /** Loads the list, the statistics and the current counts; returns the unsubscribe of progress events. */
  start(): () => void;
  refresh(): Promise<void>;
  /** Reads the list and the statistics again (and the counts), without making the page wait. */
  reload(options: { counts: boolean }): Promise<void>;
  setOption<K extends keyof ExportOptionsState>(key: K, value: ExportOptionsState[K]): void;
  exportNow(): Promise<void>;
  cancel(): Promise<void>;
  verify(fileName: string): Promise<void>;
  /** A portable copy of a listed backup (one self-contained ZIP) into the backup dir's portable/ folder. */
  portable(fileName: string): Promise<void>;
  requestDelete(fileName: string): void;
  chooseFile(): Promise<void>;
  /** Restore the chosen file (no source) or a listed backup: inspects it and asks to confirm. */
  requestRestore(source?: BackupSource): Promise<void>;
  confirm(): Promise<void>;
  dismissConfirmation(): void;
  /** The password prompt's answer: the password or the recovery key. */
  submitUnlock(unlock: UnlockRequest): Promise<void>;
  dismissUnlock(): void;
}

const OPERATION_NOUN: Record<OperationKind, string> = { export: 'Export', restore: 'Restore', verify: 'Verification', portable: 'Portable copy' };

export interface BackupStoreHooks {
  /** After an export, a restore or a deletion: what the status says has changed. */
  readonly onChanged?: () => void;
}

export function createBackupStore(bridge: AppBridge, toasts: ToastStore, hooks: BackupStoreHooks = {}): BackupStore {
  const changed = () => hooks.onChanged?.();
  const store = createStore<BackupState>({
    options: { includeDatabase: true, includeFiles: true, includeMetadata: true, compressionLevel: 6 },
    backups: null,
    statistics: null,
    backupDir: null,
    current: null,
    operation: null,
    selectedFile: null,
    confirmation: null,
    unlockPrompt: null,
    pending: false,
    loadFailed: { list: false, statistics: false, current: false },
  });
  const loadFailed = (change: Partial<BackupState['loadFailed']>) => store.update((s) => ({ loadFailed: { ...s.loadFailed, ...change } }));
  let counter = 0;
  const newOperationId = (kind: OperationKind) => `ui-${kind}-${++counter}-${Math.random().toString(36).slice(2, 8)}`;

  /** `fileName`: the backup as the person named it (chosen or listed), never a path. */
  const showFailure = (failure: Failure, action: FailedAction, fileName: string | null = null) => {
    if (failure.code === 'CANCELLED') {
      toasts.show({ type: 'info', title: failure.message, message: 'Nothing was changed.' });
    } else {
      toasts.show({
        type: 'error',
        title: ERROR_TITLES[failure.code] ?? failure.message,
        message: failureText(failure.code, action, fileName),
        details: `${failure.message} (${failure.code}): ${failure.error}`,
      });
    }
  };

  /** A bridge call that rejects is a bug of the page or the bridge, not of the backup: show it once. */
  const showBridgeError = (what: string, error: unknown) => {
    toasts.show({
      type: 'error',
      title: ERROR_TITLES.INTERNAL,
      message: `${what} failed: the page lost its connection to casevault. Reload the page; if that does not help, start casevault again.`,
      details: error instanceof Error ? error.message : String(error),
    });
  };

  async function loadBackups(): Promise<void> {
    const [list, stats] = await Promise.all([bridge.invoke('backup:listBackups'), bridge.invoke('backup:getStatistics')]);
    if (list.success) store.update({ backups: list.backups, backupDir: list.backupDir });
    else showFailure(list, 'list');
    loadFailed({ list: !list.success, statistics: !stats.success });
    if (stats.success) store.update({ statistics: stats.statistics });
    // The statistics are read from the same folder: when the list failed, its toast says why.
    else if (list.success) showFailure(stats, 'list');
  }

  async function loadCounts(): Promise<CurrentData | null> {
    const response = await bridge.invoke('backup:getCurrentCounts');
    loadFailed({ current: !response.success });
    if (!response.success) {
      showFailure(response, 'count');
      return null;
    }
    const current: CurrentData = { counts: response.counts, dataDir: response.dataDir, hasSettings: response.hasSettings };
    store.update({ current });
    return current;
  }

  async function runOperation<T extends { success: boolean }>(
    kind: OperationKind,
    target: string | null,
    call: (operationId: string) => Promise<T>,
  ): Promise<T | null> {
    if (store.get().operation) return null;
    const id = newOperationId(kind);
    store.update({ operation: { kind, id, target, progress: null, cancelling: false } });
    try {
      return await call(id);
    } catch (error) {
      showBridgeError(OPERATION_NOUN[kind], error);
      return null;
    } finally {
      store.update({ operation: null });
    }
  }

  /** Whether to ask for the password before opening it: the list says so, or a chosen file's name does. */
  const isEncrypted = (source: BackupSource, name: string): boolean =>
    ('fileName' in source ? store.get().backups?.find((b) => b.fileName === source.fileName)?.encrypted : undefined) ?? name.endsWith('.age');

  /** A refusal the prompt answers: no key given, or the wrong one (a mistyped recovery key too). */
  const asksForKey = (failure: Failure, unlock: UnlockRequest | null) =>
    failure.code === 'ENCRYPTED_NEEDS_KEY' || failure.code === 'WRONG_PASSWORD' || failure.code === 'WRONG_KEY' || (failure.code === 'INVALID_INPUT' && unlock?.recoveryKey !== undefined);

  const prompt = (action: UnlockPrompt['action'], source: BackupSource, fileName: string, failure: Failure | null) =>
    store.update({ unlockPrompt: { action, source, fileName, failure: failure && failure.code !== 'ENCRYPTED_NEEDS_KEY' ? wrongKeyText(failure, fileName) : null } });

  async function inspect(source: BackupSource, name: string | null, unlock: UnlockRequest | null): Promise<void> {
    store.update({ pending: true });
    try {
      const [inspected, current] = await Promise.all([bridge.invoke('backup:inspectBackup', unlock ? { ...source, unlock } : source), loadCounts()]);
      if (!inspected.success) {
        if (asksForKey(inspected, unlock)) prompt('restore', source, name ?? 'the backup', inspected);
        else showFailure(inspected, 'restore', name);
        return;
      }
      store.update({
        confirmation: { kind: 'restore', source, fileName: inspected.fileName, size: inspected.size, backup: inspected.metadata, current, unlock },
      });
    } catch (error) {
      showBridgeError('Reading the backup', error);
    } finally {
      store.update({ pending: false });
    }
  }

  async function verify(fileName: string, unlock: UnlockRequest | null): Promise<void> {
    const response = await runOperation('verify', fileName, (operationId) => bridge.invoke('backup:verifyBackup', { fileName, operationId, ...(unlock ? { unlock } : {}) }));
    if (!response) return;
    if (response.success) {
      const sidecar = response.sidecarChecked ? ' and its .sha256 file' : '';
      toasts.show({
        type: 'success',
        title: response.message,
        message: `${fileName}: ${response.entries} entries match their SHA-256${sidecar}.`,
      });
    } else if (asksForKey(response, unlock)) {
      prompt('verify', { fileName }, fileName, response);
    } else {
      showFailure(response, 'verify', fileName);
    }
    // What the list says of its last check may have changed.
    await loadBackups();
    changed();
  }

  async function portable(fileName: string, unlock: UnlockRequest | null): Promise<void> {
    const response = await runOperation('portable', fileName, (operationId) => bridge.invoke('backup:exportPortable', { fileName, operationId, ...(unlock ? { unlock } : {}) }));
    if (!response) return;
    if (response.success) {
      toasts.show({
        type: 'success',
        title: response.message,
        message: `${response.fileName} (${formatBytes(response.size)}${response.encrypted ? ', encrypted' : ''}): all of ${fileName} in one file, to carry to another computer. It is in ${response.folder}.`,
        // Where it is is worth reading (and copying) at leisure.
        sticky: true,
      });
      for (const warning of response.warnings) toasts.show({ type: 'warning', title: 'Copied with a warning', message: warning, sticky: true });
    } else if (asksForKey(response, unlock)) {
      prompt('portable', { fileName }, fileName, response);
    } else {
      showFailure(response, 'portable', fileName);
    }
  }

  async function restore(source: BackupSource, unlock: UnlockRequest | null): Promise<void> {
    const label = 'fileName' in source ? source.fileName : (store.get().selectedFile?.fileName ?? null);
    const response = await runOperation('restore', label, (operationId) =>
      bridge.invoke('backup:restoreFromZip', { ...source, operationId, ...(unlock ? { unlock } : {}) }),
    );
    if (!response) return;
    // The page shows the data as it now is before it says how the restore went.
    await Promise.all([loadCounts(), loadBackups()]);
    changed();
    if (response.success) {
      const m = response.metadata;
      const safety = response.safetyCopy ? ` The data it replaced is kept in ${response.safetyCopy} (until the next restore).` : '';
      toasts.show({
        type: 'success',
        title: response.message,
        message: `Restored ${m.fileCount} files and ${m.caseCount} cases from ${label ?? 'the backup'}.${safety}`,
        // Where the replaced data went is worth reading (and copying) at leisure.
        sticky: response.safetyCopy !== null,
      });
    } else {
      showFailure(response, 'restore', label);
    }
  }

  const api: BackupStore = {
    get: store.get,
    subscribe: store.subscribe,

    start() {
      const off = bridge.on('backup:progress', (event) => {
        const operation = store.get().operation;
        if (operation && operation.id === event.operationId) store.update({ operation: { ...operation, progress: event.progress } });
      });
      void api.refresh();
      return off;
    },

    async refresh() {
      // Pending like any other wait, so the page is idle again (and gives the focus back) after it.
      store.update({ pending: true });
      try {
        await Promise.all([loadBackups(), loadCounts()]);
      } catch (error) {
        showBridgeError('Loading the backup page', error);
      } finally {
        store.update({ pending: false });
      }
    },

    async reload({ counts }) {
      try {
        await Promise.all([loadBackups(), counts ? loadCounts() : null]);
      } catch (error) {
        showBridgeError('Loading the backups', error);
      }
    },

    setOption(key, value) {
      store.update((s) => ({ options: { ...s.options, [key]: value } }));
    },

    async exportNow() {
      const { options } = store.get();
      if (!options.includeDatabase && !options.includeFiles && !options.includeMetadata) {
        toasts.show({ type: 'warning', title: 'Nothing to export', message: 'Choose at least one of database, files and settings.' });
        return;
      }
      const response = await runOperation('export', null, (operationId) => bridge.invoke('backup:exportNow', { ...options, operationId }));
      if (!response) return;
      if (response.success) {
        toasts.show({ type: 'success', title: response.message, message: `Backup created: ${response.fileName} (${formatBytes(response.size)})` });
        for (const warning of response.warnings) toasts.show({ type: 'warning', title: 'Exported with a warning', message: warning, sticky: true });
      } else {
        showFailure(response, 'export');
      }
      await loadBackups();
      changed();
    },

    async cancel() {
      const operation = store.get().operation;
      if (!operation || operation.cancelling) return;
      store.update({ operation: { ...operation, cancelling: true } });
      try {
        const response = await bridge.invoke('backup:cancel', { operationId: operation.id });
        if (!response.success) showFailure(response, 'cancel');
      } catch (error) {
        showBridgeError('Cancel', error);
      }
    },

    async verify(fileName) {
      if (store.get().operation) return;
      if (isEncrypted({ fileName }, fileName)) prompt('verify', { fileName }, fileName, null);
      else await verify(fileName, null);
    },

    async portable(fileName) {
      if (store.get().operation) return;
      if (isEncrypted({ fileName }, fileName)) prompt('portable', { fileName }, fileName, null);
      else await portable(fileName, null);
    },

    requestDelete(fileName) {
      store.update({ confirmation: { kind: 'delete', fileName } });
    },

    async chooseFile() {
      store.update({ pending: true });
      try {
        const response = await bridge.invoke('backup:chooseFile');
        if (!response.success) showFailure(response, 'choose');
        else if (!response.cancelled) store.update({ selectedFile: { filePath: response.filePath, fileName: response.fileName } });
      } catch (error) {
        showBridgeError('Choosing a file', error);
      } finally {
        store.update({ pending: false });
      }
    },

    async requestRestore(source) {
      const selected = store.get().selectedFile;
      const chosen = source ?? (selected ? { filePath: selected.filePath } : null);
      const name = source && 'fileName' in source ? source.fileName : (selected?.fileName ?? null);
      if (!chosen) {
        toasts.show({ type: 'warning', title: 'No file selected', message: 'Please select a backup file to restore' });
        return;
      }
      if (name !== null && isEncrypted(chosen, name)) prompt('restore', chosen, name, null);
      else await inspect(chosen, name, null);
    },

    async confirm() {
      const confirmation = store.get().confirmation;
      if (!confirmation) return;
      store.update({ confirmation: null });
      if (confirmation.kind === 'restore') {
        await restore(confirmation.source, confirmation.unlock);
        return;
      }
      store.update({ pending: true });
      try {
        const response = await bridge.invoke('backup:deleteBackup', { fileName: confirmation.fileName });
        if (response.success) toasts.show({ type: 'success', title: response.message, message: `${confirmation.fileName} was deleted.` });
        else showFailure(response, 'delete', confirmation.fileName);
        await loadBackups();
        changed();
      } catch (error) {
        showBridgeError('Delete', error);
      } finally {
        store.update({ pending: false });
      }
    },

    dismissConfirmation() {
      store.update({ confirmation: null });
    },

    async submitUnlock(unlock) {
      const asked = store.get().unlockPrompt;
      if (!asked) return;
      store.update({ unlockPrompt: null });
      if (asked.action === 'verify') await verify(asked.fileName, unlock);
      else if (asked.action === 'portable') await portable(asked.fileName, unlock);
      else await inspect(asked.source, asked.fileName, unlock);
    },

    dismissUnlock() {
      store.update({ unlockPrompt: null });
    },
  };
  return api;
}
