import { createHash } from 'node:crypto';
import type { Hashing } from '../../ports/hashing.ts';

export const nodeHashing: Hashing = {
  sha256: () => {
    const hash = createHash('sha256');
    return {
      update: (chunk) => void hash.update(chunk),
      digest: () => hash.digest('hex'),
    };
  },
};
