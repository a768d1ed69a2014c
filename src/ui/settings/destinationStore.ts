/**
 * The state of "Copies off this computer" (issue 14) and what it does, outside the
 * components: the destinations with their last copy and the backups there (the list's marks),
 * adding a folder or S3 storage (with a real test first), testing, on/off, removing with a
 * confirmation, copying now (progress and Cancel), and fetching a backup back, after which
 * the usual restore confirmation opens (BackupStore.requestRestore).
 * An S3 secret key lives only in the add dialog's field and in the one request that carries
 * it; nothing here keeps it, and nothing the main process answers holds it.
 */
import { ERROR_TITLES } from '../../contract/errorTitles.ts';
import type { AppBridge, DestinationTarget, DestinationView, Failure, RemoteBackupView, S3CredentialsInput } from '../../contract/channels.ts';
import { createStore, type ReadableStore } from '../store.ts';
import type { ToastStore } from '../toasts/toastStore.ts';
import { destinationFailureToast } from './destinationText.ts';

export interface TransferState {
  readonly kind: 'copy' | 'download';
  readonly id: string;
  readonly destination: string;
  readonly fileName: string | null;
  readonly done: number;
  readonly total: number;
  readonly cancelling: boolean;
}

/** An add dialog's test: running, passed (with its warnings), or failed (in words). */
export type TestResult = { readonly state: 'running' } | { readonly state: 'ok'; readonly text: string } | { readonly state: 'failed'; readonly title: string; readonly text: string };

export interface DestinationState {
  readonly destinations: readonly DestinationView[] | null;
  readonly keys: { readonly where: string; readonly unavailable: string | null } | null;
  readonly canChooseFolder: boolean;
  readonly loadFailed: boolean;
  readonly transfer: TransferState | null;
  /** A destination whose test, switch or removal is running. */
  readonly pending: string | null;
  /** The add dialog open, and its test's result. */
  readonly adding: { readonly kind: 'folder' | 's3'; readonly test: TestResult | null; readonly saving: boolean; readonly chosenPath: string | null } | null;
  readonly confirmingRemove: string | null;
  /** A destination's backups, shown to restore one. */
  readonly browsing: { readonly name: string; readonly backups: readonly RemoteBackupView[] | null } | null;
}

export interface NewDestination {
  readonly name: string;
  readonly target: DestinationTarget;
  readonly credentials?: S3CredentialsInput;
}

export interface DestinationStore extends ReadableStore<DestinationState> {
  /** Loads the list; returns the unsubscribe of progress events. */
  start(): () => void;
  reload(): Promise<void>;
  /** fileName → the names of the destinations that hold it whole. */
  marks(): ReadonlyMap<string, readonly string[]>;
  openAdd(kind: 'folder' | 's3'): void;
  closeAdd(): void;
  chooseFolder(): Promise<void>;
  testNew(destination: NewDestination): Promise<void>;
  add(destination: NewDestination): Promise<boolean>;
  test(name: string): Promise<void>;
  setEnabled(name: string, enabled: boolean): Promise<void>;
  requestRemove(name: string): void;
  dismissRemove(): void;
  confirmRemove(): Promise<void>;
  copyNow(name: string): Promise<void>;
  cancel(): Promise<void>;
  browse(name: string): Promise<void>;
  closeBrowse(): void;
  restoreFrom(name: string, fileName: string): Promise<void>;
}

export interface DestinationStoreHooks {
  /** After a download: the usual restore confirmation of the backup now in the backup dir. */
  readonly restore?: (fileName: string) => Promise<void>;
  /** After a copy or a download: the backup list and the status may have changed. */
  readonly onChanged?: () => void;
}

export function createDestinationStore(bridge: AppBridge, toasts: ToastStore, hooks: DestinationStoreHooks = {}): DestinationStore {
  const store = createStore<DestinationState>({
    destinations: null,
    keys: null,
    canChooseFolder: false,
    loadFailed: false,
    transfer: null,
    pending: null,
    adding: null,
    confirmingRemove: null,
    browsing: null,
  });
  let counter = 0;
  const kindOf = (name: string | null) => store.get().destinations?.find((d) => d.name === name)?.target.kind ?? null;
  const showFailure = (failure: Failure, kind: DestinationTarget['kind'] | null) => {
    if (failure.code === 'CANCELLED') toasts.show({ type: 'info', title: failure.message, message: 'What was copied whole stays; nothing half-copied is left.' });
    else toasts.show(destinationFailureToast(failure, kind));
  };
  const showBridgeError = (what: string, error: unknown) =>
    toasts.show({
      type: 'error',
      title: ERROR_TITLES.INTERNAL,
      message: `${what} failed: the page lost its connection to casevault. Reload the page; if that does not help, start casevault again.`,
      details: error instanceof Error ? error.message : String(error),
    });

  /** Runs `fn` with the page's bridge errors turned into one toast. */
  const guarded = async (what: string, fn: () => Promise<void>) => {
    try {
      await fn();
    } catch (error) {
      showBridgeError(what, error);
    }
  };

  async function load(): Promise<void> {
    const response = await bridge.invoke('backup:listDestinations');
    if (!response.success) {
      store.update({ loadFailed: true });
      showFailure(response, null);
      return;
    }
    store.update({ destinations: response.destinations, keys: response.keys, canChooseFolder: response.canChooseFolder, loadFailed: false });
  }

  const probeText = (probe: { description: string; warnings: readonly string[] }) =>
    `casevault wrote a test file to ${probe.description}, read it back and removed it.${probe.warnings.length ? ` ${probe.warnings.join(' ')}` : ''}`;

  async function transfer(kind: 'copy' | 'download', destination: string, fileName: string | null, run: (id: string) => Promise<void>) {
    if (store.get().transfer) return;
    const id = `ui-${kind}-${++counter}-${Math.random().toString(36).slice(2, 8)}`;
    store.update({ transfer: { kind, id, destination, fileName, done: 0, total: 0, cancelling: false } });
    try {
      await run(id);
    } catch (error) {
      showBridgeError(kind === 'copy' ? 'Copy' : 'Download', error);
    } finally {
      store.update({ transfer: null });
    }
  }

  const api: DestinationStore = {
    get: store.get,
    subscribe: store.subscribe,

    start() {
      const off = bridge.on('backup:copyProgress', (event) => {
        const t = store.get().transfer;
        if (t && t.id === event.operationId) store.update({ transfer: { ...t, fileName: event.fileName, done: event.done, total: event.total } });
      });
      void guarded('Loading the copy destinations', load);
      return off;
    },

    reload: () => guarded('Loading the copy destinations', load),

    marks() {
      const marks = new Map<string, string[]>();
      for (const d of store.get().destinations ?? []) for (const name of d.backups ?? []) marks.set(name, [...(marks.get(name) ?? []), d.name]);
      return marks;
    },

    openAdd(kind) {
      store.update({ adding: { kind, test: null, saving: false, chosenPath: null } });
    },

    closeAdd() {
      store.update({ adding: null });
    },

    chooseFolder: () =>
      guarded('Choosing a folder', async () => {
        const response = await bridge.invoke('backup:chooseFolder');
        const adding = store.get().adding;
        if (!response.success) showFailure(response, 'folder');
        else if (!response.cancelled && adding) store.update({ adding: { ...adding, chosenPath: response.path } });
      }),

    testNew: (destination) =>
      guarded('Testing the connection', async () => {
        const adding = store.get().adding;
        if (!adding) return;
        store.update({ adding: { ...adding, test: { state: 'running' } } });
        const response = await bridge.invoke('backup:testDestination', { target: destination.target, ...(destination.credentials ? { credentials: destination.credentials } : {}) });
        const now = store.get().adding;
        if (!now) return;
        store.update({
          adding: {
            ...now,
            test: response.success
              ? { state: 'ok', text: probeText(response.probe) }
              : { state: 'failed', title: ERROR_TITLES[response.code] ?? response.message, text: destinationFailureToast(response, destination.target.kind).message },
          },
        });
      }),

    async add(destination) {
      const adding = store.get().adding;
      if (!adding || adding.saving) return false;
      store.update({ adding: { ...adding, saving: true } });
      let added = false;
      await guarded('Adding the destination', async () => {
        const response = await bridge.invoke('backup:addDestination', { name: destination.name, target: destination.target, ...(destination.credentials ? { credentials: destination.credentials } : {}) });
        if (!response.success) {
          showFailure(response, destination.target.kind);
          // Also in the dialog, which stays open to correct it (the toast is behind it).
          const open = store.get().adding;
          if (open && response.code !== 'CANCELLED') {
            store.update({ adding: { ...open, test: { state: 'failed', title: ERROR_TITLES[response.code] ?? response.message, text: destinationFailureToast(response, destination.target.kind).message } } });
          }
          return;
        }
        added = true;
        toasts.show({ type: 'success', title: response.message, message: `Backups will be copied to ${response.destination.description} after each backup. Press “Copy now” to copy the ones you have.` });
        for (const warning of response.warnings) toasts.show({ type: 'warning', title: 'Added with a warning', message: warning, sticky: true });
        await load();
      });
      const after = store.get().adding;
      store.update({ adding: added ? null : after ? { ...after, saving: false } : null });
      return added;
    },

    test: (name) =>
      guarded('Testing the connection', async () => {
        store.update({ pending: name });
        try {
          const response = await bridge.invoke('backup:testDestination', { name });
          if (response.success) toasts.show({ type: 'success', title: `${name}: the connection works`, message: probeText(response.probe) });
          else showFailure(response, kindOf(name));
        } finally {
          store.update({ pending: null });
        }
      }),

    setEnabled: (name, enabled) =>
      guarded('Changing the destination', async () => {
        store.update({ pending: name });
        try {
          const response = await bridge.invoke('backup:enableDestination', { name, enabled });
          if (!response.success) showFailure(response, kindOf(name));
          await load();
        } finally {
          store.update({ pending: null });
        }
      }),

    requestRemove(name) {
      store.update({ confirmingRemove: name });
    },

    dismissRemove() {
      store.update({ confirmingRemove: null });
    },

    confirmRemove: () =>
      guarded('Removing the destination', async () => {
        const name = store.get().confirmingRemove;
        if (name === null) return;
        store.update({ confirmingRemove: null, pending: name });
        try {
          const response = await bridge.invoke('backup:removeDestination', { name });
          if (response.success) toasts.show({ type: 'success', title: response.message, message: 'Backups are no longer copied there.' });
          else showFailure(response, kindOf(name));
          await load();
        } finally {
          store.update({ pending: null });
        }
      }),

    copyNow: (name) =>
      transfer('copy', name, null, async (operationId) => {
        const response = await bridge.invoke('backup:copyNow', { to: name, operationId });
        if (response.success) {
          const r = response.reports[0];
          const text = r ? `${r.copied.length} copied, ${r.present.length} there already.` : 'Nothing to copy.';
          toasts.show({ type: 'success', title: `${name}: ${response.message}`, message: text });
          for (const warning of r?.warnings ?? []) toasts.show({ type: 'warning', title: `${name}: copied with a warning`, message: warning, sticky: true });
        } else {
          showFailure(response, kindOf(name));
        }
        await load();
        hooks.onChanged?.();
      }),

    async cancel() {
      const t = store.get().transfer;
      if (!t || t.cancelling) return;
      store.update({ transfer: { ...t, cancelling: true } });
      await guarded('Cancel', async () => {
        const response = await bridge.invoke('backup:cancel', { operationId: t.id });
        if (!response.success) showFailure(response, null);
      });
    },

    browse: (name) =>
      guarded('Listing the backups there', async () => {
        store.update({ browsing: { name, backups: null } });
        const response = await bridge.invoke('backup:destinationBackups', { name });
        if (store.get().browsing?.name !== name) return;
        if (response.success) store.update({ browsing: { name, backups: response.backups } });
        else {
          store.update({ browsing: null });
          showFailure(response, kindOf(name));
        }
      }),

    closeBrowse() {
      store.update({ browsing: null });
    },

    async restoreFrom(name, fileName) {
      store.update({ browsing: null });
      let local: string | null = null;
      await transfer('download', name, fileName, async (operationId) => {
        const response = await bridge.invoke('backup:downloadBackup', { name, fileName, operationId });
        if (!response.success) {
          showFailure(response, kindOf(name));
          return;
        }
        local = response.fileName;
        if (response.downloaded) toasts.show({ type: 'success', title: response.message, message: 'It matches its checksum. Check what it holds, then confirm the restore.' });
        hooks.onChanged?.();
      });
      if (local !== null) await hooks.restore?.(local);
    },
  };
  return api;
}
