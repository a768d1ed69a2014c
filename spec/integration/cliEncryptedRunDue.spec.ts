/**
 * run-due and drill from the command line once encryption is on: without a key an encrypted
 * backup is left unverified (never a failed check), `status` shows one DRILL_NEEDS_KEY
 * alarm (exit 3); with --password-file / --recovery-key-file / $CASEVAULT_PASSWORD they verify it.
 */
import { execFileSync } from 'node:child_process';
import { promises as fsp } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, tempRoot } from '../support/nodeHarness.ts';

const PASSWORD = 'a long and correct password';
let root: Awaited<ReturnType<typeof tempRoot>>;

async function cli(args: string[], env: NodeJS.ProcessEnv = {}) {
  const run = await runCli(args, env);
  return { ...run, json: args.includes('--json') ? (JSON.parse(run.stdout) as Record<string, any>) : {} };
}

describe('run-due and drill with encryption on', () => {
  let passwordFile: string;
  let recoveryFile: string;
  beforeAll(async () => {
    execFileSync('age', ['--version']);
    root = await tempRoot('cli-encrypted-run-due');
    passwordFile = join(root.root, 'password.txt');
    recoveryFile = join(root.root, 'recovery.key');
    await fsp.writeFile(passwordFile, `${PASSWORD}\n`);
    expect((await cli(['demo', '--data-dir', root.dataDir])).code).toBe(0);
    const init = await cli(['key', 'init', '--backup-dir', root.backupDir, '--password-file', passwordFile, '--recovery-key-file', recoveryFile, '--json']);
    expect(init.code, init.stderr).toBe(0);
  }, 120_000);
  afterAll(async () => {
    await root.cleanup();
  });
  const dirs = () => ['--data-dir', root.dataDir, '--backup-dir', root.backupDir];

  it('run-due without a key: the backup is made, left unverified (exit 0, no failure), and status raises DRILL_NEEDS_KEY once', async () => {
    const run = await cli(['run-due', ...dirs(), '--json'], { CASEVAULT_PASSWORD: '' });
    expect(run.code, run.stderr + run.stdout).toBe(0);
    expect(run.json.backup.outcome).toBe('ok');
    expect(run.json.verify).toMatchObject({ result: 'needs-key', failure: null });
    const text = await cli(['drill', '--all', '--backup-dir', root.backupDir], { CASEVAULT_PASSWORD: '' });
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toMatch(/NOT VERIFIED .*needs the password/);
    const status = await cli(['status', ...dirs(), '--json']);
    expect(status.code).toBe(3);
    expect(status.json.alarms.map((a: { code: string }) => a.code)).toEqual(['DRILL_NEEDS_KEY']);
    expect(status.json.alarms[0].message).toMatch(/--password-file F.*CASEVAULT_PASSWORD/s);
  }, 120_000);

  it('drill --password-file (or --recovery-key-file) verifies it and clears the alarm; run-due --help names the key flags', async () => {
    const drill = await cli(['drill', '--all', '--backup-dir', root.backupDir, '--password-file', passwordFile, '--json']);
    expect(drill.code, drill.stdout).toBe(0);
    expect(drill.json.results.map((r: { result: string }) => r.result)).toEqual(['ok']);
    const status = await cli(['status', ...dirs(), '--json']);
    expect(status.json.alarms).toEqual([]);
    expect(status.code).toBe(0);
    const again = await cli(['drill', '--all', '--backup-dir', root.backupDir, '--recovery-key-file', recoveryFile, '--json'], { CASEVAULT_PASSWORD: '' });
    expect(again.json.results.map((r: { result: string }) => r.result)).toEqual(['ok']);
    const fromEnv = await cli(['run-due', ...dirs(), '--json'], { CASEVAULT_PASSWORD: PASSWORD });
    expect(fromEnv.code, fromEnv.stdout).toBe(0); // nothing due yet: the key from the environment is accepted
    const help = await cli(['run-due', '--help']);
    expect(help.stdout).toMatch(/--password-file/);
    expect(help.stdout).toMatch(/--recovery-key-file/);
    expect(help.stdout).toMatch(/CASEVAULT_PASSWORD/);
  }, 120_000);

  it('verify --help and restore --help name the key flags in their usage line and say when they are needed', async () => {
    for (const command of ['verify', 'restore']) {
      const help = await cli([command, '--help']);
      const [usage] = help.stdout.split('\n');
      expect(usage, command).toMatch(/\[--password-file F \| --recovery-key-file F\]/);
      expect(help.stdout, command).toMatch(/encrypted backup \(\.zip\.age\)/);
      expect(help.stdout, command).toMatch(/CASEVAULT_PASSWORD/);
    }
  }, 60_000);
});
