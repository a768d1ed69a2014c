import { describe, expect, it } from 'vitest';
import { createBackupService } from '../../src/domain/service.ts';
import { createMemoryHarness } from '../support/memoryHarness.ts';

describe('one operation at a time', () => {
  it('refuses a second export, restore, verify or delete with BUSY while one runs, and lists meanwhile', async () => {
    const h = await createMemoryHarness();
    await h.db.write(`INSERT INTO users (name) VALUES ('Ana')`);
    const first = await h.service.exportNow({});
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let entered!: () => void;
    const inside = new Promise<void>((resolve) => (entered = resolve));
    // The running export is held inside its snapshot until the test lets it go.
    const db = {
      ...h.db,
      supportedSchemaVersion: h.db.supportedSchemaVersion,
      snapshotTo: async (target: string) => {
        entered();
        await held;
        await h.db.snapshotTo(target);
      },
    };
    const service = createBackupService({ ...h.deps, db }, h.config);
    const running = service.exportNow({});
    await inside;

    const attempts = await Promise.all([
      service.exportNow({}).catch((e: unknown) => e),
      service.restoreFromZip(first.filePath).catch((e: unknown) => e),
      service.verifyBackup(first.filePath).catch((e: unknown) => e),
      service.deleteBackup(first.fileName).catch((e: unknown) => e),
    ]);
    const listed = await service.listBackups();
    expect(service.activity).toBe('export');
    release();
    await running;

    for (const attempt of attempts) {
      expect(attempt).toMatchObject({ code: 'BUSY', message: expect.stringContaining('an export is running') });
    }
    expect(listed.map((b) => b.fileName)).toEqual([first.fileName]);
    expect(service.activity).toBeNull();
    expect(await service.listBackups()).toHaveLength(2);
    expect(await service.verifyBackup(first.filePath)).toMatchObject({ valid: true });
  });
});
