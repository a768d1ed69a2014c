/**
 * A lock between processes on one machine: a file created exclusively, holding the pid of
 * its owner. A lock whose owner is gone (killed, crashed) is stale and taken over, so a
 * `kill -9` never leaves a data dir locked for good. Used so that two processes (the app
 * and the CLI) never recover, restore or clean the same dirs at once.
 */
import { promises as fsp } from 'node:fs';
import { dirname } from 'node:path';
import { BackupError } from '../../domain/errors.ts';
import { fromErrno } from '../fs/errno.ts';

export interface ProcessLock {
  readonly path: string;
  release(): Promise<void>;
}

/** Who holds a lock, as its file says (null: unreadable, its owner may be writing it). */
export type LockHolder = { readonly pid: number; readonly purpose: string } | null;

/**
 * Takes the lock, or rejects with BUSY naming the process that holds it: in `busy`'s words
 * when given (a message that can say what to do about that holder), else in general ones.
 */
export async function acquireLock(path: string, purpose: string, busy?: (holder: LockHolder) => string): Promise<ProcessLock> {
  for (let attempt = 0; attempt < 5; attempt += 1) {
    try {
      await fsp.mkdir(dirname(path), { recursive: true, mode: 0o700 });
      const handle = await fsp.open(path, 'wx', 0o600);
      try {
        await handle.writeFile(JSON.stringify({ pid: process.pid, purpose, since: new Date().toISOString() }));
        await handle.sync();
      } finally {
        await handle.close();
      }
      let released = false;
      return {
        path,
        release: async () => {
          if (released) return;
          released = true;
          await fsp.rm(path, { force: true });
        },
      };
    } catch (error) {
      if ((error as { code?: unknown }).code !== 'EEXIST') throw fromErrno(error, 'lock', path);
    }
    const holder = await readHolder(path);
    if (holder && isAlive(holder.pid)) {
      throw new BackupError('BUSY', busy ? busy(holder) : `${purpose}: process ${holder.pid} is using it (${holder.purpose}); try again when it has finished`);
    }
    if (!holder && (await ageMs(path)) < 5_000) {
      // Unreadable and new: its owner may be between creating and writing it.
      throw new BackupError('BUSY', busy ? busy(null) : `${purpose}: another process is taking it; try again in a moment`);
    }
    // Stale (its owner is gone) or unreadable for a while (its owner died while writing it): take it over.
    await fsp.rm(path, { force: true });
  }
  throw new BackupError('BUSY', `${purpose}: could not take the lock ${path}`);
}

/** Takes the lock if it is free; resolves null if another live process holds it. */
export async function tryLock(path: string, purpose: string): Promise<ProcessLock | null> {
  try {
    return await acquireLock(path, purpose);
  } catch (error) {
    if (error instanceof BackupError && error.code === 'BUSY') return null;
    throw error;
  }
}

/** Who holds the lock at `path`, and whether that process still runs; null if there is no readable lock. */
export async function inspectLock(path: string): Promise<{ pid: number; purpose: string; alive: boolean } | null> {
  const holder = await readHolder(path);
  return holder && { ...holder, alive: isAlive(holder.pid) };
}

async function readHolder(path: string): Promise<{ pid: number; purpose: string } | null> {
  try {
    const value = JSON.parse(await fsp.readFile(path, 'utf8')) as { pid?: unknown; purpose?: unknown };
    return typeof value.pid === 'number' ? { pid: value.pid, purpose: String(value.purpose ?? 'casevault') } : null;
  } catch {
    return null;
  }
}

async function ageMs(path: string): Promise<number> {
  try {
    return Date.now() - (await fsp.stat(path)).mtimeMs;
  } catch {
    return Infinity;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as { code?: unknown }).code === 'EPERM';
  }
}
