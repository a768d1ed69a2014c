/**
 * Off-machine copies from the command line (issue 14), as a new user meets them: the real
 * binary (bin/casevault.mjs) on real folders and against a real S3-compatible server
 * (OpenStack Swift's s3api, spec/support/s3Server.ts: it checks SigV4 signatures, so a wrong
 * secret is refused by the server itself). Each flow ends on a NEW empty data dir and backup dir
 * restored with `restore --from`, compared with the original through readDiskState. Also: a
 * folder that is not there, a file as the folder, a second copy that copies nothing, an
 * encrypted backup restored with the password alone, a wrong secret that appears nowhere, a
 * missing bucket, and a kill -9 in the middle of an upload that the next run-due cleans up.
 */
import { ListMultipartUploadsCommand, GetObjectCommand } from '@aws-sdk/client-s3';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, promises as fsp } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collect, readDiskState, runCli, spawnCli, tempRoot, type CliRun } from '../support/nodeHarness.ts';
import { createBucket, s3Client, startS3Server, type S3Server } from '../support/s3Server.ts';

type Run = CliRun & { json: Record<string, unknown> };

/** Every stdout and stderr of the file, to look for secrets in. */
const outputs: string[] = [];

async function cli(args: string[], env: NodeJS.ProcessEnv = {}): Promise<Run> {
  const run = await runCli(args, env);
  outputs.push(run.stdout, run.stderr);
  return { ...run, json: args.includes('--json') ? (JSON.parse(run.stdout) as Record<string, unknown>) : {} };
}

/** A machine: a data dir (a demo's, unless `empty`) and a backup dir under one temp root. */
async function machine(label: string, options: { empty?: boolean } = {}) {
  const t = await tempRoot(label);
  if (!options.empty) {
    const demo = await cli(['demo', '--data-dir', t.dataDir]);
    expect(demo.code, demo.stderr).toBe(0);
  }
  const dirs = ['--data-dir', t.dataDir, '--backup-dir', t.backupDir];
  return { ...t, dirs, backupDirFlag: ['--backup-dir', t.backupDir] };
}

describe('copies to a folder', () => {
  let m: Awaited<ReturnType<typeof machine>>;
  let usb: string;
  let backup: string;
  beforeAll(async () => {
    m = await machine('dest-folder');
    usb = join(m.root, 'usb');
    await fsp.mkdir(usb);
  }, 60_000);
  afterAll(async () => m.cleanup());

  it('a new user adds a folder, copies, lists it there, and restores it on a new machine', async () => {
    const added = await cli(['dest', 'add', 'folder', usb, '--name', 'usb', ...m.dirs]);
    expect(added.code, added.stderr).toBe(0);
    expect(added.stdout).toContain(`added usb: ${usb}`);
    expect(added.stdout).toMatch(/same drive as the data dir/); // a temp dir is on the data's drive: warned, not refused

    const exported = await cli(['export', ...m.dirs, '--json']);
    expect(exported.code, exported.stderr).toBe(0);
    backup = (exported.json.filePath as string).split('/').pop()!;

    const copy = await cli(['copy', ...m.dirs, '--json']);
    expect(copy.code, copy.stderr).toBe(0);
    expect(copy.json).toMatchObject({ success: true, copies: [{ destination: 'usb', copied: [backup], present: [], failure: null }] });
    expect(existsSync(join(usb, backup))).toBe(true);
    expect(await fsp.readFile(join(usb, `${backup}.sha256`), 'utf8')).toBe(await fsp.readFile(join(m.backupDir, `${backup}.sha256`), 'utf8'));

    const listed = await cli(['list', '--dest', 'usb', ...m.backupDirFlag, '--json']);
    expect(listed.json).toMatchObject({ success: true, backups: [{ fileName: backup, encrypted: false, size: (await fsp.stat(join(m.backupDir, backup))).size }] });
    const text = await cli(['list', '--dest', usb, ...m.backupDirFlag]);
    expect(text.stdout).toContain(backup);

    const dests = await cli(['dest', 'list', ...m.dirs, '--json']);
    expect(dests.json).toMatchObject({ destinations: [{ name: 'usb', enabled: true, where: usb, lastCopy: { outcome: 'ok', newest: backup } }] });
    expect((await cli(['dest', 'list', ...m.dirs])).stdout).toMatch(/usb\s+on\s+\S+usb\n\s+last copy: ok \d{4}-\d\d-\d\d \d\d:\d\d, newest there: casevault-backup-/);
    expect((await cli(['status', ...m.dirs])).stdout).toMatch(/next copy: +up to date \(1 destination\)/);

    const fresh = await machine('dest-folder-new', { empty: true });
    try {
      const restored = await cli(['restore', '--from', usb, 'latest', ...fresh.dirs, '--json']);
      expect(restored.code, restored.stdout + restored.stderr).toBe(0);
      expect(restored.json).toMatchObject({ success: true, downloaded: true });
      expect(existsSync(join(fresh.backupDir, backup))).toBe(true); // downloaded through the backup dir
      expect(await readDiskState(fresh.dataDir)).toEqual(await readDiskState(m.dataDir));
    } finally {
      await fresh.cleanup();
    }
  }, 120_000);

  it('copy a second time copies nothing and leaves the copy as it was', async () => {
    const before = await fsp.stat(join(usb, backup));
    const again = await cli(['copy', 'latest', '--to', 'usb', ...m.dirs, '--json']);
    expect(again.code, again.stderr).toBe(0);
    expect(again.json).toMatchObject({ copies: [{ destination: 'usb', copied: [], present: [backup], failure: null }] });
    const after = await fsp.stat(join(usb, backup));
    expect([after.ino, after.mtimeMs]).toEqual([before.ino, before.mtimeMs]);
    expect((await cli(['copy', ...m.dirs])).stdout).toContain('copied nothing; 1 already there');
  }, 60_000);

  it('a folder that is not there: DEST_NOT_FOUND saying what to do, exit 1, nothing stored or created', async () => {
    const missing = join(m.root, 'not-mounted');
    const add = await cli(['dest', 'add', 'folder', missing, '--name', 'gone', ...m.dirs, '--json']);
    expect(add.code).toBe(1);
    expect(add.json).toMatchObject({ success: false, code: 'DEST_NOT_FOUND' });
    expect(add.json.error).toMatch(/plugged in and mounted/);
    expect(add.json.error).toContain(`mkdir ${missing}`);
    expect(existsSync(missing)).toBe(false);
    expect((await cli(['dest', 'list', ...m.dirs, '--json'])).json.destinations).toHaveLength(1);

    // A destination whose drive went away: the copy fails with the code, and dest list says so.
    const away = join(m.root, 'away');
    await fsp.mkdir(away);
    expect((await cli(['dest', 'add', 'folder', away, '--name', 'away', ...m.dirs])).code).toBe(0);
    await fsp.rmdir(away);
    const copy = await cli(['copy', '--to', 'away', ...m.dirs, '--json']);
    expect(copy.code).toBe(1);
    expect(copy.json).toMatchObject({ success: false, code: 'DEST_NOT_FOUND', copies: [{ destination: 'away', failure: { code: 'DEST_NOT_FOUND' } }] });
    const plain = await cli(['copy', '--to', 'away', ...m.dirs]);
    expect(plain.code).toBe(1);
    expect(plain.stdout).toMatch(/away \(the folder .*\): FAILED\n {2}copied nothing\n(.*\n)* {2}DEST_NOT_FOUND: .*plugged in and mounted/);
    expect((await cli(['dest', 'list', ...m.dirs])).stdout).toMatch(/away +on .*\n +last copy: FAILED .*\(DEST_NOT_FOUND\)/);
    const removed = await cli(['dest', 'remove', 'away', ...m.dirs]);
    expect(removed.stdout).toContain('the copies already there stay there');

    // restore --from a folder that is not there creates nothing on the new machine.
    const fresh = await tempRoot('dest-folder-none');
    try {
      // Dirs whose parent does not exist yet: the data dir's lock would create it.
      const restore = await cli(['restore', '--from', missing, 'latest', '--data-dir', join(fresh.root, 'new', 'data'), '--backup-dir', join(fresh.root, 'new', 'backups'), '--json']);
      expect(restore.code).toBe(1);
      expect(restore.json).toMatchObject({ code: 'DEST_NOT_FOUND' });
      expect(await fsp.readdir(fresh.root)).toEqual([]);
    } finally {
      await fresh.cleanup();
    }
  }, 60_000);

  it('a file given as the folder: NOT_A_FOLDER naming it, nothing stored', async () => {
    const file = join(m.root, 'a-file');
    await fsp.writeFile(file, 'not a folder');
    const add = await cli(['dest', 'add', 'folder', file, '--name', 'file', ...m.dirs, '--json']);
    expect(add.code).toBe(1);
    expect(add.json).toMatchObject({ success: false, code: 'NOT_A_FOLDER' });
    expect(add.json.error).toContain(`${file} is a file, not a folder`);
    expect((await cli(['list', '--dest', file, ...m.backupDirFlag, '--json'])).json).toMatchObject({ code: 'NOT_A_FOLDER' });
    expect((await cli(['dest', 'list', ...m.dirs, '--json'])).json.destinations).toHaveLength(1);
  }, 60_000);

  it('usage errors: a flag for another kind, a typo with a suggestion, no name', async () => {
    const typo = await cli(['dest', 'add', 'folder', usb, '--nmae', 'x', ...m.dirs]);
    expect(typo.code).toBe(2);
    expect(typo.stderr).toContain('did you mean --name?');
    expect((await cli(['dest', 'add', 'folder', usb, '--name', 'x', '--bucket', 'b', ...m.dirs])).stderr).toContain('--bucket goes with dest add s3');
    expect((await cli(['dest', 'add', 'folder', usb, ...m.dirs])).stderr).toContain('give it a name with --name NAME');
    expect((await cli(['restore', '--from', 'usb', 'latest', '--endpoint', 'http://x', ...m.dirs])).code).toBe(2);
    expect((await cli(['copy', '--help'])).stdout).toContain('usage: casevault copy [NAME|latest] [--to DEST]');
    expect((await cli(['dest', '--help'])).stdout).toContain('--path-style');
  }, 60_000);

  it('an encrypted backup copied to a folder restores on a new machine with the password alone', async () => {
    const enc = await machine('dest-encrypted');
    const fresh = await machine('dest-encrypted-new', { empty: true });
    try {
      const password = join(enc.root, 'password.txt');
      const recovery = join(enc.root, 'recovery.key');
      await fsp.writeFile(password, 'a long and correct password\n');
      expect((await cli(['key', 'init', '--backup-dir', enc.backupDir, '--password-file', password, '--recovery-key-file', recovery])).code).toBe(0);
      const exported = await cli(['export', ...enc.dirs, '--json']);
      expect(exported.json.filePath).toMatch(/\.zip\.age$/);
      const drive = join(enc.root, 'drive');
      await fsp.mkdir(drive);
      expect((await cli(['dest', 'add', 'folder', drive, '--name', 'drive', ...enc.dirs])).code).toBe(0);
      const copy = await cli(['copy', ...enc.dirs, '--json']);
      expect(copy.code, copy.stdout).toBe(0);
      expect((await fsp.readdir(drive)).some((n) => /^casevault-key-[0-9a-f]{16}\.age$/.test(n))).toBe(true); // the key file travels
      expect((await cli(['list', '--dest', drive, ...enc.backupDirFlag, '--json'])).json).toMatchObject({ backups: [{ encrypted: true }] });

      const noKey = await cli(['restore', '--from', drive, 'latest', ...fresh.dirs, '--json'], { CASEVAULT_PASSWORD: '' });
      expect(noKey.json).toMatchObject({ success: false, code: 'ENCRYPTED_NEEDS_KEY' });
      const restored = await cli(['restore', '--from', drive, 'latest', ...fresh.dirs, '--password-file', password, '--json']);
      expect(restored.code, restored.stdout + restored.stderr).toBe(0);
      expect(await readDiskState(fresh.dataDir)).toEqual(await readDiskState(enc.dataDir));
    } finally {
      await enc.cleanup();
      await fresh.cleanup();
    }
  }, 120_000);
});

describe('incremental backups copied to a folder', () => {
  it('export --incremental twice, copy (the second copy adds only the new pack to pool/ there), and restore --from on a new machine', async () => {
    const m = await machine('dest-incremental');
    const fresh = await machine('dest-incremental-new', { empty: true });
    try {
      const drive = join(m.root, 'drive');
      await fsp.mkdir(drive);
      expect((await cli(['dest', 'add', 'folder', drive, '--name', 'drive', ...m.dirs])).code).toBe(0);
      const first = await cli(['export', '--incremental', ...m.dirs, '--json']);
      expect(first.code, first.stderr).toBe(0);
      const firstName = (first.json.filePath as string).split('/').pop()!;
      const firstPack = (first.json.incremental as { newPack: string }).newPack;
      const copy1 = await cli(['copy', ...m.dirs, '--json']);
      expect(copy1.code, copy1.stdout + copy1.stderr).toBe(0);
      expect(copy1.json).toMatchObject({ copies: [{ copied: [firstName], packsCopied: [firstPack], failure: null }] });

      // One new document, then the next incremental backup: one new pack.
      const doc = randomBytes(40_000);
      const sha = createHash('sha256').update(doc).digest('hex');
      await fsp.mkdir(join(m.dataDir, 'files', sha.slice(0, 2)), { recursive: true });
      await fsp.writeFile(join(m.dataDir, 'files', sha.slice(0, 2), sha), doc);
      const second = await cli(['export', '--incremental', ...m.dirs, '--json']);
      expect(second.code, second.stderr).toBe(0);
      const secondName = (second.json.filePath as string).split('/').pop()!;
      const secondPack = (second.json.incremental as { newPack: string }).newPack;
      const copy2 = await cli(['copy', ...m.dirs, '--json']);
      expect(copy2.code, copy2.stdout + copy2.stderr).toBe(0);
      const report = (copy2.json.copies as Record<string, unknown>[])[0]!;
      expect(report).toMatchObject({ copied: [secondName], present: [firstName], packsCopied: [secondPack], failure: null });
      const secondSize = (await fsp.stat(join(m.backupDir, secondName))).size;
      const packSize = (await fsp.stat(join(m.backupDir, 'pool', secondPack))).size;
      const sidecarSize = (await fsp.stat(join(m.backupDir, `${secondName}.sha256`))).size;
      expect(report.bytesCopied).toBe(secondSize + packSize + sidecarSize);
      expect((await fsp.readdir(join(drive, 'pool'))).sort()).toEqual([firstPack, secondPack].sort());
      expect(await fsp.readFile(join(drive, `${secondName}.sha256`), 'utf8')).toBe(await fsp.readFile(join(m.backupDir, `${secondName}.sha256`), 'utf8'));

      const restored = await cli(['restore', '--from', drive, 'latest', ...fresh.dirs, '--json']);
      expect(restored.code, restored.stdout + restored.stderr).toBe(0);
      expect(restored.json).toMatchObject({ success: true, downloaded: true });
      expect((await fsp.readdir(join(fresh.backupDir, 'pool'))).sort()).toEqual([firstPack, secondPack].sort());
      expect(await readDiskState(fresh.dataDir)).toEqual(await readDiskState(m.dataDir));
    } finally {
      await m.cleanup();
      await fresh.cleanup();
    }
  }, 180_000);
});

describe('copies to S3-compatible storage (Swift s3api)', () => {
  let server: S3Server;
  let m: Awaited<ReturnType<typeof machine>>;
  let env: NodeJS.ProcessEnv;
  beforeAll(async () => {
    [server, m] = await Promise.all([startS3Server(), machine('dest-s3')]);
    // Credentials from the environment only, as a user of the AWS CLI gives them; no profile files.
    env = {
      AWS_ACCESS_KEY_ID: server.accessKeyId,
      AWS_SECRET_ACCESS_KEY: server.secretAccessKey,
      AWS_REGION: server.region,
      AWS_CONFIG_FILE: join(m.root, 'no-aws-config'),
      AWS_SHARED_CREDENTIALS_FILE: join(m.root, 'no-aws-credentials'),
      AWS_EC2_METADATA_DISABLED: 'true',
    };
  }, 180_000);
  afterAll(async () => {
    await server?.stop();
    await m?.cleanup();
  }, 180_000);

  const s3Flags = () => ['--endpoint', server.endpoint, '--path-style'];

  it('dest add s3, copy, list --dest, and restore --from s3:// on a new machine with the settings alone', async () => {
    const bucket = await createBucket(server, 'cli-flow');
    const added = await cli(['dest', 'add', 's3', '--name', 'offsite', '--bucket', bucket, '--prefix', 'casevault', ...s3Flags(), ...m.dirs, '--json'], env);
    expect(added.code, added.stdout + added.stderr).toBe(0);
    expect(added.json).toMatchObject({ destination: { name: 'offsite', target: { kind: 's3', bucket, prefix: 'casevault/', pathStyle: true, region: server.region } }, probe: { freeBytes: null } });
    const exported = await cli(['export', ...m.dirs, '--json']);
    const backup = (exported.json.filePath as string).split('/').pop()!;
    const copy = await cli(['copy', ...m.dirs, '--json'], env);
    expect(copy.code, copy.stdout).toBe(0);
    expect(copy.json).toMatchObject({ copies: [{ destination: 'offsite', copied: [backup], failure: null }] });
    const listed = await cli(['list', '--dest', 'offsite', ...m.backupDirFlag, '--json'], env);
    expect(listed.json).toMatchObject({ backups: [{ fileName: backup, encrypted: false }] });
    const byUrl = await cli(['list', '--dest', `s3://${bucket}/casevault/`, ...s3Flags(), ...m.backupDirFlag], env);
    expect(byUrl.stdout).toContain(backup);

    const fresh = await machine('dest-s3-new', { empty: true });
    try {
      const restored = await cli(['restore', '--from', `s3://${bucket}/casevault/`, 'latest', ...s3Flags(), ...fresh.dirs, '--json'], env);
      expect(restored.code, restored.stdout + restored.stderr).toBe(0);
      expect(await readDiskState(fresh.dataDir)).toEqual(await readDiskState(m.dataDir));
    } finally {
      await fresh.cleanup();
    }
  }, 120_000);

  it('a wrong secret: DEST_ACCESS_DENIED, and neither secret appears in any output, --json, the audit log or the settings', async () => {
    const bucket = await createBucket(server, 'cli-secret');
    const wrong = `wrong${randomBytes(12).toString('hex')}`;
    const bad = { ...env, AWS_SECRET_ACCESS_KEY: wrong };
    const add = await cli(['dest', 'add', 's3', '--name', 'bad', '--bucket', bucket, ...s3Flags(), ...m.dirs, '--json'], bad);
    expect(add.code).toBe(1);
    expect(add.json).toMatchObject({ success: false, code: 'DEST_ACCESS_DENIED' });
    // Added with the right one, then copied and listed with the wrong one.
    expect((await cli(['dest', 'add', 's3', '--name', 'secret', '--bucket', bucket, ...s3Flags(), ...m.dirs], env)).code).toBe(0);
    const copy = await cli(['copy', '--to', 'secret', ...m.dirs, '--json'], bad);
    expect(copy.code).toBe(1);
    expect(copy.json).toMatchObject({ code: 'DEST_ACCESS_DENIED', copies: [{ failure: { code: 'DEST_ACCESS_DENIED' } }] });
    expect((await cli(['copy', '--to', 'secret', ...m.dirs], bad)).code).toBe(1);
    expect((await cli(['list', '--dest', 'secret', ...m.backupDirFlag, '--json'], bad)).json).toMatchObject({ code: 'DEST_ACCESS_DENIED' });
    expect((await cli(['dest', 'test', 'secret', ...m.dirs], bad)).code).toBe(1);
    expect((await cli(['dest', 'list', ...m.dirs], bad)).stdout).toMatch(/secret +on .*\n +last copy: FAILED .*DEST_ACCESS_DENIED/);

    const files = ['casevault-audit.jsonl', 'casevault-destinations.json', 'casevault-state.json'].map((f) => join(m.backupDir, f));
    const everything = [...outputs, ...(await Promise.all(files.map((f) => fsp.readFile(f, 'utf8'))))].join('\n');
    expect(everything).toContain('DEST_ACCESS_DENIED'); // the failures are in there…
    expect(everything).not.toContain(wrong); // …and neither secret is
    expect(everything).not.toContain(server.secretAccessKey);
  }, 120_000);

  it('a bucket that does not exist: DEST_NOT_FOUND saying so, nothing stored', async () => {
    const add = await cli(['dest', 'add', 's3', '--name', 'nobucket', '--bucket', `no-such-bucket-${randomBytes(4).toString('hex')}`, ...s3Flags(), ...m.dirs, '--json'], env);
    expect(add.code).toBe(1);
    expect(add.json).toMatchObject({ success: false, code: 'DEST_NOT_FOUND' });
    expect(add.json.error).toMatch(/does not exist/);
    const names = ((await cli(['dest', 'list', ...m.dirs, '--json'])).json.destinations as { name: string }[]).map((d) => d.name);
    expect(names).not.toContain('nobucket');
  }, 60_000);

  it('kill -9 of a copy in the middle of an upload, then run-due: no multipart upload left, the copy whole', async () => {
    const big = await machine('dest-s3-kill');
    const client = s3Client(server);
    try {
      // A document of 80 MiB that does not compress: a backup of five 16 MiB parts.
      const bytes = randomBytes(80 * 1024 * 1024);
      const sha = createHash('sha256').update(bytes).digest('hex');
      await fsp.mkdir(join(big.dataDir, 'files', sha.slice(0, 2)), { recursive: true });
      await fsp.writeFile(join(big.dataDir, 'files', sha.slice(0, 2), sha), bytes);
      const exported = await cli(['export', ...big.dirs, '--json']);
      expect(exported.code, exported.stderr).toBe(0);
      const backup = (exported.json.filePath as string).split('/').pop()!;
      const bucket = await createBucket(server, 'cli-kill');
      expect((await cli(['dest', 'add', 's3', '--name', 'offsite', '--bucket', bucket, ...s3Flags(), ...big.dirs], env)).code).toBe(0);

      const child = spawnCli(['copy', ...big.dirs], { ...env, CASEVAULT_PROGRESS: 'plain' });
      const done = collect(child);
      let moved = '';
      await new Promise<void>((resolve) => {
        child.stderr!.on('data', (chunk: Buffer | string) => {
          const m = /progress copy (\d+)\/(\d+) bytes/.exec(String(chunk));
          if (m && Number(m[1]) > 0 && Number(m[1]) < Number(m[2]) && !moved) {
            moved = m[0];
            child.kill('SIGKILL');
            resolve();
          }
        });
        child.once('close', () => resolve());
      });
      const killed = await done;
      expect(killed.signal, `the copy finished before it was killed: ${killed.stdout}`).toBe('SIGKILL');
      const orphans = await client.send(new ListMultipartUploadsCommand({ Bucket: bucket }));
      expect(orphans.Uploads?.length ?? 0, `killed at ${moved}`).toBeGreaterThan(0);
      expect((await cli(['list', '--dest', 'offsite', ...big.backupDirFlag, '--json'], env)).json).toMatchObject({ backups: [] });

      const run = await cli(['run-due', ...big.dirs, '--json'], env);
      expect(run.code, run.stdout + run.stderr).toBe(0);
      expect(run.json).toMatchObject({ copies: { reports: [{ destination: 'offsite', copied: [backup], failure: null }] } });
      expect((run.json.copies as { reports: { cleaned: number }[] }).reports[0]!.cleaned).toBeGreaterThan(0);
      expect((await client.send(new ListMultipartUploadsCommand({ Bucket: bucket }))).Uploads ?? []).toEqual([]);
      const listed = await cli(['list', '--dest', 'offsite', ...big.backupDirFlag, '--json'], env);
      expect(listed.json).toMatchObject({ backups: [{ fileName: backup, size: (await fsp.stat(join(big.backupDir, backup))).size }] });
      const object = await client.send(new GetObjectCommand({ Bucket: bucket, Key: backup }));
      const remote = createHash('sha256').update(await object.Body!.transformToByteArray()).digest('hex');
      expect(remote).toBe(createHash('sha256').update(await fsp.readFile(join(big.backupDir, backup))).digest('hex'));
      expect((await cli(['run-due', ...big.dirs])).stdout).not.toMatch(/^copy:/m); // up to date: nothing due
    } finally {
      client.destroy();
      await big.cleanup();
    }
  }, 180_000);
});
