/**
 * Nothing changes on failure: whatever stops a restore (cancellation at any point, a full
 * disk, a backup from a newer app, a job that will not stop), the data dir is byte-for-byte
 * what it was, nothing is left beside it, and the jobs run again.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BackupError } from '../../src/domain/errors.ts';
import { arbData, arbExportOptions, propertyRuns } from '../support/arbitraries.ts';
import { populate, siblingsOf, treeDigest } from '../support/dataDirState.ts';
import { createMemoryHarness, DATA_DIR } from '../support/memoryHarness.ts';

type Cause = { kind: 'cancel'; afterEvents: number } | { kind: 'no-space' } | { kind: 'newer-schema' };

const arbCause: fc.Arbitrary<Cause> = fc.oneof(
  fc.record({ kind: fc.constant('cancel' as const), afterEvents: fc.nat({ max: 6 }) }),
  fc.constant({ kind: 'no-space' as const }),
  fc.constant({ kind: 'newer-schema' as const }),
);

describe('a restore that fails', () => {
  it('leaves the data dir as it was, nothing beside it, and the jobs running', async () => {
    await fc.assert(
      fc.asyncProperty(arbData, arbExportOptions, arbCause, async (data, options, cause) => {
        const source = await createMemoryHarness();
        await populate(source, data);
        const backup = await source.service.exportNow(options);
        const bytes = await source.memfs.readFile(backup.filePath);

        const h = await createMemoryHarness({
          freeBytes: cause.kind === 'no-space' ? Math.max(0, backup.metadata.counts.bytes - 1) : undefined,
          supportedSchemaVersion: cause.kind === 'newer-schema' ? 2 : undefined,
        });
        await h.db.write(`INSERT INTO users (name) VALUES ('the current data')`);
        await h.memfs.writeFile(`${DATA_DIR}/settings.json`, new TextEncoder().encode('{"current":true}'));
        await h.memfs.mkdir('/incoming');
        await h.memfs.writeFile('/incoming/backup.zip', bytes);
        const before = await treeDigest(h.memfs, DATA_DIR);
        const controller = new AbortController();
        let events = 0;
        const onProgress = () => {
          if (cause.kind === 'cancel' && events++ === cause.afterEvents) controller.abort();
        };

        const result = await h.service.restoreFromZip('/incoming/backup.zip', { signal: controller.signal, onProgress }).then(
          () => 'ok' as const,
          (e: unknown) => e,
        );

        if (result === 'ok') {
          // Only possible when the cause could not apply: a cancel after the last event,
          // no documents to need space, or a backup without a database.
          const noSpaceNeeded = cause.kind === 'no-space' && backup.metadata.counts.bytes === 0 && !options.includeDatabase;
          expect(cause.kind === 'cancel' || noSpaceNeeded || (cause.kind === 'newer-schema' && !options.includeDatabase)).toBe(true);
          return;
        }
        expect(result).toBeInstanceOf(BackupError);
        const expected = { cancel: 'CANCELLED', 'no-space': 'NO_SPACE', 'newer-schema': 'NEWER_VERSION' }[cause.kind];
        expect((result as BackupError).code).toBe(expected);
        expect(await treeDigest(h.memfs, DATA_DIR)).toEqual(before);
        expect(await siblingsOf(h.memfs)).toEqual([]);
        expect(h.jobs.running).toBe(true);
      }),
      { numRuns: propertyRuns() },
    );
  });
});
