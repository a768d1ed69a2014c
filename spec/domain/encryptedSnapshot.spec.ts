/**
 * Confidentiality of an encrypted export's database snapshot: the snapshot is plaintext
 * SQLite, so with encryption on it is written on the data side
 * (`<dataDir>.casevault-scratch/`, 0700), never in the backup dir (a USB drive, a NAS). At
 * every instant of an export, and whichever operation fails, no file in the backup dir holds
 * a SQLite header or starts with a ZIP header; what a crash leaves in the scratch folder is
 * removed by the next export and at start-up.
 */
import { describe, expect, it } from 'vitest';
import { BackupError } from '../../src/domain/errors.ts';
import { cleanBackupDir } from '../../src/domain/listBackups.ts';
import { createBackupService } from '../../src/domain/service.ts';
import { createAgeEncryption } from '../../src/infra/age/index.ts';
import type { FileSystem } from '../../src/ports/fileSystem.ts';
import { populate } from '../support/dataDirState.ts';
import { BACKUP_DIR, DATA_DIR, createMemoryHarness } from '../support/memoryHarness.ts';

const encryption = createAgeEncryption({ keyFile: { workFactor: 10 } });
const SCRATCH = `${DATA_DIR}.casevault-scratch`;
const SQLITE = Buffer.from('SQLite format 3\0', 'latin1');
const small = { users: [{ name: 'Ana', email: null }], cases: [{ title: 'Case 1', notes: 'n' }], tasks: [], hearings: [], orders: [], documents: [{ seed: 3, size: 50_000, compressible: true }], settings: { theme: 'dark' } };

/** A world whose file system calls `observe` after every operation, and fails the `failAt`-th one once armed. */
async function world() {
  const control = { armed: false, ops: 0, failAt: 0, observe: async () => {} };
  const h = await createMemoryHarness({
    wrapFs: (fs) =>
      new Proxy(fs, {
        get(target, key, receiver) {
          const value = Reflect.get(target, key, receiver) as unknown;
          if (typeof value !== 'function' || ['join', 'basename', 'dirname', 'readStream'].includes(String(key))) return value;
          return async (...args: unknown[]) => {
            if (control.armed && (control.ops += 1) === control.failAt) throw new BackupError('IO_ERROR', `injected at ${String(key)}`);
            const result = await (value as (...a: unknown[]) => unknown).apply(target, args);
            if (control.armed) await control.observe();
            return result;
          };
        },
      }) as FileSystem,
  });
  const deps = { ...h.deps, encryption };
  const service = createBackupService(deps, h.config);
  await populate(h, small);
  const offer = await service.keyInit('correct horse battery staple');
  await service.keyConfirm(offer.recoveryKey);
  return { h, service, control };
}

/** Every file in the backup dir: none may hold plaintext SQLite, none may start like a ZIP. */
async function assertNoPlaintext(memfs: FileSystem, when: string) {
  for (const name of await memfs.readdir(BACKUP_DIR)) {
    const path = memfs.join(BACKUP_DIR, name);
    if ((await memfs.stat(path)).kind !== 'file') continue;
    const bytes = Buffer.from(await memfs.readFile(path));
    expect(bytes.indexOf(SQLITE), `${when}: ${name} holds a SQLite header`).toBe(-1);
    expect(bytes.subarray(0, 4).equals(Buffer.from([0x50, 0x4b, 0x03, 0x04])), `${when}: ${name} starts with a ZIP header`).toBe(false);
  }
}

describe('an encrypted export never puts plaintext in the backup dir', () => {
  it('at every instant of a clean export: the snapshot is written on the data side', async () => {
    const w = await world();
    let sawScratchSnapshot = false;
    w.control.observe = async () => {
      await assertNoPlaintext(w.h.memfs, `after operation ${w.control.ops}`);
      if ((await w.h.memfs.exists(SCRATCH)) && (await w.h.memfs.readdir(SCRATCH)).some((n) => n.endsWith('.snapshot.sqlite'))) sawScratchSnapshot = true;
    };
    w.control.armed = true;
    const made = await w.service.exportNow();
    w.control.armed = false;
    expect(made.encrypted).toBe(true);
    expect(sawScratchSnapshot).toBe(true);
    expect(await w.h.memfs.readdir(SCRATCH)).toEqual([]);
  });

  it('whichever file system operation fails, at every instant and afterwards', async () => {
    const clean = await world();
    clean.control.armed = true;
    await clean.service.exportNow();
    const total = clean.control.ops;
    expect(total).toBeGreaterThan(10);
    for (let failAt = 1; failAt <= total; failAt += 1) {
      const w = await world();
      w.control.failAt = failAt;
      w.control.observe = () => assertNoPlaintext(w.h.memfs, `failing operation ${failAt}, after operation ${w.control.ops}`);
      w.control.armed = true;
      await w.service.exportNow().catch(() => {});
      w.control.armed = false;
      await assertNoPlaintext(w.h.memfs, `failing operation ${failAt}, at the end`);
    }
  }, 120_000);

  it('a snapshot a crash left in the scratch folder is removed at start-up and by the next export', async () => {
    const w = await world();
    await w.h.memfs.mkdir(SCRATCH, { mode: 0o700 });
    const leftover = `${SCRATCH}/.casevault-backup-20261101T000000000Z.snapshot.sqlite`;
    await w.h.memfs.writeFile(leftover, SQLITE);
    await w.service.recover();
    expect(await w.h.memfs.exists(leftover)).toBe(false);
    await w.h.memfs.writeFile(leftover, SQLITE);
    await w.h.memfs.writeFile(`${leftover}-journal`, SQLITE);
    // The composition (src/infra/node/compose.ts) cleans under the export lock before every export, as here.
    const deps = { ...w.h.deps, encryption };
    const composed = createBackupService(deps, w.h.config, { aroundExport: async (fn) => (await cleanBackupDir(deps, w.h.config), fn()) });
    await composed.exportNow();
    expect(await w.h.memfs.readdir(SCRATCH)).toEqual([]);
  });
});

describe('verifying an encrypted backup never puts its plaintext database in the backup dir', () => {
  it('at every instant: the database is checked on the data side, even with the temp dir inside the backup dir (the default)', async () => {
    const w = await world();
    const made = await w.service.exportNow();
    // The node composition's default temp dir is <backupDir>/.tmp.
    const service = createBackupService({ ...w.h.deps, encryption }, { ...w.h.config, tempDir: `${BACKUP_DIR}/.tmp` });
    const walk = async (dir: string): Promise<string[]> => {
      const out: string[] = [];
      for (const name of await w.h.memfs.readdir(dir)) {
        const path = w.h.memfs.join(dir, name);
        out.push(...((await w.h.memfs.stat(path)).kind === 'directory' ? await walk(path) : [path]));
      }
      return out;
    };
    let sawScratchDatabase = false;
    w.control.observe = async () => {
      for (const path of await walk(BACKUP_DIR)) {
        expect(Buffer.from(await w.h.memfs.readFile(path)).indexOf(SQLITE), `after operation ${w.control.ops}: ${path} holds a SQLite header`).toBe(-1);
      }
      if ((await w.h.memfs.exists(SCRATCH)) && (await walk(SCRATCH)).some((p) => p.endsWith('database.sqlite'))) sawScratchDatabase = true;
    };
    w.control.armed = true;
    const result = await service.verifyBackup(made.filePath, { unlock: { password: 'correct horse battery staple' } });
    w.control.armed = false;
    expect(result.encrypted).toBe(true);
    expect(sawScratchDatabase).toBe(true);
    expect(await w.h.memfs.readdir(SCRATCH)).toEqual([]);
  });

  it('what a killed verify left on the data side is removed with the other leftovers', async () => {
    const w = await world();
    await w.h.memfs.mkdir(SCRATCH);
    await w.h.memfs.mkdir(`${SCRATCH}/casevault-verify-20261127T120000000Z-abc`);
    await w.h.memfs.writeFile(`${SCRATCH}/casevault-verify-20261127T120000000Z-abc/database.sqlite`, SQLITE);
    expect(await cleanBackupDir(w.h.deps, w.h.config)).toContain('data.casevault-scratch/casevault-verify-20261127T120000000Z-abc');
    expect(await w.h.memfs.readdir(SCRATCH)).toEqual([]);
  });
});
