/**
 * Measures the two ways to snapshot a live SQLite database while another process keeps
 * committing: better-sqlite3's online backup API and VACUUM INTO (what the adapter uses).
 * usage: npx tsx spec/support/measureSnapshot.ts [sizeMB=40] [runs=3] [writerPauseMs=0]
 */
import BetterSqlite3 from 'better-sqlite3';
import { spawn } from 'node:child_process';
import { promises as fsp } from 'node:fs';
import { join } from 'node:path';
import { createBetterSqliteDatabase } from '../../src/infra/betterSqlite/betterSqliteDatabase.ts';
import { tempRoot } from './nodeHarness.ts';

const sizeMb = Number(process.argv[2] ?? 40);
const runs = Number(process.argv[3] ?? 3);
const pauseMs = Number(process.argv[4] ?? 0);
const BACKUP_TIMEOUT_MS = 30_000;

async function main(): Promise<void> {
  const t = await tempRoot('measure');
  const db = createBetterSqliteDatabase(t.dataDir);
  const blob = Buffer.alloc(64 * 1024, 7);
  for (let written = 0; written < sizeMb * 1024 * 1024; written += 20 * blob.length) {
    await db.transaction((sql) => {
      for (let i = 0; i < 20; i += 1) sql.run(`INSERT INTO orders (text, attachment) VALUES ('order', ?)`, [blob]);
    });
  }
  const writer = spawn(process.execPath, [new URL('./writerProcess.mjs', import.meta.url).pathname, db.path, String(pauseMs)], { stdio: ['ignore', 'pipe', 'inherit'] });
  let commits = 0;
  writer.stdout.setEncoding('utf8').on('data', (d: string) => {
    const m = /commits (\d+)\s*$/.exec(d.trim());
    if (m) commits = Number(m[1]);
  });
  await new Promise((r) => setTimeout(r, 500));
  console.log(`database ${((await fsp.stat(db.path)).size / 1024 / 1024).toFixed(1)} MB; writer pause ${pauseMs} ms`);
  for (let run = 1; run <= runs; run += 1) {
    const c0 = commits;
    let t0 = performance.now();
    const vacuumTarget = join(t.root, `vacuum-${run}.sqlite`);
    await db.snapshotTo(vacuumTarget);
    const vacuumMs = performance.now() - t0;
    const vacuumReport = await db.inspectFile(vacuumTarget);
    await new Promise((r) => setTimeout(r, 120));
    const vacuumCommits = commits - c0;

    const source = new BetterSqlite3(db.path, { timeout: 10_000 });
    let restarts = 0;
    let last = Infinity;
    const c1 = commits;
    t0 = performance.now();
    const backupTarget = join(t.root, `backup-${run}.sqlite`);
    const outcome = await Promise.race([
      source
        .backup(backupTarget, {
          progress: ({ remainingPages }) => {
            if (remainingPages > last) restarts += 1;
            last = remainingPages;
            return 100;
          },
        })
        .then(() => 'finished'),
      new Promise<string>((r) => setTimeout(() => r('starved (gave up)'), BACKUP_TIMEOUT_MS)),
    ]);
    const backupMs = performance.now() - t0;
    await new Promise((r) => setTimeout(r, 120));
    const backupCommits = commits - c1;
    source.close();
    console.log(
      `run ${run}: VACUUM INTO ${vacuumMs.toFixed(0)} ms (integrity ${vacuumReport.integrity}, writer committed ${vacuumCommits} meanwhile) | ` +
        `backup API ${outcome} after ${backupMs.toFixed(0)} ms, ${restarts} restarts (writer committed ${backupCommits} meanwhile)`,
    );
  }
  writer.kill('SIGTERM');
  await new Promise((r) => writer.once('close', r));
  await db.close();
  await t.cleanup();
}

await main();
