import { promises as fsp } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inspectDataDir, requireDataDir, requireRestoreTarget } from '../../src/domain/dataDir.ts';
import { createNodeFileSystem } from '../../src/infra/nodefs/nodeFileSystem.ts';
import { codeOf } from '../support/codeOf.ts';

describe('inspectDataDir', () => {
  const fs = createNodeFileSystem();
  let root: string;
  beforeAll(async () => {
    root = await fsp.mkdtemp(join(tmpdir(), 'cv-datadir-'));
    await fsp.mkdir(join(root, 'data/files'), { recursive: true });
    await fsp.writeFile(join(root, 'data/database.sqlite'), '');
    await fsp.mkdir(join(root, 'empty'));
    await fsp.mkdir(join(root, 'photos'));
    await fsp.writeFile(join(root, 'photos/a.jpg'), 'x');
    await fsp.writeFile(join(root, 'a-file'), 'x');
    await fsp.symlink(join(root, 'data'), join(root, 'linked-data'));
    await fsp.symlink(join(root, 'nowhere'), join(root, 'dangling'));
  });
  afterAll(async () => fsp.rm(root, { recursive: true, force: true }));

  it.each([
    ['data', 'data-dir'],
    ['missing', 'missing'],
    ['a-file', 'file'],
    ['empty', 'empty'],
    ['photos', 'other'],
    ['linked-data', 'data-dir'],
    ['dangling', 'file'],
  ])('%s is %s', async (name, shape) => {
    expect(await inspectDataDir(fs, join(root, name))).toBe(shape);
  });

  it('export and check need a data dir; a restore may go into a missing or empty folder', async () => {
    const codes = async (name: string) => [
      await codeOf(requireDataDir(fs, join(root, name), 'export')),
      await codeOf(requireRestoreTarget(fs, join(root, name), 'restore')),
    ];
    expect(await codes('data')).toEqual(['resolved', 'resolved']);
    expect(await codes('missing')).toEqual(['NOT_FOUND', 'resolved']);
    expect(await codes('empty')).toEqual(['NOT_A_DATA_DIR', 'resolved']);
    expect(await codes('photos')).toEqual(['NOT_A_DATA_DIR', 'NOT_A_DATA_DIR']);
    expect(await codes('a-file')).toEqual(['NOT_A_FOLDER', 'NOT_A_FOLDER']);
  });
});
