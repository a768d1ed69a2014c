/** The preload's bridge, with a fake `electron`: only the contract's channels and events pass. */
import { describe, expect, it, vi } from 'vitest';
import { CHANNELS } from '../../src/contract/channels.ts';

const fake = vi.hoisted(() => ({
  exposed: new Map<string, unknown>(),
  invoked: [] as { channel: string; payload: unknown }[],
  listeners: new Map<string, Set<(event: unknown, payload: unknown) => void>>(),
}));

vi.mock('electron', () => ({
  contextBridge: { exposeInMainWorld: (key: string, api: unknown) => fake.exposed.set(key, api) },
  ipcRenderer: {
    invoke: async (channel: string, payload: unknown) => {
      fake.invoked.push({ channel, payload });
      return { success: true, message: 'ok' };
    },
    on: (channel: string, listener: (event: unknown, payload: unknown) => void) => {
      if (!fake.listeners.has(channel)) fake.listeners.set(channel, new Set());
      fake.listeners.get(channel)!.add(listener);
    },
    removeListener: (channel: string, listener: (event: unknown, payload: unknown) => void) => {
      fake.listeners.get(channel)?.delete(listener);
    },
  },
}));

await import('../../src/electron/preload/backupBridge.ts');

interface LooseBridge {
  invoke(channel: string, payload?: unknown): Promise<unknown>;
  on(event: string, listener: (payload: unknown) => void): () => void;
}
const app = fake.exposed.get('app') as LooseBridge;

describe('preload bridge', () => {
  it('exposes only window.app with invoke and on', () => {
    expect([...fake.exposed.keys()]).toEqual(['app']);
    expect(Object.keys(app).sort()).toEqual(['invoke', 'on']);
  });

  it('forwards every channel of the contract with its payload', async () => {
    for (const channel of CHANNELS) {
      await app.invoke(channel, { probe: channel });
    }
    expect(fake.invoked.map((c) => c.channel)).toEqual(CHANNELS);
    expect(fake.invoked[0]!.payload).toEqual({ probe: CHANNELS[0] });
  });

  it('refuses any other channel with a clear error, without reaching the main process', async () => {
    const before = fake.invoked.length;
    for (const channel of ['backup:deleteEverything', 'fs:readFile', '', 'BACKUP:EXPORTNOW', '__proto__', 'constructor']) {
      await expect(app.invoke(channel)).rejects.toThrow(/is not an allowed channel/);
    }
    expect(fake.invoked.length).toBe(before);
  });

  it('subscribes to allowed events only, hands listeners the payload alone, and unsubscribes', () => {
    const received: unknown[] = [];
    const off = app.on('backup:progress', (payload) => received.push(payload));
    const [listener] = [...fake.listeners.get('backup:progress')!];
    listener!({ sender: 'secret' }, { operationId: 'op', operation: 'export', progress: { phase: 'archive', done: 1, total: 2, unit: 'bytes' } });
    expect(received).toEqual([{ operationId: 'op', operation: 'export', progress: { phase: 'archive', done: 1, total: 2, unit: 'bytes' } }]);
    off();
    expect(fake.listeners.get('backup:progress')!.size).toBe(0);
    expect(() => app.on('ipc:anything', () => {})).toThrow(/is not an event of the app/);
  });
});
