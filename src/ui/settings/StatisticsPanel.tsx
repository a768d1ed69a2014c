import type { BackupStatistics } from '../../electron/shared/channels.ts';
import { formatBytes, formatDate } from '../format.ts';

export function StatisticsPanel({ statistics }: { statistics: BackupStatistics | null }) {
  return (
    <section class="card" aria-labelledby="stats-heading">
      <h2 id="stats-heading">Statistics</h2>
      {statistics === null ? (
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
