/**
 * Replays an incremental backup (a fixture folder: the backup's small ZIP, its `.sha256`
 * sidecar and its `pool/` of packs) through verify and restore, as hostileReplay's `replay`
 * does a single file: the ZIP at INCOMING, its sidecar beside it, the folder's `pool/` at
 * `/media/usb/pool/`, where a backup at INCOMING finds its packs. A helper of the hostile
 * specs and of fixtures/make-fixtures.ts (it would live in spec/support beside `replay`).
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { MemoryFileSystem } from '../../src/infra/memfs/memoryFileSystem.ts';
import { INCOMING, replay, type Replay } from '../support/hostileReplay.ts';

/** A fixture folder: paths relative to it (`<backup>.zip`, `<backup>.zip.sha256`, `pool/<pack>`) and their bytes. */
export type Folder = ReadonlyArray<readonly [path: string, bytes: Uint8Array]>;

const USB = INCOMING.slice(0, INCOMING.lastIndexOf('/'));

/** The backup's own ZIP in a folder: the one `.zip` at its top. */
export function backupOf(folder: Folder): string {
  const own = folder.filter(([path]) => !path.includes('/') && path.endsWith('.zip'));
  if (own.length !== 1) throw new Error(`a fixture folder holds one backup ZIP at its top, not ${own.length}`);
  return own[0]![0];
}

/** Verifies, then restores, the folder's backup with its sidecar and pool beside it, over a populated data dir. */
export async function replayFolder(folder: Folder): Promise<Replay> {
  const own = backupOf(folder);
  const zip = folder.find(([path]) => path === own)![1];
  return replay(zip, {
    wrapFs: (fs) => {
      // Sync, before the harness opens the database: the rest of the folder beside INCOMING.
      const volume = (fs as MemoryFileSystem).volume;
      for (const [path, bytes] of folder) {
        if (path === own) continue;
        const target = path === `${own}.sha256` ? `${INCOMING}.sha256` : `${USB}/${path}`;
        volume.mkdirSync(target.slice(0, target.lastIndexOf('/')), { recursive: true });
        volume.writeFileSync(target, bytes);
      }
      return fs;
    },
  });
}

/** A fixture folder on disk, every file under it (sorted, `/`-separated). */
export function readFolder(root: string): Folder {
  const out: [string, Uint8Array][] = [];
  const walk = (rel: string) => {
    const path = rel === '' ? root : join(root, rel);
    if (statSync(path).isDirectory()) {
      for (const name of readdirSync(path).sort()) walk(rel === '' ? name : `${rel}/${name}`);
    } else out.push([rel, new Uint8Array(readFileSync(path))]);
  };
  if (existsSync(root)) walk('');
  return out;
}
