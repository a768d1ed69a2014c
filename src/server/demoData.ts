/** Seeds the browser shell's data dir with the demo data of `casevault demo`, before the app opens it. */
import { promises as fsp } from 'node:fs';
import { join } from 'node:path';
import { createBetterSqliteDatabase } from '../infra/node/index.ts';
import { createDemoData } from '../infra/node/demoData.ts';
import { createNodeFileSystem } from '../infra/nodefs/nodeFileSystem.ts';
import { nodeHashing } from '../infra/crypto/nodeHashing.ts';

/** Seeds `dataDir` if it has no database yet; resolves whether it did. */
export async function seedDemoData(dataDir: string): Promise<boolean> {
  await fsp.mkdir(dataDir, { recursive: true, mode: 0o700 });
  if (await fsp.stat(join(dataDir, 'database.sqlite')).catch(() => null)) return false;
  const db = createBetterSqliteDatabase(dataDir);
  await db.open();
  try {
    await createDemoData(createNodeFileSystem(), nodeHashing, db, dataDir);
  } finally {
    await db.close();
  }
  return true;
}
