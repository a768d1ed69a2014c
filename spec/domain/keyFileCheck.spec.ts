/**
 * An export with encryption on checks the password's key file before it encrypts (keys.ts
 * encryptionPlan): a key file cut short or with garbage after it would leave every new backup
 * one the password cannot open, found out only on the day of a restore.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { KEY_FILE } from '../../src/domain/keys.ts';
import { createBackupService } from '../../src/domain/service.ts';
import { createAgeEncryption } from '../../src/infra/age/index.ts';
import { propertyRuns } from '../support/arbitraries.ts';
import { codeOf } from '../support/codeOf.ts';
import { BACKUP_DIR, createMemoryHarness } from '../support/memoryHarness.ts';

const encryption = createAgeEncryption({ keyFile: { workFactor: 10 } });
const PASSWORD = 'correct horse battery staple';

describe('export checks the key file before it encrypts', () => {
  it('property: a key file cut anywhere, or grown by garbage, is KEY_FILE_DAMAGED and no backup is made; the recovery key mends it', async () => {
    const h = await createMemoryHarness();
    const deps = { ...h.deps, encryption };
    const service = createBackupService(deps, h.config);
    const offer = await service.keyInit(PASSWORD);
    await service.keyConfirm(offer.recoveryKey);
    const path = `${BACKUP_DIR}/${KEY_FILE}`;
    const good = await h.memfs.readFile(path);
    await service.exportNow();
    const before = (await h.memfs.readdir(BACKUP_DIR)).sort();
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.integer({ min: 0, max: good.byteLength - 1 }).map((n) => good.slice(0, n)),
          fc.uint8Array({ minLength: 4100, maxLength: 5000 }).map((extra) => Buffer.concat([good, extra])),
        ),
        async (damaged) => {
          await h.memfs.writeFile(path, damaged);
          expect(await codeOf(service.exportNow())).toBe('KEY_FILE_DAMAGED');
          expect((await h.memfs.readdir(BACKUP_DIR)).filter((n) => !before.includes(n))).toEqual([]);
        },
      ),
      { numRuns: propertyRuns(40) },
    );
    await service.keyPasswd({ recoveryKey: offer.recoveryKey }, 'another good passphrase');
    await service.exportNow();
    expect((await h.memfs.readdir(BACKUP_DIR)).length).toBe(before.length + 2);
  });
});
