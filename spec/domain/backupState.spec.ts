import { describe, expect, it } from 'vitest';
import { removeAtomicLeftovers } from '../../src/domain/atomicFile.ts';
import {
  EMPTY_STATE,
  STATE_FILE,
  lastVerifiedGood,
  pinBackup,
  pinnedSet,
  quarantineState,
  readState,
  recordBackupRun,
  recordVerification,
  updateState,
  writeState,
  type BackupState,
} from '../../src/domain/backupState.ts';
import { BackupError } from '../../src/domain/errors.ts';
import { BACKUP_DIR, createBackupDirWorld } from '../support/backupDirWorld.ts';
import { codeOf } from '../support/codeOf.ts';
import { faultyFileSystem } from '../support/faultyFileSystem.ts';

const PATH = `${BACKUP_DIR}/${STATE_FILE}`;
const NAME = 'casevault-backup-20261127T120000000Z.zip';
const AT = '2026-11-27T12:00:00.000Z';

describe('the state file', () => {
  it('is empty when absent, and reads back what was written', async () => {
    const w = await createBackupDirWorld();
    expect(await readState(w.deps, w.config)).toEqual(EMPTY_STATE);
    const state = recordBackupRun(recordVerification(EMPTY_STATE, NAME, { at: AT, result: 'failed', code: 'CHECKSUM_MISMATCH', message: 'verify: …' }), { at: AT, trigger: 'schedule', outcome: 'ok', fileName: NAME, code: null, message: null }, 'a'.repeat(64));
    await writeState(w.deps, w.config, state);
    expect(await readState(w.deps, w.config)).toEqual(state);
    expect(w.memfs.volume.statSync(PATH).mode & 0o777).toBe(0o600);
  });

  it.each([
    ['not JSON', '{"version":1,"backups":{'],
    ['empty (a truncated write of another tool)', ''],
    ['a newer version', '{"version":2,"backups":{},"lastBackupRun":null,"lastDrill":null,"verifyBytesPerSecond":null,"liveDatabase":null}'],
    ['an unknown key', '{"version":1,"backups":{},"lastBackupRun":null,"lastDrill":null,"verifyBytesPerSecond":null,"liveDatabase":null,"pool":{}}'],
    ['a key that is not a backup', '{"version":1,"backups":{"../x":{}},"lastBackupRun":null,"lastDrill":null,"verifyBytesPerSecond":null,"liveDatabase":null}'],
    ['a pin that is not true or false', `{"version":1,"backups":{"${NAME}":{"pinned":"yes"}},"lastBackupRun":null,"lastDrill":null,"verifyBytesPerSecond":null,"liveDatabase":null}`],
    ['a bad time', `{"version":1,"backups":{"${NAME}":{"verification":{"at":"yesterday","result":"ok"}}},"lastBackupRun":null,"lastDrill":null,"verifyBytesPerSecond":null,"liveDatabase":null}`],
    ['a missing part', '{"version":1,"backups":{}}'],
  ])('is STATE_CORRUPT when damaged (%s), never silently empty', async (_what, content) => {
    const w = await createBackupDirWorld();
    await w.memfs.writeFile(PATH, new TextEncoder().encode(content));
    const error = await readState(w.deps, w.config).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BackupError);
    expect((error as BackupError).code).toBe('STATE_CORRUPT');
    expect((error as BackupError).message).toContain(STATE_FILE);
    // And nothing that writes the state overwrites it.
    expect(await codeOf(pinBackup(w.deps, w.config, await w.addBackup(AT), true))).toBe('STATE_CORRUPT');
    expect(new TextDecoder().decode(await w.memfs.readFile(PATH))).toBe(content);
  });

  it('moves a damaged file aside only when asked (quarantineState)', async () => {
    const w = await createBackupDirWorld();
    await w.memfs.writeFile(PATH, new TextEncoder().encode('garbage'));
    const moved = await quarantineState(w.deps, w.config);
    expect(moved).toMatch(/^casevault-state\.json\.damaged-\d{8}T\d{9}Z$/);
    expect(await readState(w.deps, w.config)).toEqual(EMPTY_STATE);
    expect(new TextDecoder().decode(await w.memfs.readFile(`${BACKUP_DIR}/${moved}`))).toBe('garbage');
  });

  it('is the old state or the new one after a crash at any step of a write, never half of one', async () => {
    const before = recordVerification(EMPTY_STATE, NAME, { at: AT, result: 'ok' });
    const after: BackupState = recordVerification(before, NAME, { at: '2026-11-28T12:00:00.000Z', result: 'failed', code: 'TRUNCATED', message: 'cut short' });
    const count = faultyFileSystem((await createBackupDirWorld()).memfs, null);
    const probe = await createBackupDirWorld();
    await writeState(probe.withFs(count), probe.config, before);
    const steps = count.ops;
    expect(steps).toBeGreaterThanOrEqual(4); // mkdir, write+fsync, rename, syncDir
    const seen = new Set<string>();
    for (let k = 1; k <= steps; k += 1) {
      const w = await createBackupDirWorld();
      await writeState(w.deps, w.config, before);
      const faulty = faultyFileSystem(w.memfs, { failAt: k, mode: 'crash' });
      // A power cut during a write leaves part of the bytes (memfs alone would leave none).
      const torn = { ...faulty, writeFile: async (p: string, data: Uint8Array, o?: object) => {
        if (faulty.ops + 1 === k) await w.memfs.writeFile(p, data.subarray(0, data.length >> 1));
        return faulty.writeFile(p, data, o);
      } };
      await writeState(w.withFs(torn), w.config, after).catch(() => {});
      const read = await readState(w.deps, w.config);
      expect([before, after]).toContainEqual(read);
      seen.add(read === before || JSON.stringify(read) === JSON.stringify(before) ? 'old' : 'new');
      // A leftover temporary file is never read, and the start-up cleanup removes it.
      await removeAtomicLeftovers(w.memfs, BACKUP_DIR, [STATE_FILE]);
      expect((await w.names()).filter((n) => n !== STATE_FILE)).toEqual([]);
    }
    expect(seen).toEqual(new Set(['old', 'new'])); // a crash after the rename keeps the new one
  });

  it('serializes updates within a process: none is lost', async () => {
    const w = await createBackupDirWorld();
    const names = await Promise.all(Array.from({ length: 8 }, (_, i) => w.addBackup(new Date(Date.parse(AT) + i * 60_000))));
    await Promise.all(names.map((name) => pinBackup(w.deps, w.config, name, true)));
    expect(pinnedSet(await readState(w.deps, w.config))).toEqual(new Set(names));
    await updateState(w.deps, w.config, () => {
      throw new Error('a bug in a change');
    }).catch(() => {});
    await pinBackup(w.deps, w.config, names[0], false); // the queue goes on after a failed update
    expect(pinnedSet(await readState(w.deps, w.config)).has(names[0]!)).toBe(false);
  });
});

describe('pinBackup', () => {
  it('pins only a listed backup', async () => {
    const w = await createBackupDirWorld();
    await w.addBackup(AT);
    for (const bad of ['../x.zip', 'a/b.zip', '', 42, null, 'x.txt']) expect(await codeOf(pinBackup(w.deps, w.config, bad, true))).toBe('INVALID_INPUT');
    expect(await codeOf(pinBackup(w.deps, w.config, 'casevault-backup-20990101T000000000Z.zip', true))).toBe('NOT_FOUND');
    expect(pinnedSet(await pinBackup(w.deps, w.config, NAME, true))).toEqual(new Set([NAME]));
  });
});

describe('lastVerifiedGood', () => {
  it('is the newest backup whose last verification passed; a failed drill takes a backup out', () => {
    const backups = [
      { fileName: 'c.zip', createdAt: '2026-11-27T12:00:00.000Z' },
      { fileName: 'a.zip', createdAt: '2026-11-25T12:00:00.000Z' },
      { fileName: 'b.zip', createdAt: '2026-11-26T12:00:00.000Z' },
    ];
    let state = recordVerification(EMPTY_STATE, 'a.zip', { at: AT, result: 'ok' });
    state = recordVerification(state, 'b.zip', { at: AT, result: 'ok' });
    expect(lastVerifiedGood(backups, state)).toBe('b.zip');
    state = recordVerification(state, 'b.zip', { at: AT, result: 'failed', code: 'CORRUPT_ENTRY', message: 'bit rot' });
    expect(lastVerifiedGood(backups, state)).toBe('a.zip');
    expect(lastVerifiedGood(backups, EMPTY_STATE)).toBeNull();
  });
});
