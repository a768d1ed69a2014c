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
          {/* Incremental backups share their documents in the pool: what that saves (issue 12). */}
          <div title={`${statistics.poolPacks} pack${statistics.poolPacks === 1 ? '' : 's'} of documents shared by incremental backups`}>
            <dt>Shared pool</dt>
            <dd data-testid="stat-pool">{formatBytes(statistics.poolBytes)}</dd>
          </div>
          <div title="The backups and the pool, each pack counted once">
            <dt>On disk</dt>
            <dd data-testid="stat-disk">{formatBytes(statistics.diskBytes)}</dd>
          </div>
          <div title="What the backups would take if each held its documents itself">
            <dt>Without sharing</dt>
            <dd data-testid="stat-logical">{formatBytes(statistics.logicalBytes)}</dd>
          </div>
          <div class="wide">
            <dt>Saved by sharing</dt>
            <dd data-testid="stat-saved">
              {statistics.savedBytes > 0 ? `${formatBytes(statistics.savedBytes)} (${Math.round((statistics.savedBytes / statistics.logicalBytes) * 100)} %)` : statistics.savedBytes < 0 ? 'Nothing yet: the pool holds documents no backup lists' : 'Nothing yet'}
            </dd>
          </div>
        </dl>
      )}
    </section>
  );
}
