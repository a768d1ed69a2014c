/**
 * The model of the 90-day timeline, without JSX: one mark per backup of the window (its
 * place in time, its size as a height relative to the largest, verified / failed / not
 * checked yet), the counts, and the longest gap between backups (up to now included), so
 * the chart and its text alternative say the same thing.
 */
export type MarkKind = 'verified' | 'failed' | 'unverified';

export interface TimelineMark {
  readonly fileName: string;
  readonly createdAt: string;
  readonly size: number;
  readonly kind: MarkKind;
  /** 0 (the window's start) … 1 (now). */
  readonly x: number;
  /** 0.15 … 1: relative to the largest backup in the window (a tiny one stays visible). */
  readonly height: number;
}

export interface TimelineModel {
  readonly start: number;
  readonly end: number;
  readonly days: number;
  readonly marks: readonly TimelineMark[];
  readonly counts: Readonly<Record<MarkKind, number>>;
  /** The longest time without a backup, between two of them or from the newest to now; null with no backup. */
  readonly longestGap: { readonly from: number; readonly to: number; readonly days: number } | null;
  readonly summary: string;
}

const DAY = 86_400_000;
const MIN_HEIGHT = 0.15;

export const shortDate = (ms: number) => new Date(ms).toLocaleDateString(undefined, { day: 'numeric', month: 'short' });

export function timelineModel(
  backups: readonly { fileName: string; createdAt: string; size: number; verified: boolean | null }[],
  now: number,
  days = 90,
): TimelineModel {
  const start = now - days * DAY;
  const inWindow = backups
    .map((b) => ({ ...b, at: Date.parse(b.createdAt) }))
    .filter((b) => Number.isFinite(b.at) && b.at >= start && b.at <= now)
    .sort((a, b) => b.at - a.at);
  const largest = Math.max(1, ...inWindow.map((b) => b.size));
  const marks = inWindow.map((b): TimelineMark => ({
    fileName: b.fileName,
    createdAt: b.createdAt,
    size: b.size,
    kind: b.verified === true ? 'verified' : b.verified === false ? 'failed' : 'unverified',
    x: (b.at - start) / (now - start),
    height: Math.max(MIN_HEIGHT, b.size / largest),
  }));
  const counts = { verified: 0, failed: 0, unverified: 0 };
  for (const m of marks) counts[m.kind] += 1;

  let longestGap: TimelineModel['longestGap'] = null;
  const times = [now, ...inWindow.map((b) => b.at)];
  for (let i = 1; i < times.length; i += 1) {
    const gap = times[i - 1]! - times[i]!;
    if (longestGap === null || gap > longestGap.to - longestGap.from) longestGap = { from: times[i]!, to: times[i - 1]!, days: Math.floor(gap / DAY) };
  }
  return { start, end: now, days, marks, counts, longestGap, summary: summarize(marks.length, counts, longestGap, now, days) };
}

function summarize(total: number, counts: Record<MarkKind, number>, gap: TimelineModel['longestGap'], now: number, days: number): string {
  if (total === 0) return `No backups in the last ${days} days.`;
  const parts = [
    counts.verified > 0 ? `${counts.verified} verified` : null,
    counts.failed > 0 ? `${counts.failed} failed its check` : null,
    counts.unverified > 0 ? `${counts.unverified} not checked yet` : null,
  ].filter((p) => p !== null);
  const head = `${total} backup${total === 1 ? '' : 's'} in the last ${days} days: ${parts.join(', ')}.`;
  if (gap === null || gap.days < 1) return head;
  const until = gap.to === now ? 'until now' : `to ${shortDate(gap.to)}`;
  return `${head} Longest gap: ${gap.days} day${gap.days === 1 ? '' : 's'}, from ${shortDate(gap.from)} ${until}.`;
}
