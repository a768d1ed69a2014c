import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AUDIT_LOG_FILE } from '../../src/domain/auditLog.ts';
import { BACKUP_DIR, createMemoryHarness } from '../support/memoryHarness.ts';

const LOG = `${BACKUP_DIR}/${AUDIT_LOG_FILE}`;

async function withHistory() {
  const h = await createMemoryHarness();
  await h.db.write(`INSERT INTO users (name) VALUES ('Ana')`);
  const a = await h.service.exportNow({});
  const b = await h.service.exportNow({ includeFiles: false });
  await h.service.verifyBackup(a.filePath);
  await h.service.restoreFromZip(b.filePath);
  await h.service.restoreFromZip('/nowhere/backup.zip').catch(() => {});
  await h.service.deleteBackup(a.fileName);
  return { h, a, b };
}

describe('the audit log', () => {
  it('records every operation, its file, SHA-256, result and code, in a whole chain', async () => {
    const { h, a, b } = await withHistory();
    const report = await h.service.readAuditLog();
    expect(report.broken).toBeNull();
    expect(report.entries.map((e) => [e.action, e.file, e.result, e.code])).toEqual([
      ['export', a.filePath, 'ok', null],
      ['export', b.filePath, 'ok', null],
      ['verify', a.filePath, 'ok', null],
      ['restore', b.filePath, 'ok', null],
      ['restore', '/nowhere/backup.zip', 'failed', 'NOT_FOUND'],
      ['delete', a.filePath, 'ok', null],
    ]);
    expect(report.entries[0]).toMatchObject({ sha256: a.checksum, manifestSha256: a.metadata.checksum });
    expect(report.entries[3]).toMatchObject({ sha256: b.checksum, manifestSha256: b.metadata.checksum });
    expect(report.entries[5]).toMatchObject({ sha256: a.checksum });
    expect(h.memfs.volume.statSync(LOG).mode & 0o777).toBe(0o600);
  });

  it('detects any line removed, edited, inserted or reordered', async () => {
    const { h } = await withHistory();
    const original = new TextDecoder().decode(await h.memfs.readFile(LOG)).trimEnd().split('\n');
    type Tamper = { kind: 'remove' | 'edit' | 'duplicate' | 'swap'; at: number };
    await fc.assert(
      fc.asyncProperty(fc.record({ kind: fc.constantFrom('remove', 'edit', 'duplicate', 'swap'), at: fc.nat({ max: original.length - 1 }) }), async (t: Tamper) => {
        const lines = [...original];
        if (t.kind === 'remove') lines.splice(t.at, 1);
        if (t.kind === 'duplicate') lines.splice(t.at, 0, lines[t.at]!);
        if (t.kind === 'edit') lines[t.at] = lines[t.at]!.replace(/"result":"(ok|failed)"/, (_m, r: string) => `"result":"${r === 'ok' ? 'failed' : 'ok'}"`);
        if (t.kind === 'swap') {
          const other = (t.at + 1) % lines.length;
          [lines[t.at], lines[other]] = [lines[other]!, lines[t.at]!];
        }
        await h.memfs.writeFile(LOG, new TextEncoder().encode(`${lines.join('\n')}\n`));
        const report = await h.service.readAuditLog();
        if (t.kind === 'remove' && t.at === original.length - 1) {
          // Removing the last line leaves a whole, shorter chain: only a copy kept elsewhere can tell.
          expect(report.broken).toBeNull();
        } else {
          expect(report.broken).not.toBeNull();
          expect(report.broken!.line).toBeLessThanOrEqual(Math.min(t.at + 2, lines.length));
        }
      }),
      { numRuns: 60 },
    );
    await h.memfs.writeFile(LOG, new TextEncoder().encode(`${original.join('\n')}\n`));
    expect((await h.service.readAuditLog()).broken).toBeNull();
  });
});
