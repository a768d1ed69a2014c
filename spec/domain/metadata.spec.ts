/** The metadata tells the truth; list and statistics agree with the files on disk. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import yauzl from 'yauzl';
import { arbData, arbExportOptions, documentBytes, propertyRuns } from '../support/arbitraries.ts';
import { populate, sha256 } from '../support/dataDirState.ts';
import { BACKUP_DIR, createMemoryHarness } from '../support/memoryHarness.ts';

async function entryBytes(zipBytes: Uint8Array, name: string): Promise<Uint8Array> {
  const zip = await yauzl.fromBufferPromise(Buffer.from(zipBytes), { lazyEntries: true });
  for await (const entry of zip.eachEntry()) {
    if (entry.fileName !== name) continue;
    const chunks: Buffer[] = [];
    for await (const chunk of await zip.openReadStreamPromise(entry)) chunks.push(chunk as Buffer);
    zip.close();
    return Buffer.concat(chunks);
  }
  throw new Error(`no entry ${name}`);
}

describe('backup metadata', () => {
  it('counts what the database and the store hold, and seals the manifest', async () => {
    await fc.assert(
      fc.asyncProperty(arbData, arbExportOptions, async (data, options) => {
        const h = await createMemoryHarness();
        await populate(h, data);
        const counts = await h.db.counts();

        const { metadata, filePath, checksum } = await h.service.exportNow(options);

        const zip = await h.memfs.readFile(filePath);
        expect(checksum).toBe(sha256(zip));
        expect(metadata.checksum).toBe(sha256(await entryBytes(zip, 'manifest.json')));
        const stored = JSON.parse(new TextDecoder().decode(await entryBytes(zip, 'backup-metadata.json'))) as unknown;
        expect(stored).toEqual(metadata);
        const unique = new Map(data.documents.map((d) => documentBytes(d)).map((b) => [sha256(b), b.length]));
        if (options.includeDatabase) {
          expect(metadata.counts).toMatchObject(counts);
          expect([metadata.userCount, metadata.caseCount, metadata.taskCount, metadata.hearingCount, metadata.orderCount])
            .toEqual([counts.users, counts.cases, counts.tasks, counts.hearings, counts.orders]);
        }
        if (options.includeFiles) {
          expect(metadata.counts.files).toBe(unique.size);
          expect(metadata.counts.bytes).toBe([...unique.values()].reduce((s, n) => s + n, 0));
          expect([metadata.fileCount, metadata.totalFileSize]).toEqual([metadata.counts.files, metadata.counts.bytes]);
        } else {
          expect([metadata.counts.files, metadata.counts.bytes]).toEqual([0, 0]);
        }
        expect(metadata.options).toEqual(options);
        expect(new TextDecoder().decode(await h.memfs.readFile(`${filePath}.sha256`))).toBe(`${checksum}  ${filePath.split('/').pop()}\n`);
      }),
      { numRuns: propertyRuns() },
    );
  });

  it('lists and totals exactly the complete backups on disk', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(arbExportOptions, { minLength: 0, maxLength: 4 }), fc.nat({ max: 4 }), async (exports, deleteIndex) => {
        const h = await createMemoryHarness();
        await h.db.write(`INSERT INTO users (name) VALUES ('Ana')`);
        for (const options of exports) await h.service.exportNow(options);
        await h.memfs.mkdir(BACKUP_DIR);
        await h.memfs.writeFile(`${BACKUP_DIR}/casevault-backup-20990101T000000000Z.zip.partial`, new Uint8Array(10));
        const toDelete = (await h.service.listBackups())[deleteIndex];
        if (toDelete) await h.service.deleteBackup(toDelete.fileName);

        const listed = await h.service.listBackups();
        const stats = await h.service.getStatistics();

        const onDisk = (await h.memfs.readdir(BACKUP_DIR)).filter((n) => n.endsWith('.zip'));
        expect(listed.map((b) => b.fileName).sort()).toEqual(onDisk.sort());
        for (const b of listed) {
          const bytes = await h.memfs.readFile(b.filePath);
          expect(b.size).toBe(bytes.length);
          expect(b.checksum).toBe(sha256(bytes));
        }
        expect(stats.totalBackups).toBe(onDisk.length);
        expect(stats.totalSize).toBe(listed.reduce((s, b) => s + b.size, 0));
        expect(stats.averageSize).toBe(listed.length ? Math.round(stats.totalSize / listed.length) : 0);
        expect(stats.oldestBackup).toBe(listed.at(-1)?.createdAt ?? null);
        expect(stats.newestBackup).toBe(listed[0]?.createdAt ?? null);
      }),
      { numRuns: propertyRuns() },
    );
  });
});
