import { spawn } from 'node:child_process';
import { promises as fsp } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { acquireLock, tryLock } from '../../src/infra/node/processLock.ts';
import { tempRoot } from '../support/nodeHarness.ts';

const roots: { cleanup(): Promise<void> }[] = [];
afterEach(async () => {
  for (const r of roots.splice(0)) await r.cleanup();
});

describe('acquireLock', () => {
  it('refuses a lock a live process holds with BUSY, and takes over one whose owner is gone', async () => {
    const t = await tempRoot('lock');
    roots.push(t);
    const path = join(t.root, 'data.lock');
    const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)']);
    await fsp.writeFile(path, JSON.stringify({ pid: child.pid, purpose: 'the app' }));
    await expect(acquireLock(path, 'restore')).rejects.toMatchObject({ code: 'BUSY' });
    expect(await tryLock(path, 'restore')).toBeNull();
    child.kill('SIGKILL');
    await new Promise((r) => child.once('close', r));
    const lock = await acquireLock(path, 'restore');
    expect(JSON.parse(await fsp.readFile(path, 'utf8'))).toMatchObject({ pid: process.pid });
    await expect(acquireLock(path, 'again')).rejects.toMatchObject({ code: 'BUSY' });
    await lock.release();
    await expect(fsp.stat(path)).rejects.toThrow();
  });

  it('treats a new unreadable lock as taken and an old one as stale', async () => {
    const t = await tempRoot('lock');
    roots.push(t);
    const path = join(t.root, 'data.lock');
    await fsp.writeFile(path, '');
    await expect(acquireLock(path, 'restore')).rejects.toMatchObject({ code: 'BUSY' });
    const old = new Date(Date.now() - 60_000);
    await fsp.utimes(path, old, old);
    const lock = await acquireLock(path, 'restore');
    await lock.release();
  });
});
