/**
 * Encrypted backups from the command line (issue 13), on real files, with Debian's age CLI
 * (required, not skipped): key init with a password file and a recovery key file, export to
 * .zip.age, list, verify and restore with the password or the recovery key, the coded
 * refusals, `age -d -i <recovery key file>` then `unzip -t` and a restore of the plain ZIP, a
 * ZIP that age encrypted to our recipient restored by casevault, and no secret in any output.
 */
import { execFileSync } from 'node:child_process';
import { promises as fsp, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readDiskState, runCli, tempRoot, type CliRun } from '../support/nodeHarness.ts';

const PASSWORD = 'a long and correct password';
let root: Awaited<ReturnType<typeof tempRoot>>;
const outputs: string[] = [];

async function cli(args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliRun & { json: Record<string, unknown> }> {
  const run = await runCli(args, env);
  outputs.push(run.stdout, run.stderr);
  let json: Record<string, unknown> = {};
  if (args.includes('--json')) json = JSON.parse(run.stdout) as Record<string, unknown>;
  return { ...run, json };
}

describe('casevault with encryption', () => {
  let passwordFile: string;
  let recoveryFile: string;
  let backup: string;
  let recoveryKey: string;
  beforeAll(async () => {
    execFileSync('age', ['--version']); // required: .ci/run installs Debian's age
    root = await tempRoot('cli-encryption');
    passwordFile = join(root.root, 'password.txt');
    recoveryFile = join(root.root, 'recovery.key');
    await fsp.writeFile(passwordFile, `${PASSWORD}\n`);
    expect((await cli(['demo', '--data-dir', root.dataDir])).code).toBe(0);
  }, 120_000);
  afterAll(async () => {
    await root.cleanup();
  });

  it('key init writes the recovery key to a new 0600 file and prints no secret, --json included', async () => {
    const init = await cli(['key', 'init', '--backup-dir', root.backupDir, '--password-file', passwordFile, '--recovery-key-file', recoveryFile, '--json']);
    expect(init.code, init.stderr).toBe(0);
    expect(init.json).toMatchObject({ success: true, encryption: 'on' });
    expect(statSync(recoveryFile).mode & 0o777).toBe(0o600);
    recoveryKey = (await fsp.readFile(recoveryFile, 'utf8')).split('\n').find((l) => l.startsWith('AGE-SECRET-KEY-1'))!;
    expect(recoveryKey).toMatch(/^AGE-SECRET-KEY-1/);
    const again = await cli(['key', 'init', '--backup-dir', root.backupDir, '--password-file', passwordFile, '--recovery-key-file', recoveryFile, '--json']);
    expect(again.json).toMatchObject({ success: false, code: 'ALREADY_EXISTS' });
    const noFile = await cli(['key', 'init', '--backup-dir', join(root.root, 'other'), '--password-file', passwordFile]);
    expect(noFile.code).toBe(2); // no terminal, no recovery key file: a usage error, nothing written
  }, 60_000);

  it('exports .zip.age, lists it as encrypted, and its sidecar checks without a key', async () => {
    const exported = await cli(['export', '--data-dir', root.dataDir, '--backup-dir', root.backupDir, '--json']);
    expect(exported.code, exported.stderr).toBe(0);
    backup = exported.json.filePath as string;
    expect(backup).toMatch(/\.zip\.age$/);
    expect((exported.json.recipients as string[]).length).toBe(2);
    execFileSync('sha256sum', ['-c', `${backup.split('/').pop()}.sha256`], { cwd: root.backupDir });
    const list = await cli(['list', '--backup-dir', root.backupDir, '--json']);
    expect((list.json.backups as { encrypted: boolean }[])[0]!.encrypted).toBe(true);
  }, 60_000);

  it('verify says which key it needs, and passes with the password or the recovery key', async () => {
    const none = await cli(['verify', backup, '--json'], { CASEVAULT_PASSWORD: '' });
    expect(none.json).toMatchObject({ success: false, code: 'ENCRYPTED_NEEDS_KEY' });
    const wrongFile = join(root.root, 'wrong.txt');
    await fsp.writeFile(wrongFile, 'not the password\n');
    const wrong = await cli(['verify', backup, '--password-file', wrongFile, '--json']);
    expect(wrong.json).toMatchObject({ success: false, code: 'WRONG_PASSWORD' });
    expect(wrong.json.error as string).toMatch(/recovery key/);
    const otherKey = join(root.root, 'other.key');
    execFileSync('age-keygen', ['-o', otherKey], { stdio: 'pipe' });
    const wrongKey = await cli(['verify', backup, '--recovery-key-file', otherKey, '--json']);
    expect(wrongKey.json).toMatchObject({ success: false, code: 'WRONG_KEY' });
    expect(wrongKey.json.error as string).toMatch(/age1/);
    expect((await cli(['verify', backup, '--json'], { CASEVAULT_PASSWORD: PASSWORD })).json).toMatchObject({ success: true, encrypted: true });
    expect((await cli(['verify', backup, '--password-file', passwordFile, '--json'])).json).toMatchObject({ success: true });
    expect((await cli(['verify', backup, '--recovery-key-file', recoveryFile, '--json'])).json).toMatchObject({ success: true });
  }, 120_000);

  it('age -d with the recovery key gives a ZIP that unzip -t accepts and that restores the same data; a ZIP age encrypted restores through casevault', async () => {
    const expected = await readDiskState(root.dataDir);
    const viaUs = join(root.root, 'restored-by-casevault');
    const restored = await cli(['restore', backup, '--data-dir', viaUs, '--recovery-key-file', recoveryFile, '--json']);
    expect(restored.code, restored.stderr).toBe(0);
    expect(await readDiskState(viaUs)).toEqual(expected);

    const zip = join(root.root, 'x.zip');
    execFileSync('age', ['-d', '-i', recoveryFile, '-o', zip, backup]);
    execFileSync('unzip', ['-t', '-qq', zip]);
    const viaZip = join(root.root, 'restored-from-zip');
    expect((await cli(['restore', zip, '--data-dir', viaZip, '--json'])).code).toBe(0);
    expect(await readDiskState(viaZip)).toEqual(expected);

    const show = await cli(['key', 'show', '--backup-dir', root.backupDir, '--json']);
    const password = (show.json.recipients as { role: string; publicKey: string }[]).find((r) => r.role === 'password')!.publicKey;
    const byAge = join(root.root, 'by-age.zip.age');
    execFileSync('age', ['-e', '-r', password, '-o', byAge, zip]);
    const viaAge = join(root.root, 'restored-from-age');
    const fromAge = await cli(['restore', byAge, '--data-dir', viaAge, '--backup-dir', root.backupDir, '--password-file', passwordFile, '--json']);
    expect(fromAge.code, fromAge.stderr).toBe(0);
    expect(await readDiskState(viaAge)).toEqual(expected);
  }, 180_000);

  it('never prints, logs or audits a secret', async () => {
    const audit = await fsp.readFile(join(root.backupDir, 'casevault-audit.jsonl'), 'utf8');
    const keyring = await fsp.readFile(join(root.backupDir, 'casevault-keys.json'), 'utf8');
    for (const text of [...outputs, audit, keyring]) {
      expect(text).not.toContain(PASSWORD);
      expect(text).not.toContain(recoveryKey);
      expect(text).not.toMatch(/AGE-SECRET-KEY-1[0-9A-Z]{20}/); // the format may be named ("AGE-SECRET-KEY-1…"), never a key
    }
  });
});
