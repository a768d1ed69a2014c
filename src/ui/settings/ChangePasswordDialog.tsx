import { useEffect, useState } from 'preact/hooks';
import type { EncryptionState, EncryptionStore } from './encryptionStore.ts';
import { FormDialog } from './FormDialog.tsx';
import { NewPasswordFields } from './NewPasswordFields.tsx';
import { newPasswordErrors } from './passwordStrength.ts';

/**
 * A new password, with the old one or (forgotten) the recovery key. With the old password
 * every backup opens with the new one; with the recovery key new backups get a new key, and
 * older ones open with the recovery key.
 */
export function ChangePasswordDialog({ state, store }: { state: EncryptionState; store: EncryptionStore }) {
  const open = state.change !== null;
  const [useKey, setUseKey] = useState(false);
  const [current, setCurrent] = useState('');
  const [password, setPassword] = useState('');
  const [repeat, setRepeat] = useState('');
  const [tried, setTried] = useState(false);
  useEffect(() => {
    setCurrent('');
    setPassword('');
    setRepeat('');
    setTried(false);
    if (!open) setUseKey(false);
  }, [open]);
  const error = state.change?.error ?? null;
  const submit = () => {
    setTried(true);
    if (current === '' || Object.keys(newPasswordErrors(password, repeat, state.minPasswordLength)).length > 0) return;
    void store.changePassword(useKey ? { recoveryKey: current } : { password: current }, password);
    setCurrent('');
  };
  return (
    <FormDialog
      id="change-password"
      focusKey={useKey ? 'key' : 'password'}
      open={open}
      title="Change the encryption password"
      submitLabel={state.pending ? 'Changing…' : 'Change password'}
      busy={state.pending}
      onSubmit={submit}
      onCancel={() => store.cancelChange()}
    >
      {error && (
        <div class="unlock-failure" role="alert" data-testid="change-failure">
          <strong>{error.title}</strong>
          <p>{error.text}</p>
        </div>
      )}
      <label class="field" for="change-current">
        {useKey ? 'Recovery key' : 'Current password'}
        <input
          id="change-current"
          type={(useKey ? 'text' : 'password') as 'text'}
          class={useKey ? 'key-input' : undefined}
          autoComplete={useKey ? 'off' : 'current-password'}
          spellcheck={false}
          autoFocus
          placeholder={useKey ? 'AGE-SECRET-KEY-1…' : undefined}
          value={current}
          aria-invalid={tried && current === ''}
          onInput={(e) => setCurrent(e.currentTarget.value)}
        />
      </label>
      {tried && current === '' && <span class="field-error">{useKey ? 'Enter the recovery key.' : 'Enter the current password.'}</span>}
      <button
        type="button"
        class="link"
        onClick={() => {
          setUseKey(!useKey);
          setCurrent('');
        }}
      >
        {useKey ? 'I know the current password' : 'I forgot it: use the recovery key'}
      </button>
      <NewPasswordFields
        idPrefix="change"
        label="New password"
        password={password}
        repeat={repeat}
        minLength={state.minPasswordLength}
        showErrors={tried}
        onPassword={setPassword}
        onRepeat={setRepeat}
      />
    </FormDialog>
  );
}
