/**
 * Issue 10, "What a new user trips over in the first hour": the command line's part.
 * Every command in-process through runCli with an environment of its own (XDG_DATA_HOME in
 * a temp dir, no CASEVAULT_*), so a test also sees what a command wrote where it should not;
 * the README walkthrough as a real process through bin/casevault.mjs.
 */
import { promises as fsp, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/main.ts';
import { compose, runCli as runCliProcess, tempRoot } from '../support/nodeHarness.ts';

function sink() {
  let text = '';
  return { write: (s: string) => void (text += s), isTTY: false, columns: 100, get text() { return text; } };
}

interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  json(): Record<string, unknown>;
}

async function cli(args: string[], env: NodeJS.ProcessEnv): Promise<Run> {
  const stdout = sink();
  const stderr = sink();
  const code = await runCli(args, { stdout, stderr, env, signal: new AbortController().signal });
  return { code, stdout: stdout.text, stderr: stderr.text, json: () => JSON.parse(stdout.text) as Record<string, unknown> };
}

/** Every path under `root`, relative, sorted: what a command left behind. */
async function tree(root: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (dir: string, prefix: string) => {
    for (const entry of await fsp.readdir(dir, { withFileTypes: true })) {
      const rel = prefix ? `${prefix}/${entry.name}` : entry.name;
      out.push(rel);
      if (entry.isDirectory()) await walk(join(dir, entry.name), rel);
    }
  };
  await walk(root, '');
  return out.sort();
}

async function exists(path: string): Promise<boolean> {
  return fsp.lstat(path).then(() => true, () => false);
}

/** A temp root with a demo data dir in it, and an environment whose default dirs are inside it too. */
async function world(label: string) {
  const t = await tempRoot(label);
  const env: NodeJS.ProcessEnv = { XDG_DATA_HOME: join(t.root, 'xdg') };
  const demo = await cli(['demo', '--data-dir', t.dataDir, '--json'], env);
  expect(demo.code, demo.stdout + demo.stderr).toBe(0);
  return { ...t, env, xdg: join(t.root, 'xdg') };
}

describe('commands that read do not create (item 1)', () => {
  let w: Awaited<ReturnType<typeof world>>;
  beforeAll(async () => {
    w = await world('newuser-read');
  });
  afterAll(async () => w.cleanup());

  it('check refuses an empty folder or a folder of other things with NOT_A_DATA_DIR, and writes nothing there', async () => {
    const empty = join(w.root, 'empty');
    const other = join(w.root, 'other');
    await fsp.mkdir(empty);
    await fsp.mkdir(other);
    await fsp.writeFile(join(other, 'notes.txt'), 'not a data dir');
    for (const dir of [empty, other]) {
      const before = await tree(w.root);
      const check = await cli(['check', '--data-dir', dir, '--json'], w.env);
      expect(check.code, check.stdout).toBe(1);
      const body = check.json();
      expect(body).toMatchObject({ success: false, code: 'NOT_A_DATA_DIR' });
      expect(String(body.error)).toContain(dir);
      expect(String(body.error)).toContain('database.sqlite'); // says what a data dir looks like
      expect(await tree(w.root)).toEqual(before);
    }
  });

  it('check and export of a data dir whose parent does not exist create nothing', async () => {
    const nowhere = join(w.root, 'no', 'such', 'data');
    for (const command of ['check', 'export']) {
      const run = await cli([command, '--data-dir', nowhere, '--backup-dir', join(w.root, 'never-backups'), '--json'], w.env);
      expect(run.code, command).toBe(1);
      expect(run.json(), command).toMatchObject({ success: false, code: 'NOT_FOUND' });
    }
    expect(await exists(join(w.root, 'no'))).toBe(false);
    expect(await exists(join(w.root, 'never-backups'))).toBe(false);
  });

  it('list, stats, audit and verify do not create the backup dir; an absent one lists nothing', async () => {
    const exported = await cli(['export', '--data-dir', w.dataDir, '--backup-dir', w.backupDir, '--json'], w.env);
    expect(exported.code, exported.stdout).toBe(0);
    const file = String(exported.json().filePath);
    const absent = join(w.root, 'absent-backups');
    const list = await cli(['list', '--backup-dir', absent, '--json'], w.env);
    expect(list.code).toBe(0);
    expect(list.json()).toMatchObject({ success: true, backups: [] });
    const stats = await cli(['stats', '--backup-dir', absent, '--json'], w.env);
    expect(stats.json()).toMatchObject({ success: true, statistics: { totalBackups: 0 } });
    const audit = await cli(['audit', '--verify', '--backup-dir', absent, '--json'], w.env);
    expect(audit.json()).toMatchObject({ success: true, entries: [] });
    expect(await exists(absent)).toBe(false);
    const verify = await cli(['verify', file, '--json'], w.env);
    expect(verify.code, verify.stdout).toBe(0);
    expect(await exists(w.xdg)).toBe(false); // the default backup dir was not created either
  });

  it('export checks the data dir before it creates the backup dir', async () => {
    const empty = join(w.root, 'empty-export');
    const other = join(w.root, 'other-export');
    await fsp.mkdir(empty);
    await fsp.mkdir(other);
    await fsp.writeFile(join(other, 'letter.docx'), 'x');
    const cases = [[join(w.root, 'missing-data'), 'NOT_FOUND'], [empty, 'NOT_A_DATA_DIR'], [other, 'NOT_A_DATA_DIR']] as const;
    for (const [dataDir, code] of cases) {
      const backups = join(w.root, `backups-of-${code}`);
      const run = await cli(['export', '--data-dir', dataDir, '--backup-dir', backups, '--json'], w.env);
      expect(run.code, dataDir).toBe(1);
      expect(run.json(), dataDir).toMatchObject({ success: false, code });
      expect(String(run.json().error)).toContain(dataDir);
      expect(await exists(backups), dataDir).toBe(false);
    }
    expect(await fsp.readdir(empty)).toEqual([]);
    expect(await fsp.readdir(other)).toEqual(['letter.docx']);
  });

  it('restore goes into a missing or an empty data dir, never into a file or a folder of other things', async () => {
    const exported = await cli(['export', '--data-dir', w.dataDir, '--backup-dir', w.backupDir, '--json'], w.env);
    const file = String(exported.json().filePath);
    const fresh = join(w.root, 'new-machine', 'data');
    const ok = await cli(['restore', file, '--data-dir', fresh, '--json'], w.env);
    expect(ok.code, ok.stdout).toBe(0);
    const empty = join(w.root, 'empty-target');
    await fsp.mkdir(empty);
    expect((await cli(['restore', file, '--data-dir', empty, '--json'], w.env)).code).toBe(0);
    const other = join(w.root, 'photos');
    await fsp.mkdir(other);
    await fsp.writeFile(join(other, 'holiday.jpg'), 'x');
    const refused = await cli(['restore', file, '--data-dir', other, '--json'], w.env);
    expect(refused.code).toBe(1);
    expect(refused.json()).toMatchObject({ success: false, code: 'NOT_A_DATA_DIR' });
    expect(await fsp.readdir(other)).toEqual(['holiday.jpg']);
    const aFile = join(w.root, 'a-file');
    await fsp.writeFile(aFile, 'x');
    const onFile = await cli(['restore', file, '--data-dir', aFile, '--json'], w.env);
    expect(onFile.json()).toMatchObject({ success: false, code: 'NOT_A_FOLDER' });
  });

  it('a data dir without its database: check reports it, export refuses, neither creates database.sqlite', async () => {
    const half = join(w.root, 'documents-only');
    await fsp.cp(join(w.dataDir, 'files'), join(half, 'files'), { recursive: true });
    const check = await cli(['check', '--data-dir', half, '--json'], w.env);
    expect(check.code, check.stdout).toBe(1);
    expect(check.json()).toMatchObject({ success: false, code: 'NOT_FOUND' });
    expect(String(check.json().error)).toContain('database.sqlite');
    const exported = await cli(['export', '--data-dir', half, '--backup-dir', join(w.root, 'half-backups'), '--json'], w.env);
    expect(exported.code).toBe(1);
    expect(exported.json()).toMatchObject({ success: false, code: 'NOT_FOUND' });
    expect(String(exported.json().error)).toContain('--no-database');
    expect(await fsp.readdir(half)).toEqual(['files']);
    expect(await exists(join(w.root, 'half-backups'))).toBe(false);
    const documentsOnly = await cli(['export', '--data-dir', half, '--backup-dir', join(w.root, 'half-backups'), '--no-database', '--json'], w.env);
    expect(documentsOnly.code, documentsOnly.stdout).toBe(0);
    expect(await fsp.readdir(half)).toEqual(['files']);
  });

  it('a failed delete or restore does not create a backup dir for its audit line', async () => {
    const absent = join(w.root, 'no-backups-here');
    const deleted = await cli(['delete', 'casevault-backup-20260101T000000000Z.zip', '--backup-dir', absent, '--json'], w.env);
    expect(deleted.json()).toMatchObject({ success: false, code: 'NOT_FOUND' });
    const restored = await cli(['restore', join(w.root, 'no-such.zip'), '--data-dir', join(w.root, 'new', 'machine', 'data'), '--backup-dir', absent, '--json'], w.env);
    expect(restored.json()).toMatchObject({ success: false, code: 'NOT_FOUND' });
    expect(String(restored.json().error)).toContain(join(w.root, 'no-such.zip'));
    expect(await exists(absent)).toBe(false);
    expect(await exists(join(w.root, 'new'))).toBe(false); // nor the folders of a data dir it never restored
  });

  it('demo refuses a folder of other things', async () => {
    const other = join(w.root, 'documents');
    await fsp.mkdir(other);
    await fsp.writeFile(join(other, 'contract.pdf'), 'x');
    const demo = await cli(['demo', '--data-dir', other, '--json'], w.env);
    expect(demo.code).toBe(1);
    expect(demo.json()).toMatchObject({ success: false, code: 'NOT_A_DATA_DIR' });
    expect(await fsp.readdir(other)).toEqual(['contract.pdf']);
  });
});

describe('a dir that is a file (item 5)', () => {
  let w: Awaited<ReturnType<typeof world>>;
  let backup: string;
  let aFile: string;
  beforeAll(async () => {
    w = await world('newuser-file');
    const exported = await cli(['export', '--data-dir', w.dataDir, '--backup-dir', w.backupDir, '--json'], w.env);
    backup = String(exported.json().filePath);
    aFile = join(w.root, 'notes.txt');
    await fsp.writeFile(aFile, 'a file, not a folder');
  });
  afterAll(async () => w.cleanup());

  const withDataDir = (file: string): string[][] => [
    ['export', '--data-dir', file],
    ['restore', backup, '--data-dir', file],
    ['check', '--data-dir', file],
    ['demo', '--data-dir', file],
  ];
  const withBackupDir = (file: string): string[][] => [
    ['export', '--data-dir', w.dataDir, '--backup-dir', file],
    ['restore', backup, '--data-dir', join(w.root, 'restored'), '--backup-dir', file],
    ['verify', backup, '--backup-dir', file],
    ['list', '--backup-dir', file],
    ['stats', '--backup-dir', file],
    ['audit', '--backup-dir', file],
    ['delete', 'casevault-backup-20260101T000000000Z.zip', '--backup-dir', file],
    ['check', '--data-dir', w.dataDir, '--backup-dir', file],
    ['demo', '--data-dir', join(w.root, 'demo-data'), '--backup-dir', file],
  ];

  it('--data-dir or --backup-dir naming a file is NOT_A_FOLDER for every command, with no stack trace', async () => {
    for (const [args, which] of [...withDataDir(aFile).map((a) => [a, 'data dir'] as const), ...withBackupDir(aFile).map((a) => [a, 'backup dir'] as const)]) {
      const json = await cli([...args, '--json'], w.env);
      const label = args.join(' ');
      expect(json.code, label).toBe(1);
      expect(json.json(), label).toMatchObject({ success: false, code: 'NOT_A_FOLDER' });
      expect(String(json.json().error), label).toContain(`the ${which} ${aFile} is a file, not a folder`);
      const human = await cli(args, w.env);
      expect(human.stderr, label).toContain('is a file, not a folder');
      expect(human.stderr, label).not.toMatch(/internal error|\n\s+at /);
    }
    expect(await fsp.readFile(aFile, 'utf8')).toBe('a file, not a folder');
  });

  it('a symlink to a folder is a folder', async () => {
    const dataLink = join(w.root, 'data-link');
    const backupLink = join(w.root, 'backups-link');
    await fsp.symlink(w.dataDir, dataLink);
    await fsp.symlink(w.backupDir, backupLink);
    for (const args of [['export', '--data-dir', dataLink, '--backup-dir', backupLink], ['check', '--data-dir', dataLink, '--backup-dir', backupLink], ['list', '--backup-dir', backupLink]]) {
      const run = await cli([...args, '--json'], w.env);
      expect(run.code, `${args.join(' ')}: ${run.stdout}`).toBe(0);
    }
  });

  it('a file above the dir is named too', async () => {
    const below = join(aFile, 'data');
    for (const args of [...withDataDir(below), ...withBackupDir(below)]) {
      const run = await cli([...args, '--json'], w.env);
      expect(run.json(), args.join(' ')).toMatchObject({ success: false, code: 'NOT_A_FOLDER' });
      expect(String(run.json().error), args.join(' ')).toContain(`${aFile} is a file, not a folder`);
    }
  });
});

describe('the audit log of a backup dir (item 2)', () => {
  let w: Awaited<ReturnType<typeof world>>;
  beforeAll(async () => {
    w = await world('newuser-audit');
  });
  afterAll(async () => w.cleanup());

  it('logs export, verify and restore of a backup in its own backup dir when no --backup-dir is given', async () => {
    const b = join(w.root, 'elsewhere', 'firm-backups');
    const exported = await cli(['export', '--data-dir', w.dataDir, '--backup-dir', b, '--json'], w.env);
    expect(exported.code, exported.stdout).toBe(0);
    const file = String(exported.json().filePath);
    const verify = await cli(['verify', file, '--json'], w.env);
    expect(verify.code, verify.stdout).toBe(0);
    const restore = await cli(['restore', file, '--data-dir', w.dataDir, '--json'], w.env);
    expect(restore.code, restore.stdout).toBe(0);
    const lines = (await fsp.readFile(join(b, 'casevault-audit.jsonl'), 'utf8')).trimEnd().split('\n').map((l) => JSON.parse(l) as { action: string; file: string; result: string });
    expect(lines.map((l) => `${l.action} ${l.result} ${l.file}`)).toEqual([`export ok ${file}`, `verify ok ${file}`, `restore ok ${file}`]);
    const audit = await cli(['audit', '--verify', '--backup-dir', b, '--json'], w.env);
    expect(audit.code, audit.stdout).toBe(0);
    expect(audit.json()).toMatchObject({ success: true, broken: null });
    expect(await exists(w.xdg)).toBe(false); // nothing under the default dirs
  });

  it('takes --backup-dir on verify and restore, which wins over the file\'s folder', async () => {
    const b = join(w.root, 'b2');
    const exported = await cli(['export', '--data-dir', w.dataDir, '--backup-dir', b, '--json'], w.env);
    const file = String(exported.json().filePath);
    const log = join(w.root, 'log-here');
    await fsp.mkdir(log);
    expect((await cli(['verify', file, '--backup-dir', log, '--json'], w.env)).code).toBe(0);
    expect((await cli(['restore', file, '--data-dir', w.dataDir, '--backup-dir', log, '--json'], w.env)).code).toBe(0);
    const audit = await cli(['audit', '--backup-dir', log, '--json'], w.env);
    expect((audit.json().entries as { action: string }[]).map((e) => e.action)).toEqual(['verify', 'restore']);
    const absent = join(w.root, 'absent');
    expect((await cli(['verify', file, '--backup-dir', absent, '--json'], w.env)).code).toBe(0);
    expect(await exists(absent)).toBe(false); // a verification does not create a backup dir for its line
  });

  it('a backup copied to a folder that is not a backup dir is logged in the default backup dir', async () => {
    const b = join(w.root, 'b3');
    const exported = await cli(['export', '--data-dir', w.dataDir, '--backup-dir', b, '--json'], w.env);
    const copy = join(w.root, 'downloads', 'from-the-office.zip');
    await fsp.mkdir(join(w.root, 'downloads'));
    await fsp.copyFile(String(exported.json().filePath), copy);
    const env = { ...w.env, CASEVAULT_BACKUP_DIR: join(w.root, 'default-backups') };
    expect((await cli(['restore', copy, '--data-dir', w.dataDir, '--json'], env)).code).toBe(0);
    const audit = await cli(['audit', '--json'], env);
    expect((audit.json().entries as { action: string; file: string }[]).map((e) => `${e.action} ${e.file}`)).toEqual([`restore ${copy}`]);
    expect(await fsp.readdir(join(w.root, 'downloads'))).toEqual(['from-the-office.zip']);
  });
});

describe('what an interrupted export leaves (item 3)', () => {
  let w: Awaited<ReturnType<typeof world>>;
  beforeAll(async () => {
    w = await world('newuser-leftovers');
  });
  afterAll(async () => w.cleanup());

  /** A pid no process has any more: a child that has exited. */
  async function deadPid(): Promise<number> {
    const { spawn } = await import('node:child_process');
    const child = spawn(process.execPath, ['-e', '']);
    await new Promise((resolve) => child.once('close', resolve));
    return child.pid!;
  }

  it('list and stats do not count them, check names them, the next export removes them', async () => {
    const first = await cli(['export', '--data-dir', w.dataDir, '--backup-dir', w.backupDir, '--json'], w.env);
    expect(first.code, first.stdout).toBe(0);
    const fileName = String(first.json().fileName);
    // A second Ctrl-C exits at once: exportNow's clean-up never runs, the locks are not released
    // (names as exportBackup.ts and compose.ts write them).
    const id = 'casevault-backup-20991231T235959999Z';
    const pid = await deadPid();
    const leftovers = [`${id}.zip.partial`, `.${id}.snapshot.sqlite`, `.${id}.snapshot.sqlite-journal`, '.export.lock'];
    await fsp.writeFile(join(w.backupDir, `${id}.zip.partial`), Buffer.alloc(4096, 1));
    await fsp.writeFile(join(w.backupDir, `.${id}.snapshot.sqlite`), Buffer.alloc(8192, 2));
    await fsp.writeFile(join(w.backupDir, `.${id}.snapshot.sqlite-journal`), Buffer.alloc(512, 3));
    await fsp.writeFile(join(w.backupDir, '.export.lock'), JSON.stringify({ pid, purpose: 'casevault export', since: new Date().toISOString() }));
    await fsp.writeFile(`${w.dataDir}.lock`, JSON.stringify({ pid, purpose: 'casevault export', since: new Date().toISOString() }));

    const list = await cli(['list', '--backup-dir', w.backupDir, '--json'], w.env);
    expect((list.json().backups as { fileName: string }[]).map((b) => b.fileName)).toEqual([fileName]);
    const stats = await cli(['stats', '--backup-dir', w.backupDir, '--json'], w.env);
    expect(stats.json()).toMatchObject({ statistics: { totalBackups: 1, totalSize: (list.json().backups as { size: number }[])[0]!.size } });
    const human = await cli(['list', '--backup-dir', w.backupDir], w.env);
    expect(human.stdout).not.toContain(id);

    const check = await cli(['check', '--data-dir', w.dataDir, '--backup-dir', w.backupDir], w.env);
    expect(check.code, check.stdout + check.stderr).toBe(0);
    for (const name of leftovers) expect(check.stdout).toMatch(new RegExp(`leftover: +${join(w.backupDir, name).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} +\\(removed by the next export\\)`));
    expect(check.stdout).toContain(`leftover: ${w.dataDir}.lock`);
    const json = await cli(['check', '--data-dir', w.dataDir, '--backup-dir', w.backupDir, '--json'], w.env);
    expect(json.json()).toMatchObject({ success: true });
    expect((json.json().leftovers as string[]).sort()).toEqual(leftovers.map((n) => join(w.backupDir, n)).sort());
    for (const name of leftovers) expect(await exists(join(w.backupDir, name)), name).toBe(true); // reported, not removed

    const next = await cli(['export', '--data-dir', w.dataDir, '--backup-dir', w.backupDir, '--json'], w.env);
    expect(next.code, next.stdout).toBe(0);
    for (const name of leftovers) expect(await exists(join(w.backupDir, name)), name).toBe(false);
    expect(await exists(`${w.dataDir}.lock`)).toBe(false);
    const after = await cli(['check', '--data-dir', w.dataDir, '--backup-dir', w.backupDir, '--json'], w.env);
    expect(after.json()).toMatchObject({ success: true, leftovers: [] });
  });
});

describe('while the app holds the data dir (item 6)', () => {
  let w: Awaited<ReturnType<typeof world>>;
  beforeAll(async () => {
    w = await world('newuser-busy');
  });
  afterAll(async () => w.cleanup());

  const count = (text: string, part: string) => text.split(part).length - 1;

  it('restore and check say to close the app, naming its process and the path once; a second export says one runs', async () => {
    const first = await cli(['export', '--data-dir', w.dataDir, '--backup-dir', w.backupDir, '--json'], w.env);
    const file = String(first.json().filePath);
    // The app, composed as src/electron composes it, with an export held open at its first document.
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let entered!: () => void;
    const started = new Promise<void>((resolve) => (entered = resolve));
    const app = await compose(w.dataDir, w.backupDir, {
      wrapFs: (fs) => ({
        ...fs,
        readStream: (path: string, chunkSize?: number) =>
          (async function* () {
            entered();
            await gate;
            yield* fs.readStream(path, chunkSize);
          })(),
      }),
    });
    try {
      const running = app.service.exportNow();
      await started;
      for (const command of [['restore', file, '--data-dir', w.dataDir], ['check', '--data-dir', w.dataDir]]) {
        const run = await cli([...command, '--json'], w.env);
        expect(run.code, command[0]).toBe(1);
        const error = String(run.json().error);
        expect(run.json(), command[0]).toMatchObject({ success: false, code: 'BUSY' });
        expect(error, command[0]).toContain(`close the casevault app (process ${process.pid}) and try again`);
        expect(count(error, w.dataDir), error).toBe(1);
      }
      const second = await cli(['export', '--data-dir', w.dataDir, '--backup-dir', w.backupDir, '--json'], w.env);
      expect(second.json()).toMatchObject({ success: false, code: 'BUSY' });
      const error = String(second.json().error);
      expect(error).toContain(`another export into ${w.backupDir} is running (process ${process.pid})`);
      expect(count(error, w.backupDir), error).toBe(1);
      release();
      await running;
    } finally {
      release();
      await app.dispose();
    }
  });

  it('a data dir held by another casevault command is waited for, not closed', async () => {
    const other = await compose(w.dataDir, w.backupDir, { holder: 'casevault check', openDatabase: false });
    try {
      const run = await cli(['check', '--data-dir', w.dataDir, '--json'], w.env);
      expect(run.json()).toMatchObject({ success: false, code: 'BUSY' });
      expect(String(run.json().error)).toBe(`check: \`casevault check\` (process ${process.pid}) is using the data dir ${w.dataDir}; try again when it has finished`);
    } finally {
      await other.dispose();
    }
  });
});

describe('a damaged backup, and usage mistakes (items 4 and 8)', () => {
  let w: Awaited<ReturnType<typeof world>>;
  let older: string;
  let newer: string;
  beforeAll(async () => {
    w = await world('newuser-damaged');
    const paths: string[] = [];
    for (let i = 0; i < 2; i += 1) {
      const run = await cli(['export', '--data-dir', w.dataDir, '--backup-dir', w.backupDir, '--level', '0', '--json'], w.env);
      expect(run.code, run.stdout).toBe(0);
      paths.push(String(run.json().filePath));
    }
    [older, newer] = paths as [string, string];
  });
  afterAll(async () => w.cleanup());

  async function damage(path: string): Promise<void> {
    const bytes = await fsp.readFile(path);
    const at = Math.floor(bytes.length / 2);
    bytes[at] = bytes[at]! ^ 0xff;
    await fsp.writeFile(path, bytes);
  }
  const nameOf = (path: string) => path.slice(path.lastIndexOf('/') + 1);

  it('CHECKSUM_MISMATCH says the file was changed or damaged and names the next newest backup to try', async () => {
    const original = await fsp.readFile(newer);
    await damage(newer);
    try {
      const verify = await cli(['verify', newer, '--json'], w.env);
      expect(verify.code).toBe(1);
      const body = verify.json();
      expect(body).toMatchObject({ success: false, code: 'CHECKSUM_MISMATCH' });
      expect(String(body.error)).toContain('changed or damaged');
      expect(String(body.error)).toContain(nameOf(older));
      expect(String(body.detail)).toMatch(/SHA-256 is [0-9a-f]{64}/); // the technical detail is kept
      const human = await cli(['verify', newer], w.env);
      expect(human.stderr).toContain(nameOf(older));
      expect(human.stderr).toMatch(/SHA-256 is [0-9a-f]{64}/);
      const before = await fsp.readdir(w.dataDir);
      const restore = await cli(['restore', newer, '--data-dir', w.dataDir, '--json'], w.env);
      expect(restore.code).toBe(1);
      expect(['CHECKSUM_MISMATCH', 'CORRUPT_ENTRY']).toContain(restore.json().code);
      expect(String(restore.json().error)).toContain('changed or damaged');
      expect(String(restore.json().error)).toContain(nameOf(older));
      expect(await fsp.readdir(w.dataDir)).toEqual(before);
    } finally {
      await fsp.writeFile(newer, original);
    }
  });

  it('a damaged backup alone in its folder: try a copy from another drive', async () => {
    const alone = join(w.root, 'usb');
    await fsp.mkdir(alone);
    const copy = join(alone, nameOf(newer));
    await fsp.copyFile(newer, copy);
    await fsp.copyFile(`${newer}.sha256`, `${copy}.sha256`);
    await damage(copy);
    const verify = await cli(['verify', copy, '--json'], w.env);
    expect(verify.json()).toMatchObject({ success: false, code: 'CHECKSUM_MISMATCH' });
    expect(String(verify.json().error)).toContain('another drive');
    expect(String(verify.json().error)).not.toContain(nameOf(older));
  });

  it('a text file renamed .zip, an empty file and a cut-off file get a plain message and what to do', async () => {
    const text = join(w.root, 'letter.zip');
    const empty = join(w.root, 'empty.zip');
    const cut = join(w.root, 'cut.zip');
    await fsp.writeFile(text, 'Dear client,\nplease find attached…\n');
    await fsp.writeFile(empty, '');
    await fsp.writeFile(cut, (await fsp.readFile(older)).subarray(0, 100_000));
    const cases = [
      [text, 'NOT_A_ZIP', 'is not a casevault backup'],
      [empty, 'NOT_A_ZIP', 'is empty'],
      [cut, 'TRUNCATED', 'is incomplete'],
    ] as const;
    for (const [file, code, plain] of cases) {
      for (const command of [['verify', file], ['restore', file, '--data-dir', w.dataDir]]) {
        const label = command.join(' ');
        const run = await cli([...command, '--json'], w.env);
        expect(run.code, label).toBe(1);
        const body = run.json();
        expect(body, label).toMatchObject({ success: false, code });
        const error = String(body.error);
        expect(error, label).toContain(file);
        expect(error, label).toContain(plain);
        expect(error, label).toMatch(/[Cc]opy it again|[Tt]ry another backup|right file/); // what to do
        expect(error, label).not.toMatch(/end-of-central-directory|end record|ZIP structure/);
        expect(String(body.detail), label).not.toBe('undefined');
      }
    }
  });

  it('export with every category left out is a usage error (exit 2)', async () => {
    const run = await cli(['export', '--data-dir', w.dataDir, '--backup-dir', w.backupDir, '--no-database', '--no-files', '--no-metadata', '--json'], w.env);
    expect(run.code).toBe(2);
    expect(run.json()).toMatchObject({ success: false, code: 'INVALID_INPUT' });
  });

  it('delete of a path says to give the file name, with --backup-dir when it lies elsewhere', async () => {
    const inDir = await cli(['delete', older, '--backup-dir', w.backupDir, '--json'], w.env);
    expect(inDir.code).toBe(2);
    expect(String(inDir.json().error)).toContain(`give the file name: npx casevault delete ${nameOf(older)}`);
    const elsewhere = await cli(['delete', older, '--json'], w.env);
    expect(elsewhere.code).toBe(2);
    expect(String(elsewhere.json().error)).toContain(`give the file name: npx casevault delete ${nameOf(older)} --backup-dir ${w.backupDir}`);
    expect(await exists(older)).toBe(true);
  });

  it('an unknown command or option suggests the closest one', async () => {
    const command = await cli(['exprot', '--data-dir', w.dataDir], w.env);
    expect(command.code).toBe(2);
    expect(command.stderr).toContain('did you mean "export"?');
    const json = await cli(['verfiy', '--json'], w.env);
    expect(json.json()).toMatchObject({ success: false, code: 'INVALID_INPUT' });
    expect(String(json.json().error)).toContain('did you mean "verify"?');
    expect((await cli(['frobnicate'], w.env)).stderr).not.toContain('did you mean');
    const help = await cli(['help', 'exprot'], w.env);
    expect(help.code).toBe(2);
    expect(help.stderr).toContain('did you mean "export"?');
    const option = await cli(['export', '--data-dri', w.dataDir, '--json'], w.env);
    expect(option.code).toBe(2);
    expect(String(option.json().error)).toContain('did you mean --data-dir?');
    const other = await cli(['list', '--backupdir', w.backupDir], w.env);
    expect(other.stderr).toContain('did you mean --backup-dir?');
    expect((await cli(['list', '--zzzzzz'], w.env)).stderr).not.toContain('did you mean');
  });
});

/** The words of a command line as a POSIX shell splits them (plain words and '…' quoting, as shellQuote writes them). */
function shellWords(line: string): string[] {
  const words: string[] = [];
  let word: string | null = null;
  for (let i = 0; i < line.length; i += 1) {
    const c = line[i]!;
    if (c === "'") {
      const end = line.indexOf("'", i + 1);
      word = (word ?? '') + line.slice(i + 1, end);
      i = end;
    } else if (c === '\\') {
      word = (word ?? '') + line[++i]!;
    } else if (c === ' ') {
      if (word !== null) words.push(word);
      word = null;
    } else word = (word ?? '') + c;
  }
  if (word !== null) words.push(word);
  return words;
}

describe('the first steps as printed (item 13)', () => {
  let t: Awaited<ReturnType<typeof tempRoot>>;
  let env: NodeJS.ProcessEnv;
  beforeAll(async () => {
    t = await tempRoot('newuser-steps');
    env = { XDG_DATA_HOME: join(t.root, 'xdg') };
  });
  afterAll(async () => t.cleanup());

  it("demo's next steps run as printed, into a backups folder beside the data dir, in a path with spaces", async () => {
    const dataDir = join(t.root, "Ana's cases", 'data');
    const demo = await cli(['demo', '--data-dir', dataDir], env);
    expect(demo.code, demo.stderr).toBe(0);
    const steps = demo.stdout.split('\n').map((l) => l.trim()).filter((l) => l.startsWith('npx casevault '));
    expect(steps.length).toBeGreaterThanOrEqual(3);
    for (const step of steps) {
      const words = shellWords(step);
      expect(words.slice(0, 2)).toEqual(['npx', 'casevault']);
      const run = await cli(words.slice(2), env);
      expect(run.code, `${step}\n${run.stdout}${run.stderr}`).toBe(0);
    }
    expect(steps.join('\n')).toContain('--backup-dir');
    expect((await fsp.readdir(join(t.root, "Ana's cases", 'backups'))).some((n) => /^casevault-backup-.*\.zip$/.test(n))).toBe(true);
    expect(await exists(join(t.root, 'xdg'))).toBe(false);
  });

  it('export prints the path it wrote, as a shell reads it back', async () => {
    const dataDir = join(t.root, "Ana's cases", 'data');
    const backupDir = join(t.root, 'backups with spaces');
    const run = await cli(['export', '--data-dir', dataDir, '--backup-dir', backupDir], env);
    expect(run.code, run.stderr).toBe(0);
    const line = run.stdout.split('\n').find((l) => l.startsWith('exported '))!;
    const [, path] = shellWords(line);
    const names = (await fsp.readdir(backupDir)).filter((n) => n.endsWith('.zip'));
    expect(path).toBe(join(backupDir, names[0]!));
  });

  it('demo again on its own data is a no-op (exit 0); on other data it refuses', async () => {
    const dataDir = join(t.root, "Ana's cases", 'data');
    const again = await cli(['demo', '--data-dir', dataDir, '--json'], env);
    expect(again.code, again.stdout).toBe(0);
    expect(again.json()).toMatchObject({ success: true, created: false });
    const other = join(t.root, 'other-data');
    expect((await cli(['demo', '--data-dir', other], env)).code).toBe(0);
    await fsp.writeFile(join(other, 'settings.json'), '{"theme":"dark"}');
    const refused = await cli(['demo', '--data-dir', other, '--json'], env);
    expect(refused.json()).toMatchObject({ success: false, code: 'ALREADY_EXISTS' });
  });

  it('verify and restore take the word latest: the newest complete backup in --backup-dir', async () => {
    const dataDir = join(t.root, "Ana's cases", 'data');
    const backupDir = join(t.root, 'latest-backups');
    const absent = await cli(['verify', 'latest', '--backup-dir', backupDir, '--json'], env);
    expect(absent.code).toBe(1);
    expect(absent.json()).toMatchObject({ success: false, code: 'NOT_FOUND' });
    expect(String(absent.json().error)).toContain('npx casevault export');
    const made: string[] = [];
    for (let i = 0; i < 2; i += 1) made.push(String((await cli(['export', '--data-dir', dataDir, '--backup-dir', backupDir, '--json'], env)).json().filePath));
    await fsp.writeFile(join(backupDir, 'casevault-backup-29991231T235959999Z.zip.partial'), 'an interrupted export'); // never "latest"
    const verify = await cli(['verify', 'latest', '--backup-dir', backupDir, '--json'], env);
    expect(verify.code, verify.stdout).toBe(0);
    expect(verify.json()).toMatchObject({ success: true, filePath: made[1] });
    const restore = await cli(['restore', 'latest', '--backup-dir', backupDir, '--data-dir', dataDir, '--json'], env);
    expect(restore.code, restore.stdout).toBe(0);
    const audit = await cli(['audit', '--backup-dir', backupDir, '--json'], env);
    expect((audit.json().entries as { action: string; file: string }[]).slice(-2)).toMatchObject([{ action: 'verify', file: made[1] }, { action: 'restore', file: made[1] }]);
  });
});

describe('the README walkthrough, twice in a row, through bin/casevault.mjs (item 13)', () => {
  let t: Awaited<ReturnType<typeof tempRoot>>;
  beforeAll(async () => {
    t = await tempRoot('newuser-readme');
  });
  afterAll(async () => t.cleanup());

  // README.md's "Try it first" block, read from the README itself so the two cannot drift,
  // with /tmp/cv in a temp dir and `npx casevault` as the process npx starts (bin/casevault.mjs).
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
  const block = /### Try it first[^\n]*\n+```sh\n([\s\S]*?)```/.exec(readme)?.[1] ?? '';
  const WALKTHROUGH = block
    .split('\n')
    .map((line) => line.replace(/\s+#.*$/, '').trim())
    .filter((line) => line.startsWith('npx casevault '));

  it('reads the walkthrough from the README', () => {
    expect(WALKTHROUGH.map((line) => line.split(' ')[2])).toEqual(['demo', 'export', 'export', 'list', 'verify', 'portable', 'restore', 'check']);
  });

  it('every command exits 0, the second time too', async () => {
    const cv = join(t.root, 'cv');
    const env = { XDG_DATA_HOME: join(t.root, 'xdg'), CASEVAULT_DATA_DIR: '', CASEVAULT_BACKUP_DIR: '' };
    for (const round of [1, 2]) {
      for (const line of WALKTHROUGH) {
        const words = shellWords(line.replaceAll('/tmp/cv', cv));
        const run = await runCliProcess(words.slice(2), env);
        expect(run.code, `round ${round}: ${line}\n${run.stdout}${run.stderr}`).toBe(0);
      }
    }
    expect((await fsp.readdir(join(cv, 'backups'))).filter((n) => n.endsWith('.zip'))).toHaveLength(4);
    // The incremental backups share one pack: the second round's found every document there.
    expect((await fsp.readdir(join(cv, 'backups', 'pool'))).filter((n) => n.endsWith('.zip'))).toHaveLength(1);
    expect((await fsp.readdir(join(cv, 'backups', 'portable'))).filter((n) => n.endsWith('.zip'))).toHaveLength(2);
    expect(await exists(join(t.root, 'xdg'))).toBe(false);
  }, 120_000);
});
