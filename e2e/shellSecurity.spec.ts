/**
 * The browser shell answers only its own page: the secret token (then its cookie), the
 * loopback Host, the same Origin. Requests are made with node:http so that every header is
 * exactly what the test says.
 */
import { request as httpRequest } from 'node:http';
import { DEMO_COUNTS, expect, test } from './support/shell.ts';

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

function send(url: string, options: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method: options.method ?? 'GET', headers: options.headers ?? {} }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

test('the shell refuses requests without the token, from another Host or another Origin', async ({ shell }) => {
  const { origin, url } = shell;
  const host = new URL(url).host;

  expect((await send(`${origin}/`)).status).toBe(403);
  expect((await send(`${origin}/?token=wrong`)).status).toBe(403);
  const opened = await send(url);
  expect(opened.status).toBe(303);
  const cookie = String(opened.headers['set-cookie']).split(';')[0]!;
  expect(String(opened.headers['set-cookie'])).toMatch(/HttpOnly; SameSite=Strict/);

  const page = await send(`${origin}/`, { headers: { cookie } });
  expect(page.status).toBe(200);
  expect(page.headers['content-security-policy']).toContain("script-src 'self'");
  expect(page.body).toContain('bridge.js');

  const invoke = (headers: Record<string, string>, channel = 'backup:getCurrentCounts') =>
    send(`${origin}/api/invoke/${channel}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: 'null' });

  const ok = await invoke({ cookie, origin });
  expect(ok.status).toBe(200);
  expect(JSON.parse(ok.body)).toMatchObject({ success: true, counts: { cases: Number(DEMO_COUNTS.cases) } });

  expect((await invoke({ origin })).status).toBe(403); // no cookie
  expect((await invoke({ cookie })).status).toBe(403); // a POST without Origin
  expect((await invoke({ cookie, origin: 'http://evil.example' })).status).toBe(403);
  expect((await invoke({ cookie, origin, host: `evil.example:${new URL(url).port}` })).status).toBe(421); // DNS rebinding
  expect((await invoke({ cookie, origin, host: `localhost:${new URL(url).port}` })).status).toBe(421);
  expect(host).toMatch(/^127\.0\.0\.1:\d+$/);

  const unknown = await invoke({ cookie, origin }, 'backup:rm-rf');
  expect(unknown.status).toBe(404);
  expect(unknown.body).toContain('is not an allowed channel');

  const badJson = await send(`${origin}/api/invoke/backup:deleteBackup`, { method: 'POST', headers: { cookie, origin }, body: '{"fileName":' });
  expect(JSON.parse(badJson.body)).toMatchObject({ success: false, code: 'INVALID_INPUT' });

  for (const path of ['/../package.json', '/%2e%2e/%2e%2e/package.json', '/assets/../../src/server/start.ts']) {
    expect((await send(`${origin}${path}`, { headers: { cookie } })).status, path).toBe(404);
  }
});

test('the test clock cannot be moved unless the shell was started with one', async ({ shell }) => {
  const cookie = String((await send(shell.url)).headers['set-cookie']).split(';')[0]!;
  const move = (headers: Record<string, string>) =>
    send(`${shell.origin}/api/test-clock`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ advanceMs: 86_400_000 }) });
  const refused = await move({ cookie, origin: shell.origin });
  expect(refused.status).toBe(404);
  expect(refused.body).toContain('no test clock');
});

test.describe('with a test clock', () => {
  test.use({ testClock: '2026-11-02T08:00:00.000Z' });

  test('moves it only for the page that opened the shell, and says where it is', async ({ shell }) => {
    const cookie = String((await send(shell.url)).headers['set-cookie']).split(';')[0]!;
    const move = (headers: Record<string, string>, body: unknown) =>
      send(`${shell.origin}/api/test-clock`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
    expect((await move({ origin: shell.origin }, { advanceMs: 1 })).status).toBe(403); // no cookie
    expect((await move({ cookie }, { advanceMs: 1 })).status).toBe(403); // a POST without Origin
    expect((await move({ cookie, origin: 'http://evil.example' }, { advanceMs: 1 })).status).toBe(403);
    expect((await move({ cookie, origin: shell.origin }, { advanceMs: 'a day' })).status).toBe(400);
    const moved = await move({ cookie, origin: shell.origin }, { set: '2026-12-24T18:00:00.000Z' });
    expect(moved.status).toBe(200);
    expect(Date.parse((JSON.parse(moved.body) as { now: string }).now) - Date.parse('2026-12-24T18:00:00.000Z')).toBeLessThan(60_000);
  });
});
