import { useEffect, useState } from 'preact/hooks';
import type { UnlockRequest } from '../../contract/channels.ts';
import type { UnlockPrompt } from './backupStore.ts';
import { FormDialog } from './FormDialog.tsx';

type Mode = 'password' | 'recoveryKey';

/**
 * The password prompt for an encrypted backup (restore, its confirmation's counts, verify):
 * the password, or the recovery key instead. After a refusal it opens again and says why in
 * plain words (a wrong password: that it is wrong, and that the recovery key also works; a
 * key the backup was not made for: which keys it was made for).
 */
export function UnlockDialog({ prompt, busy, onSubmit, onCancel }: { prompt: UnlockPrompt | null; busy: boolean; onSubmit: (unlock: UnlockRequest) => void; onCancel: () => void }) {
  const [mode, setMode] = useState<Mode>('password');
  const [value, setValue] = useState('');
  const [empty, setEmpty] = useState(false);
  // Each prompt starts with an empty field; a closed one keeps nothing.
  useEffect(() => {
    setValue('');
    setEmpty(false);
    if (prompt === null) setMode('password');
  }, [prompt]);
  const failure = prompt?.failure ?? null;
  const verb = prompt?.action === 'verify' ? 'check it' : prompt?.action === 'portable' ? 'copy it' : 'restore it';
  const submit = () => {
    if (value === '') return setEmpty(true);
    const secret = value;
    setValue('');
    onSubmit(mode === 'password' ? { password: secret } : { recoveryKey: secret });
  };
  const other: Mode = mode === 'password' ? 'recoveryKey' : 'password';
  return (
    <FormDialog
      id="unlock-dialog"
      focusKey={mode}
      open={prompt !== null}
      title="This backup is encrypted"
      submitLabel={prompt?.action === 'verify' ? 'Verify' : prompt?.action === 'portable' ? 'Copy' : 'Continue'}
      busy={busy}
      onSubmit={submit}
      onCancel={onCancel}
    >
      <p>
        <strong>{prompt?.fileName}</strong> is encrypted. Enter the encryption password to {verb}, or the recovery key written down when encryption was set up.
      </p>
      {failure && (
        <div class="unlock-failure" role="alert" data-testid="unlock-failure">
          <strong>{failure.title}</strong>
          <p>{failure.text}</p>
          {failure.keys.length > 0 && (
            <ul class="key-list" data-testid="made-for">
              {failure.keys.map((k) => (
                <li key={k}>
                  <code>{k}</code>
                </li>
              ))}
            </ul>
          )}
        </div>
      )}
      <label class="field" for="unlock-secret">
        {mode === 'password' ? 'Encryption password' : 'Recovery key'}
        <input
          id="unlock-secret"
          type={(mode === 'password' ? 'password' : 'text') as 'text'}
          class={mode === 'recoveryKey' ? 'key-input' : undefined}
          autoComplete={mode === 'password' ? 'current-password' : 'off'}
          spellcheck={false}
          autoFocus
          placeholder={mode === 'recoveryKey' ? 'AGE-SECRET-KEY-1…' : undefined}
          value={value}
          aria-invalid={empty}
          aria-describedby={empty ? 'unlock-secret-error' : undefined}
          onInput={(e) => setValue(e.currentTarget.value)}
        />
      </label>
      {empty && (
        <span id="unlock-secret-error" class="field-error">
          {mode === 'password' ? 'Enter the password.' : 'Enter the recovery key.'}
        </span>
      )}
      <button
        type="button"
        class="link"
        onClick={() => {
          setMode(other);
          setValue('');
          setEmpty(false);
        }}
      >
        {other === 'recoveryKey' ? 'Use the recovery key instead' : 'Use the password instead'}
      </button>
    </FormDialog>
  );
}
