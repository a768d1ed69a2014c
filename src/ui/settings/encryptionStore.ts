/**
 * Encryption on the settings page (issue 13), outside the components: whether it is on and
 * the public keys, the set-up in three steps (a password typed twice; the recovery key shown
 * once; the recovery key typed back, and only then is it on), changing the password, and
 * turning encryption off (after a confirmation) or back on. It talks to the main process only
 * through `window.app`.
 *
 * Passwords stay in the dialogs' fields while they are typed and come here only as the
 * argument of the call that needs them; nothing here keeps one. The set-up's recovery key is
 * held only until it has been typed back (or the set-up is cancelled). A wrong password or
 * recovery key is said in the dialog, next to what to do, so it can be typed again; other
 * failures are toasts.
 */
import type { AppBridge, Failure, KeyStatus } from '../../contract/channels.ts';
import { createStore, type ReadableStore } from '../store.ts';
import type { ToastStore } from '../toasts/toastStore.ts';
import { failureToast, wrongKeyText } from './failureText.ts';

export type KeySetup =
  | { readonly step: 'password' }
  | {
      readonly step: 'recovery-key' | 'type-back';
      readonly setupId: string;
      readonly expiresAt: string;
      readonly recoveryKey: string;
      /** After Copy: whether it reached the clipboard. */
      readonly copied: 'yes' | 'failed' | null;
      /** The last refusal of the key typed back, in words. */
      readonly mismatch: string | null;
    };

export interface PasswordChange {
  /** A refusal of the old password or the recovery key, in words, shown in the dialog. */
  readonly error: { readonly title: string; readonly text: string; readonly keys: readonly string[] } | null;
}

export interface EncryptionState {
  readonly keys: KeyStatus | null;
  readonly minPasswordLength: number;
  readonly loadFailed: boolean;
  readonly setup: KeySetup | null;
  readonly change: PasswordChange | null;
  /** "Turn off encryption?" is open. */
  readonly confirmingOff: boolean;
  /** A call to the main process is running (the dialogs' buttons wait). */
  readonly pending: boolean;
}

export interface EncryptionStore extends ReadableStore<EncryptionState> {
  start(): void;
  refresh(): Promise<void>;
  beginSetup(): void;
  /** Step 1 → 2: the keys are made and the recovery key shown. */
  submitPassword(password: string): Promise<void>;
  copied(result: 'yes' | 'failed'): void;
  /** Step 2 → 3 (and back, to read the key again). */
  toTypeBack(): void;
  backToKey(): void;
  /** Step 3: the key typed back; encryption is on when it matches. */
  confirmRecoveryKey(typed: string): Promise<void>;
  cancelSetup(): void;
  beginChange(): void;
  changePassword(unlock: { password: string } | { recoveryKey: string }, newPassword: string): Promise<void>;
  cancelChange(): void;
  requestOff(): void;
  confirmOff(): Promise<void>;
  dismissOff(): void;
  turnOn(): Promise<void>;
}

export function createEncryptionStore(bridge: AppBridge, toasts: ToastStore): EncryptionStore {
  const store = createStore<EncryptionState>({ keys: null, minPasswordLength: 8, loadFailed: false, setup: null, change: null, confirmingOff: false, pending: false });

  const bridgeError = (what: string, error: unknown) =>
    toasts.show({
      type: 'error',
      title: 'Something went wrong',
      message: `${what} failed: the page lost its connection to casevault. Reload the page; if that does not help, start casevault again.`,
      details: error instanceof Error ? error.message : String(error),
    });

  /** Runs one call with the dialogs waiting; a rejected call (a bug of the page or the bridge) is a toast. */
  async function call<T>(what: string, fn: () => Promise<T>): Promise<T | null> {
    store.update({ pending: true });
    try {
      return await fn();
    } catch (error) {
      bridgeError(what, error);
      return null;
    } finally {
      store.update({ pending: false });
    }
  }

  const failed = (failure: Failure) => toasts.show(failureToast(failure, 'keys'));
  const keysChanged = (keys: KeyStatus) => store.update({ keys, loadFailed: false });

  const api: EncryptionStore = {
    get: store.get,
    subscribe: store.subscribe,

    start() {
      void api.refresh();
    },

    async refresh() {
      const response = await call('Reading the encryption keys', () => bridge.invoke('backup:getKeys'));
      if (!response) return store.update({ loadFailed: true });
      if (response.success) store.update({ keys: response.keys, minPasswordLength: response.minPasswordLength, loadFailed: false });
      else {
        store.update({ loadFailed: true });
        failed(response);
      }
    },

    beginSetup() {
      store.update({ setup: { step: 'password' } });
    },

    async submitPassword(password) {
      const response = await call('Setting up encryption', () => bridge.invoke('backup:beginKeySetup', { password }));
      if (!response || store.get().setup?.step !== 'password') return;
      if (!response.success) return void failed(response);
      store.update({
        setup: { step: 'recovery-key', setupId: response.setupId, expiresAt: response.expiresAt, recoveryKey: response.recoveryKey, copied: null, mismatch: null },
      });
    },

    copied(result) {
      store.update((s) => (s.setup && s.setup.step !== 'password' ? { setup: { ...s.setup, copied: result } } : {}));
    },

    toTypeBack() {
      store.update((s) => (s.setup && s.setup.step !== 'password' ? { setup: { ...s.setup, step: 'type-back' } } : {}));
    },

    backToKey() {
      store.update((s) => (s.setup && s.setup.step !== 'password' ? { setup: { ...s.setup, step: 'recovery-key', mismatch: null } } : {}));
    },

    async confirmRecoveryKey(typed) {
      const setup = store.get().setup;
      if (!setup || setup.step !== 'type-back') return;
      if (typed.trim() === '') return store.update({ setup: { ...setup, mismatch: 'Type the recovery key you wrote down.' } });
      const response = await call('Setting up encryption', () => bridge.invoke('backup:confirmKeySetup', { setupId: setup.setupId, recoveryKey: typed }));
      if (!response) return;
      if (response.success) {
        keysChanged(response.keys);
        store.update({ setup: null });
        toasts.show({ type: 'success', title: 'Encryption is on', message: 'New backups are encrypted. Keep the recovery key where you keep important papers.' });
        return;
      }
      if (response.code !== 'INVALID_INPUT') return void failed(response);
      const expired = Date.parse(setup.expiresAt) <= Date.now() || /no longer waiting|waited more than/.test(response.error);
      store.update({
        setup: expired
          ? null
          : { ...setup, mismatch: 'That is not the recovery key shown: check it character by character (it starts with AGE-SECRET-KEY-1). Encryption is not on yet.' },
      });
      if (expired) {
        toasts.show({ type: 'warning', title: 'The set-up was not finished', message: 'It waited too long for the recovery key to be typed back, so nothing was turned on. Start the set-up again.', sticky: true });
      }
    },

    cancelSetup() {
      store.update({ setup: null });
    },

    beginChange() {
      store.update({ change: { error: null } });
    },

    async changePassword(unlock, newPassword) {
      const response = await call('Changing the password', () => bridge.invoke('backup:changePassword', { unlock, newPassword }));
      if (!response || !store.get().change) return;
      if (response.success) {
        keysChanged(response.keys);
        store.update({ change: null });
        toasts.show({
          type: 'success',
          title: response.message,
          message: response.newKey
            ? 'New backups open with the new password. Older ones open with the recovery key (the old password opens them too).'
            : 'Every backup, old and new, opens with the new password.',
        });
        return;
      }
      // Said in the dialog, so it can be typed again.
      if (response.code === 'WRONG_PASSWORD' || response.code === 'WRONG_KEY' || (response.code === 'INVALID_INPUT' && 'recoveryKey' in unlock)) {
        store.update({ change: { error: wrongKeyText(response) } });
        return;
      }
      failed(response);
    },

    cancelChange() {
      store.update({ change: null });
    },

    requestOff() {
      store.update({ confirmingOff: true });
    },

    async confirmOff() {
      store.update({ confirmingOff: false });
      await setEncryption(false);
    },

    dismissOff() {
      store.update({ confirmingOff: false });
    },

    async turnOn() {
      await setEncryption(true);
    },
  };

  async function setEncryption(on: boolean) {
    const response = await call(on ? 'Turning encryption on' : 'Turning encryption off', () => bridge.invoke('backup:setEncryption', { on }));
    if (!response) return;
    if (!response.success) return void failed(response);
    keysChanged(response.keys);
    toasts.show({
      type: on ? 'success' : 'info',
      title: response.message,
      message: on ? 'New backups are encrypted to the keys below.' : 'Backups already made stay encrypted and still open with the password or the recovery key.',
    });
  }

  return api;
}
