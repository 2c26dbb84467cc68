// `convocate web`: checks the listen address and TLS, makes the login token on
// first start, prints the login URL once, and serves the cockpit until stopped.
import { readFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { fileURLToPath } from 'node:url';
import { ConvocateError, quote } from '../protocol/errors.js';
import { parseHostPort } from '../protocol/host-port.js';
import type { AgentDirectory } from '../shell/client/agent-directory.js';
import type { ActivityChange } from '../shell/status/activity-change.js';
import { EventHub } from './event-hub.js';
import { createWebServer } from './server.js';
import { ensureToken, readToken, rotateToken } from './token.js';

export const DEFAULT_LISTEN = '127.0.0.1:7681';

export interface WebFlags {
  listen?: string;
  tlsCert?: string;
  tlsKey?: string;
  insecureHttp?: boolean;
  printUrl?: boolean;
  rotateToken?: boolean;
}

export interface WebDeps {
  configDir: string;
  out: (line: string) => void;
  /** Status events (status-serve's and the embedded agent's), as the TUI hears them. */
  subscribe(onChange: (change: ActivityChange | undefined) => void): { close(): void };
  /** Resolves when the server should stop (SIGINT/SIGTERM); tests pass their own. */
  stopped?: Promise<void>;
  onListening?: (port: number) => void;
}

export interface Listen {
  host: string;
  port: number;
}

/** `ADDR:PORT` in the one `host[:port]` syntax; the port is required (0 picks a free one). */
export function parseListen(text: string): Listen {
  try {
    const { host, port } = parseHostPort(text, { what: '--listen', minPort: 0 });
    if (port !== undefined) return { host, port };
  } catch {
    // One message for every way it can be wrong, below.
  }
  throw new ConvocateError('invalid_argument', `--listen ${quote(text)} is invalid: use ADDR:PORT, e.g. ${DEFAULT_LISTEN}`);
}

export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\./.test(host);
}

/** Validates flags that need no agent; returns the listen address and whether TLS is on. */
export function checkFlags(flags: WebFlags): { listen: Listen; tls: boolean } {
  const listen = parseListen(flags.listen ?? DEFAULT_LISTEN);
  if (Boolean(flags.tlsCert) !== Boolean(flags.tlsKey)) {
    throw new ConvocateError('invalid_argument', '--tls-cert and --tls-key go together: give both or neither');
  }
  const tls = Boolean(flags.tlsCert);
  if (!tls && !isLoopback(listen.host) && !flags.insecureHttp) {
    throw new ConvocateError(
      'invalid_argument',
      `refusing to serve ${listen.host} without TLS: the login cookie would cross the network in clear (give --tls-cert/--tls-key, or --insecure-http)`,
    );
  }
  return { listen, tls };
}

export function loginUrl(listen: Listen, tls: boolean, token: string): string {
  const wildcard = listen.host === '0.0.0.0' || listen.host === '::';
  const host = wildcard ? hostname() : listen.host.includes(':') ? `[${listen.host}]` : listen.host;
  return `${tls ? 'https' : 'http'}://${host}:${listen.port}/#token=${token}`;
}

/** `--print-url` / `--rotate-token`: no agents needed. */
export async function tokenCommand(flags: WebFlags, deps: Pick<WebDeps, 'configDir' | 'out'>): Promise<void> {
  const { listen, tls } = checkFlags(flags);
  if (flags.rotateToken) {
    const token = await rotateToken(deps.configDir);
    deps.out('new token: every browser must log in again');
    if (flags.printUrl) deps.out(loginUrl(listen, tls, token));
    return;
  }
  const token = await readToken(deps.configDir);
  if (!token) throw new ConvocateError('not_found', 'no web token yet: start `convocate web` once');
  deps.out(loginUrl(listen, tls, token));
}

export async function runWeb(directory: AgentDirectory, flags: WebFlags, deps: WebDeps): Promise<void> {
  const { listen, tls } = checkFlags(flags);
  const tlsFiles = tls
    ? { cert: await readPem(flags.tlsCert!, '--tls-cert'), key: await readPem(flags.tlsKey!, '--tls-key') }
    : undefined;
  const { token, created } = await ensureToken(deps.configDir);
  const hub = new EventHub(directory);
  const server = createWebServer({ directory, configDir: deps.configDir, assetsDir: pageDir(), tls: tlsFiles, hub });
  const sub = deps.subscribe((change) => hub.changed(change));
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(listen.port, listen.host, () => resolve());
    });
    const address = server.address();
    const port = typeof address === 'object' && address ? address.port : listen.port;
    deps.out(`convocate web: serving on ${tls ? 'https' : 'http'}://${listen.host.includes(':') ? `[${listen.host}]` : listen.host}:${port}/`);
    if (created) deps.out(`log in with: ${loginUrl({ ...listen, port }, tls, token)}`);
    deps.onListening?.(port);
    await (deps.stopped ?? untilSignal());
  } finally {
    sub.close();
    hub.close();
    server.closeAllConnections?.();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

export function pageDir(): string {
  return fileURLToPath(new URL('./page/', import.meta.url));
}

async function readPem(path: string, flag: string): Promise<Buffer> {
  return readFile(path).catch((err: NodeJS.ErrnoException) => {
    throw new ConvocateError('invalid_argument', `${flag} ${quote(path)}: ${err.code === 'ENOENT' ? 'no such file' : err.message}`);
  });
}

function untilSignal(): Promise<void> {
  return new Promise((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });
}
