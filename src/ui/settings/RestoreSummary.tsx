import type { Confirmation } from './backupStore.ts';
import { COUNT_ROWS } from './CurrentData.tsx';
import { formatBytes, formatDate } from '../format.ts';

type RestoreConfirmation = Extract<Confirmation, { kind: 'restore' }>;

/** What the backup holds against what is there now; categories the backup leaves out are kept. */
export function RestoreSummary({ confirmation }: { confirmation: RestoreConfirmation }) {
  const { backup, current } = confirmation;
  const inBackup = (key: string): number | null => {
    if (key === 'files') return backup.options.includeFiles ? backup.counts.files : null;
    return backup.options.includeDatabase ? backup.counts[key as 'cases'] : null;
  };
  return (
    <>
      <p>
        <strong>{confirmation.fileName}</strong> ({formatBytes(confirmation.size)}), made <span data-testid="backup-date">{formatDate(backup.createdAt)}</span>{' '}
        by casevault {backup.appVersion}.
      </p>
      <table class="compare" data-testid="restore-compare">
        <thead>
          <tr>
            <th scope="col">
              <span class="sr-only">What</span>
            </th>
            <th scope="col">In the backup</th>
            <th scope="col">Now</th>
          </tr>
        </thead>
        <tbody>
          {COUNT_ROWS.map((row) => {
            const value = inBackup(row.key);
            return (
              <tr key={row.key}>
                <th scope="row">{row.label}</th>
                <td data-testid={`backup-${row.key}`}>{value === null ? 'not in backup (kept as now)' : value}</td>
                <td data-testid={`now-${row.key}`}>{current ? current.counts[row.key] : '–'}</td>
              </tr>
            );
          })}
          <tr>
            <th scope="row">Settings</th>
            <td data-testid="backup-settings">{backup.options.includeMetadata ? 'included' : 'not in backup (kept as now)'}</td>
            <td data-testid="now-settings">{current ? (current.hasSettings ? 'present' : 'none') : '–'}</td>
          </tr>
        </tbody>
      </table>
      <p data-testid="safety-note">
        The current data will be replaced. <strong>A safety copy of it is kept</strong>{' '}
        {current ? (
          <>
            as <code>{current.dataDir}.safety-…</code>
          </>
        ) : (
          'beside the data folder'
        )}
        , so this can be undone by hand (the next restore replaces that copy).
      </p>
    </>
  );
}
