import type { DestinationView } from '../../contract/channels.ts';
import { ERROR_TITLES } from '../../contract/errorTitles.ts';
import { formatAgo, formatBytes, formatDate, formatDateShort, percent } from '../format.ts';
import { useNow } from '../useNow.ts';
import { ConfirmDialog } from './ConfirmDialog.tsx';
import { FormDialog } from './FormDialog.tsx';
import { LoadFailed } from './LoadFailed.tsx';
import { rememberOrigin } from './focusReturn.ts';
import type { DestinationState, DestinationStore, TransferState } from './destinationStore.ts';
import { destinationFailureText } from './destinationText.ts';

const heading = () => document.getElementById('destinations-heading');

/** The last copy, in words: "Copied 10 minutes ago", or the failure and what to do. */
function LastCopy({ d, now }: { d: DestinationView; now: number }) {
  const c = d.lastCopy;
  if (c === null) return <p class="muted dest-status" data-testid="dest-last-copy">Nothing copied yet.</p>;
  const when = (
    <time dateTime={c.at} title={formatDate(c.at)}>
      {formatAgo(c.at, now)}
    </time>
  );
  if (c.outcome === 'ok') {
    return (
      <p class="dest-status check-ok" data-testid="dest-last-copy" data-outcome="ok">
        <span aria-hidden="true">✓ </span>Copied {when}
      </p>
    );
  }
  return (
    <div class="dest-status dest-failed" data-testid="dest-last-copy" data-outcome="failed">
      <p class="check-failed">
        <span aria-hidden="true">✕ </span>The last copy failed {when}: <strong>{ERROR_TITLES[c.code ?? 'INTERNAL']}</strong>
        {c.failingSince && c.failingSince !== c.at ? <span class="muted"> (failing since {formatDateShort(c.failingSince)})</span> : null}
      </p>
      <p class="hint">{destinationFailureText(c.code ?? 'INTERNAL', d.target.kind)}</p>
    </div>
  );
}

function Transfer({ t, onCancel }: { t: TransferState; onCancel: () => void }) {
  const value = percent(t.done, t.total);
  const detail = t.total > 0 ? `${formatBytes(t.done)} of ${formatBytes(t.total)}` : 'Starting…';
  const what = t.kind === 'copy' ? `Copying${t.fileName ? ` ${t.fileName}` : ''} to ${t.destination}` : `Fetching ${t.fileName ?? 'the backup'} from ${t.destination}`;
  return (
    <div class="operation" data-testid={`${t.kind}-progress`}>
      <div class="operation-line">
        <span>{t.cancelling ? 'Cancelling…' : what}</span>
        <span class="muted">{detail}</span>
      </div>
      <progress max={100} value={value} aria-label={t.kind === 'copy' ? 'Copy progress' : 'Download progress'} aria-valuetext={`${value}%, ${detail}`} />
      <button type="button" class="secondary" onClick={onCancel} disabled={t.cancelling}>
        Cancel
      </button>
    </div>
  );
}

function Where({ d }: { d: DestinationView }) {
  if (d.target.kind === 'folder') {
    return (
      <p class="dest-where">
        <span class="muted">Folder </span>
        <code>{d.target.path}</code>
      </p>
    );
  }
  const keys = d.credentials?.stored ? `keys saved (key id …${d.credentials.keyIdEnd ?? ''})` : 'keys from the environment or profile';
  return (
    <p class="dest-where">
      <span class="muted">S3 </span>
      <code>{`${d.target.bucket}/${d.target.prefix}`}</code>
      <span class="muted"> at {d.target.endpoint ?? `AWS ${d.target.region}`} · </span>
      <span class="muted" data-testid="dest-keys">
        {keys}
      </span>
    </p>
  );
}

function DestinationItem({ d, state, store, busy, now }: { d: DestinationView; state: DestinationState; store: DestinationStore; busy: boolean; now: number }) {
  const waiting = busy || state.transfer !== null || state.pending !== null;
  const button = (label: string, aria: string, action: () => void, cls?: string) => (
    <button
      type="button"
      class={cls}
      disabled={waiting}
      aria-label={aria}
      onClick={(e) => {
        rememberOrigin(e.currentTarget, heading);
        action();
      }}
    >
      {label}
    </button>
  );
  const count = d.backups?.length ?? null;
  // A failed last copy already says what is wrong there: the listing's refusal of the same kind is not said twice.
  const listError = d.listError && !(d.lastCopy?.outcome === 'failed' && d.lastCopy.code === d.listError.code) ? d.listError : null;
  return (
    <li class="destination" data-testid="destination" data-name={d.name} data-enabled={d.enabled ? 'true' : 'false'}>
      <div class="dest-head">
        <label class="check switch">
          <input type="checkbox" checked={d.enabled} disabled={waiting} onChange={(e) => void store.setEnabled(d.name, e.currentTarget.checked)} aria-label={`Copy to ${d.name}`} />
          <span>{d.name}</span>
        </label>
        <span class="muted dest-kind">{d.target.kind === 'folder' ? 'Drive or folder' : 'S3 storage'}</span>
        {!d.enabled && <span class="muted">off: nothing is copied here</span>}
      </div>
      <Where d={d} />
      <LastCopy d={d} now={now} />
      {listError ? (
        <p class="hint bad" data-testid="dest-list-error">
          Cannot see what is there now: {destinationFailureText(listError.code, d.target.kind)}
        </p>
      ) : d.listError ? null : count !== null ? (
        <p class="hint muted" data-testid="dest-count">
          {count === 0 ? 'No backups there yet.' : `${count} backup${count === 1 ? '' : 's'} there.`}
        </p>
      ) : null}
      {state.transfer?.destination === d.name && <Transfer t={state.transfer} onCancel={() => void store.cancel()} />}
      <div class="actions dest-actions">
        {button('Test connection', `Test connection to ${d.name}`, () => void store.test(d.name))}
        {button('Backups there…', `Backups on ${d.name}`, () => void store.browse(d.name))}
        {button('Copy now', `Copy now to ${d.name}`, () => void store.copyNow(d.name), 'primary')}
        {button('Remove…', `Remove ${d.name}`, () => store.requestRemove(d.name), 'danger')}
      </div>
    </li>
  );
}

/** Settings → Copies off this computer: the destinations, each with its last copy, and adding one. */
export function DestinationsPanel({ state, store, busy }: { state: DestinationState; store: DestinationStore; busy: boolean }) {
  const now = useNow();
  const list = state.destinations;
  const waiting = busy || state.transfer !== null || state.pending !== null;
  return (
    <section class="card destinations-card" aria-labelledby="destinations-heading" data-testid="destinations-panel">
      <h2 id="destinations-heading" tabIndex={-1}>
        Copies off this computer
      </h2>
      <p class="muted">
        A backup on this computer’s own disk goes with it when the disk fails or the laptop is stolen. Each new backup is also copied to every destination that is
        on, checked there, and tried again later if a copy fails.
      </p>
      {state.loadFailed ? (
        <LoadFailed what="The copy destinations" headingId="destinations-heading" onRetry={() => void store.reload()} />
      ) : list === null ? (
        <p class="muted">Loading…</p>
      ) : list.length === 0 ? (
        <p class="muted" data-testid="no-destinations">
          No destinations yet: add a USB drive or network folder, or S3 storage.
        </p>
      ) : (
        <ul class="destinations" data-testid="destinations">
          {list.map((d) => (
            <DestinationItem key={d.name} d={d} state={state} store={store} busy={busy} now={now} />
          ))}
        </ul>
      )}
      {state.transfer !== null && !list?.some((d) => d.name === state.transfer?.destination) && <Transfer t={state.transfer} onCancel={() => void store.cancel()} />}
      <div class="actions">
        <button type="button" disabled={waiting} onClick={(e) => (rememberOrigin(e.currentTarget, heading), store.openAdd('folder'))}>
          Add a folder…
        </button>
        <button type="button" disabled={waiting} onClick={(e) => (rememberOrigin(e.currentTarget, heading), store.openAdd('s3'))}>
          Add S3 storage…
        </button>
      </div>
      <ConfirmDialog
        id="destination-remove"
        open={state.confirmingRemove !== null}
        title={`Remove ${state.confirmingRemove ?? ''}?`}
        confirmLabel="Remove"
        danger
        onConfirm={() => void store.confirmRemove()}
        onCancel={() => store.dismissRemove()}
      >
        <p>
          Backups will no longer be copied to <strong>{state.confirmingRemove}</strong>. The copies already there stay where they are; saved keys are forgotten.
        </p>
      </ConfirmDialog>
      <FormDialog
        id="destination-backups"
        open={state.browsing !== null}
        title={`Backups on ${state.browsing?.name ?? ''}`}
        cancelLabel="Close"
        onSubmit={() => store.closeBrowse()}
        onCancel={() => store.closeBrowse()}
      >
        {state.browsing?.backups === null ? (
          <p class="muted">Listing…</p>
        ) : state.browsing?.backups.length === 0 ? (
          <p class="muted">There are no whole backups there.</p>
        ) : (
          <table class="backups remote-backups" data-testid="remote-backups">
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Size</th>
                <th scope="col">
                  <span class="sr-only">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {state.browsing?.backups.map((b) => (
                <tr key={b.fileName} data-testid="remote-backup" data-file-name={b.fileName}>
                  <th scope="row" class="name">
                    {b.fileName}
                  </th>
                  <td>{formatBytes(b.size)}</td>
                  <td>
                    <button type="button" aria-label={`Restore ${b.fileName} from ${state.browsing?.name ?? ''}`} onClick={() => void store.restoreFrom(state.browsing!.name, b.fileName)}>
                      Restore…
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </FormDialog>
    </section>
  );
}
