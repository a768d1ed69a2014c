/**
 * Small files beside the backups (policy, state) written so that a crash or a power cut
 * leaves the old file or the new one, never a mix and never a half: write the bytes under
 * a temporary hidden name and fsync them (FileSystem.writeFile fsyncs), rename over the
 * real name (atomic on one file system), then fsync the folder so the rename is durable.
 * A temporary file left by a crash is never read; `removeAtomicLeftovers` deletes it.
 */
import type { FileSystem } from '../ports/fileSystem.ts';

const TEMP = /^\.(.+)\.[a-z0-9]+\.tmp$/;

/** Replaces `dir/name` with `data`, crash-safely. Creates `dir` (0700) if need be. */
export async function writeFileAtomic(fs: FileSystem, dir: string, name: string, data: Uint8Array): Promise<void> {
  await fs.mkdir(dir, { mode: 0o700 });
  const temp = fs.join(dir, `.${name}.${Math.random().toString(36).slice(2, 10) || '0'}.tmp`);
  try {
    await fs.writeFile(temp, data, { mode: 0o600, exclusive: true });
    await fs.rename(temp, fs.join(dir, name));
  } catch (error) {
    await fs.remove(temp).catch(() => {});
    throw error;
  }
  await fs.syncDir(dir);
}

/** Whether `entry` (a name in a folder) is a temporary file of `writeFileAtomic` for one of `names`. */
export function isAtomicLeftover(entry: string, names: readonly string[]): boolean {
  const m = TEMP.exec(entry);
  return m !== null && names.includes(m[1]!);
}

/** Removes the temporary files a crash left for `names` in `dir`; resolves with what it removed. */
export async function removeAtomicLeftovers(fs: FileSystem, dir: string, names: readonly string[]): Promise<string[]> {
  if (!(await fs.exists(dir))) return [];
  const removed: string[] = [];
  for (const entry of await fs.readdir(dir)) {
    if (!isAtomicLeftover(entry, names)) continue;
    await fs.remove(fs.join(dir, entry));
    removed.push(entry);
  }
  return removed;
}
