/**
 * The browser shell: the settings page in any browser, against the same handler table as
 * the Electron main process, where no Electron binary is available.
 *
 * Only this machine's user may drive it:
 * - it listens on 127.0.0.1 only, on a random port;
 * - the URL it prints carries a random secret token; opening it sets a cookie (HttpOnly,
 *   SameSite=Strict, named after the port) and every other request must carry that cookie;
 * - the Host header must be 127.0.0.1:<port> (no DNS rebinding), and an Origin header, which
 *   browsers send with every POST, must be http://127.0.0.1:<port> (no cross-site requests).
 *
 * Routes: GET / (the page, with the browser bridge's script added), GET /<asset>,
 * POST /api/invoke/<channel> (JSON payload → envelope), GET /api/events (Server-Sent Events:
 * each caller's progress, and the app's events such as the scheduler's, to every page),
 * POST /api/upload?name=<file name> (a backup file chosen in the page), and, only when the
 * shell was started with a test clock, POST /api/test-clock ({ advanceMs } or { set }).
 */
import { randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { createReadStream, createWriteStream, promises as fsp } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { basename, extname, join, resolve, sep } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { BackupIpc, CallContext } from '../app/handlers.ts';
import type { SettableClock } from '../app/testClock.ts';
import { isChannel, unknownChannelMessage, type AppEvent, type EventPayloads } from '../contract/channels.ts';

export interface ShellOptions {
  readonly ipc: BackupIpc;
  /** The built page (dist/ui). */
  readonly uiDir: string;
  /** Where uploaded backups are kept until the shell stops. */
  readonly uploadDir: string;
  readonly port?: number;
  readonly log?: (message: string, error?: unknown) => void;
  /** Events for every page (the scheduler's): the shell sends them down every event stream. */
  readonly subscribe?: (send: CallContext['emit']) => () => void;
  /** Only for the end-to-end tests: the clock POST /api/test-clock moves. Absent: that route does not exist. */
  readonly testClock?: SettableClock;
}

export interface Shell {
  /** The URL to open, with the secret token. */
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

const MAX_JSON_BYTES = 64 * 1024;

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
};

const CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; connect-src 'self'; " +
  "base-uri 'none'; form-action 'none'; frame-ancestors 'none'; object-src 'none'";

export async function startShell(options: ShellOptions): Promise<Shell> {
  const log = options.log ?? ((message: string, error?: unknown) => console.error(`[casevault shell] ${message}`, error ?? ''));
  const token = randomBytes(24).toString('base64url');
  const uiRoot = resolve(options.uiDir);
  const indexHtml = await fsp.readFile(join(uiRoot, 'index.html'), 'utf8').catch((error: unknown) => {
    throw new Error(`casevault shell: ${join(uiRoot, 'index.html')} is missing; run \`npm run build:ui\` first`, { cause: error });
  });
  // The bridge must define window.app before the page's module runs: module scripts run in order.
  const page = indexHtml.replace(/<script\b/, '<script type="module" src="./bridge.js"></script>\n    <script');
  await fsp.mkdir(options.uploadDir, { recursive: true, mode: 0o700 });

  const clients = new Set<ServerResponse>();
  const call: CallContext = {
    emit<E extends AppEvent>(event: E, payload: EventPayloads[E]) {
      const frame = `event: ${event}\ndata: ${JSON.stringify(payload)}\n\n`;
      for (const client of clients) client.write(frame);
    },
  };
  const unsubscribe = options.subscribe?.((event, payload) => call.emit(event, payload)) ?? (() => {});

  let port = 0;
  let cookieName = '';
  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      log(`${req.method ?? '?'} ${req.url ?? '?'} failed`, error);
      if (!res.headersSent) send(res, 500, 'text/plain; charset=utf-8', 'internal error');
      else res.destroy();
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const origin = `http://127.0.0.1:${port}`;
    if (req.headers.host !== `127.0.0.1:${port}`) return send(res, 421, 'text/plain; charset=utf-8', 'wrong Host header');
    const requestOrigin = req.headers.origin;
    if (requestOrigin !== undefined && requestOrigin !== origin) return send(res, 403, 'text/plain; charset=utf-8', 'cross-origin request refused');
    if (req.method === 'POST' && requestOrigin === undefined) return send(res, 403, 'text/plain; charset=utf-8', 'a POST needs an Origin header');
    const url = new URL(req.url ?? '/', origin);

    if (req.method === 'GET' && url.pathname === '/' && url.searchParams.has('token')) {
      if (!sameSecret(url.searchParams.get('token') ?? '', token)) return send(res, 403, 'text/plain; charset=utf-8', 'wrong token');
      res.setHeader('Set-Cookie', `${cookieName}=${token}; HttpOnly; SameSite=Strict; Path=/`);
      res.setHeader('Location', '/');
      return send(res, 303, 'text/plain; charset=utf-8', 'see /');
    }
    if (!sameSecret(readCookie(req, cookieName) ?? '', token)) {
      return send(res, 403, 'text/plain; charset=utf-8', 'open the URL with the token that `npm start` printed');
    }

    if (url.pathname.startsWith('/api/')) return api(req, res, url);
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, 'text/plain; charset=utf-8', 'method not allowed');
    if (url.pathname === '/' || url.pathname === '/index.html') return send(res, 200, CONTENT_TYPES['.html']!, page);
    return serveStatic(res, url.pathname);
  }

  async function api(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    if (req.method === 'GET' && url.pathname === '/api/events') {
      res.writeHead(200, { ...securityHeaders(), 'Content-Type': 'text/event-stream', Connection: 'keep-alive' });
      res.write(': connected\n\n');
      clients.add(res);
      const heartbeat = setInterval(() => res.write(': ping\n\n'), 15_000);
      req.on('close', () => {
        clearInterval(heartbeat);
        clients.delete(res);
      });
      return;
    }
    if (req.method !== 'POST') return send(res, 405, 'text/plain; charset=utf-8', 'method not allowed');
    if (url.pathname === '/api/upload') return upload(req, res, url);
    if (url.pathname === '/api/test-clock') return moveTestClock(req, res);
    const channel = decodeURIComponent(url.pathname.slice('/api/invoke/'.length));
    if (!url.pathname.startsWith('/api/invoke/') || !isChannel(channel)) {
      return send(res, 404, 'application/json', JSON.stringify({ error: unknownChannelMessage(channel) }));
    }
    let payload: unknown;
    try {
      payload = JSON.parse(await readBody(req, MAX_JSON_BYTES));
    } catch (error) {
      const detail = error instanceof Error ? error.message : String(error);
      return sendJson(res, { success: false, code: 'INVALID_INPUT', error: `${channel}: the request is not valid JSON (${detail})`, message: 'Invalid request' });
    }
    // The handler table never throws; it answers every failure with an envelope.
    sendJson(res, await options.ipc.handlers[channel](payload, call));
  }

  async function upload(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const name = safeFileName(url.searchParams.get('name') ?? 'backup.zip');
    const dir = join(options.uploadDir, randomUUID());
    await fsp.mkdir(dir, { mode: 0o700 });
    const path = join(dir, name);
    await pipeline(req, createWriteStream(path, { mode: 0o600, flags: 'wx' }));
    options.ipc.allowFile(path);
    sendJson(res, { success: true, message: 'File chosen', cancelled: false, filePath: path, fileName: name });
  }

  /** Test-only: 404 unless the shell has a test clock; `{ advanceMs }` or `{ set: ISO }`, answers `{ now }`. */
  async function moveTestClock(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const clock = options.testClock;
    if (!clock) return send(res, 404, 'text/plain; charset=utf-8', 'no test clock: the shell was not started with one');
    let body: { advanceMs?: unknown; set?: unknown };
    try {
      body = JSON.parse(await readBody(req, MAX_JSON_BYTES)) as typeof body;
    } catch {
      return send(res, 400, 'text/plain; charset=utf-8', 'test clock: the body must be JSON');
    }
    if (typeof body?.advanceMs === 'number' && Number.isFinite(body.advanceMs)) return sendJson(res, { now: clock.advance(body.advanceMs).toISOString() });
    if (typeof body?.set === 'string' && Number.isFinite(Date.parse(body.set))) return sendJson(res, { now: clock.set(body.set).toISOString() });
    return send(res, 400, 'text/plain; charset=utf-8', 'test clock: give { "advanceMs": number } or { "set": "ISO 8601 time" }');
  }

  async function serveStatic(res: ServerResponse, pathname: string): Promise<void> {
    const path = resolve(uiRoot, `.${decodeURIComponent(pathname)}`);
    if (!path.startsWith(uiRoot + sep)) return send(res, 404, 'text/plain; charset=utf-8', 'not found');
    const stat = await fsp.stat(path).catch(() => null);
    if (!stat?.isFile()) return send(res, 404, 'text/plain; charset=utf-8', 'not found');
    res.writeHead(200, { ...securityHeaders(), 'Content-Type': CONTENT_TYPES[extname(path)] ?? 'application/octet-stream', 'Content-Length': stat.size });
    await pipeline(createReadStream(path), res);
  }

  await new Promise<void>((resolveListen, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolveListen());
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('casevault shell: no TCP address');
  port = address.port;
  cookieName = `casevault_${port}`;

  return {
    url: `http://127.0.0.1:${port}/?token=${token}`,
    port,
    close: async () => {
      unsubscribe();
      for (const client of clients) client.end();
      clients.clear();
      server.closeAllConnections();
      await new Promise<void>((done) => server.close(() => done()));
      await fsp.rm(options.uploadDir, { recursive: true, force: true });
    },
  };
}

function securityHeaders(): Record<string, string> {
  return {
    'Content-Security-Policy': CSP,
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
    'X-Frame-Options': 'DENY',
    'Cache-Control': 'no-store',
  };
}

function send(res: ServerResponse, status: number, contentType: string, body: string): void {
  res.writeHead(status, { ...securityHeaders(), 'Content-Type': contentType, 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}

function sendJson(res: ServerResponse, value: unknown): void {
  send(res, 200, 'application/json; charset=utf-8', JSON.stringify(value));
}

function sameSecret(given: string, secret: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(secret);
  return a.length === b.length && timingSafeEqual(a, b);
}

function readCookie(req: IncomingMessage, name: string): string | null {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const [key, ...value] = part.trim().split('=');
    if (key === name) return value.join('=');
  }
  return null;
}

async function readBody(req: IncomingMessage, max: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > max) throw new Error(`the request body exceeds ${max} bytes`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** A name that stays one plain file name in the upload dir. */
function safeFileName(name: string): string {
  // eslint-disable-next-line no-control-regex
  const cleaned = basename(name.replace(/\\/g, '/')).replace(/[\u0000-\u001f\u007f<>:"|?*]/g, '_').slice(0, 200);
  return cleaned === '' || cleaned === '.' || cleaned === '..' ? 'backup.zip' : cleaned;
}
