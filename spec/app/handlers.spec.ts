/** The handler table's error mapping, on a runtime whose service fails on purpose. */
import { describe, expect, it } from 'vitest';
import { createBackupIpc, type BackupRuntime } from '../../src/app/handlers.ts';
import { BackupError } from '../../src/domain/errors.ts';
import { createMemoryHarness } from '../support/memoryHarness.ts';

async function ipcWith(overrides: Partial<BackupRuntime['service']>) {
  const h = await createMemoryHarness();
  const logged: { message: string; error: unknown }[] = [];
  const ipc = createBackupIpc({
    runtime: { service: { ...h.service, ...overrides }, deps: h.deps, config: h.config },
    chooseFile: async () => null,
    log: (message, error) => logged.push({ message, error }),
  });
  return { ipc, logged, call: { emit: () => {} } };
}

describe('backup IPC handlers', () => {
  it('turns an unexpected error into INTERNAL with a generic message, and logs the detail', async () => {
    const secret = new Error('ENOENT /home/lawyer/.secret/path');
    const { ipc, logged, call } = await ipcWith({ listBackupsWithState: async () => Promise.reject(secret) });
    const response = await ipc.handlers['backup:listBackups'](undefined, call);
    expect(response).toMatchObject({ success: false, code: 'INTERNAL', message: 'Failed to list backups' });
    expect(JSON.stringify(response)).not.toContain('.secret');
    expect(logged).toHaveLength(1);
    expect(logged[0]!.error).toBe(secret);
  });

  it('keeps a BackupError\'s code and message, with the seed\'s summary as message', async () => {
    const { ipc, logged, call } = await ipcWith({
      deleteBackup: async () => Promise.reject(new BackupError('PERMISSION_DENIED', 'delete: /backups/x.zip: permission denied')),
    });
    const response = await ipc.handlers['backup:deleteBackup']({ fileName: 'x.zip' }, call);
    expect(response).toEqual({
      success: false,
      code: 'PERMISSION_DENIED',
      error: 'delete: /backups/x.zip: permission denied',
      message: 'Failed to delete backup',
    });
    expect(logged).toHaveLength(0);
  });

  it('reports an abort that is not a BackupError as CANCELLED, not as a failure', async () => {
    const abort = Object.assign(new Error('The operation was aborted'), { name: 'AbortError' });
    const { ipc, call } = await ipcWith({ exportNow: async () => Promise.reject(abort) });
    expect(await ipc.handlers['backup:exportNow'](undefined, call)).toMatchObject({ success: false, code: 'CANCELLED', message: 'Export cancelled' });
  });

  it('lets a file allowed by the shell\'s upload be read', async () => {
    const { ipc, call } = await ipcWith({});
    const path = '/tmp/uploads/abc/backup.zip';
    expect(await ipc.handlers['backup:verifyBackup']({ filePath: path }, call)).toMatchObject({ code: 'INVALID_INPUT' });
    ipc.allowFile(path);
    expect(await ipc.handlers['backup:verifyBackup']({ filePath: path }, call)).toMatchObject({ code: 'NOT_FOUND' });
  });
});
