/**
 * A folder destination (issue 14): an external drive, a NAS share, a mounted network path.
 * A put writes `.casevault-partial-<pid>-<random>-<name>` (exclusive), fsyncs it, reads it
 * back and compares SHA-256s, then links it to its name (link(2) fails if the name exists:
 * never an overwrite), removes the temporary name and fsyncs the folder. Where a file system
 * has no hard links (FAT32, exFAT, some SMB mounts) it renames after checking the name is
 * free; the copier holds the backup dir's lock, so no other casevault races it there.
 * cleanUp removes temporary files this process is not writing (a crash's, a kill -9's).
 * The pool's packs (`pool/<name>`) live in the subfolder `pool`, made by their first put (and
 * the folder fsynced after it, so the subfolder survives a power cut with the pack in it);
 * their temporary files are in that subfolder too, so the link stays within one folder.
 */
import { createHash, randomBytes } from 'node:crypto';
import { constants, promises as fsp } from 'node:fs';
import { join, resolve } from 'node:path';
import { BackupError, throwIfCancelled, type ErrorCode } from '../../domain/errors.ts';
import type { DestinationFolder, DestinationObject, DestinationStore, ProbeReport, TransferOptions } from '../../ports/destination.ts';
import type { ReadHandle, WriteHandle } from '../../ports/fileSystem.ts';

const PARTIAL = '.casevault-partial-';
const PROBE = '.casevault-probe-';
/** The only subfolder: the pool's packs (the port's DestinationFolder). */
const FOLDERS: readonly DestinationFolder[] = ['pool'];
const CHUNK = 1 << 20;
const PROGRESS_EVERY = 4 * CHUNK;
/** statfs f_type of FAT (vfat, msdos): files up to 4 GiB − 1. */
const MSDOS_SUPER_MAGIC = 0x4d44;
const FAT_MAX_FILE = 2 ** 32 - 1;

const ERRNO: Readonly<Record<string, ErrorCode>> = {
  ENOENT: 'DEST_NOT_FOUND',
  ENOTDIR: 'DEST_NOT_FOUND',
  EACCES: 'DEST_ACCESS_DENIED',
  EPERM: 'DEST_ACCESS_DENIED',
  EROFS: 'DEST_ACCESS_DENIED',
  ENOSPC: 'NO_SPACE',
  EDQUOT: 'NO_SPACE',
  EFBIG: 'DEST_FILE_TOO_LARGE',
  EEXIST: 'ALREADY_EXISTS',
  ENOTCONN: 'DEST_UNREACHABLE',
  EHOSTDOWN: 'DEST_UNREACHABLE',
  EHOSTUNREACH: 'DEST_UNREACHABLE',
  ETIMEDOUT: 'DEST_UNREACHABLE',
  ESTALE: 'DEST_UNREACHABLE',
  ENODEV: 'DEST_UNREACHABLE',
};

export function createFolderDestination(path: string): DestinationStore {
  const root = resolve(path);
  const description = `the folder ${root}`;
  const mine = new Set<string>();

  const fail = (error: unknown, what: string): BackupError => {
    if (error instanceof BackupError) return error;
    const errno = (error as { code?: unknown } | null)?.code;
    const code: ErrorCode = (typeof errno === 'string' && ERRNO[errno]) || 'IO_ERROR';
    const hint: Partial<Record<ErrorCode, string>> = {
      DEST_NOT_FOUND: `${description} does not exist: is the drive plugged in and mounted, or the share connected?`,
      DEST_ACCESS_DENIED: `casevault may not write in ${description} (read-only, or not yours): check the drive and the folder's permissions`,
      NO_SPACE: `the drive of ${description} is full: free some space there or choose another destination`,
      DEST_FILE_TOO_LARGE: `the file system of ${description} cannot hold a file this large`,
      DEST_UNREACHABLE: `${description} stopped answering (a network share that went away?)`,
      IO_ERROR: `the drive of ${description} reported an error; check the drive`,
    };
    return new BackupError(code, `${what}: ${hint[code] ?? `${description}: ${String(errno ?? error)}`}${typeof errno === 'string' ? ` (${errno})` : ''}`, { cause: error });
  };

  async function folder(what: string): Promise<void> {
    let stat;
    try {
      stat = await fsp.stat(root);
    } catch (error) {
      throw fail(error, what);
    }
    if (!stat.isDirectory()) throw new BackupError('NOT_A_FOLDER', `${what}: ${root} is a file, not a folder: give the folder the copies go in`);
  }

  async function limits(): Promise<{ freeBytes: number; maxFileSize: number | null }> {
    const s = await fsp.statfs(root);
    return { freeBytes: Number(s.bavail) * Number(s.bsize), maxFileSize: Number(s.type) === MSDOS_SUPER_MAGIC ? FAT_MAX_FILE : null };
  }

  async function syncFolder(path = root): Promise<void> {
    const dir = await fsp.open(path, constants.O_RDONLY);
    try {
      await dir.sync().catch(() => {}); // some network file systems refuse fsync on a folder
    } finally {
      await dir.close();
    }
  }

  return {
    description,

    async probe(options = {}): Promise<ProbeReport> {
      const what = `checking ${description}`;
      await folder(what);
      const probe = join(root, `${PROBE}${process.pid}-${randomBytes(6).toString('hex')}`);
      const token = randomBytes(16);
      try {
        await fsp.writeFile(probe, token, { flag: 'wx' });
        const back = await fsp.readFile(probe);
        if (!back.equals(token)) throw new BackupError('IO_ERROR', `${what}: a file written there read back different; check the drive`);
      } catch (error) {
        throw fail(error, what);
      } finally {
        await fsp.rm(probe, { force: true }).catch(() => {});
      }
      const { freeBytes, maxFileSize } = await limits().catch((error) => {
        throw fail(error, what);
      });
      let sameDevice = false;
      if (options.sameDeviceAs !== undefined) {
        const [a, b] = await Promise.all([fsp.stat(root), fsp.stat(options.sameDeviceAs).catch(() => null)]);
        sameDevice = b !== null && a.dev === b.dev;
      }
      return { freeBytes, maxFileSize, sameDevice };
    },

    async *list(options = {}): AsyncIterable<DestinationObject> {
      const what = `listing ${description}`;
      const dir = options.folder === undefined ? root : join(root, options.folder);
      const named = (name: string) => (options.folder === undefined ? name : `${options.folder}/${name}`);
      let entries;
      try {
        entries = await fsp.readdir(dir, { withFileTypes: true });
      } catch (error) {
        // No pool folder yet (nothing was put there): an empty listing, if the destination is there.
        if (options.folder !== undefined && (error as { code?: unknown }).code === 'ENOENT') return void (await folder(what));
        throw fail(error, what);
      }
      for (const entry of entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
        throwIfCancelled(options.signal, what);
        if (!entry.isFile() || entry.name.startsWith('.')) continue;
        const stat = await fsp.stat(join(dir, entry.name)).catch(() => null);
        if (stat) yield { name: named(entry.name), size: stat.size };
      }
    },

    async put(name: string, source: ReadHandle, options: TransferOptions = {}): Promise<void> {
      checkName(name);
      const what = `copying ${name} to ${description}`;
      await folder(what);
      const { maxFileSize } = await limits().catch(() => ({ maxFileSize: null }));
      if (maxFileSize !== null && source.size > maxFileSize) {
        throw new BackupError('DEST_FILE_TOO_LARGE', `${what}: the file is ${source.size} bytes, and the drive's file system (FAT32) holds files up to ${maxFileSize} bytes (4 GiB); reformat the drive as exFAT, NTFS or ext4, or choose another destination`);
      }
      const final = join(root, name);
      const slash = name.lastIndexOf('/');
      const sub = slash < 0 ? '' : name.slice(0, slash + 1);
      const dir = join(root, sub);
      const tempName = `${sub}${PARTIAL}${process.pid}-${randomBytes(6).toString('hex')}-${name.slice(slash + 1)}`;
      const temp = join(root, tempName);
      mine.add(tempName);
      try {
        if (sub !== '' && !(await exists(dir))) {
          await fsp.mkdir(dir).catch((error: { code?: unknown }) => {
            if (error.code !== 'EEXIST') throw error;
          });
          await syncFolder();
        }
        if (await exists(final)) throw new BackupError('ALREADY_EXISTS', `${what}: ${name} is already there (a copy is never overwritten)`);
        const written = await writeFrom(source, temp, options, what);
        const back = await hashFile(temp, options.signal, what);
        if (back !== written) throw new BackupError('COPY_MISMATCH', `${what}: the copy read back differs from what was written (SHA-256 ${back} against ${written}); the drive may be failing`);
        try {
          await fsp.link(temp, final);
        } catch (error) {
          const errno = (error as { code?: unknown }).code;
          if (errno === 'EEXIST') throw new BackupError('ALREADY_EXISTS', `${what}: ${name} is already there (a copy is never overwritten)`);
          if (errno !== 'EPERM' && errno !== 'ENOTSUP' && errno !== 'EOPNOTSUPP' && errno !== 'ENOSYS') throw error;
          if (await exists(final)) throw new BackupError('ALREADY_EXISTS', `${what}: ${name} is already there (a copy is never overwritten)`);
          await fsp.rename(temp, final);
        }
        await fsp.rm(temp, { force: true });
        await syncFolder(dir);
      } catch (error) {
        await fsp.rm(temp, { force: true }).catch(() => {});
        if ((error as { name?: unknown }).name === 'AbortError') throwIfCancelled(options.signal, what);
        throw fail(error, what);
      } finally {
        mine.delete(tempName);
      }
    },

    async get(name: string, into: WriteHandle, options: TransferOptions = {}): Promise<void> {
      checkName(name);
      const what = `reading ${name} from ${description}`;
      await folder(what);
      let handle;
      try {
        handle = await fsp.open(join(root, name), 'r');
      } catch (error) {
        if ((error as { code?: unknown }).code === 'ENOENT') throw new BackupError('NOT_FOUND', `${what}: there is no ${name} there`, { cause: error });
        throw fail(error, what);
      }
      try {
        const { size } = await handle.stat();
        const buffer = Buffer.allocUnsafe(CHUNK);
        let done = 0;
        let reported = 0;
        while (done < size) {
          throwIfCancelled(options.signal, what);
          const { bytesRead } = await handle.read(buffer, 0, Math.min(CHUNK, size - done), done);
          if (bytesRead === 0) throw new BackupError('IO_ERROR', `${what}: the file got shorter while being read`);
          await into.write(buffer.subarray(0, bytesRead).slice());
          done += bytesRead;
          if (done - reported >= PROGRESS_EVERY || done === size) options.onProgress?.((reported = done), size);
        }
      } catch (error) {
        throw fail(error, what);
      } finally {
        await handle.close();
      }
    },

    async remove(name: string): Promise<'removed' | 'locked' | 'missing'> {
      checkName(name);
      try {
        await fsp.unlink(join(root, name));
        return 'removed';
      } catch (error) {
        const errno = (error as { code?: unknown }).code;
        if (errno === 'ENOENT') return 'missing';
        if (errno === 'EPERM') return 'locked'; // an immutable file (chattr +i): kept, not a failure
        throw fail(error, `removing ${name} from ${description}`);
      }
    },

    async cleanUp(options = {}): Promise<number> {
      const what = `cleaning ${description}`;
      let names: string[];
      try {
        names = await fsp.readdir(root);
        for (const sub of FOLDERS) {
          const inside = await fsp.readdir(join(root, sub)).catch((error: { code?: unknown }) => {
            if (error.code === 'ENOENT' || error.code === 'ENOTDIR') return [];
            throw error;
          });
          names.push(...inside.filter((n) => n.startsWith(PARTIAL)).map((n) => `${sub}/${n}`));
        }
      } catch (error) {
        throw fail(error, what);
      }
      let removed = 0;
      for (const leftover of names) {
        throwIfCancelled(options.signal, what);
        const base = leftover.slice(leftover.lastIndexOf('/') + 1);
        if (!(base.startsWith(PARTIAL) || base.startsWith(PROBE)) || mine.has(leftover)) continue;
        await fsp.rm(join(root, leftover), { force: true });
        removed++;
      }
      return removed;
    },
  };

  async function writeFrom(source: ReadHandle, temp: string, options: TransferOptions, what: string): Promise<string> {
    const hash = createHash('sha256');
    const out = await fsp.open(temp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o600);
    try {
      const buffer = new Uint8Array(CHUNK);
      let done = 0;
      let reported = 0;
      while (done < source.size) {
        throwIfCancelled(options.signal, what);
        const chunk = await source.read(done, Math.min(CHUNK, source.size - done), buffer);
        if (chunk.byteLength === 0) throw new BackupError('IO_ERROR', `${what}: the backup got shorter while being copied`);
        hash.update(chunk);
        await out.write(chunk, 0, chunk.byteLength, done);
        done += chunk.byteLength;
        if (done - reported >= PROGRESS_EVERY || done === source.size) options.onProgress?.((reported = done), source.size);
      }
      throwIfCancelled(options.signal, what);
      await out.sync();
    } finally {
      await out.close();
    }
    return hash.digest('hex');
  }
}

async function hashFile(path: string, signal: AbortSignal | undefined, what: string): Promise<string> {
  const hash = createHash('sha256');
  const handle = await fsp.open(path, 'r');
  try {
    const buffer = Buffer.allocUnsafe(CHUNK);
    for (let position = 0; ; ) {
      throwIfCancelled(signal, what);
      const { bytesRead } = await handle.read(buffer, 0, CHUNK, position);
      if (bytesRead === 0) break;
      hash.update(buffer.subarray(0, bytesRead));
      position += bytesRead;
    }
  } finally {
    await handle.close();
  }
  return hash.digest('hex');
}

async function exists(path: string): Promise<boolean> {
  try {
    await fsp.lstat(path);
    return true;
  } catch (error) {
    if ((error as { code?: unknown }).code === 'ENOENT') return false;
    throw error;
  }
}

/** A name of ours: flat, or in the pool (`pool/<flat>`); never hidden (hidden names are the adapter's own). */
export function checkName(name: string): void {
  if (!/^(pool\/)?[A-Za-z0-9][A-Za-z0-9._-]{0,254}$/.test(name)) throw new BackupError('INVALID_INPUT', `destination: ${JSON.stringify(name.slice(0, 80))} is not a backup's file name nor a pool pack's (pool/<name>)`);
}
