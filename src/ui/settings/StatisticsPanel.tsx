import type { BackupStatistics } from '../../contract/channels.ts';
import { formatBytes, formatDate } from '../format.ts';
import { LoadFailed } from './LoadFailed.tsx';

export function StatisticsPanel({ statistics, failed, onRetry }: { statistics: BackupStatistics | null; failed: boolean; onRetry: () => void }) {
  return (
    <section class="card" aria-labelledby="stats-heading">
      <h2 id="stats-heading" tabIndex={-1}>
        Statistics
      </h2>
      {failed ? (
        <LoadFailed what="The statistics of the backups" headingId="stats-heading" onRetry={onRetry} />
      ) : statistics === null ? (
        <p class="muted">Loading…</p>
      ) : (
        <dl class="stats" data-testid="statistics">
          <div>
            <dt>Backups</dt>
            <dd data-testid="stat-total">{statistics.totalBackups}</dd>
          </div>
          <div>
            <dt>Total size</dt>
            <dd data-testid="stat-size">{formatBytes(statistics.totalSize)}</dd>
          </div>
          <div>
            <dt>Average size</dt>
            <dd data-testid="stat-average">{formatBytes(statistics.averageSize)}</dd>
          </div>
          <div class="wide">
            <dt>Oldest</dt>
            <dd data-testid="stat-oldest">{formatDate(statistics.oldestBackup)}</dd>
          </div>
          <div class="wide">
            <dt>Newest</dt>
            <dd data-testid="stat-newest">{formatDate(statistics.newestBackup)}</dd>
          </div>
        </dl>
      )}
    </section>
  );
}
