/**
 * The command line of automatic protection (issue 11), in-process through runCli on real
 * files and SQLite: policy show/set/reset, run-due, status (exit 3 on an alarm), prune,
 * pin/unpin, drill, list's verification columns, check's recorded result, undo-restore.
 */
import BetterSqlite3 from 'better-sqlite3';
import { promises as fsp } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/main.ts';
import { EXPORT_LOCK_FILE } from '../../src/infra/node/compose.ts';
import { worldData } from '../support/crashWorld.ts';
import { compose, populate, readDiskState, tempRoot } from '../support/nodeHarness.ts';

function sink() {
  let text = '';
  return { write: (s: string) => void (text += s), get text() { return text; } };
}

async function cli(args: string[], env: NodeJS.ProcessEnv) {
  const stdout = sink();
  const stderr = sink();
  const code = await runCli(args, { stdout, stderr, env, signal: new AbortController().signal });
  const json = () => JSON.parse(stdout.text) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
  return { code, stdout: stdout.text, stderr: stderr.text, json };
}

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

/** A small data dir (rows, 2 documents, settings), no backups yet. */
async function world() {
  const t = await tempRoot('cli-auto');
  cleanups.push(t.cleanup);
  const a = await compose(t.dataDir, t.backupDir);
  await populate(a, worldData(2, 3000));
  await a.dispose();
  return { ...t, env: { CASEVAULT_DATA_DIR: t.dataDir, CASEVAULT_BACKUP_DIR: t.backupDir, TZ: 'Europe/Berlin' } };
}

/** One byte of a file flipped in place. */
async function flipByte(path: string, at: (size: number) => number): Promise<void> {
  const bytes = await fsp.readFile(path);
  const i = at(bytes.length);
  bytes[i] = bytes[i]! ^ 0x01;
  await fsp.writeFile(path, bytes);
}

describe('casevault policy', () => {
  it('shows the defaults, sets only the options given, and refuses bad values as usage errors saying what is accepted', async () => {
    const w = await world();
    const shown = await cli(['policy', 'show', '--json'], w.env);
    expect(shown.code).toBe(0);
    expect(shown.json()).toMatchObject({ success: true, stored: false, policy: { schedule: { every: { value: 4, unit: 'hours' } }, retention: { keepLast: 3, keepDaily: 7 } } });
    expect((await cli(['policy', 'show'], w.env)).stdout).toContain('keep last 3, hourly 24, daily 7, weekly 4, monthly 12, yearly 0');

    const set = await cli(['policy', 'set', '--every', '30m', '--at', '7:30', '--keep-daily', '10', '--drill-every', '3d', '--drill-budget', '2h', '--no-skip-unchanged', '--json'], w.env);
    expect(set.code, set.stdout + set.stderr).toBe(0);
    expect(set.json().policy).toMatchObject({
      schedule: { every: { value: 30, unit: 'minutes' }, dailyAt: '07:30', skipUnchanged: false },
      retention: { keepLast: 3, keepHourly: 24, keepDaily: 10, keepWeekly: 4 },
      drill: { every: { value: 3, unit: 'days' }, budgetMinutes: 120 },
    });
    const off = await cli(['policy', 'set', '--every', 'off', '--json'], w.env);
    expect(off.json().policy.schedule).toMatchObject({ every: null, dailyAt: '07:30', skipUnchanged: false });

    const bad: [string[], RegExp][] = [
      [['--every', '2m'], /--every takes a duration like 30m, 4h, 24h or 7d .*, or off, from 5m to 366d; got "2m"/],
      [['--every', 'often'], /--every takes a duration like 30m, 4h, 24h or 7d/],
      [['--at', '25:00'], /--at takes a local time HH:MM from 00:00 to 23:59/],
      [['--keep-last', '-1'], /--keep-last (takes a whole number|needs a value)/],
      [['--keep-last', 'three'], /--keep-last takes a whole number from 0 to 100000; got "three"/],
      [['--drill-every', '10m'], /--drill-every takes .* from 1h to 366d/],
      [['--drill-budget', '2d'], /--drill-budget takes .* from 1m to 24h/],
      [['--skip-unchanged', '--no-skip-unchanged'], /contradict/],
      [['--keep-last', '0', '--keep-hourly', '0', '--keep-daily', '0', '--keep-weekly', '0', '--keep-monthly', '0'], /keeps nothing/],
      [[], /give at least one option/],
    ];
    for (const [args, message] of bad) {
      const r = await cli(['policy', 'set', ...args, '--json'], w.env);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.json(), args.join(' ')).toMatchObject({ success: false, code: 'INVALID_INPUT', error: expect.stringMatching(message) });
    }
    expect((await cli(['policy', 'show', '--every', '4h'], w.env)).code).toBe(2);
    expect((await cli(['policy', 'frobnicate'], w.env)).code).toBe(2);
    // Unchanged by the refused ones.
    expect((await cli(['policy', 'show', '--json'], w.env)).json().policy.retention.keepDaily).toBe(10);
  });

  it('a damaged policy file is POLICY_INVALID (never a silent "off"); reset writes the defaults over it', async () => {
    const w = await world();
    await fsp.mkdir(w.backupDir);
    await fsp.writeFile(join(w.backupDir, 'casevault-policy.json'), '{"version": 1, "schedule": {"every": "often"}}');
    const shown = await cli(['policy', 'show', '--json'], w.env);
    expect(shown.code).toBe(1);
    expect(shown.json()).toMatchObject({ code: 'POLICY_INVALID', error: expect.stringContaining('schedule.every') });
    expect((await cli(['policy', 'set', '--keep-last', '5', '--json'], w.env)).json()).toMatchObject({ code: 'POLICY_INVALID', error: expect.stringContaining('policy reset') });
    const status = await cli(['status', '--json'], w.env);
    expect(status.code).toBe(3);
    expect(status.json().alarms.map((a: { code: string }) => a.code)).toContain('POLICY_INVALID');
    expect((await cli(['policy', 'reset'], w.env)).code).toBe(0);
    expect((await cli(['policy', 'show', '--json'], w.env)).json()).toMatchObject({ stored: true, policy: { retention: { keepLast: 3 } } });
  });
});

describe('casevault run-due, status, list, prune, pin, drill', () => {
  it('backs up and verifies when due, then nothing is due; status exits 3 on an alarm and 0 without', async () => {
    const w = await world();
    const before = await cli(['status', '--json'], w.env);
    expect(before.code).toBe(3);
    expect(before.json()).toMatchObject({ success: true, alarm: true, alarms: [{ code: 'NO_BACKUP' }] });

    const first = await cli(['run-due', '--json'], w.env);
    expect(first.code, first.stdout + first.stderr).toBe(0);
    const report = first.json();
    expect(report).toMatchObject({ success: true, skipped: null, backup: { outcome: 'ok', liveCheck: 'ok' }, verify: { result: 'ok' }, prune: { deleted: [] } });
    const again = await cli(['run-due'], w.env);
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/backup: +not due \(next at \d{4}-\d\d-\d\d \d\d:\d\d\)/);

    const status = await cli(['status'], w.env);
    expect(status.code, status.stdout).toBe(0);
    expect(status.stdout).toContain(`last verified backup:  `);
    expect(status.stdout).toContain(report.backup.fileName);
    expect(status.stdout).toMatch(/alarms: +none/);

    const list = await cli(['list', '--json'], w.env);
    expect(list.json().backups).toEqual([expect.objectContaining({ fileName: report.backup.fileName, pinned: false, verified: true, verifiedAt: expect.any(String) })]);
    const audit = await cli(['audit', '--json'], w.env);
    expect(audit.json().entries.map((e: { action: string }) => e.action)).toEqual(['export', 'verify']);
  });

  it('pin, unpin, prune --dry-run with reasons, prune', async () => {
    const w = await world();
    for (let i = 0; i < 3; i += 1) expect((await cli(['export', '--level', '1'], w.env)).code).toBe(0);
    const names = (await cli(['list', '--json'], w.env)).json().backups.map((b: { fileName: string }) => b.fileName) as string[];
    expect((await cli(['policy', 'set', '--keep-last', '1', '--keep-hourly', '0', '--keep-daily', '0', '--keep-weekly', '0', '--keep-monthly', '0', '--keep-yearly', '0'], w.env)).code).toBe(0);
    const oldest = names[2]!;
    expect((await cli(['pin', oldest], w.env)).code).toBe(0);
    expect((await cli(['pin', join(w.backupDir, oldest)], w.env)).code).toBe(2);
    expect((await cli(['pin', 'casevault-backup-20990101T000000000Z.zip', '--json'], w.env)).json()).toMatchObject({ code: 'NOT_FOUND' });

    const dry = await cli(['prune', '--dry-run'], w.env);
    expect(dry.code).toBe(0);
    const rows = dry.stdout.trim().split('\n');
    expect(rows[0]).toMatch(new RegExp(`^KEEP  \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d  ${names[0]}  last 1$`));
    expect(rows[1]).toMatch(new RegExp(`^GO    .*${names[1]}  no rule keeps it$`));
    expect(rows[2]).toMatch(new RegExp(`^KEEP  .*${oldest}  pinned$`));
    expect(rows[3]).toBe(`dry run: 2 kept, 1 would be deleted (times in ${new Intl.DateTimeFormat().resolvedOptions().timeZone})`);
    expect((await cli(['list', '--json'], w.env)).json().backups).toHaveLength(3);

    expect((await cli(['unpin', oldest], w.env)).code).toBe(0);
    const pruned = await cli(['prune', '--json'], w.env);
    expect(pruned.json()).toMatchObject({ success: true, dryRun: false, deleted: [names[2], names[1]] });
    expect((await cli(['list', '--json'], w.env)).json().backups.map((b: { fileName: string }) => b.fileName)).toEqual([names[0]]);
    expect((await fsp.readdir(w.backupDir)).filter((n) => n.startsWith('casevault-backup-'))).toEqual([names[0], `${names[0]}.sha256`]);
    const audit = (await cli(['audit', '--json'], w.env)).json().entries.map((e: { action: string; result: string }) => `${e.action} ${e.result}`);
    expect(audit).toEqual(['export ok', 'export ok', 'export ok', 'policy ok', 'pin ok', 'pin failed', 'unpin ok', 'prune ok', 'prune ok']);
  });

  it('a stored backup with one byte flipped is caught by the next drill: exit 1, the alarm in status, verified false in list', async () => {
    const w = await world();
    const first = (await cli(['run-due', '--json'], w.env)).json();
    const name = first.backup.fileName as string;
    expect((await cli(['drill', '--json'], w.env)).json()).toMatchObject({ success: true, results: [{ fileName: name, result: 'ok' }] });
    await flipByte(join(w.backupDir, name), (size) => Math.floor(size / 2));

    const drill = await cli(['drill', '--json'], w.env);
    expect(drill.code).toBe(1);
    expect(drill.json()).toMatchObject({ success: false, code: 'CHECKSUM_MISMATCH', results: [{ fileName: name, result: 'failed' }] });
    const status = await cli(['status', '--json'], w.env);
    expect(status.code).toBe(3);
    expect(status.json().alarms).toEqual(expect.arrayContaining([expect.objectContaining({ code: 'DRILL_FAILED', fileName: name })]));
    const list = await cli(['list', '--json'], w.env);
    expect(list.json().backups[0]).toMatchObject({ fileName: name, verified: false, verificationCode: 'CHECKSUM_MISMATCH' });
    expect((await cli(['list'], w.env)).stdout).toContain('FAILED its check');
  });

  it('a damaged live database: run-due makes no backup (exit 1), status raises LIVE_DATABASE_CORRUPT; check records its result too', async () => {
    const w = await world();
    // Enough rows for several b-tree pages, then the middle of pages 3 and 4 overwritten.
    const db = new BetterSqlite3(join(w.dataDir, 'database.sqlite'));
    const insert = db.prepare('INSERT INTO cases (title, notes) VALUES (?, ?)');
    for (let i = 0; i < 300; i += 1) insert.run(`case ${i}`, 'x'.repeat(300));
    db.pragma('journal_mode = DELETE');
    db.close();
    const clean = await fsp.readFile(join(w.dataDir, 'database.sqlite'));
    const damaged = Buffer.from(clean);
    for (let i = 4096 * 2 + 100; i < 4096 * 4; i += 1) damaged[i] = (i * 13) % 256;
    await fsp.writeFile(join(w.dataDir, 'database.sqlite'), damaged);

    const run = await cli(['run-due', '--json'], w.env);
    expect(run.code, run.stdout).toBe(1);
    expect(run.json()).toMatchObject({ success: false, code: 'DATABASE_CORRUPT', backup: { outcome: 'failed', liveCheck: expect.not.stringMatching(/^ok$/) }, verify: null, prune: null });
    expect((await fsp.readdir(w.backupDir)).filter((n) => n.startsWith('casevault-backup-'))).toEqual([]);
    expect(await fsp.readFile(join(w.dataDir, 'database.sqlite'))).toEqual(damaged);
    const status = await cli(['status', '--json'], w.env);
    expect(status.code).toBe(3);
    expect(status.json().alarms.map((a: { code: string }) => a.code)).toEqual(expect.arrayContaining(['LIVE_DATABASE_CORRUPT', 'BACKUP_FAILED']));

    // check finds it too (exit 1) and records it; repaired, a passing check clears that alarm.
    expect((await cli(['check'], w.env)).code).toBe(1);
    await fsp.writeFile(join(w.dataDir, 'database.sqlite'), clean);
    expect((await cli(['check'], w.env)).code).toBe(0);
    expect((await cli(['status', '--json'], w.env)).json().alarms.map((a: { code: string }) => a.code)).not.toContain('LIVE_DATABASE_CORRUPT');
  });

  it('gives way to another process exporting: "skipped: busy", exit 75, nothing recorded, no alarm for it', async () => {
    const w = await world();
    await fsp.mkdir(w.backupDir);
    await fsp.writeFile(join(w.backupDir, EXPORT_LOCK_FILE), JSON.stringify({ pid: process.pid, purpose: 'casevault export' }));
    const run = await cli(['run-due', '--wait', '0', '--json'], w.env);
    expect(run.code).toBe(75);
    expect(run.json()).toMatchObject({ success: false, code: 'BUSY', skipped: 'busy', backup: { outcome: 'busy' } });
    expect((await cli(['run-due', '--wait', '0'], w.env)).stdout).toContain('skipped: busy');
    expect((await cli(['status', '--json'], w.env)).json().alarms.map((a: { code: string }) => a.code)).toEqual(['NO_BACKUP']);
    expect((await cli(['run-due', '--wait', 'soon'], w.env)).code).toBe(2);
    await fsp.rm(join(w.backupDir, EXPORT_LOCK_FILE));
    // A restore by another command is replacing the data dir: no snapshot of a half-swapped dir.
    await fsp.writeFile(`${w.dataDir}.lock`, JSON.stringify({ pid: process.pid, purpose: 'casevault restore' }));
    const during = await cli(['run-due', '--wait', '0', '--json'], w.env);
    expect(during.code).toBe(75);
    expect(during.json()).toMatchObject({ code: 'BUSY', skipped: 'busy', error: expect.stringContaining('`casevault restore`') });
    // The app holds the same lock all the time it runs: a scheduled run works beside it.
    await fsp.writeFile(`${w.dataDir}.lock`, JSON.stringify({ pid: process.pid, purpose: 'the casevault app' }));
    expect((await cli(['run-due', '--wait', '0'], w.env)).code).toBe(0);
    await fsp.rm(`${w.dataDir}.lock`);
  });
});

describe('casevault undo-restore', () => {
  it('NOT_FOUND in plain words when there is nothing to undo; after a restore, puts the data back and can be undone again', async () => {
    const w = await world();
    const none = await cli(['undo-restore', '--json'], w.env);
    expect(none.code).toBe(1);
    expect(none.json()).toMatchObject({ success: false, code: 'NOT_FOUND', error: expect.stringContaining('there is no restore to undo') });

    const backup = (await cli(['export', '--json'], w.env)).json();
    await fsp.writeFile(join(w.dataDir, 'settings.json'), '{"changed after the backup":true}');
    const before = await readDiskState(w.dataDir);
    expect((await cli(['restore', backup.filePath as string], w.env)).code).toBe(0);
    const restored = await readDiskState(w.dataDir);
    expect(restored).not.toEqual(before);
    expect((await cli(['status'], w.env)).stdout).toContain('undo-restore:          possible');

    const undo = await cli(['undo-restore', '--json'], w.env);
    expect(undo.code, undo.stdout + undo.stderr).toBe(0);
    expect(undo.json()).toMatchObject({ success: true, safetyCopy: expect.stringContaining('.safety-') });
    expect(await readDiskState(w.dataDir)).toEqual(before);
    expect((await cli(['undo-restore'], w.env)).code).toBe(0);
    expect(await readDiskState(w.dataDir)).toEqual(restored);
    const audit = (await cli(['audit', '--json'], w.env)).json().entries.map((e: { action: string; result: string }) => `${e.action} ${e.result}`);
    expect(audit).toEqual(['export ok', 'restore ok', 'undo-restore ok', 'undo-restore ok']);
  });
});
