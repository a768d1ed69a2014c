import { promises as fsp } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createMemoryDestinations } from '../../src/infra/memfs/memoryDestination.ts';
import { createFolderDestination } from '../../src/infra/nodefs/folderDestination.ts';
import type { DestinationTarget } from '../../src/ports/destination.ts';
import { destinationContract } from './destination.contract.ts';

destinationContract('in memory', async () => {
  const world = createMemoryDestinations();
  const target: DestinationTarget = { kind: 's3', endpoint: 'http://memory', region: 'r', bucket: 'b', prefix: 'office/', pathStyle: true, checksum: 'when-supported' };
  world.createPlace(target);
  return {
    store: world.open(target),
    sibling: world.open({ ...target, prefix: 'office-2/' }),
    missing: world.open({ ...target, bucket: 'nope' }),
    partSize: null,
    manyObjects: 30,
    cleanup: async () => {},
  };
});

destinationContract('a folder on the local disk', async () => {
  const root = await fsp.mkdtemp(join(tmpdir(), 'casevault-dest-contract-'));
  await fsp.mkdir(join(root, 'copies'));
  await fsp.mkdir(join(root, 'copies', 'sub'));
  return {
    store: createFolderDestination(join(root, 'copies')),
    sibling: createFolderDestination(join(root, 'copies', 'sub')),
    missing: createFolderDestination(join(root, 'not-mounted')),
    partSize: null,
    manyObjects: 30,
    cleanup: () => fsp.rm(root, { recursive: true, force: true }),
  };
});
