/**
 * Jobs: stopped before the first write of a restore to the data dir, started after the
 * last, also when the restore fails; a restore waits for a running job to finish.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BackupError } from '../../src/domain/errors.ts';
import { createBackupService } from '../../src/domain/service.ts';
import type { Scheduler } from '../../src/ports/scheduler.ts';
import { arbData, arbExportOptions, propertyRuns } from '../support/arbitraries.ts';
import { populate, treeDigest } from '../support/dataDirState.ts';
import { createMemoryHarness, DATA_DIR, reminderJob } from '../support/memoryHarness.ts';
import { recordingFileSystem, touches } from '../support/recordingFileSystem.ts';

type LogItem = { kind: 'write'; inDataDir: boolean; op: string } | { kind: 'jobs'; what: 'stopped' | 'started' | 'job-done' };

function gate() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { open, opened };
}

describe('jobs during a restore', () => {
  it('are stopped before the first write to the data dir and started after the last, on success and on failure', async () => {
    await fc.assert(
      fc.asyncProperty(arbData, arbExportOptions, fc.constantFrom('none', 'damaged', 'after-swap'), fc.boolean(), async (data, options, failure, jobRunning) => {
        const slow = gate();
        const log: LogItem[] = [];
        const h = await createMemoryHarness({
          jobs: (db) => [
            reminderJob(db),
            { name: 'slow', run: async () => { await slow.opened; log.push({ kind: 'jobs', what: 'job-done' }); } },
          ],
        });
        await populate(h, data);
        const backup = await h.service.exportNow(options);
        if (failure === 'damaged') {
          const bytes = await h.memfs.readFile(backup.filePath);
          bytes[Math.floor(bytes.length / 2)]! ^= 0xff;
          await h.memfs.writeFile(backup.filePath, bytes);
        }
        const jobs: Scheduler = {
          get running() { return h.jobs.running; },
          stop: async (o) => { await h.jobs.stop(o); log.push({ kind: 'jobs', what: 'stopped' }); },
          start: () => { log.push({ kind: 'jobs', what: 'started' }); h.jobs.start(); },
        };
        const fs = recordingFileSystem(h.memfs, (w) => log.push({ kind: 'write', inDataDir: touches(w, DATA_DIR), op: w.op }));
        // 'after-swap': the reopened database disagrees with the metadata, so the swap is rolled back.
        const db = failure === 'after-swap' ? { ...h.db, supportedSchemaVersion: h.db.supportedSchemaVersion, counts: async () => ({ ...(await h.db.counts()), orders: -1 }) } : h.db;
        const service = createBackupService({ ...h.deps, fs, jobs, db }, h.config);

        const ticking = jobRunning ? h.jobs.tick() : Promise.resolve();
        setTimeout(slow.open, 5);
        const result = await service.restoreFromZip(backup.filePath).then(() => 'ok' as const, (e: unknown) => e);
        await ticking;

        if (result !== 'ok') expect(result).toBeInstanceOf(BackupError);
        if (failure === 'after-swap' && options.includeDatabase) expect(result).toMatchObject({ code: 'DATABASE_CORRUPT' });
        const firstDataWrite = log.findIndex((i) => i.kind === 'write' && i.inDataDir);
        const lastDataWrite = log.findLastIndex((i) => i.kind === 'write' && i.inDataDir);
        const stopped = log.findIndex((i) => i.kind === 'jobs' && i.what === 'stopped');
        const started = log.findIndex((i) => i.kind === 'jobs' && i.what === 'started');
        if (firstDataWrite >= 0) {
          expect(stopped).toBeGreaterThanOrEqual(0);
          expect(firstDataWrite).toBeGreaterThan(stopped);
          expect(lastDataWrite).toBeLessThan(started);
        }
        if (stopped >= 0) expect(started).toBeGreaterThan(stopped);
        if (jobRunning && stopped >= 0) {
          expect(log.findIndex((i) => i.kind === 'jobs' && i.what === 'job-done')).toBeLessThan(stopped);
        }
        if (result === 'ok') expect(firstDataWrite).toBeGreaterThanOrEqual(0);
        expect(h.jobs.running).toBe(true);
      }),
      { numRuns: propertyRuns() },
    );
  });

  it('aborts with JOBS_STOP_FAILED and changes nothing when a job does not stop in time', async () => {
    const stuck = gate();
    const h = await createMemoryHarness({ jobs: () => [{ name: 'stuck', run: () => stuck.opened }] });
    await h.db.write(`INSERT INTO users (name) VALUES ('Ana')`);
    const backup = await h.service.exportNow({});
    await h.db.write(`INSERT INTO users (name) VALUES ('Ben')`);
    const before = await treeDigest(h.memfs, DATA_DIR);
    const ticking = h.jobs.tick();

    const error = await h.service.restoreFromZip(backup.filePath).catch((e: unknown) => e);

    expect(error).toMatchObject({ code: 'JOBS_STOP_FAILED' });
    expect(await treeDigest(h.memfs, DATA_DIR)).toEqual(before);
    expect(h.jobs.running).toBe(true);
    stuck.open();
    await ticking;
  });
});
