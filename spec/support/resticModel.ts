/**
 * restic's retention, independently of src/domain/retention.ts: a transcription of restic's
 * walk, for the retention properties (spec/domain/retention.spec.ts) and the prediction of
 * what `casevault run-due` keeps day by day (spec/integration/runDueDays.spec.ts).
 */
import type { RetentionBackup, RetentionInput } from '../../src/domain/retention.ts';

export type RetentionCounts = RetentionInput['retention'];

/**
 * restic's internal/data/snapshot_policy.go ApplyPolicy, transcribed: a walk newest first
 * with one "last bucket value" per rule. Local fields come from a different formatter than
 * the domain's ('sv-SE' reads as "2026-11-27 14:05:00"), and ISO weeks from their Monday.
 */
export function resticModel(backups: readonly RetentionBackup[], r: RetentionCounts, timeZone: string): [string, string[]][] {
  const fmt = new Intl.DateTimeFormat('sv-SE', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' });
  const fields = (t: number) => fmt.format(t).split(/[- :]/).map(Number) as [number, number, number, number];
  const isoYearWeek = (t: number) => {
    const [y, m, d] = fields(t);
    const day = Date.UTC(y, m - 1, d) / 86_400_000;
    const monday = day - ((new Date(day * 86_400_000).getUTCDay() + 6) % 7);
    const year = new Date((monday + 3) * 86_400_000).getUTCFullYear();
    const firstMonday = (() => {
      const jan4 = Date.UTC(year, 0, 4) / 86_400_000;
      return jan4 - ((new Date(jan4 * 86_400_000).getUTCDay() + 6) % 7);
    })();
    return year * 100 + (monday - firstMonday) / 7 + 1;
  };
  const buckets: { rule: string; count: number; bucker: (t: number, nr: number) => number; last: number }[] = [
    { rule: 'last', count: r.keepLast, bucker: (_t, nr) => nr, last: -1 },
    { rule: 'hourly', count: r.keepHourly, bucker: (t) => ((f) => f[0] * 1_000_000 + f[1] * 10_000 + f[2] * 100 + f[3])(fields(t)), last: -1 },
    { rule: 'daily', count: r.keepDaily, bucker: (t) => ((f) => f[0] * 10_000 + f[1] * 100 + f[2])(fields(t)), last: -1 },
    { rule: 'weekly', count: r.keepWeekly, bucker: isoYearWeek, last: -1 },
    { rule: 'monthly', count: r.keepMonthly, bucker: (t) => ((f) => f[0] * 100 + f[1])(fields(t)), last: -1 },
    { rule: 'yearly', count: r.keepYearly, bucker: (t) => fields(t)[0], last: -1 },
  ];
  const list = [...backups].sort((a, b) => b.createdAt.localeCompare(a.createdAt));
  return list.map((cur, nr) => {
    const reasons: string[] = [];
    for (const b of buckets) {
      if (b.count > 0) {
        const val = b.bucker(Date.parse(cur.createdAt), nr);
        if (val !== b.last || nr === list.length - 1) {
          b.last = val;
          b.count -= 1;
          reasons.push(b.rule);
        }
      }
    }
    return [cur.fileName, reasons];
  });
}

