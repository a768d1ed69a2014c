import { describe, expect, it } from 'vitest';
import { BACKUP_DIR, createMemoryHarness } from '../support/memoryHarness.ts';

describe('deleteBackup', () => {
  it('accepts only the name of a listed backup: no separators, no "..", no symlinks', async () => {
    const h = await createMemoryHarness();
    const backup = await h.service.exportNow({});
    await h.memfs.mkdir('/elsewhere');
    await h.memfs.writeFile('/elsewhere/precious.zip', new Uint8Array(4));
    h.memfs.volume.symlinkSync('/elsewhere/precious.zip', `${BACKUP_DIR}/link.zip`);

    for (const bad of ['../elsewhere/precious.zip', '/elsewhere/precious.zip', 'sub/x.zip', 'a\\b.zip', '..zip', '', 42, null]) {
      await expect(h.service.deleteBackup(bad)).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    }
    await expect(h.service.deleteBackup('link.zip')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(h.service.deleteBackup('casevault-backup-20990101T000000000Z.zip')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect(await h.memfs.exists('/elsewhere/precious.zip')).toBe(true);
    expect(await h.memfs.exists(`${BACKUP_DIR}/link.zip`)).toBe(true);

    await h.service.deleteBackup(backup.fileName);
    expect(await h.memfs.exists(backup.filePath)).toBe(false);
    expect(await h.memfs.exists(`${backup.filePath}.sha256`)).toBe(false);
  });
});

describe('restoreFromZip and verifyBackup', () => {
  it('read only regular files: a symlink to a backup is refused', async () => {
    const h = await createMemoryHarness();
    const backup = await h.service.exportNow({});
    h.memfs.volume.symlinkSync(backup.filePath, '/tmp/link.zip');
    await expect(h.service.restoreFromZip('/tmp/link.zip')).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    await expect(h.service.verifyBackup('/tmp/link.zip')).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    await expect(h.service.restoreFromZip(BACKUP_DIR)).rejects.toMatchObject({ code: 'INVALID_INPUT' });
  });
});
