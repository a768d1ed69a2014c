/**
 * Our backups with the standard tools: `unzip -t` and Python's zipfile accept them,
 * `sha256sum -c` accepts the sidecar, and a backup unpacked and re-zipped with `zip -r`
 * (other order, directory entries, other compression) still restores: the manifest, not
 * the ZIP layout, is the truth. Also the file modes on disk.
 */
import { execFileSync } from 'node:child_process';
import { promises as fsp } from 'node:fs';
import { basename, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { worldData } from '../support/crashWorld.ts';
import { compose, populate, readDiskState, tempRoot, type DiskState } from '../support/nodeHarness.ts';

describe('interop with unzip, zip, sha256sum and Python', () => {
  let t: Awaited<ReturnType<typeof tempRoot>>;
  let backup: string;
  let state: DiskState;
  beforeAll(async () => {
    t = await tempRoot('interop');
    const system = await compose(t.dataDir, t.backupDir);
    await populate(system, worldData(8, 300_000));
    backup = (await system.service.exportNow({})).filePath;
    await system.dispose();
    state = await readDiskState(t.dataDir);
  });
  afterAll(async () => t.cleanup());

  it('passes unzip -t and python3 -m zipfile -t', () => {
    const out = execFileSync('unzip', ['-t', backup], { encoding: 'utf8' });
    expect(out).toMatch(/No errors detected/);
    execFileSync('python3', ['-m', 'zipfile', '-t', backup], { encoding: 'utf8' });
  });

  it('has a sidecar that sha256sum -c accepts in the backup dir', () => {
    const out = execFileSync('sha256sum', ['-c', `${basename(backup)}.sha256`], { cwd: t.backupDir, encoding: 'utf8' });
    expect(out.trim()).toBe(`${basename(backup)}: OK`);
  });

  it('keeps the backup dir 0700 and backups and sidecars 0600', async () => {
    expect((await fsp.stat(t.backupDir)).mode & 0o777).toBe(0o700);
    expect((await fsp.stat(backup)).mode & 0o777).toBe(0o600);
    expect((await fsp.stat(`${backup}.sha256`)).mode & 0o777).toBe(0o600);
  });

  it('restores a backup unpacked and re-zipped with zip -r onto a new computer', async () => {
    const unpacked = join(t.root, 'unpacked');
    execFileSync('unzip', ['-q', backup, '-d', unpacked]);
    const rezipped = join(t.root, 'rezipped.zip');
    execFileSync('zip', ['-r', '-q', '-9', rezipped, '.'], { cwd: unpacked });
    const listing = execFileSync('unzip', ['-Z1', rezipped], { encoding: 'utf8' });
    expect(listing).toMatch(/^files\/$/m); // zip -r adds directory entries ours do not have
    const elsewhere = join(t.root, 'new-computer', 'data');
    const system = await compose(elsewhere, join(t.root, 'new-computer', 'backups'), { openDatabase: false });
    try {
      await system.service.restoreFromZip(rezipped);
    } finally {
      await system.dispose();
    }
    expect(await readDiskState(elsewhere)).toEqual(state);
  });
});
