/**
 * Scheduled runs and drills once encryption is on (issue 13 × issue 11): without a key an
 * encrypted backup cannot be verified, and that is not a failure of the backup: it stays
 * unverified, the sidecar (the ciphertext's SHA-256) is still checked, and ONE alarm,
 * DRILL_NEEDS_KEY, says what to give. With the password (or the recovery key) as `unlock`,
 * run-due and drills verify encrypted backups like plaintext ones.
 */
import { describe, expect, it } from 'vitest';
import { readState, recordOf } from '../../src/domain/backupState.ts';
import type { BackupDeps } from '../../src/domain/deps.ts';
import { createBackupService } from '../../src/domain/service.ts';
import { readStatus } from '../../src/domain/status.ts';
import { readKeyring } from '../../src/domain/keys.ts';
import { writePolicy } from '../../src/domain/policy.ts';
import { createAgeEncryption } from '../../src/infra/age/index.ts';
import { populate } from '../support/dataDirState.ts';
import { createMemoryHarness } from '../support/memoryHarness.ts';

const PASSWORD = 'correct horse battery staple';
const encryption = createAgeEncryption({ keyFile: { workFactor: 10 } });
const HOUR = 3_600_000;
const small = { users: [{ name: 'Ana', email: null }], cases: [{ title: 'Case 1', notes: 'n' }], tasks: [], hearings: [], orders: [], documents: [{ seed: 3, size: 100_000, compressible: true }], settings: { theme: 'dark' } };

async function world() {
  const h = await createMemoryHarness();
  let t = Date.parse('2026-11-27T08:00:00.000Z');
  const deps: BackupDeps = { ...h.deps, encryption, clock: { now: () => new Date((t += 1000)), timeZone: () => 'Europe/Berlin' } };
  const service = createBackupService(deps, h.config);
  await populate(h, small);
  const offer = await service.keyInit(PASSWORD);
  await service.keyConfirm(offer.recoveryKey);
  return { h, deps, service, recoveryKey: offer.recoveryKey, advance: (ms: number) => void (t += ms) };
}

describe('run-due with encryption on', () => {
  it('without a key: the new backup is not verified (not failed), its sidecar is checked, and one DRILL_NEEDS_KEY alarm says what to give', async () => {
    const w = await world();
    const report = await w.service.runDue();
    expect(report.backup).toMatchObject({ outcome: 'ok', failure: null });
    expect(report.backup.fileName).toMatch(/\.zip\.age$/);
    expect(report.verify).toMatchObject({ fileName: report.backup.fileName, result: 'needs-key', failure: null });
    const state = await readState(w.deps, w.h.config);
    expect(recordOf(state, report.backup.fileName!).verification).toBeNull();
    const status = await readStatus(w.deps, w.h.config);
    expect(status.alarms.map((a) => a.code)).toEqual(['DRILL_NEEDS_KEY']);
    expect(status.alarms[0]!.message).toMatch(/password/);
    expect(status.alarms[0]!.message).toMatch(/--password-file/);
    expect(status.alarms[0]!.message).toMatch(/CASEVAULT_PASSWORD/);
    expect(status.lastVerifiedGood).toBeNull();

    // A second one, made without a key too: still one alarm, not one per backup.
    w.advance(5 * HOUR);
    await w.h.db.write(`INSERT INTO cases (title) VALUES ('later')`);
    expect((await w.service.runDue()).verify?.result).toBe('needs-key');
    expect((await readStatus(w.deps, w.h.config)).alarms.map((a) => a.code)).toEqual(['DRILL_NEEDS_KEY']);
  });

  it('with the password as unlock: verified, no alarm; a drill with the recovery key clears the alarm of earlier ones', async () => {
    const w = await world();
    const first = await w.service.runDue();
    expect(first.verify?.result).toBe('needs-key');
    w.advance(5 * HOUR);
    await w.h.db.write(`INSERT INTO cases (title) VALUES ('later')`);
    const second = await w.service.runDue({ unlock: { password: PASSWORD } });
    expect(second.verify).toMatchObject({ result: 'ok', failure: null });
    const drill = await w.service.drill({ all: true, unlock: { recoveryKey: w.recoveryKey } });
    expect(drill.results.map((r) => r.result)).toEqual(['ok', 'ok']);
    const status = await readStatus(w.deps, w.h.config);
    expect(status.alarms).toEqual([]);
    expect(status.lastVerifiedGood?.fileName).toBe(second.backup.fileName);
  });

  it('a drill without a key still checks the sidecar: a flipped byte is a failure (DRILL_FAILED), an intact file needs the key', async () => {
    const w = await world();
    const made = await w.service.runDue();
    const name = made.backup.fileName!;
    const path = w.h.memfs.join(w.h.config.backupDir, name);
    const untouched = await w.service.drill({ all: true });
    expect(untouched.results).toMatchObject([{ fileName: name, result: 'needs-key', code: null }]);
    expect(untouched.outcome).toBe('ok');
    const bytes = await w.h.memfs.readFile(path);
    bytes[bytes.length - 100]! ^= 0x01;
    await w.h.memfs.writeFile(path, bytes);
    const damaged = await w.service.drill({ all: true });
    expect(damaged.results).toMatchObject([{ fileName: name, result: 'failed', code: 'CHECKSUM_MISMATCH' }]);
    expect(recordOf(await readState(w.deps, w.h.config), name).verification).toMatchObject({ result: 'failed', code: 'CHECKSUM_MISMATCH' });
    const codes = (await readStatus(w.deps, w.h.config)).alarms.map((a) => a.code);
    expect(codes).toContain('DRILL_FAILED');
    expect(codes).not.toContain('DRILL_NEEDS_KEY');
  });
});

describe('prune with encrypted backups', () => {
  it('forgets the recipients recorded for the backups it deletes (casevault-keys.json), and only theirs', async () => {
    const w = await world();
    await writePolicy(w.deps, w.h.config, { retention: { keepLast: 1, keepHourly: 0, keepDaily: 0, keepWeekly: 0, keepMonthly: 0, keepYearly: 0 } });
    const made: string[] = [];
    for (let i = 0; i < 3; i += 1) {
      made.push((await w.service.exportNow()).fileName);
      w.advance(HOUR);
    }
    const ring = async () => Object.keys((await readKeyring(w.deps, w.h.config.backupDir))!.backups).sort();
    expect(await ring()).toEqual([...made].sort());
    const pruned = await w.service.prune();
    const kept = (await w.service.listBackups()).map((b) => b.fileName);
    expect(pruned.deleted.length).toBeGreaterThan(0);
    expect(await ring()).toEqual([...kept].sort());
  });
});
