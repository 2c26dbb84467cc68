// `convocate web` behind its login, over real HTTP and WebSockets: without the
// cookie every API route and the attach socket answer 401; a wrong token is
// refused and then rate-limited; a cross-origin upgrade or action is refused; the token
// file is 0600 and rotating it voids the cookie; bad flags fail with one line.
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { cliEnv, cliFails, cliOk, type CliEnv } from '../helpers/cli.js';
import { sessionImage } from '../helpers/docker.js';
import { startWeb, type WebServer } from '../helpers/web.js';

let ctx: CliEnv;
let web: WebServer;

beforeAll(async () => {
  ctx = await cliEnv('web-auth', sessionImage());
  await cliOk(ctx.env, 'new', 'web-auth-one');
  web = await startWeb(ctx.env);
});
afterAll(async () => {
  await web?.stop();
  await ctx?.cleanup();
});

function upgrade(base: string, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${base.replace('http', 'ws')}/api/attach?id=web-auth-one`, { headers });
    ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
    ws.on('open', () => {
      ws.close();
      resolve(101);
    });
    ws.on('error', reject);
  });
}

async function logIn(token: string): Promise<Response> {
  return fetch(`${web.base}/api/login`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ token }) });
}

describe('convocate web login', () => {
  it('serves the page publicly but every API route and the attach socket need the cookie', async () => {
    const page = await fetch(`${web.base}/`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('/app.js');
    for (const path of ['/api/sessions', '/api/events', '/api/peek?id=web-auth-one', '/api/nothing']) {
      expect((await fetch(`${web.base}${path}`)).status, path).toBe(401);
    }
    expect(await upgrade(web.base, { Origin: web.base })).toBe(401);
  });

  it('exchanges the token for an HttpOnly SameSite=Strict cookie that opens the API and the ls --json list', async () => {
    const token = new URL(web.loginUrl).hash.replace('#token=', '');
    const res = await logIn(token);
    expect(res.status).toBe(204);
    const cookie = res.headers.get('set-cookie')!;
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Strict/);
    const jar = cookie.split(';')[0]!;
    const list = (await (await fetch(`${web.base}/api/sessions`, { headers: { cookie: jar } })).json()) as Array<{ name: string }>;
    expect(list).toEqual(JSON.parse(await cliOk(ctx.env, 'ls', '--json')));
    expect(list.map((s) => s.name)).toContain('web-auth-one');
    // A page elsewhere may not open a terminal with this operator's cookie.
    expect(await upgrade(web.base, { Origin: 'http://evil.example', cookie: jar })).toBe(403);
    expect(await upgrade(web.base, { cookie: jar })).toBe(403);
    expect((await stat(join(ctx.root, 'shell', 'web-token'))).mode & 0o777).toBe(0o600);

    // --print-url prints the same URL again; --rotate-token voids the cookie.
    expect(await cliOk(ctx.env, 'web', '--print-url', '--listen', new URL(web.base).host)).toBe(`${web.loginUrl}\n`);
    await cliOk(ctx.env, 'web', '--rotate-token');
    expect((await fetch(`${web.base}/api/sessions`, { headers: { cookie: jar } })).status).toBe(401);
  });

  it('refuses bad flags with one clear line', async () => {
    await cliFails(ctx.env, ['web', '--listen', '0.0.0.0:7681'], /refusing to serve 0\.0\.0\.0 without TLS/);
    await cliFails(ctx.env, ['web', '--listen', 'nonsense'], /--listen "nonsense" is invalid/);
    await cliFails(ctx.env, ['web', '--tls-cert', 'a.pem'], /--tls-cert and --tls-key go together/);
  });

  it('takes actions only as a JSON body from its own origin, and answers a refusal as one-line {error}', async () => {
    const url = (await cliOk(ctx.env, 'web', '--print-url', '--listen', new URL(web.base).host)).trim();
    const jar = (await logIn(new URL(url).hash.replace('#token=', ''))).headers.get('set-cookie')!.split(';')[0]!;
    const post = (path: string, headers: Record<string, string>, body: string) =>
      fetch(`${web.base}${path}`, { method: 'POST', headers: { cookie: jar, ...headers }, body });
    const json = { 'Content-Type': 'application/json' };
    const good = JSON.stringify({ name: 'web-auth-forged' });

    expect((await post('/api/sessions', { ...json, Origin: 'http://evil.example' }, good)).status).toBe(403);
    expect((await post('/api/sessions', json, good)).status).toBe(403);
    expect((await post('/api/sessions', { 'Content-Type': 'application/x-www-form-urlencoded', Origin: web.base }, 'name=web-auth-forged')).status).toBe(403);
    expect((await post('/api/sessions/web-auth-one/kill', { ...json, Origin: 'http://evil.example' }, '{}')).status).toBe(403);
    expect((await fetch(`${web.base}/api/sessions/web-auth-one/delete`, { method: 'POST', headers: { ...json, Origin: web.base }, body: '{}' })).status).toBe(401);

    const badName = await post('/api/sessions', { ...json, Origin: web.base }, JSON.stringify({ name: 'Bad Name!' }));
    expect(badName.status).toBe(400);
    const refusal = (await badName.json()) as { error: string; field?: string };
    expect(refusal.field).toBe('name');
    expect(refusal.error).toMatch(/^[^\n]+$/);
    const missing = await post('/api/sessions/no-such-session/kill', { ...json, Origin: web.base }, '{}');
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as { error: string }).error).toMatch(/no-such-session/);
    expect((await post('/api/sessions', { ...json, Origin: web.base }, '[1,2]')).status).toBe(400);

    const names = (JSON.parse(await cliOk(ctx.env, 'ls', '--json')) as Array<{ name: string }>).map((s) => s.name);
    expect(names).toEqual(['web-auth-one']);
  });

  it('refuses a wrong token, then rate-limits the address', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 7; i++) statuses.push((await logIn('0'.repeat(64))).status);
    expect(statuses.slice(0, 5)).toEqual([401, 401, 401, 401, 401]);
    expect(statuses[6]).toBe(429);
    expect((await logIn('not json at all')).status).toBe(429);
  });
});
