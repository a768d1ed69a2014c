/**
 * `npm start` as a new user meets it: the launcher (src/launch/launch.ts) run as a process,
 * as `npm start -- <args>` runs it after building the page. CASEVAULT_SHELL makes it take the
 * browser-shell path even where an Electron binary is installed. Only what exits on its own is
 * run here (help, usage errors, a data dir refused at start); the page itself is e2e's.
 */
import { spawn } from 'node:child_process';
import { promises as fsp } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const REPO = resolve(import.meta.dirname, '../..');

interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs the launcher to its exit; a shell that starts (it would serve forever) is stopped and
 * fails the test. `electron`: the folder of a stand-in Electron binary (ELECTRON_OVERRIDE_DIST_PATH);
 * without it the browser shell is forced (CASEVAULT_SHELL).
 */
function launch(args: readonly string[], electron?: string): Promise<Run> {
  const env: NodeJS.ProcessEnv = { ...process.env, CASEVAULT_DATA_DIR: '', CASEVAULT_BACKUP_DIR: '', NO_COLOR: '1' };
  if (electron === undefined) env.CASEVAULT_SHELL = '1';
  else {
    delete env.CASEVAULT_SHELL;
    env.ELECTRON_OVERRIDE_DIST_PATH = electron;
  }
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(REPO, 'src/launch/launch.ts'), ...args], {
      cwd: REPO,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      if (/casevault shell: http:/.test(stdout)) child.kill('SIGTERM');
    });
    child.stderr.on('data', (chunk: Buffer) => void (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('exit', (code) => resolvePromise({ code, stdout, stderr }));
  });
}

/** No Node stack trace or internal error code reaches the person. */
function expectNoStack(run: Run): void {
  const all = run.stdout + run.stderr;
  expect(all).not.toMatch(/\n\s+at /);
  expect(all).not.toContain('ERR_PARSE_ARGS');
  expect(all).not.toContain('node:internal');
}

describe('npm start (src/launch/launch.ts)', () => {
  it('prints its usage and exits 0 for --help', async () => {
    const run = await launch(['--help']);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/^usage: npm start -- \[options\]/m);
    for (const option of ['--data-dir', '--backup-dir', '--no-demo', '--port', '--help']) expect(run.stdout).toContain(option);
    expect(run.stderr).toBe('');
    expectNoStack(run);
  });

  it('answers -h as --help', async () => {
    const run = await launch(['-h']);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^usage: npm start/m);
  });

  it('refuses an unknown option with the closest one, the usage, and exit 2', async () => {
    const run = await launch(['--data-dri', 'x']);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^npm start: unknown option --data-dri \(did you mean --data-dir\?\)$/m);
    expect(run.stderr).toMatch(/^usage: npm start -- \[options\]/m);
    expect(run.stdout).toBe('');
    expectNoStack(run);
  });

  it('refuses an option without its value, a stray argument and a bad number as usage errors (exit 2)', async () => {
    for (const [args, message] of [
      [['--data-dir'], '--data-dir needs a value'],
      [['somewhere'], 'unexpected argument somewhere'],
      [['--port', 'eighty'], '--port must be a whole number from 0 to 65535, got eighty'],
      [['--throttle', '-5'], '--throttle must be a positive number of bytes per second, got -5'],
      [['--no-demo=yes'], '--no-demo takes no value'],
    ] as const) {
      const run = await launch(args);
      expect(run.code, args.join(' ')).toBe(2);
      expect(run.stderr).toContain(`npm start: ${message}`);
      expectNoStack(run);
    }
  });
});

describe('npm start -- --data-dir D --no-demo', () => {
  let root: string;
  beforeAll(async () => {
    root = await fsp.mkdtemp(join(tmpdir(), 'casevault-launch-'));
  });
  afterAll(async () => fsp.rm(root, { recursive: true, force: true }));

  it('refuses a data dir that does not exist, names it, and does not create it', async () => {
    const typo = join(root, 'dta');
    const run = await launch(['--data-dir', typo, '--backup-dir', join(root, 'backups'), '--no-demo']);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`there is no data dir at ${typo}`);
    expect(run.stdout).not.toContain('http://');
    expectNoStack(run);
    expect(await fsp.stat(typo).catch(() => null)).toBeNull();
    expect(await fsp.stat(join(root, 'backups')).catch(() => null)).toBeNull();
  });

  it('refuses an empty folder and a folder of something else, and writes nothing into them', async () => {
    const empty = join(root, 'empty');
    await fsp.mkdir(empty);
    const other = join(root, 'photos');
    await fsp.mkdir(other);
    await fsp.writeFile(join(other, 'holiday.jpg'), 'not a database');
    for (const [dir, says] of [
      [empty, `${empty} is an empty folder, not a data dir`],
      [other, `${other} is not a data dir`],
    ] as const) {
      const run = await launch(['--data-dir', dir, '--no-demo']);
      expect(run.code, dir).toBe(1);
      expect(run.stderr).toContain(says);
      expectNoStack(run);
    }
    expect(await fsp.readdir(empty)).toEqual([]);
    expect(await fsp.readdir(other)).toEqual(['holiday.jpg']);
  });

  it('refuses a file given as the data dir', async () => {
    const file = join(root, 'notes.txt');
    await fsp.writeFile(file, 'x');
    const run = await launch(['--data-dir', file, '--no-demo']);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`${file} is a file, not a folder`);
    expectNoStack(run);
  });

  it('does not seed the demo data into a folder of something else either (without --no-demo)', async () => {
    const other = join(root, 'documents');
    await fsp.mkdir(other);
    await fsp.writeFile(join(other, 'letter.txt'), 'dear court');
    const run = await launch(['--data-dir', other]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`${other} is not a data dir`);
    expectNoStack(run);
    expect(await fsp.readdir(other)).toEqual(['letter.txt']);
  });
});

describe('npm start where an Electron binary is installed', () => {
  let root: string;
  let electron: string;
  beforeAll(async () => {
    root = await fsp.mkdtemp(join(tmpdir(), 'casevault-launch-electron-'));
    // A stand-in for Electron's binary: it says what it was started with, and exits.
    electron = join(root, 'electron-dist');
    await fsp.mkdir(electron);
    await fsp.writeFile(join(electron, 'electron'), '#!/bin/sh\necho "electron started: data=$CASEVAULT_DATA_DIR backups=$CASEVAULT_BACKUP_DIR"\n', { mode: 0o755 });
  });
  afterAll(async () => fsp.rm(root, { recursive: true, force: true }));

  it('hands --data-dir and --backup-dir to the Electron app', async () => {
    const data = join(root, 'data');
    await fsp.mkdir(data);
    await fsp.writeFile(join(data, 'database.sqlite'), '');
    const run = await launch(['--data-dir', data, '--backup-dir', join(root, 'backups')], electron);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain(`electron started: data=${data} backups=${join(root, 'backups')}`);
  });

  it('refuses a --data-dir that is not a data dir before it starts Electron', async () => {
    const typo = join(root, 'dta');
    const run = await launch(['--data-dir', typo], electron);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`there is no data dir at ${typo}`);
    expect(run.stdout).not.toContain('electron started');
    expectNoStack(run);
    expect(await fsp.stat(typo).catch(() => null)).toBeNull();
  });
});
