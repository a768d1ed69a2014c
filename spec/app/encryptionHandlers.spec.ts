/**
 * The handler table's encryption channels (issue 13), on the spec suite's service (memfs +
 * sql.js + the age adapter at a low scrypt work factor): the key status, the two-step
 * set-up (the recovery key shown once, typed back before anything is on; a set-up id that
 * expires; one at a time), changing the password, turning encryption off and on, and
 * restore, verify and inspect of an encrypted backup with an unlock. A password or recovery
 * key sent in never comes back out: not in a response, an event, the log, the audit log or
 * any file beside the backups.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createBackupIpc, type CallContext } from '../../src/app/handlers.ts';
import { KEY_SETUP_TTL_MS, type Channel, type Envelope } from '../../src/contract/channels.ts';
import type { BackupDeps } from '../../src/domain/deps.ts';
import { createBackupService } from '../../src/domain/service.ts';
import { createAgeEncryption } from '../../src/infra/age/index.ts';
import type { FileSystem } from '../../src/ports/fileSystem.ts';
import { propertyRuns } from '../support/arbitraries.ts';
import { populateSmall } from '../support/hostileReplay.ts';
import { BACKUP_DIR, TEMP_DIR, createMemoryHarness } from '../support/memoryHarness.ts';

// A low scrypt work factor keeps the spec fast; the real key file uses 2^18.
const encryption = createAgeEncryption({ keyFile: { workFactor: 10 } });
const PASSWORD = 'correct horse battery staple';

async function world() {
  const h = await createMemoryHarness({ jobs: () => [] });
  await populateSmall(h);
  let t = Date.parse('2026-11-27T08:00:00.000Z');
  const deps: BackupDeps = { ...h.deps, encryption, clock: { now: () => new Date((t += 1000)), timeZone: () => 'Europe/Berlin' } };
  const service = createBackupService(deps, h.config);
  const logged: string[] = [];
  const ipc = createBackupIpc({
    runtime: { service, deps, config: h.config },
    chooseFile: async () => null,
    log: (message, error) => void logged.push(`${message} ${error instanceof Error ? `${error.message} ${error.stack}` : String(error)}`),
  });
  const responses: unknown[] = [];
  const events: unknown[] = [];
  const call: CallContext = { emit: (event, payload) => void events.push({ event, payload }) };
  const invoke = async <C extends Channel>(channel: C, payload?: unknown): Promise<Envelope<C>> => {
    const response = await ipc.handlers[channel](payload, call);
    responses.push(response);
    return response;
  };
  const ok = async <C extends Channel>(channel: C, payload?: unknown) => {
    const response = await invoke(channel, payload);
    if (!response.success) throw new Error(`${channel}: ${response.code} ${response.error}`);
    return response;
  };
  /** Sets encryption up through the channels; resolves with the recovery key. */
  const setUp = async (password = PASSWORD) => {
    const offer = await ok('backup:beginKeySetup', { password });
    await ok('backup:confirmKeySetup', { setupId: offer.setupId, recoveryKey: offer.recoveryKey });
    return offer.recoveryKey;
  };
  return { h, deps, service, invoke, ok, setUp, responses, events, logged, advance: (ms: number) => void (t += ms) };
}
type World = Awaited<ReturnType<typeof world>>;

/** Every file under `dir`, as bytes. */
async function filesUnder(fs: FileSystem, dir: string): Promise<{ path: string; bytes: Uint8Array }[]> {
  if (!(await fs.exists(dir))) return [];
  const out: { path: string; bytes: Uint8Array }[] = [];
  for (const name of await fs.readdir(dir)) {
    const path = fs.join(dir, name);
    if ((await fs.stat(path)).kind === 'directory') out.push(...(await filesUnder(fs, path)));
    else out.push({ path, bytes: await fs.readFile(path) });
  }
  return out;
}

/** Where a secret would show if it leaked: as sent, and as JSON writes it (quotes and backslashes escaped). */
async function leaks(w: World, secrets: readonly string[]): Promise<string[]> {
  const texts: { where: string; text: string }[] = [
    ...w.responses.map((r, i) => ({ where: `response ${i}`, text: Buffer.from(JSON.stringify(r)).toString('latin1') })),
    ...w.events.map((e, i) => ({ where: `event ${i}`, text: Buffer.from(JSON.stringify(e)).toString('latin1') })),
    ...w.logged.map((l, i) => ({ where: `log line ${i}`, text: Buffer.from(l).toString('latin1') })),
    ...[...(await filesUnder(w.h.memfs, BACKUP_DIR)), ...(await filesUnder(w.h.memfs, TEMP_DIR))].map((f) => ({
      where: f.path,
      text: Buffer.from(f.bytes).toString('latin1'),
    })),
  ];
  // Compared as UTF-8 bytes (one byte a char), as the files are read.
  const bytes = (s: string) => Buffer.from(s, 'utf8').toString('latin1');
  const found: string[] = [];
  for (const secret of secrets) {
    const forms = [secret, JSON.stringify(secret).slice(1, -1)].map(bytes);
    for (const { where, text } of texts) if (forms.some((f) => text.includes(f))) found.push(`${JSON.stringify(secret)} in ${where}`);
  }
  return found;
}

describe('encryption channels', () => {
  it('sets up in two steps: nothing is on until the recovery key comes back, and a wrong one says it does not match', async () => {
    const w = await world();
    expect(await w.ok('backup:getKeys')).toMatchObject({ keys: { encryption: 'not-set-up', recipients: [] }, minPasswordLength: 8 });
    const short = await w.invoke('backup:beginKeySetup', { password: 'short' });
    expect(short).toMatchObject({ success: false, code: 'INVALID_INPUT' });
    expect(short.success === false && short.error).toMatch(/fewer than 8 characters/);

    const offer = await w.ok('backup:beginKeySetup', { password: PASSWORD });
    expect(offer.recoveryKey).toMatch(/^AGE-SECRET-KEY-1[0-9A-Z]{58}$/);
    expect(Date.parse(offer.expiresAt)).toBeGreaterThan(Date.parse('2026-11-27T08:14:00.000Z'));
    expect((await w.ok('backup:getKeys')).keys.encryption).toBe('not-set-up');

    const other = encryption.exportSecretKey(encryption.generateKey());
    const wrong = await w.invoke('backup:confirmKeySetup', { setupId: offer.setupId, recoveryKey: other });
    expect(wrong).toMatchObject({ success: false, code: 'INVALID_INPUT', message: 'Failed to set up encryption' });
    expect(wrong.success === false && wrong.error).toMatch(/not the one shown; encryption was not turned on/);
    expect((await w.ok('backup:getKeys')).keys.encryption).toBe('not-set-up');
    expect(await w.h.memfs.exists(`${BACKUP_DIR}/casevault-key.age`)).toBe(false);

    // Typed in groups of four, in lower case: still the key.
    const typed = offer.recoveryKey.toLowerCase().replace(/(.{4})/g, '$1 ');
    const done = await w.ok('backup:confirmKeySetup', { setupId: offer.setupId, recoveryKey: typed });
    expect(done.keys.encryption).toBe('on');
    expect(done.keys.recipients.map((r) => [r.role, r.publicKey])).toEqual([
      ['password', offer.passwordPublicKey],
      ['recovery', offer.recoveryPublicKey],
    ]);
    // The set-up is used up.
    expect(await w.invoke('backup:confirmKeySetup', { setupId: offer.setupId, recoveryKey: offer.recoveryKey })).toMatchObject({ success: false, code: 'INVALID_INPUT' });
  });

  it('drops a set-up after 15 minutes, and a newer set-up replaces an older one', async () => {
    const w = await world();
    const first = await w.ok('backup:beginKeySetup', { password: PASSWORD });
    const second = await w.ok('backup:beginKeySetup', { password: PASSWORD });
    const stale = await w.invoke('backup:confirmKeySetup', { setupId: first.setupId, recoveryKey: second.recoveryKey });
    expect(stale).toMatchObject({ success: false, code: 'INVALID_INPUT' });
    expect(stale.success === false && stale.error).toMatch(/no longer waiting.*start the set-up again/);
    w.advance(KEY_SETUP_TTL_MS + 1);
    const expired = await w.invoke('backup:confirmKeySetup', { setupId: second.setupId, recoveryKey: second.recoveryKey });
    expect(expired.success === false && expired.error).toMatch(/waited more than 15 minutes/);
    expect((await w.ok('backup:getKeys')).keys.encryption).toBe('not-set-up');
    const third = await w.ok('backup:beginKeySetup', { password: PASSWORD });
    expect((await w.ok('backup:confirmKeySetup', { setupId: third.setupId, recoveryKey: third.recoveryKey })).keys.encryption).toBe('on');
  });

  it('restores, verifies and inspects an encrypted backup with the password or the recovery key, and names what is missing or wrong', async () => {
    const w = await world();
    const recoveryKey = await w.setUp();
    const exported = await w.ok('backup:exportNow');
    expect(exported.fileName).toMatch(/\.zip\.age$/);
    const listed = await w.ok('backup:listBackups');
    expect(listed.backups.map((b) => b.encrypted)).toEqual([true]);
    const fileName = exported.fileName;

    expect(await w.invoke('backup:inspectBackup', { fileName })).toMatchObject({ success: false, code: 'ENCRYPTED_NEEDS_KEY' });
    expect(await w.invoke('backup:verifyBackup', { fileName, unlock: { password: 'not the password' } })).toMatchObject({ success: false, code: 'WRONG_PASSWORD' });
    const stranger = encryption.exportSecretKey(encryption.generateKey());
    const wrongKey = await w.invoke('backup:verifyBackup', { fileName, unlock: { recoveryKey: stranger } });
    expect(wrongKey).toMatchObject({ success: false, code: 'WRONG_KEY' });
    const recipients = (await w.ok('backup:getKeys')).keys.recipients.map((r) => r.publicKey);
    for (const key of recipients) expect(wrongKey.success === false && wrongKey.error).toContain(key);

    expect((await w.ok('backup:inspectBackup', { fileName, unlock: { password: PASSWORD } })).metadata.counts.cases).toBe(1);
    expect((await w.ok('backup:verifyBackup', { fileName, unlock: { recoveryKey } })).entries).toBeGreaterThan(3);
    expect((await w.ok('backup:restoreFromZip', { fileName, unlock: { password: PASSWORD } })).metadata.counts.cases).toBe(1);
  });

  it('changes the password with the old one or the recovery key, and turns encryption off and on', async () => {
    const w = await world();
    const recoveryKey = await w.setUp();
    const { fileName } = await w.ok('backup:exportNow');
    expect(await w.invoke('backup:changePassword', { unlock: { password: 'not the password' }, newPassword: 'a new password' })).toMatchObject({ success: false, code: 'WRONG_PASSWORD' });
    expect(await w.ok('backup:changePassword', { unlock: { password: PASSWORD }, newPassword: 'a new password' })).toMatchObject({ newKey: false });
    expect(await w.ok('backup:changePassword', { unlock: { recoveryKey }, newPassword: 'a newer password' })).toMatchObject({ newKey: true });
    // The older backup: the recovery key opens it; the new password key was made after it.
    expect(await w.ok('backup:verifyBackup', { fileName, unlock: { recoveryKey } })).toMatchObject({ success: true });

    const off = await w.ok('backup:setEncryption', { on: false });
    expect(off).toMatchObject({ message: 'Encryption is off: new backups are not encrypted', keys: { encryption: 'off' } });
    expect((await w.ok('backup:exportNow')).fileName).toMatch(/\.zip$/);
    expect((await w.ok('backup:setEncryption', { on: true })).keys.encryption).toBe('on');
    const audit = await w.service.readAuditLog();
    expect(audit.entries.map((e) => e.action)).toEqual(expect.arrayContaining(['key-init', 'key-passwd', 'encryption-off', 'encryption-on']));
  });

  it('never echoes a password or recovery key sent through any channel: responses, events, the log, the audit log, files', async () => {
    // Marked, so that a secret cannot occur in the output by chance; anything else may be in it.
    const secret = (tag: string) => fc.string({ minLength: 8, maxLength: 40, unit: 'binary' }).map((s) => `${tag}§${s}§`);
    await fc.assert(
      fc.asyncProperty(secret('pw'), secret('new'), secret('typed'), secret('wrong'), fc.string({ minLength: 1100, maxLength: 1200 }), async (password, newPassword, typed, wrong, long) => {
        const w = await world();
        const sent = [password, newPassword, typed, wrong, long];
        const offer = await w.ok('backup:beginKeySetup', { password });
        await w.invoke('backup:beginKeySetup', { password: long });
        await w.invoke('backup:confirmKeySetup', { setupId: offer.setupId, recoveryKey: typed });
        await w.invoke('backup:confirmKeySetup', { setupId: offer.setupId, recoveryKey: long });
        const again = await w.ok('backup:beginKeySetup', { password });
        await w.ok('backup:confirmKeySetup', { setupId: again.setupId, recoveryKey: again.recoveryKey });
        const { fileName } = await w.ok('backup:exportNow');
        for (const channel of ['backup:inspectBackup', 'backup:verifyBackup', 'backup:restoreFromZip'] as const) {
          await w.invoke(channel, { fileName, unlock: { password: wrong } });
          await w.invoke(channel, { fileName, unlock: { recoveryKey: typed } });
          await w.invoke(channel, { fileName, unlock: { password: long } });
          await w.invoke(channel, { fileName, unlock: { password, recoveryKey: wrong } });
        }
        await w.invoke('backup:restoreFromZip', { fileName, unlock: { password } });
        await w.invoke('backup:changePassword', { unlock: { password: wrong }, newPassword });
        await w.invoke('backup:changePassword', { unlock: { recoveryKey: typed }, newPassword });
        await w.invoke('backup:changePassword', { unlock: { password }, newPassword: long });
        await w.ok('backup:changePassword', { unlock: { password }, newPassword });
        await w.ok('backup:changePassword', { unlock: { recoveryKey: again.recoveryKey }, newPassword: password });
        await w.ok('backup:setEncryption', { on: false });
        await w.ok('backup:setEncryption', { on: true });
        await w.ok('backup:getKeys');
        // The one secret that leaves: the new recovery key, in its own set-up's answer and nowhere else.
        const offers = new Set([offer, again]);
        w.responses.splice(0, w.responses.length, ...w.responses.filter((r) => !offers.has(r as typeof offer)));
        expect(await leaks(w, [...sent, offer.recoveryKey, again.recoveryKey])).toEqual([]);
        const audit = await w.service.readAuditLog();
        expect(audit.entries.length).toBeGreaterThan(10);
      }),
      // A run costs ~0.5 s: report the first counterexample rather than shrink it for minutes.
      { numRuns: propertyRuns(10), endOnFailure: true },
    );
  }, 120_000);
});
