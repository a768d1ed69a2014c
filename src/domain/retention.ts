/**
 * Which backups retention keeps: a pure function of (backups, retention policy, pins, the
 * newest verified-good backup, time zone), with restic's `forget` semantics:
 * - keep-last N keeps the N newest backups;
 * - keep-hourly/-daily/-weekly/-monthly/-yearly N: backups are grouped by their local hour,
 *   day, ISO week, month or calendar year in the time zone; the newest backup of each of
 *   the N most recent groups is kept. If there are fewer than N groups, the oldest backup is
 *   kept too ("oldest daily …"), as restic ≥ 0.16 does, to keep the longest history the
 *   counts allow;
 * - a pinned backup, the newest backup that passed verification and the only backup are
 *   always kept (these take no slot of the counted rules: the rules run over all backups);
 * - a backup is kept if any rule keeps it, and every rule that does is given as a reason.
 * restic walks the list newest first and keeps a snapshot whose bucket differs from the last
 * kept one; grouping first gives the same result wherever local time does not run backwards
 * across a bucket boundary (a DST fall-back repeats an hour inside one day: the spec checks
 * the equality in eight zones, 2019–2031), and where it would, grouping is the documented
 * meaning ("the N most recent days that have a backup"). Nothing depends on the current
 * time, so a decision applied to what it keeps keeps all of it.
 */
import { bucketOf, type BucketUnit } from './localTime.ts';
import type { RetentionPolicy } from './policy.ts';

export interface RetentionBackup {
  readonly fileName: string;
  /** ISO 8601 instant (a listing's createdAt). */
  readonly createdAt: string;
}

export type KeepRule = 'last' | BucketUnit | 'pinned' | 'last-verified-good' | 'only-backup';

export interface KeepReason {
  readonly rule: KeepRule;
  /** The local bucket for a counted rule ("2026-11-27", "2026-W53"), or null. */
  readonly bucket: string | null;
  /** Kept as the oldest backup because the rule has fewer groups than its count. */
  readonly oldest: boolean;
  /** As restic's Reasons column says it: "last 3", "daily 2026-11-27", "pinned", "last verified good", "only backup". */
  readonly text: string;
}

export interface RetentionVerdict extends RetentionBackup {
  readonly keep: boolean;
  readonly reasons: readonly KeepReason[];
}

export interface RetentionInput {
  readonly backups: readonly RetentionBackup[];
  readonly retention: Pick<RetentionPolicy, 'keepLast' | 'keepHourly' | 'keepDaily' | 'keepWeekly' | 'keepMonthly' | 'keepYearly'>;
  readonly pinned: ReadonlySet<string>;
  /** The newest backup whose last verification passed (backupState.lastVerifiedGood), or null. */
  readonly lastVerifiedGood: string | null;
  readonly timeZone: string;
}

export interface RetentionDecision {
  /** Every backup, newest first, with its verdict and reasons. */
  readonly verdicts: readonly RetentionVerdict[];
  readonly keep: readonly string[];
  readonly drop: readonly string[];
}

const COUNTED: readonly [BucketUnit, keyof RetentionInput['retention']][] = [
  ['hourly', 'keepHourly'],
  ['daily', 'keepDaily'],
  ['weekly', 'keepWeekly'],
  ['monthly', 'keepMonthly'],
  ['yearly', 'keepYearly'],
];

/** Newest first; equal times by name, newest name first (as listBackups orders them). */
export function newestFirst<T extends RetentionBackup>(backups: readonly T[]): T[] {
  return [...backups].sort((a, b) => Date.parse(b.createdAt) - Date.parse(a.createdAt) || (a.fileName < b.fileName ? 1 : a.fileName > b.fileName ? -1 : 0));
}

export function decideRetention(input: RetentionInput): RetentionDecision {
  const sorted = newestFirst(input.backups);
  const names = new Set<string>();
  for (const b of sorted) {
    if (Number.isNaN(Date.parse(b.createdAt))) throw new Error(`decideRetention: ${b.fileName} has no valid createdAt (${b.createdAt})`);
    if (names.has(b.fileName)) throw new Error(`decideRetention: ${b.fileName} is listed twice`);
    names.add(b.fileName);
  }
  const reasons = sorted.map((): KeepReason[] => []);
  const add = (i: number, reason: Omit<KeepReason, 'text'>, text: string) => reasons[i]!.push({ ...reason, text });
  const { retention } = input;

  for (let i = 0; i < Math.min(retention.keepLast, sorted.length); i += 1) {
    add(i, { rule: 'last', bucket: null, oldest: false }, `last ${retention.keepLast}`);
  }
  for (const [unit, key] of COUNTED) {
    const count = retention[key];
    if (count <= 0) continue;
    // Newest first, so the first backup seen in a bucket is its newest, and buckets appear
    // in the order of their newest backups.
    const newestOfBucket = new Map<string, number>();
    sorted.forEach((b, i) => {
      const bucket = bucketOf(Date.parse(b.createdAt), unit, input.timeZone);
      if (!newestOfBucket.has(bucket)) newestOfBucket.set(bucket, i);
    });
    const chosen = [...newestOfBucket].slice(0, count);
    for (const [bucket, i] of chosen) add(i, { rule: unit, bucket, oldest: false }, `${unit} ${bucket}`);
    const last = sorted.length - 1;
    if (chosen.length < count && last >= 0 && !chosen.some(([, i]) => i === last)) {
      add(last, { rule: unit, bucket: bucketOf(Date.parse(sorted[last]!.createdAt), unit, input.timeZone), oldest: true }, `oldest ${unit} (fewer than ${count})`);
    }
  }
  sorted.forEach((b, i) => {
    if (input.pinned.has(b.fileName)) add(i, { rule: 'pinned', bucket: null, oldest: false }, 'pinned');
    if (b.fileName === input.lastVerifiedGood) add(i, { rule: 'last-verified-good', bucket: null, oldest: false }, 'last verified good');
  });
  if (sorted.length === 1) add(0, { rule: 'only-backup', bucket: null, oldest: false }, 'only backup');

  const counted = retention.keepLast + COUNTED.reduce((sum, [, key]) => sum + Math.max(0, retention[key]), 0);
  const verdicts = sorted.map((b, i) => {
    // No counted rule at all (a policy the reader refuses) removes nothing, as restic's forget without a policy.
    const keep = reasons[i]!.length > 0 || counted === 0;
    return { fileName: b.fileName, createdAt: b.createdAt, keep, reasons: reasons[i]! };
  });
  return {
    verdicts,
    keep: verdicts.filter((v) => v.keep).map((v) => v.fileName),
    drop: verdicts.filter((v) => !v.keep).map((v) => v.fileName),
  };
}

/** One line per backup for a dry run: "keep  casevault-backup-….zip  last 3, daily 2026-11-27" or "drop  …". */
export function describeDecision(decision: RetentionDecision): string[] {
  return decision.verdicts.map((v) => `${v.keep ? 'keep' : 'drop'}  ${v.fileName}  ${v.keep ? v.reasons.map((r) => r.text).join(', ') || 'no keep rule set' : 'no rule keeps it'}`);
}
