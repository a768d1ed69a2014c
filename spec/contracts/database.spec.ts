import { promises as fsp } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createBetterSqliteDatabase } from '../../src/infra/betterSqlite/betterSqliteDatabase.ts';
import { createMemoryFileSystem } from '../../src/infra/memfs/memoryFileSystem.ts';
import { createSqlJsDatabase } from '../../src/infra/sqljs/sqlJsDatabase.ts';
import { databaseContract } from './database.contract.ts';

databaseContract('sql.js on memfs', async () => {
  const fs = createMemoryFileSystem();
  await fs.mkdir('/data');
  await fs.mkdir('/scratch');
  const db = createSqlJsDatabase(fs, '/data');
  return {
    db,
    scratch: '/scratch',
    livePath: '/data/database.sqlite',
    write: (sql, params) => db.write(sql, params),
    readBytes: (path) => fs.readFile(path),
    writeBytes: (path, bytes) => fs.writeFile(path, bytes),
    list: () => fs.readdir('/scratch'),
    exists: (path) => fs.exists(path),
    cleanup: async () => {},
  };
});

databaseContract('better-sqlite3 on disk', async () => {
  const root = await fsp.mkdtemp(join(tmpdir(), 'casevault-db-contract-'));
  const scratch = join(root, 'scratch');
  await fsp.mkdir(scratch);
  const db = createBetterSqliteDatabase(join(root, 'data'));
  return {
    db,
    scratch,
    livePath: join(root, 'data', 'database.sqlite'),
    write: async (sql, params) => void (await db.transaction((h) => h.run(sql, params ?? []))),
    readBytes: async (path) => new Uint8Array(await fsp.readFile(path)),
    writeBytes: (path, bytes) => fsp.writeFile(path, bytes),
    list: async () => (await fsp.readdir(scratch)).sort(),
    exists: async (path) => fsp.access(path).then(() => true, () => false),
    cleanup: () => fsp.rm(root, { recursive: true, force: true }),
  };
});
