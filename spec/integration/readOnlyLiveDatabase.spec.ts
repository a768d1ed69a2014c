/**
 * Only the app migrates: a backup, a check, a status and a scheduled run read the live
 * database as it is (issue 11: `casevault export` of a database whose user_version is 0 but
 * whose tables exist failed with INTERNAL, because opening it ran the migrations). On real
 * SQLite files through the command line, in-process.
 */
import BetterSqlite3 from 'better-sqlite3';
import fc from 'fast-check';
import { promises as fsp } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/main.ts';
import { MIGRATIONS, SCHEMA_VERSION } from '../../src/infra/sqlite/schema.ts';
import { propertyRuns } from '../support/arbitraries.ts';
import { tempRoot } from '../support/nodeHarness.ts';

function sink() {
  let text = '';
  return { write: (s: string) => void (text += s), get text() { return text; } };
}

async function cli(args: string[], env: NodeJS.ProcessEnv) {
  const stdout = sink();
  const stderr = sink();
  const code = await runCli(args, { stdout, stderr, env, signal: new AbortController().signal });
  return { code, stdout: stdout.text, stderr: stderr.text, json: () => JSON.parse(stdout.text) as Record<string, unknown> };
}

interface LiveDatabase {
  readonly userVersion: 0 | typeof SCHEMA_VERSION;
  readonly wal: boolean;
  readonly users: readonly string[];
}

/** A live database as some app may have left it: its tables, its rows, its journal mode and user_version. */
function writeLiveDatabase(dataDir: string, spec: LiveDatabase): void {
  const handle = new BetterSqlite3(join(dataDir, 'database.sqlite'));
  try {
    handle.exec(MIGRATIONS.join('\n'));
    handle.pragma(`user_version = ${spec.userVersion}`);
    const insert = handle.prepare('INSERT INTO users (name) VALUES (?)');
    for (const name of spec.users) insert.run(name);
    handle.prepare(`INSERT INTO cases (user_id, title) VALUES (NULL, 'Doe v. Roe')`).run();
    if (spec.wal) handle.pragma('journal_mode = WAL');
  } finally {
    handle.close(); // the last connection: a WAL database is checkpointed and its -wal removed
  }
}

describe('the live database is read, never migrated or written, by export and check', () => {
  let t: Awaited<ReturnType<typeof tempRoot>>;
  beforeAll(async () => {
    t = await tempRoot('readonly-live');
  });
  afterAll(async () => t.cleanup());

  const fresh = async (label: string, spec: LiveDatabase) => {
    const dataDir = join(t.root, label, 'data');
    const backupDir = join(t.root, label, 'backups');
    await fsp.mkdir(dataDir, { recursive: true });
    await fsp.writeFile(join(dataDir, 'settings.json'), '{"theme":"dark"}');
    writeLiveDatabase(dataDir, spec);
    return { dataDir, backupDir, env: { CASEVAULT_DATA_DIR: dataDir, CASEVAULT_BACKUP_DIR: backupDir } };
  };

  it('exports a database whose user_version is 0 but whose tables exist, as it is', async () => {
    const w = await fresh('unmigrated', { userVersion: 0, wal: false, users: ['Ana', 'Ben'] });
    const before = await fsp.readFile(join(w.dataDir, 'database.sqlite'));
    const exported = await cli(['export', '--json'], w.env);
    expect(exported.code, exported.stdout + exported.stderr).toBe(0);
    expect(exported.json()).toMatchObject({ success: true, metadata: { schemaVersion: 0, counts: { users: 2, cases: 1 } } });
    expect(await fsp.readFile(join(w.dataDir, 'database.sqlite'))).toEqual(before);
    expect((await fsp.readdir(w.dataDir)).sort()).toEqual(['database.sqlite', 'settings.json']);
    const verified = await cli(['verify', 'latest', '--json'], w.env);
    expect(verified.code, verified.stdout).toBe(0);
  });

  it('refuses to restore such a backup before the swap (UNSUPPORTED, not INTERNAL), leaving the data dir as it was', async () => {
    const w = await fresh('unmigrated-restore', { userVersion: 0, wal: false, users: ['Ana', 'Ben'] });
    expect((await cli(['export', '--json'], w.env)).code).toBe(0);
    const target = join(w.dataDir, '..', 'target');
    expect((await cli(['demo', '--data-dir', target], w.env)).code).toBe(0);
    const before = (await fsp.readdir(target)).sort();
    const db = await fsp.readFile(join(target, 'database.sqlite'));
    const restored = await cli(['restore', 'latest', '--data-dir', target, '--json'], w.env);
    expect(restored.code, restored.stdout + restored.stderr).toBe(1);
    expect(restored.json()).toMatchObject({ success: false, code: 'UNSUPPORTED' });
    expect(String(restored.json().error)).toContain('no schema version');
    expect((await fsp.readdir(target)).sort()).toEqual(before);
    expect(await fsp.readFile(join(target, 'database.sqlite'))).toEqual(db);
  });

  it('refuses a live database that is not SQLite with DATABASE_CORRUPT, saying so', async () => {
    const w = await fresh('garbage', { userVersion: SCHEMA_VERSION, wal: false, users: [] });
    await fsp.writeFile(join(w.dataDir, 'database.sqlite'), 'Dear court, this is a letter, not a database.\n'.repeat(100));
    const exported = await cli(['export', '--json'], w.env);
    expect(exported.code).toBe(1);
    expect(exported.json()).toMatchObject({ success: false, code: 'DATABASE_CORRUPT', error: expect.stringContaining('is not a SQLite database') });
  });

  it('leaves the live database file byte for byte as it was, whatever its schema version and journal mode (property)', async () => {
    const arb = fc.record({
      userVersion: fc.constantFrom(0 as const, SCHEMA_VERSION),
      wal: fc.boolean(),
      users: fc.array(fc.string({ maxLength: 40 }), { maxLength: 30 }),
    });
    let run = 0;
    await fc.assert(
      fc.asyncProperty(arb, async (spec) => {
        run += 1;
        const w = await fresh(`property-${run}`, spec);
        const path = join(w.dataDir, 'database.sqlite');
        const before = await fsp.readFile(path);
        for (const command of [['export'], ['check']]) {
          const result = await cli([...command, '--json'], w.env);
          expect(result.code, `${command[0]}: ${result.stdout}${result.stderr}`).toBe(0);
          expect(await fsp.readFile(path), command[0]).toEqual(before);
        }
        // SQLite's own side files of a WAL database aside, nothing new in the data dir.
        expect((await fsp.readdir(w.dataDir)).filter((n) => !/^database\.sqlite-(wal|shm)$/.test(n)).sort()).toEqual(['database.sqlite', 'settings.json']);
      }),
      { numRuns: Math.min(8, propertyRuns()) },
    );
  });
});
