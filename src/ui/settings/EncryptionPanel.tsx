import type { KeyEntry } from '../../contract/channels.ts';
import type { EncryptionState, EncryptionStore } from './encryptionStore.ts';
import { formatDateShort } from '../format.ts';
import { LoadFailed } from './LoadFailed.tsx';
import { LockMark } from './LockMark.tsx';
import { rememberOrigin } from './focusReturn.ts';

const ROLE: Record<KeyEntry['role'], string> = { password: 'Password key', recovery: 'Recovery key', added: 'Added key' };
const ROLE_NOTE: Record<KeyEntry['role'], string> = {
  password: 'opened by your password (its secret half is in casevault-key.age beside the backups)',
  recovery: 'the key you wrote down at set-up; only its public half is kept',
  added: 'another person’s or the firm’s key',
};

const heading = () => document.getElementById('encryption-heading');

/** Public keys only: the role, the key, since when. */
function KeyTable({ keys }: { keys: readonly KeyEntry[] }) {
  return (
    <table class="keys" data-testid="encryption-keys">
      <thead>
        <tr>
          <th scope="col">Key</th>
          <th scope="col">Public key (nothing secret)</th>
          <th scope="col">Since</th>
        </tr>
      </thead>
      <tbody>
        {keys.map((k) => (
          <tr key={k.publicKey} data-testid="encryption-key" data-role={k.role}>
            <th scope="row" title={ROLE_NOTE[k.role]}>
              {k.role === 'added' && k.label ? k.label : ROLE[k.role]}
            </th>
            <td>
              <code class="public-key">{k.publicKey}</code>
            </td>
            <td class="since">{formatDateShort(k.addedAt)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** Settings → Encryption: whether new backups are encrypted, to which public keys, and the ways to change that. */
export function EncryptionPanel({ state, store, busy }: { state: EncryptionState; store: EncryptionStore; busy: boolean }) {
  const keys = state.keys;
  const waiting = busy || state.pending;
  const button = (label: string, action: () => void, cls?: string) => (
    <button
      type="button"
      class={cls}
      disabled={waiting}
      onClick={(e) => {
        rememberOrigin(e.currentTarget, heading);
        action();
      }}
    >
      {label}
    </button>
  );
  return (
    <section class="card encryption" aria-labelledby="encryption-heading" data-testid="encryption-panel">
      <h2 id="encryption-heading" tabIndex={-1}>
        Encryption
      </h2>
      {state.loadFailed ? (
        <LoadFailed what="The encryption keys" headingId="encryption-heading" onRetry={() => void store.refresh()} />
      ) : keys === null ? (
        <p class="muted">Loading…</p>
      ) : keys.encryption === 'not-set-up' && keys.keyFile ? (
        <>
          <p class="bad" data-testid="encryption-state" data-state="keys-missing">
            Encryption was set up here (casevault-key.age is in the backup folder), but the list of public keys, casevault-keys.json, is missing: no backup
            can be made until it is back.
          </p>
          <p class="muted">
            Put casevault-keys.json back from another copy of the backup folder, then reload the page. Or turn encryption off, to make unencrypted backups from
            now on.
          </p>
          <div class="actions">{button('Turn off…', () => store.requestOff(), 'danger')}</div>
        </>
      ) : keys.encryption === 'not-set-up' ? (
        <>
          <p class="encryption-state" data-testid="encryption-state" data-state="not-set-up">
            <strong>Off.</strong> Backups are not encrypted: anyone who gets hold of a backup file (a lost USB drive, a shared folder) can read your clients’ files.
          </p>
          <p class="muted">
            Encrypted backups open only with your password or a recovery key you write down. They are standard age files around the usual ZIP, so the{' '}
            <code>age</code> tool opens them too.
          </p>
          <div class="actions">{button('Set up encryption…', () => store.beginSetup(), 'primary')}</div>
        </>
      ) : (
        <>
          <p class="encryption-state" data-testid="encryption-state" data-state={keys.encryption}>
            {keys.encryption === 'on' ? (
              <>
                <LockMark /> <strong>On.</strong> New backups are encrypted (<code>.zip.age</code>) to the keys below: the password or the recovery key opens
                each of them.
              </>
            ) : (
              <>
                <strong>Off.</strong> New backups are not encrypted. Backups made while it was on stay encrypted and open with the password or the recovery key.
              </>
            )}
          </p>
          {!keys.keyFile && (
            <p class="bad" data-testid="key-file-missing">
              The password’s key file (casevault-key.age) is missing from the backup folder: the password opens nothing until it is put back, or a new password is
              set with the recovery key.
            </p>
          )}
          <KeyTable keys={keys.recipients} />
          <div class="actions">
            {button('Change password…', () => store.beginChange())}
            {keys.encryption === 'on' ? button('Turn off…', () => store.requestOff(), 'danger') : button('Turn encryption on', () => void store.turnOn(), 'primary')}
          </div>
        </>
      )}
    </section>
  );
}
