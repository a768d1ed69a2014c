/**
 * Wiring of the Electron main process, with a fake `electron` module: the channels it
 * registers, the window's security settings, and what each handler answers to bad input,
 * to a foreign sender, to cancel, and to a second operation while one runs. The backup
 * service behind it is the spec suite's (memfs + sql.js).
 */
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { CHANNELS, requestSchemas, type Channel } from '../../src/contract/channels.ts';

type Listener = (event: unknown, payload?: unknown) => Promise<unknown>;

const fake = vi.hoisted(() => {
  const handlers = new Map<string, (event: unknown, payload?: unknown) => Promise<unknown>>();
  const handleCalls: string[] = [];
  const windows: { options: Record<string, unknown>; url: string | null }[] = [];
  const state = { chosenPath: null as string | null };
  return { handlers, handleCalls, windows, state };
});

vi.mock('electron', () => {
  class BrowserWindow {
    readonly webContents = { on: () => {}, setWindowOpenHandler: () => {} };
    constructor(options: Record<string, unknown>) {
      fake.windows.push({ options, url: null });
    }
    once() {}
    async loadURL(url: string) {
      fake.windows[fake.windows.length - 1]!.url = url;
    }
  }
  return {
    app: { whenReady: async () => {}, on: () => {}, quit: () => {}, exit: () => {}, getPath: () => '/tmp/casevault-test' },
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
  };
});

vi.mock('../../src/app/compose.ts', async () => {
  const { createMemoryHarness } = await import('../support/memoryHarness.ts');
  return {
    composeBackupService: async () => {
      const h = await createMemoryHarness();
      await h.db.write(`INSERT INTO cases (title) VALUES ('Doe v. Roe')`);
      return { service: h.service, deps: h.deps, config: h.config, close: async () => {} };
    },
  };
});

const { main, WEB_PREFERENCES, isTrustedSender } = await import('../../src/electron/main/main.ts');

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
  'backup:inspectBackup': [undefined, {}, { fileName: 'x'.repeat(300) }],
  'backup:listBackups': [1, 'x', { all: true }],
  'backup:deleteBackup': [undefined, {}, { fileName: '' }, { fileName: 3 }, { fileName: 'a.zip', extra: 1 }],
  'backup:getStatistics': [true, { detailed: true }],
  'backup:getCurrentCounts': [[], { now: 1 }],
  'backup:chooseFile': ['path', { defaultPath: '/etc' }],
  'backup:cancel': [undefined, {}, { operationId: '../../x' }, { operationId: '' }],
};

describe('electron main', () => {
  beforeEach(async () => {
    fake.handlers.clear();
    fake.handleCalls.length = 0;
    fake.windows.length = 0;
    fake.state.chosenPath = null;
    await main({ dataDir: '/data', backupDir: '/backups', uiDir: '/app/dist/ui', preload: '/app/dist/electron/preload.cjs' });
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
});
