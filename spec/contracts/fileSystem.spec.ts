import { promises as fsp } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createMemoryFileSystem } from '../../src/infra/memfs/memoryFileSystem.ts';
import { createNodeFileSystem } from '../../src/infra/nodefs/nodeFileSystem.ts';
import { fileSystemContract } from './fileSystem.contract.ts';

fileSystemContract('memfs', async () => {
  const fs = createMemoryFileSystem();
  await fs.mkdir('/work');
  return {
    fs,
    root: '/work',
    symlink: async (target, path) => void fs.volume.symlinkSync(target, path),
    modeOf: async (path) => Number(fs.volume.statSync(path).mode),
    cleanup: async () => {},
  };
});

fileSystemContract('node:fs', async () => {
  const root = await fsp.mkdtemp(join(tmpdir(), 'casevault-fs-contract-'));
  return {
    fs: createNodeFileSystem(),
    root,
    symlink: (target, path) => fsp.symlink(target, path),
    modeOf: async (path) => (await fsp.stat(path)).mode,
    cleanup: () => fsp.rm(root, { recursive: true, force: true }),
  };
});
