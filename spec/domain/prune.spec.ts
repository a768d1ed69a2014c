import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { readAuditLog } from '../../src/domain/auditLog.ts';
import { STATE_FILE, pinnedSet, removeStateLeftovers, readState, recordVerification, setPinned, writeState, EMPTY_STATE } from '../../src/domain/backupState.ts';
import { cleanBackupDir, listBackups } from '../../src/domain/listBackups.ts';
import { DEFAULT_POLICY, POLICY_FILE, writePolicy, type Policy } from '../../src/domain/policy.ts';
import { DELETING_SUFFIX, finishInterruptedPrunes, planPrune, pruneBackups } from '../../src/domain/prune.ts';
import { describeDecision } from '../../src/domain/retention.ts';
import { propertyRuns } from '../support/arbitraries.ts';
import { BACKUP_DIR, createBackupDirWorld, type BackupDirWorld } from '../support/backupDirWorld.ts';
import { codeOf } from '../support/codeOf.ts';
import { faultyFileSystem } from '../support/faultyFileSystem.ts';

const TZ = 'Europe/Berlin';
const retention = (r: Partial<Policy['retention']>): Policy => ({ ...DEFAULT_POLICY, retention: { keepLast: 0, keepHourly: 0, keepDaily: 0, keepWeekly: 0, keepMonthly: 0, keepYearly: 0, pruneAfterBackup: true, ...r } });
const LAST2_DAILY2 = retention({ keepLast: 2, keepDaily: 2 });

/** Ten backups six hours apart (2026-11-24 … 2026-11-26 in Berlin), the oldest pinned, the fourth verified good, the sixth failed a drill. */
async function world(): Promise<{ w: BackupDirWorld; names: string[] }> {
  const w = await createBackupDirWorld({ timeZone: TZ, now: '2026-11-27T12:00:00.000Z' });
  const names: string[] = [];
  for (let i = 0; i < 10; i += 1) names.push(await w.addBackup(new Date(Date.parse('2026-11-24T02:00:00Z') + i * 6 * 3_600_000)));
  let state = setPinned(EMPTY_STATE, names[0]!, true);
  state = recordVerification(state, names[3]!, { at: '2026-11-27T01:00:00.000Z', result: 'ok' });
  state = recordVerification(state, names[5]!, { at: '2026-11-27T01:00:00.000Z', result: 'failed', code: 'CORRUPT_ENTRY', message: 'bit rot' });
  await writeState(w.deps, w.config, state);
  await writePolicy(w.deps, w.config, LAST2_DAILY2);
  return { w, names };
}

/** Every listed backup has its sidecar, and nothing half-deleted is listed. */
async function expectWhole(w: BackupDirWorld): Promise<string[]> {
  const listed = await listBackups(w.deps, w.config);
  for (const b of listed) expect(b.checksum, `${b.fileName} has its sidecar`).not.toBeNull();
  return listed.map((b) => b.fileName);
}

describe('pruneBackups', () => {
  it('dry run: lists every backup with why it is kept or that it goes, and deletes nothing', async () => {
    const { w, names } = await world();
    const before = await w.names();
    const result = await pruneBackups(w.deps, w.config, { dryRun: true });
    expect(result.deleted).toEqual([]);
    expect(await w.names()).toEqual(before);
    expect(describeDecision(result.decision).map((l) => l.replace(/casevault-backup-(\d{8}T\d{4})\d{5}Z\.zip/, '$1'))).toEqual([
      'keep  20261126T0800  last 2, daily 2026-11-26', // 09:00 in Berlin
      'keep  20261126T0200  last 2',
      'keep  20261125T2000  daily 2026-11-25', // 21:00 in Berlin
      'drop  20261125T1400  no rule keeps it',
      'drop  20261125T0800  no rule keeps it', // failed its drill: not the last verified good
      'drop  20261125T0200  no rule keeps it',
      'keep  20261124T2000  last verified good',
      'drop  20261124T1400  no rule keeps it',
      'drop  20261124T0800  no rule keeps it',
      'keep  20261124T0200  pinned',
    ]);
    expect(result.decision.keep).toHaveLength(5);
    expect(names).toHaveLength(10);
  });

  it('deletes what the policy drops, ZIP and sidecar, records each in the audit log and forgets its state', async () => {
    const { w, names } = await world();
    const plan = await planPrune(w.deps, w.config);
    const result = await pruneBackups(w.deps, w.config);
    expect(result.deleted.map((b) => b.fileName).sort()).toEqual([...plan.decision.drop].sort());
    expect((await expectWhole(w)).sort()).toEqual([...plan.decision.keep].sort());
    expect((await w.names()).filter((n) => n.endsWith('.sha256') || n.endsWith(DELETING_SUFFIX)).length).toBe(5);
    const audit = await readAuditLog(w.deps, w.config);
    expect(audit.broken).toBeNull();
    expect(audit.entries.map((e) => [e.action, e.file, e.result, e.sha256])).toEqual(result.deleted.map((b) => ['prune', b.filePath, 'ok', b.checksum]));
    const state = await readState(w.deps, w.config);
    expect(Object.keys(state.backups).sort()).toEqual([names[0], names[3]].sort()); // the failed one was deleted
    expect(pinnedSet(state)).toEqual(new Set([names[0]]));
    // Applied again, it removes nothing more.
    expect((await pruneBackups(w.deps, w.config)).deleted).toEqual([]);
  });

  it('unlists a backup durably (rename, then fsync of the folder) before its sidecar goes', async () => {
    const { w } = await world();
    const traced = faultyFileSystem(w.memfs, null);
    const result = await pruneBackups(w.withFs(traced), w.config);
    expect(result.deleted.length).toBeGreaterThan(0);
    for (const b of result.deleted) {
      const renamed = traced.trace.indexOf(`rename ${b.filePath} -> ${b.filePath}${DELETING_SUFFIX}`);
      const synced = traced.trace.indexOf(`syncDir ${BACKUP_DIR}`, renamed);
      const sidecar = traced.trace.indexOf(`remove ${b.filePath}.sha256`);
      const zip = traced.trace.indexOf(`remove ${b.filePath}${DELETING_SUFFIX}`);
      expect(renamed).toBeGreaterThanOrEqual(0);
      expect([renamed < synced, synced < sidecar, sidecar < zip]).toEqual([true, true, true]);
    }
  });

  it('refuses to run on a damaged state or policy, deleting nothing', async () => {
    for (const [file, code] of [[STATE_FILE, 'STATE_CORRUPT'], [POLICY_FILE, 'POLICY_INVALID']] as const) {
      const { w } = await world();
      await w.memfs.writeFile(`${BACKUP_DIR}/${file}`, new TextEncoder().encode('{"version": 1, "backups": '));
      const before = await w.names();
      expect(await codeOf(pruneBackups(w.deps, w.config))).toBe(code);
      expect(await w.names()).toEqual(before);
    }
  });

  it('stops at a failed deletion, records it as failed, and keeps the record of what it deleted before', async () => {
    const { w } = await world();
    const plan = await planPrune(w.deps, w.config);
    // Find the operation that renames the second backup, in a run without faults.
    const probe = (await world()).w;
    const trace = faultyFileSystem(probe.memfs, null);
    await pruneBackups(probe.withFs(trace), probe.config);
    const renames = trace.trace.flatMap((op, i) => (op.startsWith('rename') && op.includes(DELETING_SUFFIX) ? [i + 1] : []));
    const k = renames[1]!;
    const faulty = faultyFileSystem(w.memfs, { failAt: k, mode: 'fail' });
    expect(await codeOf(pruneBackups(w.withFs(faulty), w.config))).toBe('IO_ERROR');
    const audit = await readAuditLog(w.deps, w.config);
    expect(audit.entries.map((e) => [e.action, e.result, e.code])).toEqual([['prune', 'ok', null], ['prune', 'failed', 'IO_ERROR']]);
    const listed = await expectWhole(w);
    expect(listed).toHaveLength(9);
    expect(listed).toEqual(expect.arrayContaining([...plan.decision.keep]));
  });

  it('after a kill at any step, leaves whole backups or none, never a listed backup without its sidecar; the next start finishes', async () => {
    const { w: probe } = await world();
    const counting = faultyFileSystem(probe.memfs, null);
    const expected = await pruneBackups(probe.withFs(counting), probe.config);
    const steps = counting.ops;
    expect(steps).toBeGreaterThan(20);
    for (let k = 1; k <= steps; k += 1) {
      const { w } = await world();
      const faulty = faultyFileSystem(w.memfs, { failAt: k, mode: 'crash' });
      await pruneBackups(w.withFs(faulty), w.config).catch(() => {});
      const listed = await expectWhole(w);
      expect(listed, `crash at ${faulty.trace[k - 1]}`).toEqual(expect.arrayContaining([...expected.decision.keep]));
      expect(await readState(w.deps, w.config)).toBeDefined(); // readable, not STATE_CORRUPT
      // The next start: finish the deletions, clean what an export left, prune again.
      await finishInterruptedPrunes(w.deps, w.config);
      await removeStateLeftovers(w.deps, w.config);
      await cleanBackupDir(w.deps, w.config);
      await pruneBackups(w.deps, w.config);
      expect((await expectWhole(w)).sort()).toEqual([...expected.decision.keep].sort());
      expect((await w.names()).filter((n) => n.endsWith(DELETING_SUFFIX) || n.endsWith('.tmp'))).toEqual([]);
      expect(Object.keys((await readState(w.deps, w.config)).backups).every((n) => expected.decision.keep.includes(n))).toBe(true);
      expect((await readAuditLog(w.deps, w.config)).broken).toBeNull();
    }
  });

  it('never deletes a pinned backup, the newest verified-good one, the newest, or the last one', async () => {
    const arb = fc.record({
      backups: fc.array(fc.record({ hoursAfter: fc.integer({ min: 1, max: 24 * 60 }), pinned: fc.boolean(), verified: fc.constantFrom('ok', 'failed', null) }), { minLength: 1, maxLength: 15 }),
      keep: fc.record({ keepLast: fc.integer({ min: 0, max: 3 }), keepDaily: fc.integer({ min: 0, max: 3 }), keepWeekly: fc.integer({ min: 0, max: 2 }) }).filter((k) => k.keepLast + k.keepDaily + k.keepWeekly > 0),
    });
    await fc.assert(
      fc.asyncProperty(arb, async ({ backups, keep }) => {
        const w = await createBackupDirWorld({ timeZone: TZ });
        let state = EMPTY_STATE;
        const made: { name: string; pinned: boolean; verified: string | null }[] = [];
        for (const b of backups) {
          const name = await w.addBackup(new Date(Date.parse('2026-09-01T00:00:00Z') + b.hoursAfter * 3_600_000));
          if (made.some((m) => m.name === name)) continue;
          made.push({ name, pinned: b.pinned, verified: b.verified });
          if (b.pinned) state = setPinned(state, name, true);
          if (b.verified === 'ok') state = recordVerification(state, name, { at: '2026-11-27T00:00:00.000Z', result: 'ok' });
          if (b.verified === 'failed') state = recordVerification(state, name, { at: '2026-11-27T00:00:00.000Z', result: 'failed', code: 'TRUNCATED', message: 'cut' });
        }
        await writeState(w.deps, w.config, state);
        await pruneBackups(w.deps, w.config, { policy: retention(keep) });
        const left = new Set(await expectWhole(w));
        const sorted = [...made].sort((a, b) => b.name.localeCompare(a.name));
        expect(left.size).toBeGreaterThan(0);
        expect(left.has(sorted[0]!.name)).toBe(true);
        for (const m of made.filter((x) => x.pinned)) expect(left.has(m.name)).toBe(true);
        const good = sorted.find((m) => m.verified === 'ok');
        if (good) expect(left.has(good.name)).toBe(true);
      }),
      { numRuns: propertyRuns() },
    );
  });
});

describe('finishInterruptedPrunes', () => {
  it('removes .deleting leftovers and their sidecars, and nothing else', async () => {
    const { w, names } = await world();
    await w.memfs.rename(`${BACKUP_DIR}/${names[1]}`, `${BACKUP_DIR}/${names[1]}${DELETING_SUFFIX}`);
    await w.memfs.rename(`${BACKUP_DIR}/${names[2]}`, `${BACKUP_DIR}/${names[2]}${DELETING_SUFFIX}`);
    await w.memfs.remove(`${BACKUP_DIR}/${names[2]}.sha256`);
    expect(await finishInterruptedPrunes(w.deps, w.config)).toEqual([names[1], names[2]]);
    const left = await w.names();
    expect(left.filter((n) => n.includes(names[1]!) || n.includes(names[2]!))).toEqual([]);
    expect((await expectWhole(w)).length).toBe(8);
    expect(await finishInterruptedPrunes(w.deps, w.config)).toEqual([]);
  });
});
