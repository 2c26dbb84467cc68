// The web cockpit's HTTP(S) server: public page and assets, a cookie login,
// the JSON API (the `ls --json` list, peek), the pushed event stream (SSE) and
// the attach WebSocket. Every /api/ route but login needs the cookie.
import { createServer as createHttp, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttps } from 'node:https';
import { readFile } from 'node:fs/promises';
import { extname, join, normalize } from 'node:path';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import { toConvocateError, type ErrorCode } from '../protocol/errors.js';
import type { AgentDirectory } from '../shell/client/agent-directory.js';
import { bridgeAttach } from './attach-bridge.js';
import type { EventHub } from './event-hub.js';
import { LoginLimiter } from './rate-limit.js';
import { COOKIE_NAME, cookieFrom, readToken, sameSecret, signCookie, verifyCookie } from './token.js';
import { listJson, peekJson } from './api.js';
import { createSession, errorBody, sessionAction, settingsJson } from './actions.js';

export interface WebServerOptions {
  directory: AgentDirectory;
  configDir: string;
  /** Where index.html and the bundle live. */
  assetsDir: string;
  tls?: { cert: Buffer; key: Buffer };
  hub: EventHub;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json',
};
const MAX_LOGIN_BODY = 4_096;
const MAX_ACTION_BODY = 16_384;
const ACTION_PATH = /^\/api\/sessions\/([^/]{1,64})\/([a-z]{1,20})$/;

export function createWebServer(opts: WebServerOptions): Server {
  const limiter = new LoginLimiter();
  const secure = Boolean(opts.tls);
  const authed = async (req: IncomingMessage) => {
    const token = await readToken(opts.configDir);
    return token !== undefined && verifyCookie(token, cookieFrom(req.headers.cookie));
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://cockpit');
    const path = url.pathname;
    if (!path.startsWith('/api/')) return serveStatic(opts.assetsDir, path, res);
    if (path === '/api/login' && req.method === 'POST') return login(req, res);
    if (!(await authed(req))) return send(res, 401, { error: 'log in first: open the URL `convocate web --print-url` prints' });
    if (path === '/api/sessions' && req.method === 'GET') return send(res, 200, await listJson(opts.directory));
    if (path === '/api/peek' && req.method === 'GET') return send(res, 200, await peekJson(opts.directory, url.searchParams.get('id') ?? ''));
    if (path === '/api/events' && req.method === 'GET') return opts.hub.stream(req, res);
    if (path === '/api/settings' && req.method === 'GET') return send(res, 200, await settingsJson(opts.directory));
    const action = ACTION_PATH.exec(path);
    if (req.method === 'POST' && (path === '/api/sessions' || action)) {
      // A cookie rides along on a cross-site form post; a JSON body from this very origin does not.
      if (!sameOrigin(req, secure) || !/^application\/json\b/.test(req.headers['content-type'] ?? '')) {
        return send(res, 403, { error: 'refused: actions need a JSON body from this page' });
      }
      const body = parseJsonObject(await readBody(req, MAX_ACTION_BODY));
      if (!body) return send(res, 400, { error: 'the body must be a JSON object' });
      const result = action
        ? await sessionAction(opts.directory, decodeURIComponent(action[1]!), action[2]!, body)
        : await createSession(opts.directory, body);
      opts.hub.relist();
      return send(res, 200, result);
    }
    return send(res, 404, { error: `no such route: ${req.method} ${path}` });
  };

  const login = async (req: IncomingMessage, res: ServerResponse) => {
    const addr = req.socket.remoteAddress ?? '?';
    const wait = limiter.retryAfter(addr);
    if (wait > 0) {
      res.setHeader('Retry-After', String(Math.ceil(wait / 1000)));
      return send(res, 429, { error: 'too many failed logins: wait and try again' });
    }
    const body = await readBody(req, MAX_LOGIN_BODY);
    let given: unknown;
    try {
      given = (JSON.parse(body) as { token?: unknown }).token;
    } catch {
      given = undefined;
    }
    const token = await readToken(opts.configDir);
    if (typeof given !== 'string' || !token || !sameSecret(given, token)) {
      limiter.fail(addr);
      return send(res, 401, { error: 'wrong token: open the URL `convocate web --print-url` prints' });
    }
    limiter.succeed(addr);
    const attrs = ['Path=/', 'HttpOnly', 'SameSite=Strict', ...(secure ? ['Secure'] : [])];
    res.setHeader('Set-Cookie', `${COOKIE_NAME}=${signCookie(token)}; ${attrs.join('; ')}`);
    res.writeHead(204).end();
  };

  const server = opts.tls ? createHttps({ cert: opts.tls.cert, key: opts.tls.key }) : createHttp();
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    handle(req, res).catch((err: unknown) => {
      const e = toConvocateError(err);
      const status = STATUS_OF[e.code] ?? 500;
      if (!res.headersSent) send(res, status, errorBody(err));
      else res.end();
    });
  });

  const wss = new WebSocketServer({ noServer: true, maxPayload: 1 << 20 });
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const refuse = (status: number, text: string) => {
      socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
    };
    const url = new URL(req.url ?? '/', 'http://cockpit');
    if (url.pathname !== '/api/attach') return refuse(404, 'Not Found');
    if (!sameOrigin(req, secure)) return refuse(403, 'Forbidden');
    authed(req).then((ok) => {
      if (!ok) return refuse(401, 'Unauthorized');
      wss.handleUpgrade(req, socket, head, (ws) => {
        bridgeAttach(ws, opts.directory, url.searchParams.get('id') ?? '', url.searchParams.get('read_only') === '1');
      });
    }, () => refuse(500, 'Internal Server Error'));
  });
  server.on('close', () => wss.close());
  return server;
}

/** How an agent's refusal reads over HTTP. */
const STATUS_OF: Partial<Record<ErrorCode, number>> = {
  not_found: 404,
  invalid_argument: 400,
  conflict: 409,
  already_running: 409,
  locked: 409,
  unavailable: 503,
};

function parseJsonObject(text: string): Record<string, unknown> | undefined {
  try {
    const v = JSON.parse(text) as unknown;
    return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** A browser always sends Origin on a WebSocket upgrade; it must be this very server. */
export function sameOrigin(req: IncomingMessage, secure: boolean): boolean {
  const origin = req.headers.origin;
  const host = req.headers.host;
  if (!origin || !host) return false;
  return origin === `${secure ? 'https' : 'http'}://${host}`;
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' }).end(text);
}

async function readBody(req: IncomingMessage, limit: number): Promise<string> {
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) break;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

async function serveStatic(dir: string, path: string, res: ServerResponse): Promise<void> {
  const rel = path === '/' ? 'index.html' : normalize(path).replace(/^[/\\]+/, '');
  if (rel.startsWith('..') || !TYPES[extname(rel)]) return send(res, 404, { error: 'not found' });
  const body = await readFile(join(dir, rel)).catch(() => undefined);
  if (!body) return send(res, 404, { error: 'not found' });
  res.writeHead(200, {
    'Content-Type': TYPES[extname(rel)]!,
    'Content-Security-Policy': "default-src 'self'; style-src 'self' 'unsafe-inline'",
    'X-Content-Type-Options': 'nosniff',
  }).end(body);
}
