/**
 * A portable copy on real files (issue 12): the CLI makes an incremental backup of the demo
 * data, then its portable copy on a "USB drive" (a folder with no pool); unzip -t and 7-Zip
 * accept it, and it restores there into another data dir to exactly the data. `stats` shows
 * what the pool saves.
 */
import { execFile } from 'node:child_process';
import { promises as fsp } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/main.ts';
import { readDiskState, tempRoot } from '../support/nodeHarness.ts';

const run = promisify(execFile);

function sink() {
  let text = '';
  return { write: (s: string) => void (text += s), isTTY: false, columns: 100, get text() { return text; } };
}

async function cli(args: string[], env: NodeJS.ProcessEnv) {
  const stdout = sink();
  const stderr = sink();
  const code = await runCli(args, { stdout, stderr, env, signal: new AbortController().signal });
  return { code, stdout: stdout.text, stderr: stderr.text, json: () => JSON.parse(stdout.text) as Record<string, unknown> };
}

describe('casevault portable', () => {
  let t: Awaited<ReturnType<typeof tempRoot>>;
  let env: NodeJS.ProcessEnv;
  beforeAll(async () => {
    t = await tempRoot('portable');
    env = { CASEVAULT_DATA_DIR: t.dataDir, CASEVAULT_BACKUP_DIR: t.backupDir };
  });
  afterAll(async () => t.cleanup());

  it('writes a copy of an incremental backup that unzip -t and 7zz t accept and that restores without the pool', async () => {
    expect((await cli(['demo', '--json'], env)).code).toBe(0);
    const before = await readDiskState(t.dataDir);
    const first = await cli(['export', '--incremental', '--json'], env);
    expect(first.code, first.stderr).toBe(0);
    const second = await cli(['export', '--incremental', '--json'], env);
    expect(second.json()).toMatchObject({ success: true, metadata: { formatVersion: 2 }, incremental: { newDocuments: 0 } });

    const usb = join(t.root, 'usb');
    await fsp.mkdir(usb);
    const portable = await cli(['portable', 'latest', '--to', usb, '--json'], env);
    expect(portable.code, portable.stdout + portable.stderr).toBe(0);
    const p = portable.json();
    expect(p).toMatchObject({ success: true, sourceFormat: 2, encrypted: false, metadata: { formatVersion: 1, counts: { files: 30 } } });
    const copy = String(p.filePath);
    expect(copy.startsWith(`${usb}/casevault-portable-`)).toBe(true);
    expect((await fsp.readdir(usb)).sort()).toEqual([String(p.fileName), `${String(p.fileName)}.sha256`]);

    await run('unzip', ['-t', copy]);
    const sevenZip = await run('7zz', ['t', copy]);
    expect(sevenZip.stdout).toContain('Everything is Ok');
    const listing = (await run('unzip', ['-Z1', copy])).stdout.trim().split('\n');
    expect(listing.slice(-3)).toEqual(['database.sqlite', 'manifest.json', 'backup-metadata.json']);
    expect(listing.filter((n) => n.startsWith('files/'))).toHaveLength(30);
    await run('sha256sum', ['-c', `${String(p.fileName)}.sha256`], { cwd: usb });

    // Another machine: a data dir and a backup dir of its own, no pool anywhere.
    const elsewhere = { CASEVAULT_DATA_DIR: join(t.root, 'other-data'), CASEVAULT_BACKUP_DIR: join(t.root, 'other-backups') };
    const verified = await cli(['verify', copy, '--json'], elsewhere);
    expect(verified.json()).toMatchObject({ success: true, sidecarChecked: true });
    const restored = await cli(['restore', copy, '--json'], elsewhere);
    expect(restored.code, restored.stdout + restored.stderr).toBe(0);
    expect(await readDiskState(elsewhere.CASEVAULT_DATA_DIR)).toEqual(before);

    // The default place: the backup dir's portable/, not listed as a backup.
    const here = await cli(['portable', 'latest'], env);
    expect(here.code, here.stderr).toBe(0);
    expect(here.stdout).toContain(join(t.backupDir, 'portable', 'casevault-portable-'));
    const list = (await cli(['list', '--json'], env)).json() as { backups: { fileName: string }[] };
    expect(list.backups.map((b) => b.fileName).every((n) => n.startsWith('casevault-backup-'))).toBe(true);

    const stats = (await cli(['stats', '--json'], env)).json() as { statistics: { totalSize: number; poolPacks: number; poolBytes: number; logicalBytes: number; diskBytes: number; savedBytes: number } };
    const s = stats.statistics;
    expect(s.poolPacks).toBe(1);
    expect(s.logicalBytes).toBe(s.totalSize + 2 * s.poolBytes);
    expect(s.diskBytes).toBe(s.totalSize + s.poolBytes);
    expect(s.savedBytes).toBe(s.poolBytes);
    const human = await cli(['stats'], env);
    expect(human.stdout).toMatch(/saved: +\S+ \S+ \(\d+ %\)/);

    const audit = (await cli(['audit', '--json'], env)).json() as { entries: { action: string; result: string; file: string }[] };
    const lines = audit.entries.filter((e) => e.action === 'portable');
    expect(lines.map((e) => e.result)).toEqual(['ok', 'ok']);
    expect(lines[0]!.file).toContain(` -> ${copy}`);
  }, 120_000);
});
