/**
 * A backup dir on memfs with backups that are only names, bytes and sidecars: enough for
 * what reads the backup dir without opening a ZIP (policy, state, retention, prune, drill
 * selection, alarms). The ports those never touch (database, jobs, archive) throw if used.
 * The clock stands still until the test moves it.
 */
import { createHash } from 'node:crypto';
import { compactTimestamp, type BackupConfig, type BackupDeps } from '../../src/domain/deps.ts';
import { DEFAULT_LIMITS } from '../../src/domain/limits.ts';
import { nodeHashing } from '../../src/infra/crypto/nodeHashing.ts';
import { createMemoryFileSystem, type MemoryFileSystem } from '../../src/infra/memfs/memoryFileSystem.ts';
import type { FileSystem } from '../../src/ports/fileSystem.ts';

export const DATA_DIR = '/home/lawyer/casevault/data';
export const BACKUP_DIR = '/home/lawyer/casevault/backups';

function unused(port: string): never {
  return new Proxy({}, {
    get: (_t, key) => {
      throw new Error(`the ${port} port is not part of this world (${String(key)})`);
    },
  }) as never;
}

export interface BackupDirWorld {
  readonly memfs: MemoryFileSystem;
  readonly deps: BackupDeps;
  readonly config: BackupConfig;
  /** The clock's instant; tests set it. */
  now: Date;
  /** Writes `casevault-backup-<time>.zip` (bytes of `size`) and its sidecar; resolves with its name. */
  addBackup(createdAt: string | Date, size?: number): Promise<string>;
  /** Names in the backup dir. */
  names(): Promise<string[]>;
  /** The same world seen through another FileSystem (a faulty one around `memfs`). */
  withFs(fs: FileSystem): BackupDeps;
}

export async function createBackupDirWorld(options: { timeZone?: string; now?: string } = {}): Promise<BackupDirWorld> {
  const memfs = createMemoryFileSystem();
  await memfs.mkdir(BACKUP_DIR);
  await memfs.mkdir(DATA_DIR);
  await memfs.mkdir('/tmp');
  const world: BackupDirWorld = {
    memfs,
    now: new Date(options.now ?? '2026-11-27T12:00:00.000Z'),
    deps: undefined as never,
    config: {
      dataDir: DATA_DIR,
      backupDir: BACKUP_DIR,
      tempDir: '/tmp',
      appVersion: '1.4.0',
      limits: DEFAULT_LIMITS,
      jobStopTimeoutMs: 2000,
    },
    async addBackup(createdAt, size = 64) {
      const name = `casevault-backup-${compactTimestamp(new Date(createdAt))}.zip`;
      const bytes = new Uint8Array(size).map((_, i) => (i * 31 + name.length) & 0xff);
      await memfs.writeFile(`${BACKUP_DIR}/${name}`, bytes);
      const sha = createHash('sha256').update(bytes).digest('hex');
      await memfs.writeFile(`${BACKUP_DIR}/${name}.sha256`, new TextEncoder().encode(`${sha}  ${name}\n`));
      return name;
    },
    names: () => memfs.readdir(BACKUP_DIR),
    withFs(fs) {
      return { ...world.deps, fs };
    },
  };
  const clock = { now: () => new Date(world.now.getTime()), ...(options.timeZone ? { timeZone: () => options.timeZone! } : {}) };
  (world as { deps: BackupDeps }).deps = { fs: memfs, db: unused('database'), jobs: unused('jobs'), archive: unused('archive'), hashing: nodeHashing, clock };
  return world;
}
