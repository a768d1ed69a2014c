/**
 * Export while another PROCESS keeps writing to the live database (WAL): every backup is
 * consistent (integrity_check, and the writer's invariant: each of its cases has exactly
 * three tasks), holds every commit the writer had reported before the export began, and
 * every export finishes without stopping the writer.
 */
import BetterSqlite3 from 'better-sqlite3';
import { execFileSync, spawn } from 'node:child_process';
import { promises as fsp } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compose, tempRoot } from '../support/nodeHarness.ts';
import type { NodeBackup } from '../../src/infra/node/index.ts';

describe('exportNow with a live writer process', () => {
  let t: Awaited<ReturnType<typeof tempRoot>>;
  let system: NodeBackup;
  beforeAll(async () => {
    t = await tempRoot('live');
    system = await compose(t.dataDir, t.backupDir);
    // ~10 MB of orders, so that a snapshot takes long enough for the writer to commit during it.
    const blob = Buffer.alloc(48 * 1024, 3);
    for (let batch = 0; batch < 10; batch += 1) {
      await system.db.transaction((sql) => {
        for (let i = 0; i < 20; i += 1) sql.run(`INSERT INTO orders (text, attachment) VALUES ('order', ?)`, [blob]);
      });
    }
  });
  afterAll(async () => {
    await system.dispose();
    await t.cleanup();
  });

  it('writes three consistent backups while the writer commits, each holding every earlier commit', async () => {
    const writer = spawn(process.execPath, [new URL('../support/writerProcess.mjs', import.meta.url).pathname, system.db.path, '2'], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let reported = 0;
    let ready: () => void = () => {};
    const isReady = new Promise<void>((resolve) => (ready = resolve));
    writer.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      for (const line of chunk.split('\n')) {
        const m = /^commits (\d+)$/.exec(line);
        if (m) reported = Number(m[1]);
        if (reported > 50) ready();
      }
    });
    try {
      const w0 = performance.now();
      await isReady;
      console.log(`writer ready after ${Math.round(performance.now() - w0)} ms`);
      const results: { before: number; after: number; liveCases: number }[] = [];
      const timings: string[] = [];
      const t0 = performance.now();
      for (let i = 0; i < 3; i += 1) {
        const before = reported;
        const started = performance.now();
        let snapshotMs = 0;
        const exported = await system.service.exportNow({ compressionLevel: 1 }, {
          onProgress: (p) => {
            if (p.phase === 'snapshot' && p.done === 1) snapshotMs = performance.now() - started;
          },
        });
        timings.push(`${Math.round(snapshotMs)}/${Math.round(performance.now() - started)} ms`);
        await new Promise((r) => setTimeout(r, 120)); // the next report shows commits made during the export
        const after = reported;
        const dbFile = join(t.root, `snapshot-${i}.sqlite`);
        await fsp.writeFile(dbFile, execFileSync('unzip', ['-p', exported.filePath, 'database.sqlite'], { maxBuffer: 1 << 30 }));
        const handle = new BetterSqlite3(dbFile, { readonly: true });
        try {
          expect(handle.pragma('integrity_check', { simple: true })).toBe('ok');
          // (grouped once: tasks has no index on case_id, a correlated count per case would be quadratic)
          const perCase = new Map((handle.prepare(`SELECT case_id AS id, count(*) AS n FROM tasks GROUP BY case_id`).all() as { id: number; n: number }[]).map((r) => [r.id, r.n]));
          const liveIds = (handle.prepare(`SELECT id FROM cases WHERE title LIKE 'live case %'`).all() as { id: number }[]).map((r) => r.id);
          const broken = liveIds.filter((id) => perCase.get(id) !== 3);
          expect(broken).toEqual([]);
          const liveCases = (handle.prepare(`SELECT count(*) AS n FROM cases WHERE title LIKE 'live case %'`).get() as { n: number }).n;
          expect(exported.metadata.counts.cases).toBe(liveCases);
          expect(exported.metadata.counts.tasks).toBe(3 * liveCases);
          results.push({ before, after, liveCases });
        } finally {
          handle.close();
        }
      }
      for (const [i, r] of results.entries()) {
        // Every commit reported before the export began is in the backup (not only what reached the main file).
        expect(r.liveCases, `backup ${i}`).toBeGreaterThanOrEqual(r.before);
        // The writer was never stopped: it kept committing while each export ran.
        expect(r.after, `writer during export ${i}`).toBeGreaterThan(r.before);
      }
      expect(results[2]!.liveCases).toBeGreaterThan(results[0]!.liveCases);
      console.log(`live snapshot: ready after ${Math.round(performance.now() - t0)} ms; snapshot/export ${timings.join(', ')}`);
      console.log(`live snapshot: ${results.map((r) => `writer ${r.before}→${r.after} commits, backup holds ${r.liveCases}`).join('; ')}`);
    } finally {
      writer.kill('SIGTERM');
      await new Promise((r) => writer.once('close', r));
    }
  });
});
