/**
 * The folder destination on real mounts (issue 14): a drive that is full, mounted read-only,
 * or that goes away in the middle of a copy. Small tmpfs mounts stand in for the USB drive
 * (this needs root, as CI runs; the machine has no vfat driver, so FAT32's limit is checked
 * through statfs's answer). Whatever happens, a copy is whole under its name or not there.
 */
import { execFileSync } from 'node:child_process';
import { promises as fsp } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createFolderDestination } from '../../../src/infra/nodefs/folderDestination.ts';
import type { ReadHandle } from '../../../src/ports/fileSystem.ts';
import { memoryReadHandle } from '../../contracts/destination.contract.ts';
import { codeOf } from '../../support/codeOf.ts';

const mount = (...args: string[]) => execFileSync('mount', args, { stdio: 'pipe' });

async function listed(path: string): Promise<string[]> {
  const names: string[] = [];
  for await (const o of createFolderDestination(path).list()) names.push(o.name);
  return names;
}

describe('a folder destination on a real mount', () => {
  let root: string;
  let drive: string;
  beforeEach(async () => {
    root = await fsp.mkdtemp(join(tmpdir(), 'casevault-mounts-'));
    drive = join(root, 'usb');
    await fsp.mkdir(drive);
    mount('-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', drive);
  });
  afterEach(async () => {
    vi.restoreAllMocks();
    try {
      execFileSync('umount', ['-l', drive], { stdio: 'pipe' });
    } catch {
      // already gone (the test unmounted it)
    }
    await fsp.rm(root, { recursive: true, force: true });
  });

  it('a full drive: NO_SPACE saying so, nothing listed, no temporary file left', async () => {
    const store = createFolderDestination(drive);
    const report = await store.probe();
    expect(report.freeBytes).toBeGreaterThan(0);
    expect(report.freeBytes).toBeLessThanOrEqual(1024 * 1024);
    const error = await store.put('casevault-backup-20261127T120000000Z.zip', memoryReadHandle(new Uint8Array(2 * 1024 * 1024).fill(1))).catch((e: unknown) => e);
    expect((error as { code?: string }).code).toBe('NO_SPACE');
    expect((error as Error).message).toMatch(/full: free some space there or choose another destination/);
    expect(await fsp.readdir(drive)).toEqual([]);
    await store.put('casevault-backup-20261127T120000000Z.zip', memoryReadHandle(new Uint8Array(1000).fill(2)));
    expect(await listed(drive)).toEqual(['casevault-backup-20261127T120000000Z.zip']);
  });

  it('a drive mounted read-only: the probe and a copy are DEST_ACCESS_DENIED', async () => {
    mount('-o', 'remount,ro', drive);
    const store = createFolderDestination(drive);
    expect(await codeOf(store.probe())).toBe('DEST_ACCESS_DENIED');
    const error = await store.put('casevault-backup-20261127T120000000Z.zip', memoryReadHandle(new Uint8Array(10))).catch((e: unknown) => e as Error);
    expect((error as { code?: string }).code).toBe('DEST_ACCESS_DENIED');
    expect((error as Error).message).toMatch(/read-only/);
  });

  it('a drive pulled out in the middle of a copy: a coded error, and nothing of it under its name', async () => {
    const store = createFolderDestination(join(drive, 'casevault'));
    await fsp.mkdir(join(drive, 'casevault'));
    const data = new Uint8Array(600 * 1024).fill(3);
    let reads = 0;
    const source: ReadHandle = {
      size: data.byteLength,
      async read(position, length, into) {
        if (reads++ === 0) execFileSync('umount', ['-l', drive], { stdio: 'pipe' }); // the drive goes away under the copy
        return memoryReadHandle(data).read(position, length, into);
      },
      async close() {},
    };
    const code = await codeOf(store.put('casevault-backup-20261127T120000000Z.zip', source));
    expect(code).toBe('DEST_NOT_FOUND');
    // The folder it wrote to went with the drive; the empty mount point shows no copy.
    expect(await codeOf(store.probe())).toBe('DEST_NOT_FOUND');
    expect(await fsp.readdir(drive)).toEqual([]);
  });
});

describe('a folder destination on FAT32 (statfs says so)', () => {
  it('refuses a file over 4 GiB − 1 with DEST_FILE_TOO_LARGE before writing a byte', async () => {
    const root = await fsp.mkdtemp(join(tmpdir(), 'casevault-fat-'));
    try {
      const real = fsp.statfs.bind(fsp);
      vi.spyOn(fsp, 'statfs').mockImplementation((async (path: string) => ({ ...(await real(path)), type: 0x4d44 })) as never);
      const store = createFolderDestination(root);
      expect((await store.probe()).maxFileSize).toBe(2 ** 32 - 1);
      let read = 0;
      const huge: ReadHandle = { size: 2 ** 32, read: async () => ((read += 1), new Uint8Array(0)), close: async () => {} };
      const error = (await store.put('casevault-backup-20261127T120000000Z.zip', huge).catch((e: unknown) => e)) as Error;
      expect((error as { code?: string }).code).toBe('DEST_FILE_TOO_LARGE');
      expect(error.message).toMatch(/FAT32.*reformat the drive as exFAT, NTFS or ext4/);
      expect(read).toBe(0);
      expect(await fsp.readdir(root)).toEqual([]);
    } finally {
      vi.restoreAllMocks();
      await fsp.rm(root, { recursive: true, force: true });
    }
  });
});

describe('a folder destination that is a file', () => {
  it('is NOT_A_FOLDER for every operation, not "the drive is not mounted"', async () => {
    const root = await fsp.mkdtemp(join(tmpdir(), 'casevault-file-'));
    try {
      const file = join(root, 'copies');
      await fsp.writeFile(file, 'not a folder');
      const store = createFolderDestination(file);
      expect(await codeOf(store.probe())).toBe('NOT_A_FOLDER');
      expect(await codeOf(store.put('casevault-backup-20261127T120000000Z.zip', memoryReadHandle(new Uint8Array(3))))).toBe('NOT_A_FOLDER');
      expect(await codeOf(store.get('casevault-backup-20261127T120000000Z.zip', { write: async () => {}, close: async () => {}, abort: async () => {} }))).toBe('NOT_A_FOLDER');
      expect(await fsp.readFile(file, 'utf8')).toBe('not a folder');
    } finally {
      await fsp.rm(root, { recursive: true, force: true });
    }
  });
});
