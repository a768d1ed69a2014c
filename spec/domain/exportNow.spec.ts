import { describe, expect, it } from 'vitest';
import { AUDIT_LOG_FILE } from '../../src/domain/auditLog.ts';
import { BackupError } from '../../src/domain/errors.ts';
import { sha256 } from '../support/dataDirState.ts';
import { BACKUP_DIR, createMemoryHarness, DATA_DIR } from '../support/memoryHarness.ts';

async function addDocument(h: Awaited<ReturnType<typeof createMemoryHarness>>, text: string): Promise<string> {
  const bytes = new TextEncoder().encode(text);
  const sha = sha256(bytes);
  await h.memfs.mkdir(`${DATA_DIR}/files/${sha.slice(0, 2)}`);
  const path = `${DATA_DIR}/files/${sha.slice(0, 2)}/${sha}`;
  await h.memfs.writeFile(path, bytes);
  return path;
}

describe('exportNow', () => {
  it('refuses a document whose bytes no longer match its name, and leaves no backup', async () => {
    const h = await createMemoryHarness();
    await addDocument(h, 'a healthy document');
    const rotten = await addDocument(h, 'a document that will rot');
    await h.memfs.writeFile(rotten, new TextEncoder().encode('a document that will r0t'));

    const error = await h.service.exportNow({}).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(BackupError);
    expect(error).toMatchObject({ code: 'DOCUMENT_MISMATCH', message: expect.stringContaining(rotten.slice(DATA_DIR.length + 1)) });
    expect(await h.memfs.readdir(BACKUP_DIR)).toEqual([AUDIT_LOG_FILE]);
    expect(await h.service.listBackups()).toEqual([]);
  });

  it('validates its options', async () => {
    const h = await createMemoryHarness();
    for (const bad of [{ compressionLevel: 10 }, { compressionLevel: 1.5 }, { includeFiles: 'yes' }, { extra: true }, [], 'all',
      { includeDatabase: false, includeFiles: false, includeMetadata: false }]) {
      await expect(h.service.exportNow(bad)).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    }
  });

  it('skips and reports what in files/ is not a document of the store', async () => {
    const h = await createMemoryHarness();
    await addDocument(h, 'kept');
    await h.memfs.writeFile(`${DATA_DIR}/files/.DS_Store`, new Uint8Array(3));
    await h.memfs.mkdir(`${DATA_DIR}/files/ab`);
    await h.memfs.writeFile(`${DATA_DIR}/files/ab/not-a-hash.pdf`, new Uint8Array(3));

    const result = await h.service.exportNow({});

    expect(result.metadata.counts.files).toBe(1);
    expect(result.warnings).toEqual([
      expect.stringContaining('files/.DS_Store'),
      expect.stringContaining('files/ab/not-a-hash.pdf'),
    ]);
  });

  it('removes its partial file when cancelled', async () => {
    const h = await createMemoryHarness();
    for (let i = 0; i < 5; i += 1) await addDocument(h, `document ${i}`.repeat(1000));
    const controller = new AbortController();
    const error = await h.service
      .exportNow({}, { signal: controller.signal, onProgress: (p) => p.phase === 'archive' && p.done > 0 && controller.abort() })
      .catch((e: unknown) => e);

    expect(error).toMatchObject({ code: 'CANCELLED' });
    expect(await h.memfs.readdir(BACKUP_DIR)).toEqual([AUDIT_LOG_FILE]);
  });
});

describe('recover (the backup dir)', () => {
  it('removes what an interrupted export left and keeps complete backups', async () => {
    const h = await createMemoryHarness();
    const kept = await h.service.exportNow({});
    const leftovers = [
      'casevault-backup-20990101T000000000Z.zip.partial',
      'casevault-backup-20990101T000000000Z.zip.sha256.partial',
      'casevault-backup-20990102T000000000Z.zip.sha256', // a sidecar whose backup never got its name
      '.casevault-backup-20990101T000000000Z.snapshot.sqlite',
      '.casevault-backup-20990101T000000000Z.snapshot.sqlite-journal',
    ];
    for (const name of leftovers) await h.memfs.writeFile(`${BACKUP_DIR}/${name}`, new Uint8Array(1));

    const { removedFromBackupDir } = await h.service.recover();

    expect(removedFromBackupDir.sort()).toEqual([...leftovers].sort());
    expect(await h.memfs.readdir(BACKUP_DIR)).toEqual([AUDIT_LOG_FILE, kept.fileName, `${kept.fileName}.sha256`].sort());
  });
});
