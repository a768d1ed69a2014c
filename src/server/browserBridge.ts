/**
 * The browser shell's `window.app` (runs in the page, before the UI's bundle): the same
 * AppBridge contract as Electron's preload, over HTTP to the loopback server. The session
 * cookie (set when the page was opened with its secret token) authenticates every call.
 * - `invoke` POSTs the payload to /api/invoke/<channel>; an unknown channel is refused here,
 *   before any request, with the same error as the preload's.
 * - `on` listens to /api/events (Server-Sent Events).
 * - `backup:chooseFile`: a page cannot learn a file's path, so the chosen file is uploaded
 *   to the shell (POST /api/upload), which keeps it in a temp dir and answers with that
 *   copy's path, as the Electron file dialog answers with the original's.
 */
import {
  isAppEvent,
  isChannel,
  unknownChannelMessage,
  unknownEventMessage,
  type AppBridge,
  type AppEvent,
  type Channel,
  type Envelope,
  type EventPayloads,
} from '../contract/channels.ts';

async function post<C extends Channel>(url: string, body: BodyInit, contentType: string): Promise<Envelope<C>> {
  const response = await fetch(url, { method: 'POST', body, headers: { 'content-type': contentType }, credentials: 'same-origin' });
  if (!response.ok) throw new Error(`casevault shell: ${url} answered ${response.status} ${await response.text()}`);
  return (await response.json()) as Envelope<C>;
}

const noFile: Envelope<'backup:chooseFile'> = { success: true, message: 'No file chosen', cancelled: true };

function chooseAndUpload(): Promise<Envelope<'backup:chooseFile'>> {
  return new Promise((resolve, reject) => {
    const input = document.createElement('input');
    input.type = 'file';
    input.accept = '.zip,application/zip';
    input.hidden = true;
    document.body.append(input);
    const done = () => input.remove();
    input.addEventListener('cancel', () => {
      done();
      resolve(noFile);
    });
    input.addEventListener('change', () => {
      const file = input.files?.[0];
      done();
      if (!file) return resolve(noFile);
      post<'backup:chooseFile'>(`/api/upload?name=${encodeURIComponent(file.name)}`, file, 'application/octet-stream').then(resolve, reject);
    });
    input.click();
  });
}

let events: EventSource | null = null;
function eventSource(): EventSource {
  events ??= new EventSource('/api/events', { withCredentials: true });
  return events;
}

const invoke = async (channel: unknown, payload?: unknown): Promise<Envelope<Channel>> => {
  if (!isChannel(channel)) throw new Error(unknownChannelMessage(channel));
  if (channel === 'backup:chooseFile') return chooseAndUpload();
  return post(`/api/invoke/${encodeURIComponent(channel)}`, JSON.stringify(payload ?? null), 'application/json');
};

const bridge: AppBridge = {
  invoke: invoke as AppBridge['invoke'],
  on<E extends AppEvent>(event: E, listener: (payload: EventPayloads[E]) => void): () => void {
    if (!isAppEvent(event)) throw new Error(unknownEventMessage(event));
    const handle = (message: MessageEvent<string>) => listener(JSON.parse(message.data) as EventPayloads[E]);
    const source = eventSource();
    source.addEventListener(event, handle);
    return () => source.removeEventListener(event, handle);
  },
};

Object.defineProperty(window, 'app', { value: Object.freeze(bridge), writable: false, configurable: false });
