import type { BackupListItem } from '../../contract/channels.ts';
import { ERROR_TITLES } from '../../contract/errorTitles.ts';
import type { BackupState, BackupStore } from './backupStore.ts';
import type { ProtectionState, ProtectionStore } from './protectionStore.ts';
import { formatAgo, formatBytes, formatDate, formatDateShort, shortChecksum } from '../format.ts';
import { useNow } from '../useNow.ts';
import { OperationProgress } from './ProgressBar.tsx';
import { rememberOrigin } from './focusReturn.ts';
import { LoadFailed } from './LoadFailed.tsx';
import { LockMark } from './LockMark.tsx';

/** Where the focus goes when the control that had it went with its row: the list's heading. */
const listHeading = () => document.getElementById('backups-heading');

/** The last verification: a word and a sign (never colour alone), the date, the failure's title. */
function CheckCell({ backup, now }: { backup: BackupListItem; now: number }) {
  if (backup.verified === null) return <span class="muted">Not checked yet</span>;
  const when = backup.verifiedAt ? (
    <time class="muted when" dateTime={backup.verifiedAt} title={formatDate(backup.verifiedAt)}>
      {formatAgo(backup.verifiedAt, now)}
    </time>
  ) : null;
  if (backup.verified) {
    return (
      <span class="check-ok">
        <span aria-hidden="true">✓ </span>Verified {when}
      </span>
    );
  }
  return (
    <span class="check-failed">
      <span aria-hidden="true">✕ </span>Failed <span class="why">{ERROR_TITLES[backup.verificationCode ?? 'INTERNAL']}</span> {when}
    </span>
  );
}

/** Why retention keeps it (restic's reasons), or that the next prune deletes it. */
function KeptCell({ backup }: { backup: BackupListItem }) {
  const r = backup.retention;
  if (r === null) return <span class="muted">–</span>;
  if (!r.keep) return <span class="goes">Not kept: the next prune deletes it</span>;
  // The rule by name ("daily"); its bucket ("2026-11-27") is in the title and the prune dialog.
  return (
    <ul class="reasons" title={r.reasons.join(', ')}>
      {r.reasons.map((reason) => (
        <li key={reason}>{reason.replace(/ \d{4}-.*$/, '').replace(/ \(.*\)$/, '')}</li>
      ))}
    </ul>
  );
}

/** Where a copy of it is, off this computer (issue 14): "on USB drive ✓". */
function DestinationMarks({ names }: { names: readonly string[] | undefined }) {
  if (!names || names.length === 0) return null;
  return (
    <span class="dest-marks" data-testid="dest-marks">
      {names.map((name) => (
        <span class="dest-mark" key={name} data-destination={name}>
          on {name} <span aria-hidden="true">✓</span>
        </span>
      ))}
    </span>
  );
}

export function BackupList({
  state,
  store,
  protection,
  protectionStore,
  marks,
}: {
  state: BackupState;
  store: BackupStore;
  protection: ProtectionState;
  protectionStore: ProtectionStore;
  /** fileName → the destinations that hold it whole. */
  marks?: ReadonlyMap<string, readonly string[]> | undefined;
}) {
  const { backups, operation, pending } = state;
  const busy = operation !== null || pending || protection.operation !== null || protection.pending;
  const now = useNow();
  return (
    <section class="card" aria-labelledby="backups-heading">
      <div class="card-head">
        <h2 id="backups-heading" tabIndex={-1}>
          Backups
        </h2>
        {backups !== null && backups.length > 0 && (
          <div class="head-actions">
            <button
              type="button"
              disabled={busy}
              onClick={(e) => {
                rememberOrigin(e.currentTarget, listHeading);
                void protectionStore.drillNow();
              }}
            >
              Check backups now
            </button>
            <button
              type="button"
              disabled={busy}
              onClick={(e) => {
                rememberOrigin(e.currentTarget, listHeading);
                void protectionStore.requestPrune();
              }}
            >
              Prune…
            </button>
          </div>
        )}
      </div>
      {state.backupDir !== null && (
        <p class="location">
          <span class="muted">In </span>
          <code data-testid="backup-dir">{state.backupDir}</code>
        </p>
      )}
      {(operation?.kind === 'verify' || operation?.kind === 'portable') && <OperationProgress operation={operation} onCancel={() => void store.cancel()} />}
      {protection.operation?.kind === 'drill' && (
        <OperationProgress operation={protection.operation} onCancel={() => void protectionStore.cancel()} />
      )}
      {state.loadFailed.list ? (
        <LoadFailed what="The list of backups" headingId="backups-heading" onRetry={() => void store.refresh()} />
      ) : backups === null ? (
        <p class="muted">Loading…</p>
      ) : backups.length === 0 ? (
        <p class="muted" data-testid="no-backups">
          No backups yet.
        </p>
      ) : (
        <table class="backups" data-testid="backup-list">
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Date</th>
              <th scope="col">Size</th>
              <th scope="col">Last check</th>
              <th scope="col">Kept because</th>
              <th scope="col">
                <span class="sr-only">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {backups.map((b) => (
              <tr key={b.fileName} data-testid="backup-row" data-file-name={b.fileName} data-pinned={b.pinned === true ? 'true' : undefined}>
                <th scope="row" class="name">
                  {b.fileName}
                  {b.encrypted && (
                    <>
                      {' '}
                      <LockMark />
                    </>
                  )}
                  {(b.packs ?? 0) > 0 && (
                    <span class="kind-mark" data-testid="incremental-mark" title={`Incremental: its documents are in the backup folder's pool (${b.packs} pack${b.packs === 1 ? '' : 's'}), shared with other backups`}>
                      incremental
                    </span>
                  )}
                  <DestinationMarks names={marks?.get(b.fileName)} />
                </th>
                <td class="date">{formatDateShort(b.createdAt)}</td>
                <td class="size">
                  {formatBytes(b.size)}
                  <code class="checksum" title={b.checksum ? `SHA-256 ${b.checksum}` : undefined}>
                    {shortChecksum(b.checksum)}
                  </code>
                </td>
                <td data-testid="backup-check">
                  <CheckCell backup={b} now={now} />
                </td>
                <td class="kept" data-testid="backup-kept">
                  <KeptCell backup={b} />
                </td>
                <td class="row-actions">
                  <div class="row-buttons">
                    <button
                      type="button"
                      class={b.pinned ? 'pin pinned' : 'pin'}
                      disabled={busy || b.pinned === null}
                      aria-pressed={b.pinned === true}
                      aria-label={`Pin ${b.fileName}`}
                      title={b.pinned ? 'Pinned: never pruned. Press to unpin.' : 'Pin: never prune this backup'}
                      onClick={(e) => {
                        rememberOrigin(e.currentTarget, listHeading);
                        void protectionStore.setPinned(b.fileName, !b.pinned);
                      }}
                    >
                      {b.pinned ? 'Pinned' : 'Pin'}
                    </button>
                    <button
                      type="button"
                      disabled={busy}
                      aria-label={`Verify ${b.fileName}`}
                      onClick={(e) => {
                        rememberOrigin(e.currentTarget, listHeading);
                        void store.verify(b.fileName);
                      }}
                    >
                      Verify
                    </button>
                    <button
                      type="button"
                      disabled={busy}
                      aria-label={`Restore ${b.fileName}`}
                      onClick={(e) => {
                        rememberOrigin(e.currentTarget, listHeading);
                        void store.requestRestore({ fileName: b.fileName });
                      }}
                    >
                      Restore
                    </button>
                    <button
                      type="button"
                      disabled={busy}
                      aria-label={`Portable copy of ${b.fileName}`}
                      title="One self-contained ZIP of this backup, to carry to another computer"
                      onClick={(e) => {
                        rememberOrigin(e.currentTarget, listHeading);
                        void store.portable(b.fileName);
                      }}
                    >
                      Portable copy
                    </button>
                    <button
                      type="button"
                      class="danger"
                      disabled={busy}
                      aria-label={`Delete ${b.fileName}`}
                      onClick={(e) => {
                        rememberOrigin(e.currentTarget, listHeading);
                        store.requestDelete(b.fileName);
                      }}
                    >
                      Delete
                    </button>
                  </div>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
