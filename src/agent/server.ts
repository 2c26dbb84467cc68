// The agent's SSH control plane (SPEC §4). Security posture: ed25519 public-key
// auth against authorized_keys only; a session channel may open exactly one of
// the two convocate subsystems and nothing else — no shell, exec, pty, env,
// forwarding or agent forwarding. A misbehaving peer only loses its own connection.
import ssh2, { type Connection, type Session } from 'ssh2';
import type { AddressInfo } from 'node:net';
import type { AgentApi } from '../protocol/agent-api.js';
import { ATTACH_SUBSYSTEM, RPC_SUBSYSTEM } from '../protocol/subsystems.js';
import { requireEd25519PublicKey } from '../lib/ssh-auth.js';
import { serveAttachChannel, type AttachControl } from './attach-channel.js';
import { serveRpcChannel } from './rpc-channel.js';
// ssh2 is CommonJS: under Node's ESM loader its named exports live on the default export.
const { Server } = ssh2;
type Server = InstanceType<typeof Server>;

export interface AgentServerOptions {
  api: AgentApi;
  /** OpenSSH private host key. */
  hostKey: string | Buffer;
  authorizedKeysPath: string;
  listen: { host: string; port: number };
  log: (msg: string) => void;
  /** An rpc channel without a complete request line is answered with a timeout error after this. */
  rpcTimeoutMs?: number;
  attachHeaderTimeoutMs?: number;
  /** A connection not authenticated by then is dropped (default 30 s). */
  authGraceMs?: number;
}

export interface AgentServer {
  port: number;
  close(): Promise<void>;
}

/** Session requests refused outright; the protocol answers CHANNEL_FAILURE. */
const REFUSED_REQUESTS = ['pty', 'shell', 'exec', 'env', 'x11', 'auth-agent', 'signal', 'sftp'] as const;

export async function startAgentServer(opts: AgentServerOptions): Promise<AgentServer> {
  const conns = new Set<Connection>();
  const server = new Server({ hostKeys: [opts.hostKey] }, (conn, info) => {
    conns.add(conn);
    // Answers and keystroke echoes are small writes: Nagle would hold them for the peer's delayed ACK (~40 ms).
    (conn as unknown as { setNoDelay(on: boolean): void }).setNoDelay(true); // in ssh2, missing from its types
    const peer = `${info.ip}:${info.port}`;
    conn.on('error', (err: Error) => opts.log(`connection ${peer}: ${err.message}`));
    conn.on('close', () => conns.delete(conn));
    requireEd25519PublicKey(conn, opts.authorizedKeysPath, opts.log, peer, opts.authGraceMs);
    conn.on('ready', () => serveConnection(conn, opts));
  });
  server.on('error', (err: Error) => opts.log(`agent server: ${err.message}`));

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.listen.port, opts.listen.host, () => {
      server.removeListener('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const c of conns) c.end();
      }),
  };
}

function serveConnection(conn: Connection, opts: AgentServerOptions): void {
  // Forwarding of any kind is refused, however the peer asks.
  conn.on('tcpip', (_accept, reject) => {
    opts.log('refused direct-tcpip channel');
    reject();
  });
  conn.on('openssh.streamlocal', (_accept, reject) => {
    opts.log('refused streamlocal channel');
    reject();
  });
  conn.on('request', (_accept, reject, name) => {
    opts.log(`refused global request ${name}`);
    reject?.();
  });
  conn.on('session', (accept) => {
    const session = accept();
    serveSession(session, opts);
  });
}

function serveSession(session: Session, opts: AgentServerOptions): void {
  let opened = false;
  let attach: AttachControl | undefined;

  session.on('error', (err: Error) => opts.log(`session error: ${err.message}`));
  for (const name of REFUSED_REQUESTS) {
    session.on(name as 'shell', (_accept, reject) => {
      opts.log(`refused ${name} request`);
      reject?.();
    });
  }
  // Only an attach channel has a terminal to resize.
  session.on('window-change', (accept, reject, info) => {
    if (!attach) {
      opts.log('refused window-change outside an attach channel');
      return reject?.();
    }
    accept?.();
    attach.resize(info.cols, info.rows);
  });
  session.on('subsystem', (accept, reject, info) => {
    if (opened || (info.name !== RPC_SUBSYSTEM && info.name !== ATTACH_SUBSYSTEM)) {
      opts.log(`refused subsystem ${JSON.stringify(info.name.slice(0, 64))}`);
      return reject?.();
    }
    opened = true;
    const channel = accept();
    if (info.name === RPC_SUBSYSTEM) {
      serveRpcChannel(channel, opts.api, { timeoutMs: opts.rpcTimeoutMs ?? 30_000, log: opts.log });
    } else {
      attach = serveAttachChannel(channel, opts.api, { headerTimeoutMs: opts.attachHeaderTimeoutMs ?? 10_000, log: opts.log });
    }
  });
}
