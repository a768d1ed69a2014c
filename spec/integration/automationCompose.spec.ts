/**
 * The real machine's composition and issue 11: start-up recovery of the backup dir (an
 * interrupted prune, a half-written state file), a scheduled run's export under the backup
 * dir's export lock like a manual one (so it gives way to another process's export), and
 * undo-restore only for the data dir's owner.
 */
import { promises as fsp } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { STATE_FILE } from '../../src/domain/backupState.ts';
import { DELETING_SUFFIX } from '../../src/domain/prune.ts';
import { EXPORT_LOCK_FILE } from '../../src/infra/node/compose.ts';
import { worldData } from '../support/crashWorld.ts';
import { compose, populate, tempRoot } from '../support/nodeHarness.ts';

describe('composeNodeBackupService and automatic protection', () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0)) await c();
  });
  const world = async () => {
    const t = await tempRoot('automation');
    cleanups.push(t.cleanup);
    const a = await compose(t.dataDir, t.backupDir);
    await populate(a, worldData(2, 2000));
    const made = await a.service.exportNow({ compressionLevel: 1 });
    await a.dispose();
    return { t, made };
  };
  const unbackedWorld = async () => {
    const t = await tempRoot('automation');
    cleanups.push(t.cleanup);
    const a = await compose(t.dataDir, t.backupDir);
    await populate(a, worldData(2, 2000));
    await a.dispose();
    return { t };
  };

  it('at start-up finishes an interrupted prune and removes a half-written state file', async () => {
    const { t, made } = await world();
    await fsp.rename(made.filePath, `${made.filePath}${DELETING_SUFFIX}`);
    const temp = `.${STATE_FILE}.k3x9q1.tmp`;
    await fsp.writeFile(join(t.backupDir, temp), '{"version":1,"bac');
    const b = await compose(t.dataDir, t.backupDir);
    cleanups.push(() => b.dispose());
    expect(b.recovered.removedFromBackupDir).toEqual(expect.arrayContaining([`${made.fileName}${DELETING_SUFFIX}`, temp]));
    expect((await fsp.readdir(t.backupDir)).filter((n) => n.includes(made.fileName) || n.endsWith('.tmp'))).toEqual([]);
  });

  it("a scheduled run's export takes the export lock: while another process exports, the run gives way (busy), records nothing", async () => {
    const { t } = await unbackedWorld();
    await fsp.mkdir(t.backupDir);
    // Another live process (this one, as far as the lock can tell) is exporting.
    await fsp.writeFile(join(t.backupDir, EXPORT_LOCK_FILE), JSON.stringify({ pid: process.pid, purpose: 'casevault export' }));
    const b = await compose(t.dataDir, t.backupDir, { dataDirLock: 'if-free', openDatabase: false, cleanBackupDirAtStart: false });
    cleanups.push(() => b.dispose());
    const report = await b.service.runDue({ waitMs: 0 });
    expect(report.backup).toMatchObject({ due: { due: true, reason: 'first' }, outcome: 'busy', failure: { code: 'BUSY', message: expect.stringContaining('another export') } });
    expect(await b.service.listBackups()).toEqual([]);
    expect((await b.service.status()).alarms.map((a) => a.code)).toEqual(['NO_BACKUP']);
    await fsp.rm(join(t.backupDir, EXPORT_LOCK_FILE));
    const done = await b.service.runDue({ waitMs: 0 });
    expect(done.backup.outcome).toBe('ok');
    expect(done.verify?.result).toBe('ok');
  });

  it('undo-restore is BUSY where another process owns the data dir', async () => {
    const { t } = await world();
    const app = await compose(t.dataDir, t.backupDir);
    cleanups.push(() => app.dispose());
    const cli = await compose(t.dataDir, t.backupDir, { dataDirLock: 'if-free', openDatabase: false });
    cleanups.push(() => cli.dispose());
    const error = await cli.service.undoRestore().catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'BUSY', message: expect.stringContaining('undo-restore: the data dir') });
  });
});
