/**
 * The service's automation operations (issue 11): runDue, prune, drill, pin/unpin, status,
 * the policy, under the one-operation-at-a-time rule and the audit log; a scheduled run
 * that meets a manual operation waits for it; start-up recovery finishes interrupted
 * prunes; a deletion is crash-safe and forgets the backup's state.
 */
import { describe, expect, it } from 'vitest';
import { readAuditLog } from '../../src/domain/auditLog.ts';
import { STATE_FILE, readState, recordOf } from '../../src/domain/backupState.ts';
import type { BackupDeps } from '../../src/domain/deps.ts';
import { DELETING_SUFFIX } from '../../src/domain/prune.ts';
import { BackupError } from '../../src/domain/errors.ts';
import { createBackupService } from '../../src/domain/service.ts';
import type { MemoryFileSystem } from '../../src/infra/memfs/memoryFileSystem.ts';
import { codeOf } from '../support/codeOf.ts';
import { faultyFileSystem } from '../support/faultyFileSystem.ts';
import { populateSmall } from '../support/hostileReplay.ts';
import { BACKUP_DIR, createMemoryHarness } from '../support/memoryHarness.ts';

const HOUR = 3_600_000;

function deferred() {
  let resolve: () => void = () => {};
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

/** The memory harness with a clock the test moves (a second per reading, as the harness's). */
async function world() {
  const h = await createMemoryHarness({ jobs: () => [] });
  await populateSmall(h);
  let t = Date.parse('2026-11-27T08:00:00.000Z');
  const deps: BackupDeps = { ...h.deps, clock: { now: () => new Date((t += 1000)), timeZone: () => 'Europe/Berlin' } };
  const service = createBackupService(deps, h.config);
  return { h, deps, service, advance: (ms: number) => void (t += ms) };
}

const names = async (memfs: MemoryFileSystem) => (await memfs.readdir(BACKUP_DIR)).sort();

describe('the service: scheduled runs and manual operations, one at a time', () => {
  it('runs what is due through the inner operations (no deadlock on its own rule), audited', async () => {
    const w = await world();
    const report = await w.service.runDue();
    expect(report.backup.outcome).toBe('ok');
    expect(report.verify?.result).toBe('ok');
    const audit = await readAuditLog(w.deps, w.h.config);
    expect(audit.entries.map((e) => [e.action, e.result])).toEqual([['export', 'ok'], ['verify', 'ok']]);
    expect(w.service.activity).toBeNull();
  });

  it('a scheduled run that meets a manual export waits for it, then runs; a manual operation meanwhile is BUSY naming the run', async () => {
    const w = await world();
    const exportGate = deferred();
    const verifying = deferred();
    const verifyGate = deferred();
    const service = createBackupService(w.deps, w.h.config, {
      aroundExport: async (fn) => {
        await exportGate.promise;
        return fn();
      },
      aroundVerify: async (fn) => {
        verifying.resolve();
        await verifyGate.promise;
        return fn();
      },
    });
    const manual = service.exportNow({});
    const scheduled = service.runDue({ waitMs: 600_000 });
    expect(service.activity).toBe('export');
    exportGate.resolve();
    const made = await manual;
    // The run starts once the export is done: the new backup is not due, its drill is (the manual backup was never verified).
    await verifying.promise;
    expect(service.activity).toBe('run-due');
    const busy = await service.verifyBackup(made.filePath).catch((e: unknown) => e);
    expect(busy).toMatchObject({ code: 'BUSY', message: expect.stringContaining('a scheduled backup run is running') });
    verifyGate.resolve();
    const report = await scheduled;
    expect(report.backup.outcome).toBe('not-due');
    expect(report.drill?.report?.results.map((r) => [r.fileName, r.result])).toEqual([[made.fileName, 'ok']]);
    expect(service.activity).toBeNull();
  });

  it('gives up after its bounded wait with BUSY, and records nothing (no alarm)', async () => {
    const w = await world();
    const gate = deferred();
    const service = createBackupService(w.deps, w.h.config, {
      aroundExport: async (fn) => {
        await gate.promise;
        return fn();
      },
    });
    const manual = service.exportNow({});
    expect(await codeOf(service.runDue({ waitMs: 0 }))).toBe('BUSY');
    gate.resolve();
    await manual;
    expect((await readState(w.deps, w.h.config)).lastBackupRun).toBeNull();
  });

  it('retries a run that met another process (BUSY from the export) until its wait is over', async () => {
    const w = await world();
    let busyLeft = 2;
    const retrying = createBackupService(w.deps, w.h.config, {
      aroundExport: (fn) => (busyLeft-- > 0 ? Promise.reject(new BackupError('BUSY', 'export: another export is running (process 4242)')) : fn()),
    });
    const report = await retrying.runDue({ waitMs: 10_000, retryMs: 1 });
    expect(busyLeft).toBe(-1);
    expect(report.backup.outcome).toBe('ok');
    let always = 0;
    const holding = createBackupService(w.deps, w.h.config, {
      aroundExport: () => {
        always += 1;
        return Promise.reject(new BackupError('BUSY', 'export: another export is running (process 4242)'));
      },
    });
    w.advance(5 * HOUR);
    await w.h.db.write(`INSERT INTO users (name) VALUES ('changed')`);
    const gaveUp = await holding.runDue({ waitMs: 0 });
    expect(gaveUp.backup.outcome).toBe('busy');
    expect(always).toBe(1);
  });

  it('pins and unpins a backup (audited, BUSY while another operation runs), and prune never deletes the pinned one', async () => {
    const w = await world();
    const first = await w.service.exportNow({});
    w.advance(HOUR);
    await w.service.exportNow({});
    await w.service.updatePolicy({ retention: { keepLast: 1, keepHourly: 0, keepDaily: 0, keepWeekly: 0, keepMonthly: 0, keepYearly: 0 } });
    await w.service.pin(first.fileName);
    expect((await w.service.prune({ dryRun: true })).decision.verdicts.find((v) => v.fileName === first.fileName)?.reasons.map((r) => r.text)).toEqual(['pinned']);
    expect((await w.service.prune()).deleted).toEqual([]);
    await w.service.unpin(first.fileName);
    expect((await w.service.prune()).deleted.map((b) => b.fileName)).toEqual([first.fileName]);
    const running = w.service.exportNow({});
    expect(await codeOf(w.service.pin(first.fileName))).toBe('BUSY');
    expect(await codeOf(w.service.prune())).toBe('BUSY');
    expect(await codeOf(w.service.updatePolicy({}))).toBe('BUSY');
    await running;
    const actions = (await readAuditLog(w.deps, w.h.config)).entries.map((e) => `${e.action} ${e.result}`);
    expect(actions).toEqual(['export ok', 'export ok', 'policy ok', 'pin ok', 'unpin ok', 'prune ok', 'export ok']);
  });

  it('drills in rotation or all, and shows the result in the status and the list', async () => {
    const w = await world();
    const made = await w.service.exportNow({});
    expect((await w.service.drill()).results.map((r) => [r.fileName, r.result])).toEqual([[made.fileName, 'ok']]);
    const bytes = await w.h.memfs.readFile(made.filePath);
    const middle = Math.floor(bytes.length / 2);
    bytes[middle] = bytes[middle]! ^ 0x01;
    await w.h.memfs.writeFile(made.filePath, bytes);
    const drill = await w.service.drill({ all: true });
    expect(drill.outcome).toBe('failed');
    const status = await w.service.status();
    expect(status.alarms.map((a) => a.code)).toContain('DRILL_FAILED');
    const listed = await w.service.listBackupsWithState();
    expect(listed.stateError).toBeNull();
    expect(listed.backups[0]).toMatchObject({ fileName: made.fileName, pinned: false, verified: false, verifiedAt: expect.any(String) });
  });

  it('reads and updates the policy, and refuses an invalid one with INVALID_INPUT', async () => {
    const w = await world();
    expect((await w.service.readPolicy()).stored).toBe(false);
    const updated = await w.service.updatePolicy({ schedule: { every: { value: 30, unit: 'minutes' } } });
    expect(updated.schedule.every).toEqual({ value: 30, unit: 'minutes' });
    expect((await w.service.readPolicy()).stored).toBe(true);
    expect(await codeOf(w.service.updatePolicy({ schedule: { every: { value: 1, unit: 'minutes' } } }))).toBe('INVALID_INPUT');
  });
});

describe('deleteBackup and start-up recovery', () => {
  it('deletes crash-safely (the order of a prune) and forgets the backup’s state; a kill at any step leaves it whole or unlisted, and the next start finishes', async () => {
    const probe = await world();
    const made = await probe.service.exportNow({});
    await probe.service.pin(made.fileName);
    const seed: [string, Uint8Array][] = [];
    for (const name of await names(probe.h.memfs)) seed.push([`${BACKUP_DIR}/${name}`, await probe.h.memfs.readFile(`${BACKUP_DIR}/${name}`)]);

    const counting = faultyFileSystem(probe.h.memfs, null);
    await createBackupService({ ...probe.deps, fs: counting }, probe.h.config).deleteBackup(made.fileName);
    const rename = counting.trace.indexOf(`rename ${made.filePath} -> ${made.filePath}${DELETING_SUFFIX}`);
    const sync = counting.trace.indexOf(`syncDir ${BACKUP_DIR}`, rename);
    const sidecar = counting.trace.indexOf(`remove ${made.filePath}.sha256`);
    expect([rename >= 0, rename < sync, sync < sidecar]).toEqual([true, true, true]);
    expect(recordOf(await readState(probe.deps, probe.h.config), made.fileName).pinned).toBe(false);
    expect(Object.keys((await readState(probe.deps, probe.h.config)).backups)).toEqual([]);
    const steps = counting.ops;

    for (let k = 1; k <= steps; k += 1) {
      const w = await world();
      await w.h.memfs.mkdir(BACKUP_DIR);
      for (const [path, bytes] of seed) await w.h.memfs.writeFile(path, bytes);
      const faulty = faultyFileSystem(w.h.memfs, { failAt: k, mode: 'crash' });
      await createBackupService({ ...w.deps, fs: faulty }, w.h.config).deleteBackup(made.fileName).catch(() => {});
      const context = `killed at ${faulty.trace[k - 1]}`;
      const listed = await w.service.listBackups();
      for (const b of listed) expect(b.checksum, context).not.toBeNull();
      await w.service.recover();
      const left = await names(w.h.memfs);
      expect(left.filter((n) => n.endsWith(DELETING_SUFFIX) || n.endsWith('.tmp')), context).toEqual([]);
      if (listed.length === 0) {
        expect(left.filter((n) => n.includes(made.fileName)), context).toEqual([]);
        expect(Object.keys((await readState(w.deps, w.h.config)).backups), context).toEqual([]);
      } else expect(left, context).toEqual(expect.arrayContaining([made.fileName, `${made.fileName}.sha256`]));
    }
  });

  it('recover finishes an interrupted deletion of an encrypted backup (.zip.age) too', async () => {
    const w = await world();
    await w.h.memfs.mkdir(BACKUP_DIR);
    const name = 'casevault-backup-20261127T080000000Z.zip.age';
    await w.h.memfs.writeFile(`${BACKUP_DIR}/${name}${DELETING_SUFFIX}`, new Uint8Array([1, 2, 3]));
    await w.h.memfs.writeFile(`${BACKUP_DIR}/${name}.sha256`, new TextEncoder().encode(`${'a'.repeat(64)}  ${name}\n`));
    const recovered = await w.service.recover();
    expect(recovered.removedFromBackupDir).toContain(`${name}${DELETING_SUFFIX}`);
    expect((await names(w.h.memfs)).filter((n) => n.includes(name))).toEqual([]);
  });

  it('recover finishes interrupted prunes and removes half-written state files', async () => {
    const w = await world();
    const made = await w.service.exportNow({});
    await w.h.memfs.rename(made.filePath, `${made.filePath}${DELETING_SUFFIX}`);
    await w.h.memfs.writeFile(`${BACKUP_DIR}/.${STATE_FILE}.abc123.tmp`, new TextEncoder().encode('{"ver'));
    const recovered = await w.service.recover();
    expect(recovered.removedFromBackupDir).toEqual(expect.arrayContaining([`${made.fileName}${DELETING_SUFFIX}`, `.${STATE_FILE}.abc123.tmp`]));
    expect((await names(w.h.memfs)).filter((n) => n.includes(made.fileName) || n.endsWith('.tmp'))).toEqual([]);
  });
});
