import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { readAuditLog } from '../../src/domain/auditLog.ts';
import { EMPTY_STATE, readState, recordDrill, recordOf, recordVerification, writeState, type BackupState } from '../../src/domain/backupState.ts';
import { DEFAULT_VERIFY_BYTES_PER_SECOND, estimateMs, runDrill, selectForDrill, type DrillCandidate } from '../../src/domain/drill.ts';
import { BackupError } from '../../src/domain/errors.ts';
import { DEFAULT_POLICY, type Policy } from '../../src/domain/policy.ts';
import { DRILL_SPACING_MS, drillDue } from '../../src/domain/schedule.ts';
import { propertyRuns } from '../support/arbitraries.ts';
import { createBackupDirWorld } from '../support/backupDirWorld.ts';
import { createMemoryHarness } from '../support/memoryHarness.ts';

const MB = 1_000_000;
const NOW = new Date('2026-11-27T12:00:00.000Z');
const drillPolicy = (budgetMinutes: number, days = 7): Policy => ({ ...DEFAULT_POLICY, drill: { every: { value: days, unit: 'days' }, budgetMinutes } });
const b = (fileName: string, createdAt: string, sizeMb: number): DrillCandidate => ({ fileName, createdAt: new Date(createdAt).toISOString(), size: sizeMb * MB });
const ok = (state: BackupState, name: string, at: string) => recordVerification(state, name, { at: new Date(at).toISOString(), result: 'ok' });

describe('selectForDrill', () => {
  // At the assumed 30 MB/s a 1 min budget holds 1,800 MB.
  const backups = [b('a.zip', '2026-11-01T00:00Z', 600), b('b.zip', '2026-11-10T00:00Z', 600), b('c.zip', '2026-11-20T00:00Z', 600), b('d.zip', '2026-11-26T00:00Z', 600)];

  it('takes never-verified backups first (newest first), then the oldest verification, within the budget', () => {
    let state = ok(EMPTY_STATE, 'a.zip', '2026-11-10T00:00Z');
    state = ok(state, 'b.zip', '2026-11-05T00:00Z');
    const s = selectForDrill({ policy: drillPolicy(1), backups, state, now: NOW, mode: 'due' });
    expect(s.fileNames).toEqual(['d.zip', 'c.zip', 'b.zip']);
    expect(s.deferred).toEqual(['a.zip']);
    expect(s.estimatedMs).toBe(3 * estimateMs(600 * MB, null));
  });

  it('takes at least one even if it is larger than the budget, and does not skip a large one for smaller ones', () => {
    const big = [b('huge.zip', '2026-11-01T00:00Z', 5000), b('small.zip', '2026-11-02T00:00Z', 1)];
    const state = ok(ok(EMPTY_STATE, 'huge.zip', '2026-11-01T00:00Z'), 'small.zip', '2026-11-02T00:00Z');
    expect(selectForDrill({ policy: drillPolicy(1), backups: big, state, now: NOW, mode: 'due' }).fileNames).toEqual(['huge.zip']);
    const afterHuge = ok(state, 'huge.zip', '2026-11-27T11:00Z');
    expect(selectForDrill({ policy: drillPolicy(1), backups: big, state: afterHuge, now: NOW, mode: 'due' }).fileNames).toEqual(['small.zip']);
  });

  it('chooses nothing when nothing is due, except in `drill` (the longest-unverified one) and `drill --all` (all)', () => {
    let state = EMPTY_STATE;
    for (const [name, at] of [['a.zip', '2026-11-27T08:00Z'], ['b.zip', '2026-11-27T07:00Z'], ['c.zip', '2026-11-27T09:00Z'], ['d.zip', '2026-11-27T10:00Z']] as const) state = ok(state, name, at);
    expect(selectForDrill({ policy: drillPolicy(1), backups, state, now: NOW, mode: 'due' }).fileNames).toEqual([]);
    expect(selectForDrill({ policy: drillPolicy(1), backups, state, now: NOW, mode: 'rotation' }).fileNames).toEqual(['b.zip']);
    expect(selectForDrill({ policy: drillPolicy(1), backups, state, now: NOW, mode: 'all' }).fileNames).toEqual(['b.zip', 'a.zip', 'c.zip', 'd.zip']);
  });

  it('estimates with the measured speed once there is one', () => {
    const state: BackupState = { ...EMPTY_STATE, verifyBytesPerSecond: 300 * MB };
    expect(selectForDrill({ policy: drillPolicy(1), backups, state, now: NOW, mode: 'due' }).fileNames).toHaveLength(4);
  });
});

describe('drills over time', () => {
  const TICK = 10 * 60_000;
  it('re-verify every backup within a period plus the wait behind the others, and are never "behind"', () => {
    const arb = fc.record({
      sizesMb: fc.array(fc.integer({ min: 1, max: 3000 }), { minLength: 1, maxLength: 12 }),
      budgetMinutes: fc.integer({ min: 1, max: 10 }),
      days: fc.integer({ min: 1, max: 2 }),
      mbPerSecond: fc.integer({ min: 5, max: 200 }),
    });
    fc.assert(
      fc.property(arb, ({ sizesMb, budgetMinutes, days, mbPerSecond }) => {
        const policy = drillPolicy(budgetMinutes, days);
        const start = Date.parse('2026-11-01T00:00:00Z');
        const backups = sizesMb.map((mb, i) => b(`b${String(i).padStart(2, '0')}.zip`, new Date(start - i * 3_600_000).toISOString(), mb));
        const bps = mbPerSecond * MB;
        const timeOf = (x: DrillCandidate) => Math.ceil((x.size / bps) * 1000);
        const budget = budgetMinutes * 60_000;
        const maxSingle = Math.max(...backups.map(timeOf));
        const period = days * 86_400_000;
        // The wait: at worst every other backup is verified first, one per drill.
        const wait = (backups.length + 1) * (Math.max(DRILL_SPACING_MS, budget + maxSingle) + TICK);
        expect(wait).toBeLessThan(period); // the premise of the guarantee, true for these sizes
        let state: BackupState = { ...EMPTY_STATE, verifyBytesPerSecond: bps };
        for (let now = start; now < start + 3 * period; now += TICK) {
          if (drillDue({ policy, backups, state, now: new Date(now) }).due) {
            const started = now;
            const selection = selectForDrill({ policy, backups, state, now: new Date(now), mode: 'due' });
            let done = 0;
            for (const name of selection.fileNames) {
              if (done > 0 && now - started >= budget) break;
              now += timeOf(backups.find((x) => x.fileName === name)!);
              state = ok(state, name, new Date(now).toISOString());
              done += 1;
            }
            state = recordDrill(state, { startedAt: new Date(started).toISOString(), finishedAt: new Date(now).toISOString(), verified: done, failed: 0, outcome: 'ok' }, null);
          }
          for (const x of backups) {
            const v = recordOf(state, x.fileName).verification;
            // Due since a period after its last verification, or since the drills began.
            const dueSince = v ? Date.parse(v.at) + period : start;
            if (now - dueSince > wait) throw new Error(`${x.fileName} waited ${now - dueSince} ms at ${new Date(now).toISOString()}, more than ${wait}`);
          }
          const behind = drillDue({ policy, backups, state, now: new Date(now) }).behind;
          if (behind.length > 0) throw new Error(`behind at ${new Date(now).toISOString()}: ${behind.join(', ')}`);
        }
      }),
      { numRuns: propertyRuns() },
    );
  });

  it('say they are behind when the budget cannot keep up', () => {
    const policy: Policy = { ...DEFAULT_POLICY, drill: { every: { value: 1, unit: 'hours' }, budgetMinutes: 1 } };
    const backups = ['a', 'b', 'c', 'd'].map((n, i) => b(`${n}.zip`, `2026-11-2${i}T00:00Z`, 1000));
    let state = EMPTY_STATE;
    for (const [i, x] of backups.entries()) state = ok(state, x.fileName, `2026-11-27T0${i}:00Z`);
    expect(drillDue({ policy, backups, state, now: NOW }).behind).toEqual(['a.zip', 'b.zip', 'c.zip', 'd.zip']);
  });
});

describe('runDrill', () => {
  it('records each result as it goes, the failure with its code, the speed and the drill', async () => {
    const w = await createBackupDirWorld();
    const names = [await w.addBackup('2026-11-20T00:00:00Z', 4000), await w.addBackup('2026-11-21T00:00:00Z', 4000), await w.addBackup('2026-11-22T00:00:00Z', 4000)];
    const verify = async (path: string) => {
      w.now = new Date(w.now.getTime() + 1000); // 4,000 bytes a second
      if (path.endsWith(names[1]!)) throw new BackupError('CHECKSUM_MISMATCH', 'verify: the file does not match its sidecar');
    };
    const report = await runDrill(w.deps, w.config, { verify });
    expect(report.results.map((r) => [r.fileName, r.result, r.code])).toEqual([
      [names[2], 'ok', null],
      [names[1], 'failed', 'CHECKSUM_MISMATCH'],
      [names[0], 'ok', null],
    ]);
    expect(report.outcome).toBe('failed');
    const state = await readState(w.deps, w.config);
    expect(recordOf(state, names[1]!).verification).toMatchObject({ result: 'failed', code: 'CHECKSUM_MISMATCH' });
    expect(state.verifyBytesPerSecond).toBe(4000);
    expect(state.lastDrill).toMatchObject({ verified: 2, failed: 1, outcome: 'failed' });
  });

  it('stops starting verifications when the budget is spent, and keeps what it verified when cancelled', async () => {
    const w = await createBackupDirWorld();
    for (let i = 0; i < 5; i += 1) await w.addBackup(new Date(Date.parse('2026-11-20T00:00:00Z') + i * 86_400_000), 100);
    await writeState(w.deps, w.config, { ...EMPTY_STATE, verifyBytesPerSecond: 1 }); // estimates far beyond the budget
    const slow = async () => {
      w.now = new Date(w.now.getTime() + 6 * 60_000);
    };
    const budgeted = await runDrill(w.deps, w.config, { verify: slow, mode: 'all', policy: drillPolicy(10) });
    expect(budgeted.results).toHaveLength(5); // --all has no budget
    const w2 = await createBackupDirWorld();
    for (let i = 0; i < 5; i += 1) await w2.addBackup(new Date(Date.parse('2026-11-20T00:00:00Z') + i * 86_400_000), 100);
    const report = await runDrill(w2.deps, w2.config, { verify: async () => void (w2.now = new Date(w2.now.getTime() + 6 * 60_000)), policy: drillPolicy(10) });
    expect(report.results).toHaveLength(2); // 6 min, 12 min: the 10 min budget is spent
    const controller = new AbortController();
    const cancelled = await runDrill(w2.deps, w2.config, {
      mode: 'all',
      signal: controller.signal,
      verify: async (_path, run) => {
        controller.abort();
        run.signal?.throwIfAborted();
      },
    });
    expect(cancelled.outcome).toBe('cancelled');
    expect(cancelled.results).toEqual([]);
    expect((await readState(w2.deps, w2.config)).lastDrill?.outcome).toBe('cancelled');
  });

  it('verifies real backups: a damaged one fails with its code, each verification is audited', async () => {
    const h = await createMemoryHarness();
    const good = await h.service.exportNow({});
    const bad = await h.service.exportNow({ includeFiles: false });
    const bytes = await h.memfs.readFile(bad.filePath);
    bytes[Math.floor(bytes.length / 2)]! ^= 0xff;
    await h.memfs.writeFile(bad.filePath, bytes);
    const report = await runDrill(h.deps, h.config, { mode: 'all' });
    expect(Object.fromEntries(report.results.map((r) => [r.fileName, r.code]))).toEqual({ [good.fileName]: null, [bad.fileName]: expect.any(String) });
    expect(report.results.find((r) => r.fileName === bad.fileName)!.result).toBe('failed');
    const audit = await readAuditLog(h.deps, h.config);
    expect(audit.entries.filter((e) => e.action === 'verify').map((e) => e.result).sort()).toEqual(['failed', 'ok']);
    expect(DEFAULT_VERIFY_BYTES_PER_SECOND).toBeGreaterThan(0);
  });
});
