// One SSH hardening for every convocate listener (the agent's control plane and
// status-serve): a chain of per-connection stages in the spirit of soft-serve's
// middleware. Posture, in order:
//   1. admission: caps on not-yet-authenticated connections per source address
//      and in total (like sshd's MaxStartups; when the total is full the oldest
//      pending connection of the busiest source makes room, so a flood from a
//      few addresses cannot lock out everyone else), and a grace time to
//      authenticate (LoginGraceTime);
//   2. authentication: ed25519 public keys in authorized_keys only (ssh-auth.ts);
//   3. refusal: no forwarding, no global requests, no pty/shell/exec/env/x11/
//      agent/signal/sftp, no window-change except where a subsystem takes it;
//   4. channels: at most N session channels per connection, each must ask for
//      one of the listener's subsystems within a deadline (else the connection,
//      which no convocate client would make, is dropped), and a subsystem may
//      cap how many of its channels one connection holds at once.
import { createServer, type Server as NetServer, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import type { Connection, ServerChannel, Session } from 'ssh2';
import ssh2 from './ssh2.js';
import { requireEd25519PublicKey } from './ssh-auth.js';
// ssh2 is CommonJS: under Node's ESM loader its named exports live on the default export.
const { Server } = ssh2;

export interface SshLimits {
  /** Connections not yet authenticated, from one source address. */
  preAuthPerSource: number;
  /** Connections not yet authenticated, in total. */
  preAuthTotal: number;
  /** A connection not authenticated by then is dropped. */
  authGraceMs: number;
  /** Session channels one authenticated connection may hold open at once. */
  channelsPerConnection: number;
  /** How long a session channel may take to ask for its subsystem. */
  subsystemDeadlineMs: number;
}

/**
 * Generous for real use: an operator's shell holds one connection per agent and
 * a handful of channels on it (RPCs in flight, one attach per terminal).
 */
export const DEFAULT_SSH_LIMITS: SshLimits = {
  preAuthPerSource: 32,
  preAuthTotal: 256,
  authGraceMs: 30_000,
  channelsPerConnection: 128,
  subsystemDeadlineMs: 10_000,
};

/** Who is on the other end of an authenticated connection. */
export interface PeerContext {
  /** `ip:port`, for log lines. */
  peer: string;
  ip: string;
  /** The authorized key the peer proved it holds. */
  key: Buffer | undefined;
}

export interface SubsystemHandler {
  /** Channels of this subsystem one connection may hold open at once (default: no cap beyond channelsPerConnection). */
  maxOpenPerConnection?: number;
  /** Serve one accepted channel; returning `resize` lets the session's window-change requests through. */
  open(channel: ServerChannel, peer: PeerContext): { resize(cols: number, rows: number): void } | void;
}

export interface GuardedServerOptions {
  /** Names this listener in log lines ("agent", "status"). */
  name: string;
  hostKey: string | Buffer;
  authorizedKeysPath: string;
  listen: { host: string; port: number };
  log: (msg: string) => void;
  limits?: Partial<SshLimits>;
  subsystems: Record<string, SubsystemHandler>;
  /** Told when an authenticated connection closes. */
  onClose?: (peer: PeerContext) => void;
  /** Disable Nagle on accepted sockets (small interactive writes). */
  noDelay?: boolean;
}

export interface GuardedServer {
  port: number;
  /** Connections not yet authenticated, and authenticated ones. */
  counts(): { preAuth: number; authenticated: number };
  close(): Promise<void>;
}

/** Session requests refused outright; the protocol answers CHANNEL_FAILURE. */
const REFUSED_REQUESTS = ['pty', 'shell', 'exec', 'env', 'x11', 'auth-agent', 'signal', 'sftp'] as const;

interface Pending {
  socket: Socket;
  ip: string;
  since: number;
  timer: NodeJS.Timeout;
}

export async function startGuardedServer(opts: GuardedServerOptions): Promise<GuardedServer> {
  const limits: SshLimits = { ...DEFAULT_SSH_LIMITS, ...opts.limits };
  const log = opts.log;
  const pending = new Map<Socket, Pending>();
  const perSource = new Map<string, number>();
  const bySocketKey = new Map<string, Socket>();
  const authenticated = new Set<Connection>();
  const sockets = new Set<Socket>();

  const settle = (p: Pending) => {
    if (!pending.delete(p.socket)) return;
    clearTimeout(p.timer);
    const n = (perSource.get(p.ip) ?? 1) - 1;
    if (n > 0) perSource.set(p.ip, n);
    else perSource.delete(p.ip);
  };

  const ssh = new Server({ hostKeys: [opts.hostKey] }, (conn, info) => {
    const socket = bySocketKey.get(`${info.ip}|${info.port}`);
    const peer: PeerContext = { peer: `${info.ip}:${info.port}`, ip: info.ip, key: undefined };
    conn.on('error', (err: Error) => log(`${opts.name} connection ${peer.peer}: ${err.message}`));
    requireEd25519PublicKey(conn, opts.authorizedKeysPath, log, peer.peer, (key) => (peer.key = key));
    conn.on('ready', () => {
      const p = socket ? pending.get(socket) : undefined;
      if (p) settle(p);
      authenticated.add(conn);
      refuseAllButSessions(conn, log);
      serveSessions(conn, peer, opts, limits);
    });
    conn.on('close', () => {
      if (authenticated.delete(conn)) opts.onClose?.(peer);
    });
  });
  ssh.on('error', (err: Error) => log(`${opts.name} server: ${err.message}`));

  const admit = (socket: Socket) => {
    const ip = socket.remoteAddress ?? '?';
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    socket.on('error', () => undefined); // ssh2 reports errors on the connection once it has one
    if ((perSource.get(ip) ?? 0) >= limits.preAuthPerSource) {
      log(`${opts.name}: refused connection from ${ip}: ${limits.preAuthPerSource} unauthenticated connections from it already`);
      return socket.destroy();
    }
    if (pending.size >= limits.preAuthTotal && !evictFromBusiest(ip)) {
      log(`${opts.name}: refused connection from ${ip}: ${limits.preAuthTotal} unauthenticated connections already`);
      return socket.destroy();
    }
    if (opts.noDelay) socket.setNoDelay(true);
    const key = `${ip}|${socket.remotePort ?? 0}`;
    const p: Pending = {
      socket,
      ip,
      since: Date.now(),
      timer: setTimeout(() => {
        log(`${opts.name}: auth grace time over for ${ip}:${socket.remotePort ?? 0}`);
        socket.destroy();
      }, limits.authGraceMs),
    };
    p.timer.unref();
    pending.set(socket, p);
    perSource.set(ip, (perSource.get(ip) ?? 0) + 1);
    bySocketKey.set(key, socket);
    socket.once('close', () => {
      settle(p);
      if (bySocketKey.get(key) === socket) bySocketKey.delete(key);
    });
    ssh.injectSocket(socket);
  };

  /** Make room by dropping the oldest pending connection of the busiest other source. */
  const evictFromBusiest = (newIp: string): boolean => {
    let busiest: string | undefined;
    for (const [ip, n] of perSource) if (!busiest || n > (perSource.get(busiest) ?? 0)) busiest = ip;
    if (!busiest || (perSource.get(busiest) ?? 0) <= (perSource.get(newIp) ?? 0)) return false;
    let oldest: Pending | undefined;
    for (const p of pending.values()) if (p.ip === busiest && (!oldest || p.since < oldest.since)) oldest = p;
    if (!oldest) return false;
    settle(oldest);
    oldest.socket.destroy();
    return true;
  };

  const net: NetServer = createServer(admit);
  await new Promise<void>((resolve, reject) => {
    net.once('error', reject);
    net.listen(opts.listen.port, opts.listen.host, () => {
      net.removeListener('error', reject);
      resolve();
    });
  });
  net.on('error', (err: Error) => log(`${opts.name} listener: ${err.message}`));

  return {
    port: (net.address() as AddressInfo).port,
    counts: () => ({ preAuth: pending.size, authenticated: authenticated.size }),
    close: () =>
      new Promise<void>((resolve) => {
        net.close(() => resolve());
        for (const c of authenticated) c.end();
        // A polite close first (a reset would surface as an error in a peer that is not listening for one).
        for (const s of sockets) {
          s.end();
          setTimeout(() => s.destroy(), 1_000).unref();
        }
      }),
  };
}

function refuseAllButSessions(conn: Connection, log: (msg: string) => void): void {
  // Forwarding of any kind is refused, however the peer asks.
  conn.on('tcpip', (_accept, reject) => {
    log('refused direct-tcpip channel');
    reject();
  });
  conn.on('openssh.streamlocal', (_accept, reject) => {
    log('refused streamlocal channel');
    reject();
  });
  conn.on('request', (_accept, reject, reqName) => {
    log(`refused global request ${reqName}`);
    reject?.();
  });
}

function serveSessions(conn: Connection, peer: PeerContext, opts: GuardedServerOptions, limits: SshLimits): void {
  let open = 0;
  const openBySubsystem = new Map<string, number>();
  conn.on('session', (accept, reject) => {
    if (open >= limits.channelsPerConnection) {
      opts.log(`${opts.name} ${peer.peer}: refused session channel: ${limits.channelsPerConnection} already open`);
      return reject();
    }
    open++;
    let counted = true;
    let subsystem: string | undefined;
    const release = () => {
      if (!counted) return;
      counted = false;
      open--;
      clearTimeout(deadline);
      if (subsystem) openBySubsystem.set(subsystem, (openBySubsystem.get(subsystem) ?? 1) - 1);
    };
    const deadline = setTimeout(() => {
      opts.log(`${opts.name} ${peer.peer}: a session channel asked for no subsystem within ${limits.subsystemDeadlineMs} ms: dropping the connection`);
      conn.end();
    }, limits.subsystemDeadlineMs);
    deadline.unref();
    const session = accept();
    session.once('close', release);
    serveSession(session, peer, opts, openBySubsystem, {
      opened: (name, channel) => {
        clearTimeout(deadline);
        subsystem = name;
        channel.once('close', release);
      },
    });
  });
}

function serveSession(
  session: Session,
  peer: PeerContext,
  opts: GuardedServerOptions,
  openBySubsystem: Map<string, number>,
  hooks: { opened(name: string, channel: ServerChannel): void },
): void {
  let opened = false;
  let control: { resize(cols: number, rows: number): void } | undefined;
  session.on('error', (err: Error) => opts.log(`${opts.name} session ${peer.peer}: ${err.message}`));
  for (const name of REFUSED_REQUESTS) {
    session.on(name as 'shell', (_accept, reject) => {
      opts.log(`refused ${name} request`);
      reject?.();
    });
  }
  session.on('window-change', (accept, reject, info) => {
    if (!control) {
      opts.log('refused window-change outside an attach channel');
      return reject?.();
    }
    accept?.();
    control.resize(info.cols, info.rows);
  });
  session.on('subsystem', (accept, reject, info) => {
    const handler = Object.hasOwn(opts.subsystems, info.name) ? opts.subsystems[info.name] : undefined;
    if (opened || !handler) {
      opts.log(`refused subsystem ${JSON.stringify(info.name.slice(0, 64))}`);
      return reject?.();
    }
    const already = openBySubsystem.get(info.name) ?? 0;
    if (handler.maxOpenPerConnection !== undefined && already >= handler.maxOpenPerConnection) {
      opts.log(`${opts.name} ${peer.peer}: refused ${info.name}: ${handler.maxOpenPerConnection} already open on this connection`);
      return reject?.();
    }
    opened = true;
    openBySubsystem.set(info.name, already + 1);
    const channel = accept();
    hooks.opened(info.name, channel);
    control = handler.open(channel, peer) ?? undefined;
  });
}
