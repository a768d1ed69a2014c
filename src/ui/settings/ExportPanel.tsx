import type { BackupState, BackupStore, ExportOptionsState } from './backupStore.ts';
import { OperationProgress } from './ProgressBar.tsx';
import { rememberOrigin } from './focusReturn.ts';

const CATEGORIES: { key: 'includeDatabase' | 'includeFiles' | 'includeMetadata'; label: string; hint: string }[] = [
  { key: 'includeDatabase', label: 'Database', hint: 'users, cases, tasks, hearings, orders' },
  { key: 'includeFiles', label: 'Documents', hint: 'the files attached to cases' },
  { key: 'includeMetadata', label: 'Settings', hint: 'preferences and app version' },
];

/** `blocked`: another operation of the page runs (a check, an undo). */
export function ExportPanel({ state, store, blocked = false }: { state: BackupState; store: BackupStore; blocked?: boolean }) {
  const { options, operation } = state;
  const busy = operation !== null || blocked;
  const set = <K extends keyof ExportOptionsState>(key: K, value: ExportOptionsState[K]) => store.setOption(key, value);
  return (
    <section class="card" aria-labelledby="export-heading">
      <h2 id="export-heading">Export a backup</h2>
      {/* Not a <form>: Enter in a form's checkbox or slider submits it (implicit submission),
          and here that would start an export. Only the button starts one. */}
      <fieldset disabled={busy}>
        <legend>What to include</legend>
        {CATEGORIES.map((c) => (
          <label key={c.key} class="check">
            <input type="checkbox" name={c.key} checked={options[c.key]} onChange={(e) => set(c.key, e.currentTarget.checked)} />
            <span>
              {c.label} <span class="muted">({c.hint})</span>
            </span>
          </label>
        ))}
        <label class="level" for="compression-level">
          Compression level <output for="compression-level">{options.compressionLevel}</output>
          <span class="muted"> (0 stores, 9 smallest)</span>
        </label>
        <input
          id="compression-level"
          type="range"
          min={0}
          max={9}
          step={1}
          value={options.compressionLevel}
          aria-valuetext={`level ${options.compressionLevel}`}
          onInput={(e) => set('compressionLevel', Number(e.currentTarget.value))}
        />
      </fieldset>
      <div class="actions">
        <button type="button" class="primary" disabled={busy} onClick={(e) => {
            rememberOrigin(e.currentTarget);
            void store.exportNow();
          }}
        >
          Export backup
        </button>
      </div>
      {operation?.kind === 'export' && <OperationProgress operation={operation} onCancel={() => void store.cancel()} />}
    </section>
  );
}
