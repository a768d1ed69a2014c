/** The 90-day timeline's model: one mark per backup, its size as height, its check as kind, and the gaps in words. */
import { describe, expect, it } from 'vitest';
import { timelineModel } from '../../src/ui/settings/timeline.ts';

const DAY = 86_400_000;
const NOW = Date.parse('2026-11-30T12:00:00.000Z');
const backup = (daysAgo: number, size: number, verified: boolean | null, name = `b${daysAgo}`) => ({
  fileName: `${name}.zip`,
  createdAt: new Date(NOW - daysAgo * DAY).toISOString(),
  size,
  verified,
});

describe('timelineModel', () => {
  it('places one mark per backup of the last 90 days, newest right, as tall as its size, by its check', () => {
    const model = timelineModel([backup(1, 2000, true), backup(10, 1000, false), backup(45, 500, null), backup(120, 9000, true)], NOW);
    expect(model.marks.map((m) => [m.fileName, m.kind])).toEqual([
      ['b1.zip', 'verified'],
      ['b10.zip', 'failed'],
      ['b45.zip', 'unverified'],
    ]);
    const [newest, failed, unverified] = model.marks;
    expect(newest!.x).toBeCloseTo(89 / 90, 5);
    expect(failed!.x).toBeCloseTo(80 / 90, 5);
    expect(newest!.height).toBe(1);
    expect(failed!.height).toBeCloseTo(0.5, 5);
    expect(unverified!.height).toBeGreaterThanOrEqual(0.15);
    expect(model.counts).toEqual({ verified: 1, failed: 1, unverified: 1 });
  });

  it('names the longest gap, the one up to now included', () => {
    expect(timelineModel([backup(1, 1, true), backup(4, 1, true), backup(5, 1, true)], NOW).longestGap).toMatchObject({ days: 3 });
    const stale = timelineModel([backup(6, 1, true), backup(7, 1, true)], NOW);
    expect(stale.longestGap).toMatchObject({ days: 6, to: NOW });
    expect(stale.summary).toMatch(/^2 backups in the last 90 days: 2 verified\. Longest gap: 6 days, from .+ until now\.$/);
  });

  it('says when there is none', () => {
    const model = timelineModel([backup(100, 1, true)], NOW);
    expect(model.marks).toEqual([]);
    expect(model.summary).toBe('No backups in the last 90 days.');
  });

  it('counts failed and unchecked backups in words', () => {
    const model = timelineModel([backup(0.1, 1, null), backup(0.2, 1, false), backup(0.3, 1, true)], NOW);
    expect(model.summary).toBe('3 backups in the last 90 days: 1 verified, 1 failed its check, 1 not checked yet.');
  });
});
