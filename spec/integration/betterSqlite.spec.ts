import BetterSqlite3 from 'better-sqlite3';
import { existsSync, promises as fsp } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createBetterSqliteDatabase } from '../../src/infra/betterSqlite/betterSqliteDatabase.ts';
import { appJobs } from '../../src/infra/jobs/appJobs.ts';
import { createIntervalScheduler } from '../../src/infra/jobs/jobScheduler.ts';
import { tempRoot } from '../support/nodeHarness.ts';

const roots: { cleanup(): Promise<void> }[] = [];
afterEach(async () => {
  for (const r of roots.splice(0)) await r.cleanup();
});

describe('createBetterSqliteDatabase', () => {
  it('inspects a WAL-mode file without creating -wal or -shm beside it', async () => {
    const t = await tempRoot('bsq');
    roots.push(t);
    const db = createBetterSqliteDatabase(t.dataDir);
    await db.open();
    await db.transaction((sql) => sql.run(`INSERT INTO users (name) VALUES ('Ana')`));
    await db.close();
    const copy = join(t.root, 'copy.sqlite');
    await fsp.copyFile(join(t.dataDir, 'database.sqlite'), copy);
    const before = await fsp.readFile(copy);
    expect([before[18], before[19]]).toEqual([2, 2]); // the live file stays in WAL mode
    const report = await db.inspectFile(copy);
    expect(report).toMatchObject({ integrity: 'ok', counts: { users: 1 } });
    expect(existsSync(`${copy}-wal`) || existsSync(`${copy}-shm`)).toBe(false);
    expect(await fsp.readFile(copy)).toEqual(before);
  });

  it('checkpoints on close, so the main file alone holds every commit', async () => {
    const t = await tempRoot('bsq');
    roots.push(t);
    const db = createBetterSqliteDatabase(t.dataDir);
    await db.open();
    // Another connection (the app) stays open, so SQLite's own checkpoint-on-last-close does not run.
    const other = new BetterSqlite3(join(t.dataDir, 'database.sqlite'));
    other.prepare('SELECT count(*) FROM cases').get(); // attaches it to the WAL index
    for (let i = 0; i < 50; i += 1) await db.transaction((sql) => sql.run(`INSERT INTO cases (title) VALUES (?)`, [`c${i}`]));
    await db.close();
    const wal = join(t.dataDir, 'database.sqlite-wal');
    expect(existsSync(wal) ? (await fsp.stat(wal)).size : 0).toBe(0);
    other.close();
    const alone = join(t.root, 'alone.sqlite');
    await fsp.copyFile(join(t.dataDir, 'database.sqlite'), alone);
    const handle = new BetterSqlite3(alone, { readonly: true });
    expect((handle.prepare('SELECT count(*) AS n FROM cases').get() as { n: number }).n).toBe(50);
    handle.close();
  });

  it('maps a file that is not a database to DATABASE_CORRUPT when the live one is opened', async () => {
    const t = await tempRoot('bsq');
    roots.push(t);
    await fsp.mkdir(t.dataDir, { recursive: true });
    await fsp.writeFile(join(t.dataDir, 'database.sqlite'), 'not a database at all, just text '.repeat(200));
    await expect(createBetterSqliteDatabase(t.dataDir).open()).rejects.toMatchObject({ code: 'DATABASE_CORRUPT' });
  });
});

describe('appJobs', () => {
  it('writes one reminder per open task due within a day, and stop waits for the running job', async () => {
    const t = await tempRoot('jobs');
    roots.push(t);
    const db = createBetterSqliteDatabase(t.dataDir);
    const now = new Date('2026-11-25T09:00:00Z');
    await db.transaction((sql) => {
      sql.run(`INSERT INTO tasks (title, due_at, done) VALUES ('due soon', '2026-11-25T18:00:00.000Z', 0)`);
      sql.run(`INSERT INTO tasks (title, due_at, done) VALUES ('done', '2026-11-25T18:00:00.000Z', 1)`);
      sql.run(`INSERT INTO tasks (title, due_at, done) VALUES ('later', '2026-12-25T18:00:00.000Z', 0)`);
    });
    const jobs = createIntervalScheduler(appJobs(db, { now: () => now }), 10);
    jobs.start();
    await new Promise((r) => setTimeout(r, 80));
    await jobs.stop({ timeoutMs: 1000 });
    jobs.dispose();
    expect(jobs.busy).toBe(false);
    expect(jobs.events.filter((e) => e === 'done:reminders').length).toBeGreaterThanOrEqual(2);
    const rows = await db.query<{ title: string }>(`SELECT t.title FROM reminders r JOIN tasks t ON t.id = r.task_id`);
    expect(rows).toEqual([{ title: 'due soon' }]);
    await db.close();
  });
});
