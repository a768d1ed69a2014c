/**
 * The CLI as a user meets it: every command in-process through runCli (fast), the JSON
 * envelope and exit codes, defaults from the environment, the progress bar only on a
 * terminal; and as a real process: `npx casevault`-style start through bin/, Ctrl-C.
 */
import { promises as fsp } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/main.ts';
import { progressReporter } from '../../src/cli/output.ts';
import { defaultBackupDir, defaultDataDir } from '../../src/cli/paths.ts';
import { worldData } from '../support/crashWorld.ts';
import { collect, compose, populate, readDiskState, runCli as runCliProcess, spawnCli, tempRoot } from '../support/nodeHarness.ts';

function sink(isTTY = false) {
  let text = '';
  return { write: (s: string) => void (text += s), isTTY, columns: 100, get text() { return text; } };
}

async function cli(args: string[], env: NodeJS.ProcessEnv, signal = new AbortController().signal) {
  const stdout = sink();
  const stderr = sink();
  const code = await runCli(args, { stdout, stderr, env, signal });
  return { code, stdout: stdout.text, stderr: stderr.text, json: () => JSON.parse(stdout.text) as Record<string, unknown> };
}

describe('casevault commands', () => {
  let t: Awaited<ReturnType<typeof tempRoot>>;
  let env: NodeJS.ProcessEnv;
  beforeAll(async () => {
    t = await tempRoot('cli');
    env = { CASEVAULT_DATA_DIR: t.dataDir, CASEVAULT_BACKUP_DIR: t.backupDir };
  });
  afterAll(async () => t.cleanup());

  it('runs demo, export, list, stats, verify, restore, check and delete with --json envelopes', async () => {
    const demo = await cli(['demo', '--json'], env);
    expect(demo.code, demo.stderr).toBe(0);
    expect(demo.json()).toMatchObject({ success: true, users: 4, cases: 36, documents: 30 });
    const before = await readDiskState(t.dataDir);

    const exported = await cli(['export', '--json', '--level', '1'], env);
    expect(exported.code, exported.stderr).toBe(0);
    const e = exported.json();
    expect(e).toMatchObject({ success: true, message: 'Backup exported successfully', metadata: { counts: { cases: 36, files: 30 } } });
    const fileName = String(e.fileName);

    const list = await cli(['list', '--json'], env);
    expect(list.json()).toMatchObject({ success: true, backups: [{ fileName }] });
    const stats = await cli(['stats', '--json'], env);
    expect(stats.json()).toMatchObject({ success: true, statistics: { totalBackups: 1 } });
    const verify = await cli(['verify', join(t.backupDir, fileName), '--json'], env);
    expect(verify.json()).toMatchObject({ success: true, valid: true, sidecarChecked: true });

    await fsp.writeFile(join(t.dataDir, 'settings.json'), '{"changed":true}');
    const restore = await cli(['restore', join(t.backupDir, fileName), '--json'], env);
    expect(restore.code, restore.stdout + restore.stderr).toBe(0);
    expect(restore.json()).toMatchObject({ success: true, message: 'Backup restored successfully' });
    expect(await readDiskState(t.dataDir)).toEqual(before);

    const check = await cli(['check', '--json'], env);
    expect(check.json()).toMatchObject({ success: true, integrity: 'ok', documents: 30, damaged: [], missing: [], orphans: [] });

    const human = await cli(['list'], env);
    expect(human.stdout).toContain(fileName);
    const deleted = await cli(['delete', fileName, '--json'], env);
    expect(deleted.json()).toMatchObject({ success: true });
    expect((await cli(['list', '--json'], env)).json()).toMatchObject({ backups: [] });

    const audit = await cli(['audit', '--verify', '--json'], env);
    expect(audit.code, audit.stderr).toBe(0);
    const { entries } = audit.json() as { entries: { action: string; result: string }[] };
    expect(entries.map((a) => `${a.action} ${a.result}`)).toEqual(['export ok', 'verify ok', 'restore ok', 'delete ok']);
    const log = join(t.backupDir, 'casevault-audit.jsonl');
    const lines = (await fsp.readFile(log, 'utf8')).trimEnd().split('\n');
    await fsp.writeFile(log, `${[lines[0], ...lines.slice(2)].join('\n')}\n`); // a line removed
    const broken = await cli(['audit', '--verify', '--json'], env);
    expect(broken.code).toBe(1);
    expect(broken.json()).toMatchObject({ success: false, code: 'CHECKSUM_MISMATCH', broken: { line: 2 } });
    await fsp.writeFile(log, `${lines.join('\n')}\n`);
  });

  it('reports damage found by check with exit 1 and the code', async () => {
    const s = await compose(t.dataDir, t.backupDir);
    const [doc] = await s.db.query<{ sha256: string }>('SELECT sha256 FROM documents LIMIT 1');
    await s.dispose();
    const path = join(t.dataDir, 'files', doc!.sha256.slice(0, 2), doc!.sha256);
    const bytes = await fsp.readFile(path);
    bytes[0] = bytes[0]! ^ 0xff;
    await fsp.writeFile(path, bytes);
    const check = await cli(['check', '--json'], env);
    expect(check.code).toBe(1);
    expect(check.json()).toMatchObject({ success: false, code: 'DOCUMENT_MISMATCH', damaged: [`files/${doc!.sha256.slice(0, 2)}/${doc!.sha256}`] });
    bytes[0] = bytes[0]! ^ 0xff;
    await fsp.writeFile(path, bytes);
  });

  it('answers usage errors with exit 2, failures with exit 1 and one JSON object', async () => {
    expect((await cli(['frobnicate'], env)).code).toBe(2);
    expect((await cli([], env)).code).toBe(2);
    const missing = await cli(['restore', '--json'], env);
    expect(missing.code).toBe(2);
    expect(missing.json()).toEqual({ success: false, code: 'INVALID_INPUT', error: 'missing FILE', message: 'Usage error' });
    expect((await cli(['export', '--level', '12', '--json'], env)).json()).toMatchObject({ success: false, code: 'INVALID_INPUT' });
    expect((await cli(['list', '--bogus'], env)).code).toBe(2);
    const notFound = await cli(['verify', join(t.root, 'nope.zip'), '--json'], env);
    expect(notFound.code).toBe(1);
    expect(notFound.json()).toMatchObject({ success: false, code: 'NOT_FOUND', message: 'Verify failed' });
    expect(notFound.stdout.trim().split('\n').length).toBeGreaterThan(1); // pretty-printed, but one object:
    expect(() => JSON.parse(notFound.stdout)).not.toThrow();
    const notZip = await cli(['verify', join(t.dataDir, 'settings.json'), '--json'], env);
    expect(notZip.json()).toMatchObject({ success: false, code: 'NOT_A_ZIP' });
    for (const command of ['export', 'check']) {
      const nowhere = await cli([command, '--data-dir', join(t.root, 'no-such-data'), '--json'], env);
      expect(nowhere.code, command).toBe(1);
      expect(nowhere.json(), command).toMatchObject({ success: false, code: 'NOT_FOUND' });
    }
    await expect(fsp.stat(join(t.root, 'no-such-data'))).rejects.toThrow(); // not created by looking
    const again = await cli(['demo', '--json'], env); // the demo data is there already: left as it is
    expect(again.json()).toMatchObject({ success: true, created: false });
  });

  it('prints --help for every command', async () => {
    for (const name of ['export', 'restore', 'verify', 'list', 'delete', 'stats', 'check', 'demo']) {
      const help = await cli([name, '--help'], env);
      expect(help.code, name).toBe(0);
      expect(help.stdout, name).toMatch(new RegExp(`^usage: casevault ${name}`));
      expect(help.stdout, name).toContain('--help');
    }
    expect((await cli(['--help'], env)).stdout).toContain('commands:');
  });

  it('takes its default dirs from XDG_DATA_HOME, overridden by CASEVAULT_*_DIR', () => {
    expect(defaultDataDir({ XDG_DATA_HOME: '/x/share', HOME: '/home/a' })).toBe('/x/share/casevault/data');
    expect(defaultBackupDir({ XDG_DATA_HOME: '/x/share' })).toBe('/x/share/casevault/backups');
    expect(defaultDataDir({ XDG_DATA_HOME: '/x/share', CASEVAULT_DATA_DIR: '/d' })).toBe('/d');
    expect(defaultBackupDir({ CASEVAULT_BACKUP_DIR: '/b' })).toBe('/b');
    expect(defaultDataDir({})).toMatch(/\/\.local\/share\/casevault\/data$/);
  });

  it('draws progress on stderr only when it is a terminal', () => {
    const tty = sink(true);
    const pipe = sink(false);
    for (const [w, r] of [[tty, progressReporter(tty, {})], [pipe, progressReporter(pipe, {})]] as const) {
      r.listener({ phase: 'archive', done: 0, total: 2048, unit: 'bytes' });
      r.listener({ phase: 'archive', done: 2048, total: 2048, unit: 'bytes' });
      r.done();
      void w;
    }
    expect(tty.text).toContain('archive');
    expect(tty.text).toContain('100%');
    expect(pipe.text).toBe('');
  });
});

describe('casevault as a process', () => {
  let t: Awaited<ReturnType<typeof tempRoot>>;
  beforeAll(async () => {
    t = await tempRoot('cli-process');
    const s = await compose(t.dataDir, t.backupDir);
    await populate(s, worldData(8, 5_000_000)); // ~22 MB that does not compress: an export long enough to interrupt
    await s.dispose();
  });
  afterAll(async () => t.cleanup());

  it('starts through bin/casevault.mjs and prints one JSON object', async () => {
    const run = await runCliProcess(['list', '--backup-dir', t.backupDir, '--json']);
    expect(run.code, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual({ success: true, message: '0 backups', backups: [] });
  });

  it('cancels an export on SIGINT: exit 130, CANCELLED, nothing left behind', async () => {
    const child = spawnCli(['export', '--data-dir', t.dataDir, '--backup-dir', t.backupDir, '--level', '9', '--json'], { CASEVAULT_PROGRESS: 'plain' });
    let sent = false;
    child.stderr!.on('data', (chunk: Buffer) => {
      if (!sent && chunk.toString('utf8').includes('progress archive')) {
        sent = true;
        child.kill('SIGINT');
      }
    });
    const run = await collect(child);
    expect(sent).toBe(true);
    expect(run.code, run.stderr).toBe(130);
    expect(JSON.parse(run.stdout)).toMatchObject({ success: false, code: 'CANCELLED', message: 'Cancelled' });
    const left = (await fsp.readdir(t.backupDir)).filter((n) => !['.tmp', 'casevault-audit.jsonl'].includes(n));
    expect(left).toEqual([]);
  });
});
