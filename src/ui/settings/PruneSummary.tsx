import type { RetentionVerdictView } from '../../contract/channels.ts';
import { formatDate } from '../format.ts';

/** What a prune would do: every backup, kept with its reasons or deleted. */
export function PruneSummary({ verdicts }: { verdicts: readonly RetentionVerdictView[] }) {
  const goes = verdicts.filter((v) => !v.keep);
  return (
    <>
      <p data-testid="prune-headline">
        {goes.length === 0
          ? 'The policy keeps every backup: nothing would be deleted.'
          : `${goes.length} of ${verdicts.length} backups would be deleted, with their checksum files. This cannot be undone.`}
      </p>
      <table class="compare prune" data-testid="prune-plan">
        <thead>
          <tr>
            <th scope="col">Backup</th>
            <th scope="col">Verdict</th>
          </tr>
        </thead>
        <tbody>
          {verdicts.map((v) => (
            <tr key={v.fileName} data-testid="prune-row" data-file-name={v.fileName} data-keep={String(v.keep)}>
              <th scope="row">{formatDate(v.createdAt)}</th>
              <td>{v.keep ? <span class="reasons">Keep: {v.reasons.join(', ')}</span> : <strong class="goes">Delete</strong>}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}
