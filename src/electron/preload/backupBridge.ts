/**
 * The preload (sandboxed, context-isolated): gives the page `window.app = { invoke, on }`
 * and nothing else. Only the channels and events of the contract (src/contract/channels.ts) pass; any other name
 * is refused here with an error, before it reaches the main process. Listeners get the
 * event's payload only, never Electron's event object (which would expose `sender`).
 * Bundled to dist/electron/preload.cjs (a sandboxed preload cannot import modules).
 */
import { contextBridge, ipcRenderer, type IpcRenderer, type IpcRendererEvent } from 'electron';
import {
  isAppEvent,
  isChannel,
  unknownChannelMessage,
  unknownEventMessage,
  type AppBridge,
  type AppEvent,
  type EventPayloads,
} from '../../contract/channels.ts';

export function createPreloadBridge(renderer: Pick<IpcRenderer, 'invoke' | 'on' | 'removeListener'>): AppBridge {
  const invoke = async (channel: unknown, payload?: unknown): Promise<unknown> => {
    if (!isChannel(channel)) throw new Error(unknownChannelMessage(channel));
    return renderer.invoke(channel, payload);
  };
  return {
    invoke: invoke as AppBridge['invoke'],
    on<E extends AppEvent>(event: E, listener: (payload: EventPayloads[E]) => void): () => void {
      if (!isAppEvent(event)) throw new Error(unknownEventMessage(event));
      const forward = (_event: IpcRendererEvent, payload: EventPayloads[E]) => listener(payload);
      renderer.on(event, forward);
      return () => void renderer.removeListener(event, forward);
    },
  };
}

contextBridge.exposeInMainWorld('app', createPreloadBridge(ipcRenderer));
