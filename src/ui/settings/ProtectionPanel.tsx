import type { StatusView } from '../../contract/channels.ts';
import { formatAgo, formatDate } from '../format.ts';
import { useNow } from '../useNow.ts';
import { LoadFailed } from './LoadFailed.tsx';
import { KEEP_FIELDS, type PolicyField, type PolicyForm } from './policyForm.ts';
import type { ProtectionState, ProtectionStore } from './protectionStore.ts';
import { rememberOrigin } from './focusReturn.ts';

const SCHEDULER_TEXT: Record<StatusView['scheduler'], string | null> = {
  idle: null,
  running: 'An automatic backup or check is running…',
  waiting: 'Waiting for another operation to finish; the automatic backup runs after it.',
  stopped: 'Paused while a restore runs.',
};

/** "Last backup 3 hours ago, verified" and what runs next. */
function Summary({ status }: { status: StatusView }) {
  const now = useNow();
  const { lastBackup, lastVerifiedGood } = status;
  const verified = lastBackup !== null && lastVerifiedGood?.fileName === lastBackup.fileName;
  const failed = lastBackup !== null && status.alarms.some((a) => a.code === 'DRILL_FAILED' && a.fileName === lastBackup.fileName);
  const state = SCHEDULER_TEXT[status.scheduler];
  return (
    <div class="summary" data-testid="protection-summary">
      <p class="summary-last" data-testid="last-backup">
        {lastBackup === null ? (
          'No backup yet'
        ) : (
          <>
            Last backup <time dateTime={lastBackup.createdAt} title={formatDate(lastBackup.createdAt)}>{formatAgo(lastBackup.createdAt, now)}</time>,{' '}
            {verified ? <span class="ok">verified</span> : failed ? <span class="bad">failed its check</span> : 'not checked yet'}
          </>
        )}
      </p>
      {lastVerifiedGood !== null && !verified && (
        <p class="muted" data-testid="last-verified">
          Newest verified backup: <time dateTime={lastVerifiedGood.createdAt}>{formatAgo(lastVerifiedGood.createdAt, now)}</time>
        </p>
      )}
      <p data-testid="next-backup">
        <span class="muted">Next backup: </span>
        {status.nextBackup.text === 'Off' ? 'none scheduled' : status.nextBackup.text.replace(/^Next /, '')}
      </p>
      {state !== null && (
        <p class="muted" data-testid="scheduler-state" role="status">
          {state}
        </p>
      )}
    </div>
  );
}

function FieldError({ id, errors, field }: { id: string; errors: ProtectionState['formErrors']; field: PolicyField }) {
  const message = errors[field];
  return message ? (
    <span id={id} class="field-error">
      <span aria-hidden="true">✕ </span>
      <span data-testid={`error-${field}`}>{message}</span>
    </span>
  ) : null;
}

/** Settings → Backup → Automatic backups: what runs by itself, and when it last did. */
export function ProtectionPanel({ state, store, busy }: { state: ProtectionState; store: ProtectionStore; busy: boolean }) {
  const { status, form, formErrors: errors } = state;
  return (
    <section class="card protection" aria-labelledby="protection-heading">
      <h2 id="protection-heading" tabIndex={-1}>
        Automatic backups
      </h2>
      {state.loadFailed ? (
        <LoadFailed what="The automatic backups" headingId="protection-heading" onRetry={() => void store.refresh()} />
      ) : status === null || form === null ? (
        <p class="muted">Loading…</p>
      ) : (
        <>
          <Summary status={status} />
          <PolicyEditor form={form} errors={errors} state={state} store={store} busy={busy} />
        </>
      )}
    </section>
  );
}

function PolicyEditor({ form, errors, state, store, busy }: { form: PolicyForm; errors: ProtectionState['formErrors']; state: ProtectionState; store: ProtectionStore; busy: boolean }) {
  const set = <K extends keyof PolicyForm>(key: K) => (value: PolicyForm[K]) => store.edit(key, value);
  const text = (key: keyof PolicyForm) => (e: { currentTarget: HTMLInputElement }) => store.edit(key, e.currentTarget.value as never);
  const invalid = (field: PolicyField) => (errors[field] ? { 'aria-invalid': true as const, 'aria-describedby': `policy-${field}-error` } : {});
  const backupOnQuit = state.policy?.backupOnQuit ?? false;
  const hasErrors = Object.keys(errors).length > 0;
  return (
    // Not a <form>: Enter in a field must not save (as the export panel, implicit submission).
    <div class="policy" data-testid="policy-form">
      <label class="check switch">
        <input type="checkbox" checked={form.enabled} onChange={(e) => set('enabled')(e.currentTarget.checked)} />
        <span>Back up automatically</span>
      </label>
      <fieldset disabled={!form.enabled} aria-describedby={errors.schedule ? 'policy-schedule-error' : undefined}>
        <legend>When</legend>
        <div class="inline">
          <label class="check">
            <input type="checkbox" checked={form.everyEnabled} onChange={(e) => set('everyEnabled')(e.currentTarget.checked)} />
            <span>Every</span>
          </label>
          <input
            class="number"
            type="text"
            inputMode="numeric"
            aria-label="Back up every (number)"
            value={form.everyValue}
            disabled={!form.everyEnabled}
            onInput={text('everyValue')}
            {...invalid('everyValue')}
          />
          <select aria-label="Back up every (unit)" value={form.everyUnit} disabled={!form.everyEnabled} onChange={(e) => set('everyUnit')(e.currentTarget.value as PolicyForm['everyUnit'])}>
            <option value="minutes">minutes</option>
            <option value="hours">hours</option>
            <option value="days">days</option>
          </select>
        </div>
        <FieldError id="policy-everyValue-error" errors={errors} field="everyValue" />
        <div class="inline">
          <label class="check">
            <input type="checkbox" checked={form.dailyEnabled} onChange={(e) => set('dailyEnabled')(e.currentTarget.checked)} />
            <span>Also every day at</span>
          </label>
          <input type="time" aria-label="Daily backup time" value={form.dailyAt} disabled={!form.dailyEnabled} onInput={text('dailyAt')} {...invalid('dailyAt')} />
        </div>
        <FieldError id="policy-dailyAt-error" errors={errors} field="dailyAt" />
        <FieldError id="policy-schedule-error" errors={errors} field="schedule" />
        <label class="check">
          <input type="checkbox" checked={form.skipUnchanged} onChange={(e) => set('skipUnchanged')(e.currentTarget.checked)} />
          <span>
            Skip when nothing changed <span class="muted">(no new backup of the same data)</span>
          </span>
        </label>
        {backupOnQuit && (
          <label class="check">
            <input type="checkbox" checked={form.onAppQuit} onChange={(e) => set('onAppQuit')(e.currentTarget.checked)} />
            <span>Also when the app quits</span>
          </label>
        )}
      </fieldset>

      <fieldset aria-describedby={errors.retention ? 'policy-retention-error' : undefined}>
        <legend>Keep</legend>
        <p class="muted hint">A backup is kept if any count keeps it. Pinned backups, the newest verified one and the last one are always kept.</p>
        <div class="keep-grid">
          {KEEP_FIELDS.map(([key, label, hint]) => (
            <label key={key} class="keep" title={hint}>
              <span>{label}</span>
              <input class="number" type="text" inputMode="numeric" value={form[key]} onInput={text(key)} aria-label={`Keep ${label.toLowerCase()} (${hint})`} {...invalid(key)} />
              <FieldError id={`policy-${key}-error`} errors={errors} field={key} />
            </label>
          ))}
        </div>
        <FieldError id="policy-retention-error" errors={errors} field="retention" />
        <label class="check">
          <input type="checkbox" checked={form.pruneAfterBackup} onChange={(e) => set('pruneAfterBackup')(e.currentTarget.checked)} />
          <span>After each automatic backup, delete the backups no count keeps</span>
        </label>
      </fieldset>

      <fieldset>
        <legend>Check stored backups</legend>
        <div class="inline">
          <label class="check">
            <input type="checkbox" checked={form.drillEnabled} onChange={(e) => set('drillEnabled')(e.currentTarget.checked)} />
            <span>Re-check each backup every</span>
          </label>
          <input class="number" type="text" inputMode="numeric" aria-label="Re-check every (number)" value={form.drillValue} disabled={!form.drillEnabled} onInput={text('drillValue')} {...invalid('drillValue')} />
          <select aria-label="Re-check every (unit)" value={form.drillUnit} disabled={!form.drillEnabled} onChange={(e) => set('drillUnit')(e.currentTarget.value as PolicyForm['drillUnit'])}>
            <option value="hours">hours</option>
            <option value="days">days</option>
          </select>
        </div>
        <FieldError id="policy-drillValue-error" errors={errors} field="drillValue" />
        <div class="inline">
          <span aria-hidden="true">for at most</span>
          <input id="drill-budget" class="number" type="text" inputMode="numeric" aria-label="Check for at most (minutes at a time)" value={form.drillBudget} onInput={text('drillBudget')} {...invalid('drillBudget')} />
          <span aria-hidden="true">minutes at a time</span>
        </div>
        <FieldError id="policy-drillBudget-error" errors={errors} field="drillBudget" />
      </fieldset>

      <div role="alert" class="form-errors">
        {hasErrors && <p data-testid="policy-errors">The policy was not saved: correct the fields marked above.</p>}
        {state.saveError !== null && (
          <p data-testid="policy-save-error">
            The policy was not saved: {state.saveError}
          </p>
        )}
      </div>
      <div class="actions">
        {state.dirty && (
          <button type="button" disabled={state.saving} onClick={() => store.resetForm()}>
            Undo changes
          </button>
        )}
        <button
          type="button"
          class="primary"
          disabled={state.saving || busy}
          onClick={(e) => {
            rememberOrigin(e.currentTarget);
            void store.save();
          }}
        >
          Save
        </button>
      </div>
    </div>
  );
}
