import { Fragment } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import type { EncryptionState, EncryptionStore } from './encryptionStore.ts';
import { FormDialog } from './FormDialog.tsx';
import { NewPasswordFields } from './NewPasswordFields.tsx';
import { groupRecoveryKey, newPasswordErrors } from './passwordStrength.ts';

/** Copies `text`: the Clipboard API, else the old way (a selected field and "copy"), which a host that refuses the API may still allow. */
async function copyText(text: string, fallbackField: HTMLTextAreaElement | null): Promise<boolean> {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    if (!fallbackField) return false;
    fallbackField.value = text;
    fallbackField.select();
    try {
      return document.execCommand('copy');
    } finally {
      fallbackField.value = '';
    }
  }
}

/** The grouped key as lines: the prefix, then the groups in two halves. */
function keyLines(grouped: string): string[] {
  const [prefix, ...groups] = grouped.split(' ');
  const half = Math.ceil(groups.length / 2);
  return [prefix!, groups.slice(0, half).join(' '), groups.slice(half).join(' ')].filter((line) => line !== '');
}

type Offered = Extract<NonNullable<EncryptionState['setup']>, { recoveryKey: string }>;

/** Step 2: the recovery key, shown once, to copy, print and write down. */
function RecoveryKeyBody({ setup }: { setup: Offered }) {
  return (
    <>
      <p class="step muted no-print">Step 2 of 3: write the recovery key down.</p>
      <p class="print-only">casevault recovery key, made {new Date().toLocaleDateString()}. Keep it where you keep important papers.</p>
      <div class="recovery-key" data-testid="recovery-key">
        <code aria-label="Recovery key">
          {/* Three lines (the prefix, 8 groups, 7 groups), never a group alone on a line; spaces between them for copying by hand. */}
          {keyLines(groupRecoveryKey(setup.recoveryKey)).map((line, i) => (
            <Fragment key={i}>
              {i > 0 && ' '}
              <span class="key-line">{line}</span>
            </Fragment>
          ))}
        </code>
      </div>
      <div class="key-warning" role="note">
        <strong>Write this down: it is the only way in without the password.</strong> It is shown only now; casevault keeps no copy. Keep it on paper (or in a
        password manager), away from this computer and the backup drive.
      </div>
      {setup.copied === 'yes' && (
        <p class="copied ok no-print" role="status">
          Copied. Paste it where you keep it safe, then clear the clipboard.
        </p>
      )}
      {setup.copied === 'failed' && (
        <p class="copied bad no-print" role="status">
          Copying did not work here: select the key and copy it, or write it down.
        </p>
      )}
    </>
  );
}

/**
 * The set-up of encryption in three steps, in one dialog: a password twice (with the meter;
 * too short or not the same is said next to the field); the recovery key, shown once, with
 * Copy and Print; the key typed back, and only then is encryption on. What is typed lives
 * here while the dialog is open, and goes when it closes.
 */
export function KeySetupDialog({ state, store }: { state: EncryptionState; store: EncryptionStore }) {
  const setup = state.setup;
  const [password, setPassword] = useState('');
  const [repeat, setRepeat] = useState('');
  const [tried, setTried] = useState(false);
  const [typed, setTyped] = useState('');
  const copyField = useRef<HTMLTextAreaElement>(null);
  useEffect(() => {
    if (setup !== null) return;
    setPassword('');
    setRepeat('');
    setTried(false);
    setTyped('');
  }, [setup === null]);
  const cancel = () => store.cancelSetup();

  if (setup === null || setup.step === 'password') {
    const submit = () => {
      setTried(true);
      if (Object.keys(newPasswordErrors(password, repeat, state.minPasswordLength)).length > 0) return;
      const chosen = password;
      setPassword('');
      setRepeat('');
      void store.submitPassword(chosen);
    };
    return (
      <FormDialog id="key-setup" focusKey="password" open={setup !== null} title="Set up encryption" submitLabel={state.pending ? 'Making the keys…' : 'Next'} busy={state.pending} onSubmit={submit} onCancel={cancel}>
        <p>
          From now on every backup is encrypted. To restore one you will need this password, or the <strong>recovery key</strong> you get in the next step.
          Nobody, casevault included, can open an encrypted backup without one of them.
        </p>
        <p class="step muted">Step 1 of 3: choose a password ({state.minPasswordLength} characters or more).</p>
        <NewPasswordFields
          idPrefix="setup"
          label="Encryption password"
          password={password}
          repeat={repeat}
          minLength={state.minPasswordLength}
          showErrors={tried}
          autoFocus
          onPassword={setPassword}
          onRepeat={setRepeat}
        />
      </FormDialog>
    );
  }

  if (setup.step === 'recovery-key') {
    return (
      <FormDialog
        id="key-setup"
        focusKey="recovery-key"
        open
        title="Your recovery key"
        submitLabel="I have written it down"
        onSubmit={() => store.toTypeBack()}
        onCancel={cancel}
        extraActions={
          <>
            <button type="button" class="no-print" onClick={() => void copyText(setup.recoveryKey, copyField.current).then((ok) => store.copied(ok ? 'yes' : 'failed'))}>
              Copy
            </button>
            <button type="button" class="no-print" onClick={() => window.print()}>
              Print
            </button>
          </>
        }
      >
        <RecoveryKeyBody setup={setup} />
        <textarea class="copy-field" aria-hidden="true" tabIndex={-1} readOnly ref={copyField} />
      </FormDialog>
    );
  }

  return (
    <FormDialog
      id="key-setup"
      focusKey="type-back"
      open
      title="Type the recovery key back"
      submitLabel={state.pending ? 'Checking…' : 'Turn encryption on'}
      busy={state.pending}
      onSubmit={() => void store.confirmRecoveryKey(typed)}
      onCancel={cancel}
      extraActions={
        <button type="button" onClick={() => store.backToKey()}>
          Show the key again
        </button>
      }
    >
      <p class="step muted">Step 3 of 3: type the recovery key from where you wrote it down, to be sure it is right. Spaces and case do not matter.</p>
      <label class="field" for="setup-type-back">
        Recovery key
        <input
          id="setup-type-back"
          type="text"
          class="key-input"
          autoComplete="off"
          spellcheck={false}
          autoCapitalize="characters"
          autoFocus
          placeholder="AGE-SECRET-KEY-1…"
          value={typed}
          aria-invalid={setup.mismatch !== null}
          aria-describedby={setup.mismatch ? 'setup-type-back-error' : undefined}
          onInput={(e) => setTyped(e.currentTarget.value)}
        />
      </label>
      {setup.mismatch && (
        <span id="setup-type-back-error" class="field-error" role="alert" data-testid="type-back-error">
          {setup.mismatch}
        </span>
      )}
      <p class="muted">Encryption is not on until this step is done.</p>
    </FormDialog>
  );
}
