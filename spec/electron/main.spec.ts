/**
 * Wiring of the Electron main process, with a fake `electron` module: the channels it
 * registers, the window's security settings, and what each handler answers to bad input,
 * to a foreign sender, to cancel, and to a second operation while one runs; the scheduler's
 * wiring (its events to the window, a desktop notification per alarm raised, a check on
 * powerMonitor's resume, the backup at quit). The backup service behind it is the spec
 * suite's (memfs + sql.js), with the app layer's real scheduler on timers that never fire.
 */
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { CHANNELS, requestSchemas, type Channel } from '../../src/contract/channels.ts';

type Listener = (event: unknown, payload?: unknown) => Promise<unknown>;

const fake = vi.hoisted(() => {
  const handlers = new Map<string, (event: unknown, payload?: unknown) => Promise<unknown>>();
  const handleCalls: string[] = [];
  const windows: { options: Record<string, unknown>; url: string | null }[] = [];
  const state = { chosenPath: null as string | null };
  const appHandlers = new Map<string, ((event: { preventDefault(): void }) => void)[]>();
  const powerHandlers = new Map<string, (() => void)[]>();
  const notifications: { title: string; body: string; shown: boolean }[] = [];
  const sent: { channel: string; payload: unknown }[] = [];
  const quits: number[] = [];
  return { handlers, handleCalls, windows, state, appHandlers, powerHandlers, notifications, sent, quits };
});

vi.mock('electron', () => {
  class BrowserWindow {
    readonly webContents = {
      on: () => {},
      setWindowOpenHandler: () => {},
      isDestroyed: () => false,
      send: (channel: string, payload: unknown) => void fake.sent.push({ channel, payload }),
    };
    constructor(options: Record<string, unknown>) {
      fake.windows.push({ options, url: null });
    }
    once() {}
    async loadURL(url: string) {
      fake.windows[fake.windows.length - 1]!.url = url;
    }
  }
  return {
    app: {
      whenReady: async () => {},
      on: (name: string, listener: (event: { preventDefault(): void }) => void) => {
        fake.appHandlers.set(name, [...(fake.appHandlers.get(name) ?? []), listener]);
      },
      quit: () => void fake.quits.push(Date.now()),
      exit: () => {},
      getPath: () => '/tmp/casevault-test',
    },
    powerMonitor: {
      on: (name: string, listener: () => void) => void fake.powerHandlers.set(name, [...(fake.powerHandlers.get(name) ?? []), listener]),
    },
    Notification: class {
      static isSupported() {
        return true;
      }
      readonly record: { title: string; body: string; shown: boolean };
      constructor(options: { title: string; body: string }) {
        this.record = { title: options.title, body: options.body, shown: false };
        fake.notifications.push(this.record);
      }
      on() {}
      show() {
        this.record.shown = true;
      }
    },
    BrowserWindow,
    ipcMain: {
      handle: (channel: string, listener: Listener) => {
        fake.handleCalls.push(channel);
        fake.handlers.set(channel, listener);
      },
    },
    dialog: {
      showOpenDialog: async () =>
        fake.state.chosenPath === null ? { canceled: true, filePaths: [] } : { canceled: false, filePaths: [fake.state.chosenPath] },
      showErrorBox: () => {},
    },
    protocol: { registerSchemesAsPrivileged: () => {}, handle: () => {} },
    session: { defaultSession: { setPermissionRequestHandler: () => {} } },
    net: { fetch: async () => new Response('') },
    safeStorage: { isEncryptionAvailable: () => false, encryptString: () => Buffer.alloc(0), decryptString: () => '' },
  };
});

vi.mock('../../src/app/compose.ts', async () => {
  const { createMemoryHarness } = await import('../support/memoryHarness.ts');
  const { createBackupScheduler } = await import('../../src/app/scheduler.ts');
  const { writePolicy } = await import('../../src/domain/policy.ts');
  return {
    composeBackupService: async () => {
      const h = await createMemoryHarness();
      await h.db.write(`INSERT INTO cases (title) VALUES ('Doe v. Roe')`);
      // Automatic backups off, so the channels' tests see only the backups they make.
      await writePolicy(h.deps, h.config, { schedule: { every: null, dailyAt: null } });
      const listeners = new Set<(event: unknown) => void>();
      const scheduler = createBackupScheduler({
        service: h.service,
        clock: h.deps.clock,
        timers: { setTimeout: () => null, clearTimeout: () => {} },
        onEvent: (event) => listeners.forEach((l) => l(event)),
      });
      return {
        service: h.service,
        deps: h.deps,
        config: h.config,
        scheduler,
        onEvent: (listener: (event: unknown) => void) => {
          listeners.add(listener);
          return () => listeners.delete(listener);
        },
        close: async () => {},
      };
    },
  };
});

const { main, WEB_PREFERENCES, isTrustedSender } = await import('../../src/electron/main/main.ts');
type Runtime = Awaited<ReturnType<typeof main>>;

interface SentEvent {
  channel: string;
  payload: unknown;
}

function senderEvent(url = 'casevault://app/index.html', parent: unknown = null) {
  const sent: SentEvent[] = [];
  const event = {
    senderFrame: { url, parent },
    sender: { isDestroyed: () => false, send: (channel: string, payload: unknown) => sent.push({ channel, payload }) },
  };
  return { event, sent };
}

async function invoke(channel: Channel, payload?: unknown, event = senderEvent().event): Promise<Record<string, unknown>> {
  const handler = fake.handlers.get(channel);
  if (!handler) throw new Error(`no handler for ${channel}`);
  return (await handler(event, payload)) as Record<string, unknown>;
}

/** A payload the channel's schema refuses. */
const BAD_PAYLOADS: Record<Channel, unknown[]> = {
  'backup:exportNow': [42, 'all', [], { compressionLevel: 10 }, { compressionLevel: 1.5 }, { includeFiles: 'yes' }, { extra: true }],
  'backup:restoreFromZip': [undefined, null, {}, { fileName: 'a.zip', filePath: '/a.zip' }, { filePath: '' }, { fileName: 7 }],
  'backup:verifyBackup': [undefined, {}, { fileName: '' }, { filePath: 123 }],
  'backup:exportPortable': [undefined, {}, { fileName: '' }, { filePath: '/a.zip' }, { fileName: 'a.zip', to: '/media/usb' }],
  'backup:inspectBackup': [undefined, {}, { fileName: 'x'.repeat(300) }],
  'backup:listBackups': [1, 'x', { all: true }],
  'backup:deleteBackup': [undefined, {}, { fileName: '' }, { fileName: 3 }, { fileName: 'a.zip', extra: 1 }],
  'backup:getStatistics': [true, { detailed: true }],
  'backup:getCurrentCounts': [[], { now: 1 }],
  'backup:chooseFile': ['path', { defaultPath: '/etc' }],
  'backup:cancel': [undefined, {}, { operationId: '../../x' }, { operationId: '' }],
  'backup:getPolicy': [1, { stored: true }],
  'backup:setPolicy': [
    42,
    { unknown: true },
    { schedule: { every: { value: 0, unit: 'hours' } } },
    { schedule: { every: { value: 2, unit: 'weeks' } } },
    { schedule: { dailyAt: '25:00' } },
    { retention: { keepLast: -1 } },
    { drill: { budgetMinutes: 1.5 } },
    // Shaped right, refused by the domain: not 5 minutes apart, keeps nothing.
    { schedule: { every: { value: 2, unit: 'minutes' } } },
    { retention: { keepLast: 0, keepHourly: 0, keepDaily: 0, keepWeekly: 0, keepMonthly: 0, keepYearly: 0 } },
  ],
  'backup:getStatus': ['now', { alarms: true }],
  'backup:prune': [undefined, {}, { dryRun: 'yes' }, { dryRun: true, keepLast: 1 }],
  'backup:pinBackup': [undefined, { fileName: 'a.zip' }, { pinned: true }, { fileName: '', pinned: true }, { fileName: '../data/database.sqlite', pinned: true }],
  'backup:drillNow': [1, { all: 'yes' }, { operationId: '../x' }, { paths: ['/etc'] }],
  'backup:undoRestore': ['x', { safetyCopy: '/tmp/x' }, { operationId: '' }],
  'backup:getKeys': [1, { secret: true }],
  'backup:beginKeySetup': [undefined, {}, { password: '' }, { password: 'x'.repeat(1025) }, { password: 'long enough', extra: 1 }],
  'backup:confirmKeySetup': [undefined, { setupId: 'a' }, { setupId: '../x', recoveryKey: 'k' }, { setupId: 'a', recoveryKey: 'k'.repeat(257) }],
  'backup:changePassword': [{ newPassword: 'long enough' }, { unlock: {}, newPassword: 'long enough' }, { unlock: { password: 'a', recoveryKey: 'b' }, newPassword: 'long enough' }],
  'backup:setEncryption': [undefined, {}, { on: 'yes' }],
  'backup:listDestinations': [1, { all: true }],
  'backup:addDestination': [
    undefined,
    { name: 'usb' },
    { name: '', target: { kind: 'folder', path: '/media/usb' } },
    { name: 'usb', target: { kind: 'ftp', path: '/x' } },
    { name: 'usb', target: { kind: 'folder', path: '/media/usb' }, credentials: { accessKeyId: 'AKIA', secretAccessKey: 'x'.repeat(257) } },
    { name: 's3', target: { kind: 's3', endpoint: null, region: 'us-east-1', bucket: 'b', prefix: '', pathStyle: 'yes', checksum: 'when-supported' } },
  ],
  'backup:testDestination': [undefined, {}, { name: 'a', target: { kind: 'folder', path: '/x' } }, { target: { kind: 'folder', path: '/x' }, credentials: { accessKeyId: 'a', secretAccessKey: 'b' } }],
  'backup:removeDestination': [undefined, {}, { name: 'x'.repeat(41) }],
  'backup:enableDestination': [undefined, { name: 'usb' }, { name: 'usb', enabled: 'on' }],
  'backup:copyNow': [1, { to: '' }, { operationId: '../x' }, { everywhere: true }],
  'backup:destinationBackups': [undefined, {}, { name: 3 }],
  'backup:downloadBackup': [undefined, { name: 'usb' }, { name: 'usb', fileName: '' }, { name: 'usb', fileName: 'a.zip', operationId: '' }],
  'backup:chooseFolder': ['path', { defaultPath: '/etc' }],
};

let runtime: Runtime;

describe('electron main', () => {
  beforeEach(async () => {
    fake.handlers.clear();
    fake.handleCalls.length = 0;
    fake.windows.length = 0;
    fake.state.chosenPath = null;
    fake.appHandlers.clear();
    fake.powerHandlers.clear();
    fake.notifications.length = 0;
    fake.sent.length = 0;
    fake.quits.length = 0;
    runtime = await main({ dataDir: '/data', backupDir: '/backups', uiDir: '/app/dist/ui', preload: '/app/dist/electron/preload.cjs' });
    await runtime.scheduler.settled();
  });

  it('registers exactly the channels of the contract, once each', () => {
    expect([...fake.handleCalls].sort()).toEqual([...CHANNELS].sort());
    expect(new Set(fake.handleCalls).size).toBe(fake.handleCalls.length);
    expect(CHANNELS).toContain('backup:exportNow');
    expect(CHANNELS).toEqual(Object.keys(requestSchemas));
  });

  it('opens one window, isolated and sandboxed, with the preload, on the app scheme', () => {
    expect(fake.windows).toHaveLength(1);
    const prefs = fake.windows[0]!.options.webPreferences as Record<string, unknown>;
    expect(prefs).toMatchObject({ contextIsolation: true, sandbox: true, nodeIntegration: false, webSecurity: true });
    expect(prefs.preload).toBe('/app/dist/electron/preload.cjs');
    expect(WEB_PREFERENCES.nodeIntegration).toBe(false);
    expect(fake.windows[0]!.url).toBe('casevault://app/index.html');
  });

  for (const channel of CHANNELS) {
    it(`${channel}: answers bad payloads with INVALID_INPUT, never a throw`, async () => {
      for (const payload of BAD_PAYLOADS[channel]) {
        const response = await invoke(channel, payload);
        expect(response, JSON.stringify(payload)).toMatchObject({ success: false, code: 'INVALID_INPUT' });
        expect(typeof response.error).toBe('string');
        expect(typeof response.message).toBe('string');
      }
    });
  }

  it('refuses calls that do not come from the app page (another origin, an iframe)', async () => {
    for (const event of [senderEvent('https://evil.example/').event, senderEvent('casevault://app/index.html', {}).event]) {
      expect(await invoke('backup:listBackups', undefined, event)).toMatchObject({ success: false, code: 'PERMISSION_DENIED' });
    }
    expect(isTrustedSender({ senderFrame: null })).toBe(false);
  });

  it('answers good payloads with the seed envelope, and sends progress to the calling window', async () => {
    const { event, sent } = senderEvent();
    const exported = await invoke('backup:exportNow', { compressionLevel: 0, operationId: 'op-1' }, event);
    expect(exported).toMatchObject({ success: true, message: 'Backup exported successfully', operationId: 'op-1' });
    expect(sent.length).toBeGreaterThan(0);
    expect(sent.every((e) => e.channel === 'backup:progress')).toBe(true);
    expect(sent[0]!.payload).toMatchObject({ operationId: 'op-1', operation: 'export' });

    const listed = await invoke('backup:listBackups');
    expect(listed).toMatchObject({ success: true, message: 'Backups listed successfully' });
    expect(listed.backups).toHaveLength(1);
    expect(await invoke('backup:getCurrentCounts')).toMatchObject({ success: true, counts: { cases: 1, files: 0 } });
    expect(await invoke('backup:getStatistics')).toMatchObject({ success: true, statistics: { totalBackups: 1 } });
  });

  it('cancels a running export by its id: CANCELLED, and nothing is listed', async () => {
    const running = invoke('backup:exportNow', { operationId: 'op-cancel' });
    expect(await invoke('backup:cancel', { operationId: 'op-cancel' })).toMatchObject({ success: true, cancelled: true });
    expect(await running).toMatchObject({ success: false, code: 'CANCELLED', message: 'Export cancelled' });
    expect(await invoke('backup:listBackups')).toMatchObject({ success: true, backups: [] });
    expect(await invoke('backup:cancel', { operationId: 'op-cancel' })).toMatchObject({ success: true, cancelled: false });
  });

  it('runs one long operation at a time: a second one is BUSY', async () => {
    const first = invoke('backup:exportNow', { operationId: 'op-a' });
    expect(await invoke('backup:exportNow', { operationId: 'op-b' })).toMatchObject({ success: false, code: 'BUSY' });
    expect(await first).toMatchObject({ success: true });
  });

  it('reads only backups of the list or files chosen in the dialog', async () => {
    expect(await invoke('backup:restoreFromZip', { filePath: '/etc/passwd' })).toMatchObject({ success: false, code: 'INVALID_INPUT' });
    expect(await invoke('backup:verifyBackup', { fileName: '../data/database.sqlite' })).toMatchObject({ success: false, code: 'INVALID_INPUT' });
    expect(await invoke('backup:chooseFile')).toMatchObject({ success: true, cancelled: true });

    fake.state.chosenPath = '/media/usb/old-backup.zip';
    expect(await invoke('backup:chooseFile')).toMatchObject({ success: true, cancelled: false, filePath: '/media/usb/old-backup.zip', fileName: 'old-backup.zip' });
    // Now allowed: it fails only because the file is not there.
    expect(await invoke('backup:inspectBackup', { filePath: '/media/usb/old-backup.zip' })).toMatchObject({ success: false, code: 'NOT_FOUND' });
  });

  it('starts the scheduler, sends its events to the window and shows a desktop notification for each alarm raised', async () => {
    expect(runtime.scheduler.state).toBe('idle');
    // No backup and automatic backups off: the alarm, once, as a notification and to the page.
    expect(fake.notifications).toEqual([{ title: 'No backup yet', body: expect.stringContaining('There is no backup, and automatic backups are off.'), shown: true }]);
    const toPage = fake.sent.filter((e) => e.channel === 'backup:scheduler').map((e) => e.payload as { type: string; raised?: { code: string }[] });
    expect(toPage.find((e) => e.type === 'alarms')?.raised?.map((a) => a.code)).toEqual(['NO_BACKUP']);
    runtime.scheduler.wake();
    await runtime.scheduler.settled();
    expect(fake.notifications).toHaveLength(1); // still the same alarm: not told again
  });

  it('checks at once when the machine resumes (powerMonitor), and when the policy is saved', async () => {
    const resume = vi.spyOn(runtime.scheduler, 'resume');
    expect(fake.powerHandlers.get('resume')).toHaveLength(1);
    fake.powerHandlers.get('resume')![0]!();
    expect(resume).toHaveBeenCalledTimes(1);
    expect(await invoke('backup:setPolicy', { schedule: { every: { value: 1, unit: 'hours' } } })).toMatchObject({ success: true });
    await runtime.scheduler.settled();
    expect((await invoke('backup:listBackups')).backups).toHaveLength(1); // the policy's first run, at once
  });

  it('backs up at quit when the policy says so: quitting waits for it, then the app quits', async () => {
    await invoke('backup:setPolicy', { schedule: { onAppQuit: true } });
    const beforeQuit = fake.appHandlers.get('before-quit') ?? [];
    expect(beforeQuit).toHaveLength(1);
    let prevented = 0;
    beforeQuit[0]!({ preventDefault: () => void (prevented += 1) });
    expect(prevented).toBe(1);
    expect(fake.quits).toEqual([]);
    await vi.waitFor(() => expect(fake.quits).toHaveLength(1));
    expect((await invoke('backup:listBackups')).backups).toHaveLength(1);
    // The app.quit() that follows is let through.
    beforeQuit[0]!({ preventDefault: () => void (prevented += 1) });
    expect(prevented).toBe(1);
  });

  it('tells the page that this host backs up at quit', async () => {
    expect(await invoke('backup:getPolicy')).toMatchObject({ success: true, backupOnQuit: true, stored: true });
  });
});
