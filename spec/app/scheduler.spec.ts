/**
 * The backup scheduler of both hosts, on a fake clock and fake timers (nothing waits in real
 * time), over the spec suite's service (memfs + sql.js): a sleep of days is made up by one
 * run, a run that meets a manual export or a restore waits for it (never an error), skip
 * unchanged holds, a failing quick_check writes no backup and prunes nothing, each alarm is
 * raised once, and the quit run follows the policy.
 */
import { describe, expect, it } from 'vitest';
import { createBackupScheduler, type BackupScheduler, type SchedulerTimers } from '../../src/app/scheduler.ts';
import type { Alarm, SchedulerEvent } from '../../src/contract/channels.ts';
import { readState } from '../../src/domain/backupState.ts';
import type { BackupDeps } from '../../src/domain/deps.ts';
import { BackupError } from '../../src/domain/errors.ts';
import { writePolicy } from '../../src/domain/policy.ts';
import { createBackupService, type ServiceHooks } from '../../src/domain/service.ts';
import { populateSmall } from '../support/hostileReplay.ts';
import { BACKUP_DIR, createMemoryHarness } from '../support/memoryHarness.ts';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const POLL_MS = 5_000;

/** A clock and timers the test moves: `awake` fires the timers due on the way, `asleep` moves the clock alone (a suspended machine). */
function fakeTime(start: string) {
  let now = Date.parse(start);
  let nextId = 1;
  const pending = new Map<number, { at: number; fn: () => void }>();
  const timers: SchedulerTimers = {
    setTimeout: (fn, ms) => {
      const id = nextId++;
      pending.set(id, { at: now + Math.max(0, ms), fn });
      return id;
    },
    clearTimeout: (id) => void pending.delete(id as number),
  };
  return {
    clock: { now: () => new Date(now), timeZone: () => 'Europe/Berlin' },
    timers,
    /** Time passes with the machine awake: each timer fires when its time comes, and the scheduler settles before the next. */
    async awake(ms: number, scheduler: BackupScheduler): Promise<void> {
      const end = now + ms;
      for (;;) {
        const due = [...pending].filter(([, t]) => t.at <= end).sort((a, b) => a[1].at - b[1].at)[0];
        if (!due) break;
        pending.delete(due[0]);
        now = Math.max(now, due[1].at);
        due[1].fn();
        await scheduler.settled();
      }
      now = end;
    },
    /** The machine sleeps: the clock moves on, no timer fires. */
    asleep(ms: number): void {
      now += ms;
    },
  };
}

async function world(options: { hooks?: ServiceHooks; liveCheck?: string } = {}) {
  const h = await createMemoryHarness({ jobs: () => [] });
  await populateSmall(h);
  const time = fakeTime('2026-11-23T08:00:00.000Z');
  const db = options.liveCheck === undefined ? h.db : Object.assign(Object.create(h.db) as typeof h.db, { checkLive: async () => options.liveCheck! });
  const deps: BackupDeps = { ...h.deps, db, clock: time.clock };
  const service = createBackupService(deps, h.config, options.hooks);
  const events: SchedulerEvent[] = [];
  const logged: string[] = [];
  const scheduler = createBackupScheduler({
    service,
    clock: time.clock,
    timers: time.timers,
    pollMs: POLL_MS,
    onEvent: (event) => void events.push(event),
    log: (message) => void logged.push(message),
    notice: (message) => void logged.push(message),
  });
  const backups = async () => (await service.listBackups()).map((b) => b.fileName);
  const runs = () => events.flatMap((e) => (e.type === 'run-finished' ? [e] : []));
  const raised = () => events.flatMap((e) => (e.type === 'alarms' ? e.raised.map((a: Alarm) => a.code) : []));
  return { h, deps, service, scheduler, time, events, logged, backups, runs, raised };
}

function gate() {
  let open: () => void = () => {};
  const opened = new Promise<void>((resolve) => (open = resolve));
  let reached: () => void = () => {};
  const waiting = new Promise<void>((resolve) => (reached = resolve));
  return { open, opened, waiting, reached };
}

describe('the backup scheduler', () => {
  it('makes up a three-day sleep with one run, not a burst, and then keeps the interval', async () => {
    const w = await world();
    await writePolicy(w.deps, w.h.config, { schedule: { every: { value: 4, unit: 'hours' }, skipUnchanged: false } });
    w.scheduler.start();
    await w.scheduler.settled();
    expect(await w.backups()).toHaveLength(1); // the first run, at start
    await w.time.awake(HOUR, w.scheduler);
    expect(await w.backups()).toHaveLength(1);

    w.time.asleep(3 * DAY); // 18 intervals missed
    await w.time.awake(POLL_MS, w.scheduler); // the first poll after waking
    expect(await w.backups()).toHaveLength(2);
    expect(w.logged.some((m) => /clock jumped/.test(m))).toBe(true);
    await w.time.awake(3 * HOUR, w.scheduler);
    expect(await w.backups()).toHaveLength(2);
    await w.time.awake(HOUR + POLL_MS, w.scheduler);
    expect(await w.backups()).toHaveLength(3);
    expect(w.runs().map((r) => r.backup)).toEqual(['ok', 'ok', 'ok']);
  });

  it('checks at once when told the machine resumed', async () => {
    const w = await world();
    await writePolicy(w.deps, w.h.config, { schedule: { every: { value: 1, unit: 'days' }, skipUnchanged: false } });
    w.scheduler.start();
    await w.scheduler.settled();
    w.time.asleep(2 * DAY);
    w.scheduler.resume();
    await w.scheduler.settled();
    expect(await w.backups()).toHaveLength(2);
  });

  it('a scheduled run that meets a manual export waits for it (no error, no alarm), then verifies what it made', async () => {
    const exporting = gate();
    let first = true;
    const w = await world({
      hooks: {
        aroundExport: async (fn) => {
          if (first) {
            first = false;
            exporting.reached();
            await exporting.opened;
          }
          return fn();
        },
      },
    });
    const manual = w.service.exportNow({});
    await exporting.waiting;
    w.scheduler.start();
    await w.scheduler.settled();
    expect(w.scheduler.state).toBe('waiting');
    expect(w.events).toContainEqual({ type: 'state', state: 'waiting' });
    await w.time.awake(MINUTE, w.scheduler); // retries while the export runs
    expect(w.scheduler.state).toBe('waiting');
    exporting.open();
    const made = await manual;
    await w.time.awake(MINUTE, w.scheduler);
    expect(w.scheduler.state).toBe('idle');
    // The manual backup is the newest: no scheduled backup is due, and it is verified.
    expect(await w.backups()).toEqual([made.fileName]);
    expect(w.runs().at(-1)).toMatchObject({ backup: 'not-due', failure: null, drill: { outcome: 'ok', verified: 1, failed: 0 } });
    expect(w.runs().some((r) => r.failure !== null)).toBe(false);
    expect((await readState(w.deps, w.h.config)).lastBackupRun).toBeNull();
    expect(w.raised()).not.toContain('BACKUP_FAILED');
  });

  it('a restore stops the scheduler: a run in flight is cancelled (nothing recorded) and made up after the restore', async () => {
    const exporting = gate();
    let hold = false;
    const w = await world({
      hooks: {
        aroundExport: async (fn) => {
          if (hold) {
            exporting.reached();
            await exporting.opened;
          }
          return fn();
        },
      },
    });
    await writePolicy(w.deps, w.h.config, { schedule: { every: { value: 4, unit: 'hours' }, skipUnchanged: false } });
    const source = await w.service.exportNow({});
    await w.time.awake(5 * HOUR, w.scheduler);
    hold = true;
    w.scheduler.start(); // due: the scheduled export starts and is held
    await exporting.waiting;
    expect(w.scheduler.state).toBe('running');
    const restored = w.scheduler.pausedWhile(() => w.service.restoreFromZip(source.filePath));
    hold = false;
    exporting.open();
    await restored;
    await w.scheduler.settled();
    expect((await readState(w.deps, w.h.config)).lastBackupRun).toMatchObject({ outcome: 'ok' });
    expect(await w.backups()).toHaveLength(2);
    expect(w.runs().map((r) => r.backup)).toEqual(['ok']);
    expect(w.events).toContainEqual({ type: 'state', state: 'stopped' });
    expect(w.scheduler.state).toBe('idle');
  });

  it('a run due while a restore runs waits for it: nothing runs until the restore is over', async () => {
    const restoring = gate();
    const w = await world({
      hooks: {
        aroundRestore: async (_operation, fn) => {
          restoring.reached();
          await restoring.opened;
          return fn();
        },
      },
    });
    await writePolicy(w.deps, w.h.config, { schedule: { every: { value: 1, unit: 'hours' }, skipUnchanged: false } });
    w.scheduler.start();
    await w.scheduler.settled();
    const source = (await w.service.listBackups())[0]!;
    const restore = w.scheduler.pausedWhile(() => w.service.restoreFromZip(source.filePath));
    await restoring.waiting;
    await w.time.awake(3 * HOUR, w.scheduler); // three intervals pass during the restore
    expect(await w.backups()).toHaveLength(1);
    expect(w.scheduler.state).toBe('stopped');
    restoring.open();
    await restore;
    await w.scheduler.settled();
    expect(await w.backups()).toHaveLength(2); // one run after it, not three
    expect(w.runs().map((r) => r.backup)).toEqual(['ok', 'ok']);
  });

  it('skips an unchanged data dir (one backup), and backs up once it changed', async () => {
    const w = await world();
    await writePolicy(w.deps, w.h.config, { schedule: { every: { value: 1, unit: 'hours' }, skipUnchanged: true } });
    w.scheduler.start();
    await w.scheduler.settled();
    await w.time.awake(3 * HOUR + POLL_MS, w.scheduler);
    expect(await w.backups()).toHaveLength(1);
    expect(w.runs().map((r) => r.backup)).toEqual(['ok', 'skipped-unchanged', 'skipped-unchanged', 'skipped-unchanged']);
    await w.h.db.write(`INSERT INTO users (name) VALUES ('Li')`);
    await w.time.awake(HOUR, w.scheduler);
    expect(await w.backups()).toHaveLength(2);
  });

  it('writes no backup and prunes nothing when quick_check fails, and raises the alarm', async () => {
    const w = await world({ liveCheck: 'row 17 missing from index cases_by_user' });
    await writePolicy(w.deps, w.h.config, {
      schedule: { every: { value: 1, unit: 'hours' }, skipUnchanged: false },
      retention: { keepLast: 1, keepHourly: 0, keepDaily: 0, keepWeekly: 0, keepMonthly: 0, keepYearly: 0, pruneAfterBackup: true },
    });
    for (let i = 0; i < 3; i += 1) {
      await w.service.exportNow({});
      w.time.asleep(10 * MINUTE);
    }
    const before = (await w.h.memfs.readdir(BACKUP_DIR)).filter((n) => n.endsWith('.zip') || n.endsWith('.sha256')).sort();
    await w.time.awake(HOUR, w.scheduler);
    w.scheduler.start();
    await w.scheduler.settled();
    const after = (await w.h.memfs.readdir(BACKUP_DIR)).filter((n) => n.endsWith('.zip') || n.endsWith('.sha256') || n.endsWith('.partial')).sort();
    expect(after).toEqual(before);
    expect(w.runs().at(-1)).toMatchObject({ backup: 'failed', failure: { code: 'DATABASE_CORRUPT' }, pruned: [] });
    expect(w.raised()).toEqual(expect.arrayContaining(['LIVE_DATABASE_CORRUPT', 'BACKUP_FAILED']));
  });

  it('raises each alarm once, when it appears, and says when the alarms change', async () => {
    const w = await world();
    await writePolicy(w.deps, w.h.config, { schedule: { every: { value: 1, unit: 'hours' }, skipUnchanged: false }, drill: { every: { value: 1, unit: 'hours' } } });
    w.scheduler.start();
    await w.scheduler.settled();
    expect(w.raised()).toEqual([]);
    const made = (await w.service.listBackups())[0]!;
    const bytes = await w.h.memfs.readFile(made.filePath);
    const middle = Math.floor(bytes.length / 2);
    bytes[middle] = bytes[middle]! ^ 0x01;
    await w.h.memfs.writeFile(made.filePath, bytes);
    await w.time.awake(3 * HOUR, w.scheduler);
    expect(w.raised()).toEqual(['DRILL_FAILED']);
    const alarms = w.events.filter((e) => e.type === 'alarms');
    expect(alarms).toHaveLength(1);
  });

  it('gives way to another process (BUSY from the export lock) without an error, and tries again', async () => {
    let busy = 2;
    const w = await world({
      hooks: { aroundExport: (fn) => (busy-- > 0 ? Promise.reject(new BackupError('BUSY', 'export: another export is running (process 4242)')) : fn()) },
    });
    w.scheduler.start();
    await w.scheduler.settled();
    expect(w.scheduler.state).toBe('waiting');
    await w.time.awake(MINUTE, w.scheduler);
    expect(await w.backups()).toHaveLength(1);
    expect(w.runs().filter((r) => r.backup !== 'busy').map((r) => r.backup)).toEqual(['ok']);
    expect(w.runs().some((r) => r.failure !== null && r.backup !== 'busy')).toBe(false);
    expect((await readState(w.deps, w.h.config)).lastBackupRun).toMatchObject({ outcome: 'ok' });
  });

  it('at quit backs up only when the policy says so, and stops first', async () => {
    const w = await world();
    await writePolicy(w.deps, w.h.config, { schedule: { every: { value: 4, unit: 'hours' }, skipUnchanged: false } });
    w.scheduler.start();
    await w.scheduler.settled();
    await w.scheduler.atQuit();
    expect(await w.backups()).toHaveLength(1);
    expect(w.scheduler.state).toBe('stopped');
    await writePolicy(w.deps, w.h.config, { schedule: { every: { value: 4, unit: 'hours' }, onAppQuit: true, skipUnchanged: false } });
    w.scheduler.start();
    await w.scheduler.settled();
    await w.scheduler.atQuit();
    expect(await w.backups()).toHaveLength(2);
    expect(w.runs().at(-1)).toMatchObject({ trigger: 'quit', backup: 'ok' });
  });
});
