/**
 * The state of automatic protection on the settings page, outside the components: the
 * status (last backup, last verified-good, what runs next, the alarms, the undo offer, the
 * scheduler), the policy form, pins, prune, drills and undo of a restore. It talks to the
 * main process only through `window.app`, listens to the scheduler's events (a run finished,
 * the alarms changed: the status and the list are read again), and tells the person what
 * happened through the toast store, as the backup store does.
 */
import { ERROR_TITLES } from '../../contract/errorTitles.ts';
import type { AppBridge, Failure, Policy, Progress, RetentionVerdictView, StatusView, Success } from '../../contract/channels.ts';
import { createStore, type ReadableStore } from '../store.ts';
import type { ToastStore } from '../toasts/toastStore.ts';
import { failureText } from './failureText.ts';
import { formFromPolicy, validatePolicyForm, type PolicyErrors, type PolicyForm } from './policyForm.ts';

export type ProtectionConfirmation =
  | { readonly kind: 'prune'; readonly verdicts: readonly RetentionVerdictView[] }
  | { readonly kind: 'undo'; readonly undo: NonNullable<StatusView['undo']> };

export interface ProtectionOperation {
  readonly kind: 'drill' | 'undo';
  readonly id: string;
  readonly progress: Progress | null;
  readonly cancelling: boolean;
}

export interface ProtectionState {
  readonly status: StatusView | null;
  readonly policy: Success<'backup:getPolicy'> | null;
  /** What could not be loaded: the card says so and offers to try again. */
  readonly loadFailed: boolean;
  readonly form: PolicyForm | null;
  /** Mistakes in the form, in words, by field; shown after Save. */
  readonly formErrors: PolicyErrors;
  /** The main process's refusal of the policy (the domain's words), after Save. */
  readonly saveError: string | null;
  /** The form differs from the stored policy. */
  readonly dirty: boolean;
  readonly saving: boolean;
  readonly confirmation: ProtectionConfirmation | null;
  readonly operation: ProtectionOperation | null;
  /** A pin, a prune's plan or a prune: short waits. */
  readonly pending: boolean;
}

export interface ProtectionStore extends ReadableStore<ProtectionState> {
  /** Loads the status and the policy, listens to the scheduler; returns the unsubscribe. */
  start(): () => void;
  refresh(): Promise<void>;
  /** Reads the status again (after an export, a restore, a deletion). */
  reloadStatus(): Promise<void>;
  edit<K extends keyof PolicyForm>(key: K, value: PolicyForm[K]): void;
  /** Puts the form back to the stored policy. */
  resetForm(): void;
  save(): Promise<boolean>;
  setPinned(fileName: string, pinned: boolean): Promise<void>;
  /** Shows what the policy keeps and why, and asks to confirm the deletions. */
  requestPrune(): Promise<void>;
  requestUndo(): void;
  confirm(): Promise<void>;
  dismissConfirmation(): void;
  drillNow(): Promise<void>;
  cancel(): Promise<void>;
}

export interface ProtectionHooks {
  /** Reads the backup list again (pins, checks and reasons changed), and the counts after an undo. */
  readonly reloadBackups: (options: { counts: boolean }) => Promise<void>;
}

export function createProtectionStore(bridge: AppBridge, toasts: ToastStore, hooks: ProtectionHooks): ProtectionStore {
  const store = createStore<ProtectionState>({
    status: null,
    policy: null,
    loadFailed: false,
    form: null,
    formErrors: {},
    saveError: null,
    dirty: false,
    saving: false,
    confirmation: null,
    operation: null,
    pending: false,
  });
  let counter = 0;

  const showFailure = (failure: Failure, action: 'verify' | 'restore' | 'delete' | 'list', fileName: string | null = null) => {
    if (failure.code === 'CANCELLED') {
      toasts.show({ type: 'info', title: failure.message, message: 'Nothing was changed.' });
      return;
    }
    toasts.show({
      type: 'error',
      title: ERROR_TITLES[failure.code] ?? failure.message,
      message: failureText(failure.code, action, fileName),
      details: `${failure.message} (${failure.code}): ${failure.error}`,
    });
  };
  const showBridgeError = (what: string, error: unknown) =>
    toasts.show({
      type: 'error',
      title: ERROR_TITLES.INTERNAL,
      message: `${what} failed: the page lost its connection to casevault. Reload the page; if that does not help, start casevault again.`,
      details: error instanceof Error ? error.message : String(error),
    });

  async function loadStatus(): Promise<boolean> {
    const response = await bridge.invoke('backup:getStatus');
    if (response.success) store.update({ status: response.status });
    return response.success;
  }

  async function loadPolicy(): Promise<boolean> {
    const response = await bridge.invoke('backup:getPolicy');
    if (!response.success) return false;
    // A form being edited is not overwritten by a reload; a clean one follows the stored policy.
    store.update((s) => ({ policy: response, ...(s.dirty && s.form ? {} : { form: formFromPolicy(response.policy), formErrors: {}, saveError: null }) }));
    return true;
  }

  async function long(kind: ProtectionOperation['kind'], call: (operationId: string) => Promise<Success<'backup:drillNow'> | Success<'backup:undoRestore'> | Failure>) {
    if (store.get().operation) return null;
    const id = `ui-${kind}-${++counter}-${Math.random().toString(36).slice(2, 8)}`;
    store.update({ operation: { kind, id, progress: null, cancelling: false } });
    try {
      return await call(id);
    } catch (error) {
      showBridgeError(kind === 'drill' ? 'Checking the backups' : 'Undo', error);
      return null;
    } finally {
      store.update({ operation: null });
    }
  }

  const samePolicy = (form: PolicyForm, policy: Policy | undefined) => policy !== undefined && JSON.stringify(formFromPolicy(policy)) === JSON.stringify(form);

  const api: ProtectionStore = {
    get: store.get,
    subscribe: store.subscribe,

    start() {
      const offProgress = bridge.on('backup:progress', (event) => {
        const operation = store.get().operation;
        if (operation && operation.id === event.operationId) store.update({ operation: { ...operation, progress: event.progress } });
      });
      const offScheduler = bridge.on('backup:scheduler', (event) => {
        if (event.type === 'state') {
          store.update((s) => (s.status ? { status: { ...s.status, scheduler: event.state } } : {}));
          return;
        }
        // A run finished or the alarms changed: what the page shows may all have changed.
        void Promise.all([loadStatus(), hooks.reloadBackups({ counts: false })]).catch(() => {});
      });
      void api.refresh();
      return () => {
        offProgress();
        offScheduler();
      };
    },

    async refresh() {
      try {
        const [status, policy] = await Promise.all([loadStatus(), loadPolicy()]);
        store.update({ loadFailed: !status || !policy });
      } catch (error) {
        store.update({ loadFailed: true });
        showBridgeError('Loading the automatic backups', error);
      }
    },

    async reloadStatus() {
      try {
        await loadStatus();
      } catch {
        // The next refresh or scheduler event tries again; the backup store has said what failed.
      }
    },

    edit(key, value) {
      store.update((s) => {
        if (!s.form) return {};
        const form = { ...s.form, [key]: value };
        return { form, dirty: !samePolicy(form, s.policy?.policy) };
      });
    },

    resetForm() {
      const policy = store.get().policy;
      if (policy) store.update({ form: formFromPolicy(policy.policy), formErrors: {}, saveError: null, dirty: false });
    },

    async save() {
      const { form, saving } = store.get();
      if (!form || saving) return false;
      const result = validatePolicyForm(form);
      if (!result.ok) {
        store.update({ formErrors: result.errors, saveError: null });
        return false;
      }
      store.update({ saving: true, formErrors: {}, saveError: null });
      try {
        const response = await bridge.invoke('backup:setPolicy', result.patch);
        if (!response.success) {
          store.update({ saveError: response.code === 'INVALID_INPUT' ? response.error.replace(/^policy: /, '') : `${ERROR_TITLES[response.code] ?? response.message}: ${response.error}` });
          return false;
        }
        store.update((s) => ({ policy: s.policy ? { ...s.policy, policy: response.policy, stored: true } : s.policy, form: formFromPolicy(response.policy), dirty: false }));
        toasts.show({ type: 'success', title: response.message, message: 'Automatic backups follow it from now on.' });
        await Promise.all([loadStatus(), hooks.reloadBackups({ counts: false })]);
        return true;
      } catch (error) {
        showBridgeError('Saving the policy', error);
        return false;
      } finally {
        store.update({ saving: false });
      }
    },

    async setPinned(fileName, pinned) {
      store.update({ pending: true });
      try {
        const response = await bridge.invoke('backup:pinBackup', { fileName, pinned });
        if (!response.success) showFailure(response, 'list', fileName);
        await hooks.reloadBackups({ counts: false });
      } catch (error) {
        showBridgeError(pinned ? 'Pinning' : 'Unpinning', error);
      } finally {
        store.update({ pending: false });
      }
    },

    async requestPrune() {
      store.update({ pending: true });
      try {
        const response = await bridge.invoke('backup:prune', { dryRun: true });
        if (!response.success) {
          showFailure(response, 'list');
          return;
        }
        store.update({ confirmation: { kind: 'prune', verdicts: response.verdicts } });
      } catch (error) {
        showBridgeError('Reading what the policy keeps', error);
      } finally {
        store.update({ pending: false });
      }
    },

    requestUndo() {
      const undo = store.get().status?.undo;
      if (undo) store.update({ confirmation: { kind: 'undo', undo } });
    },

    async confirm() {
      const confirmation = store.get().confirmation;
      if (!confirmation) return;
      store.update({ confirmation: null });
      if (confirmation.kind === 'prune') {
        store.update({ pending: true });
        try {
          const response = await bridge.invoke('backup:prune', { dryRun: false });
          if (response.success) {
            const n = response.deleted.length;
            toasts.show({ type: 'success', title: response.message, message: n === 0 ? 'Nothing to delete: the policy keeps every backup.' : `${n} backup${n === 1 ? ' was' : 's were'} deleted; the list says why each other one is kept.` });
          } else showFailure(response, 'delete');
          await Promise.all([loadStatus(), hooks.reloadBackups({ counts: false })]);
        } catch (error) {
          showBridgeError('Prune', error);
        } finally {
          store.update({ pending: false });
        }
        return;
      }
      const response = await long('undo', (operationId) => bridge.invoke('backup:undoRestore', { operationId }));
      if (!response) return;
      await Promise.all([loadStatus(), hooks.reloadBackups({ counts: true })]);
      if (response.success && 'undoneAt' in response) {
        const kept = response.safetyCopy ? ` The data it replaced is kept in ${response.safetyCopy}, so this can be undone too.` : '';
        toasts.show({ type: 'success', title: response.message, message: `Your data is as it was before the restore.${kept}`, sticky: response.safetyCopy !== null });
      } else if (!response.success) showFailure(response, 'restore');
    },

    dismissConfirmation() {
      store.update({ confirmation: null });
    },

    async drillNow() {
      // A person who asks for a check wants every backup checked (a scheduled drill keeps to its time budget).
      const response = await long('drill', (operationId) => bridge.invoke('backup:drillNow', { all: true, operationId }));
      if (!response) return;
      await Promise.all([loadStatus(), hooks.reloadBackups({ counts: false })]);
      if (!response.success) {
        showFailure(response, 'verify');
        return;
      }
      if (!('results' in response)) return;
      const failed = response.results.filter((r) => r.result === 'failed');
      const locked = response.results.filter((r) => r.result === 'needs-key').length;
      const n = response.results.length - locked;
      if (locked > 0) {
        toasts.show({ type: 'info', title: 'Encrypted backups not opened', message: `${locked} encrypted backup${locked === 1 ? ' was' : 's were'} checked against ${locked === 1 ? 'its' : 'their'} checksum file only: opening ${locked === 1 ? 'it' : 'them'} needs the password or the recovery key.` });
      }
      if (failed.length > 0) {
        toasts.show({
          type: 'error',
          title: `${failed.length} backup${failed.length === 1 ? '' : 's'} failed the check`,
          message: `${failed.map((f) => `${f.fileName}: ${ERROR_TITLES[f.code ?? 'INTERNAL']}`).join('; ')}. Do not rely on ${failed.length === 1 ? 'it' : 'them'}: back up now.`,
          details: failed.map((f) => `${f.fileName} (${f.code}): ${f.message}`).join('\n'),
        });
      } else if (n === 0 && locked === 0) toasts.show({ type: 'info', title: 'Nothing to check', message: 'There is no backup to check yet.' });
      else if (n === 0) return;
      else toasts.show({ type: 'success', title: response.message, message: `${n} backup${n === 1 ? ' is' : 's are'} intact: every entry matches its SHA-256.` });
    },

    async cancel() {
      const operation = store.get().operation;
      if (!operation || operation.cancelling) return;
      store.update({ operation: { ...operation, cancelling: true } });
      try {
        await bridge.invoke('backup:cancel', { operationId: operation.id });
      } catch (error) {
        showBridgeError('Cancel', error);
      }
    },
  };
  return api;
}
