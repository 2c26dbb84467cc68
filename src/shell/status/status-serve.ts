// `convocate status-serve`: the SSH listener agents push status events to (SPEC §4).
// Security posture: ed25519 public-key auth against status_authorized_keys only;
// the one thing a session channel may open is the `convocate-status` subsystem.
// A connection speaks for the first agent id it names and nothing else. Events
// go to the local fan-out socket, the DNS hosts file keeper and `onEvent`.
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import ssh2, { type Connection, type ServerChannel } from 'ssh2';
import { requireEd25519PublicKey } from '../../lib/ssh-auth.js';
import { parseEvent, type StatusEvent } from '../../protocol/status.js';
import { STATUS_SUBSYSTEM } from '../../protocol/subsystems.js';
import { dnsmasqReloader } from '../dns/dnsmasq.js';
import { HostsFileKeeper } from '../dns/hosts-file.js';
import { StatusFanout } from './fanout.js';
import { SkippingLineReader } from './line-reader.js';
import { STATUS_SOCKET } from './subscribe.js';
// ssh2 is CommonJS: under Node's ESM loader its named exports live on the default export.
const { Server } = ssh2;
type Server = InstanceType<typeof Server>;

export interface StatusDnsOptions {
  /** Usually `<stateDir>/dnsmasq-hosts`. */
  hostsFile: string;
  pidFile?: string;
  /** Also publish names as `<name>.<domain>` in the file (see renderHosts). */
  domain?: string;
  /** false: write the file but never signal dnsmasq. */
  signal?: boolean;
  /** The address the agent's sessions answer on; undefined skips the event for DNS. */
  resolveIp(agentId: string, remoteAddress: string): string | undefined;
  /** Periodic full resync (e.g. `list` on every agent → keeper.replaceAgent). */
  resync?: { intervalMs: number; run(keeper: HostsFileKeeper): Promise<void> };
}

export interface StatusServerOptions {
  listen: { host: string; port: number };
  hostKey: string | Buffer;
  authorizedKeysPath: string;
  stateDir: string;
  log: (msg: string) => void;
  onEvent?: (ev: StatusEvent, remoteAddress: string) => void;
  dns?: StatusDnsOptions;
  maxLineBytes?: number;
  /**
   * The agent a key belongs to (from the registry's agent_to_shell_ed25519_key.pub):
   * such a connection may only speak for that agent. Other authorized keys speak
   * for the agent their first event names.
   */
  agentIdForKey?: (key: Buffer) => string | undefined;
}

export interface AgentSeen {
  agentId: string;
  remoteAddress: string;
  lastSeen: Date;
  lastHeartbeat: Date | undefined;
  connected: boolean;
}

export interface StatusServer {
  port: number;
  keeper: HostsFileKeeper | undefined;
  agents(): AgentSeen[];
  close(): Promise<void>;
}

export async function startStatusServer(opts: StatusServerOptions): Promise<StatusServer> {
  const fanout = new StatusFanout(join(opts.stateDir, STATUS_SOCKET), opts.log);
  await fanout.listen();
  const keeper = opts.dns ? makeKeeper(opts.dns, opts.log) : undefined;
  const seen = new Map<string, AgentSeen>();
  const conns = new Set<Connection>();

  const deliver = (ev: StatusEvent, remoteAddress: string) => {
    const now = new Date();
    const prev = seen.get(ev.agent_id);
    seen.set(ev.agent_id, {
      agentId: ev.agent_id,
      remoteAddress,
      lastSeen: now,
      lastHeartbeat: ev.type === 'agent.heartbeat' ? now : prev?.lastHeartbeat,
      connected: ev.type !== 'agent.shutdown',
    });
    fanout.publish(ev);
    if (keeper && opts.dns) {
      const ip = opts.dns.resolveIp(ev.agent_id, remoteAddress);
      if (ip) keeper.apply(ev, ip).catch((err: unknown) => opts.log(`dns: ${(err as Error).message}`));
    }
    try {
      opts.onEvent?.(ev, remoteAddress);
    } catch (err) {
      opts.log(`status onEvent: ${(err as Error).message}`);
    }
  };

  const server = new Server({ hostKeys: [opts.hostKey] }, (conn, info) => {
    conns.add(conn);
    const peer = `${info.ip}:${info.port}`;
    conn.on('error', (err: Error) => opts.log(`status connection ${peer}: ${err.message}`));
    conn.on('close', () => conns.delete(conn));
    let provenKey: Buffer | undefined;
    requireEd25519PublicKey(conn, opts.authorizedKeysPath, opts.log, peer, undefined, (key) => (provenKey = key));
    conn.on('ready', () => {
      conn.on('tcpip', (_a, reject) => reject());
      conn.on('openssh.streamlocal', (_a, reject) => reject());
      conn.on('request', (_a, reject) => reject?.());
      let agentId = provenKey ? opts.agentIdForKey?.(provenKey) : undefined;
      conn.on('session', (accept) => {
        const session = accept();
        session.on('error', (err: Error) => opts.log(`status session ${peer}: ${err.message}`));
        for (const name of ['pty', 'shell', 'exec', 'env', 'x11', 'auth-agent', 'signal', 'sftp', 'window-change'] as const) {
          session.on(name as 'shell', (_a, reject) => reject?.());
        }
        let opened = false;
        session.on('subsystem', (acc, reject, sub) => {
          if (opened || sub.name !== STATUS_SUBSYSTEM) return reject?.();
          opened = true;
          readEvents(acc(), opts.maxLineBytes ?? 64 * 1024, opts.log, (ev) => {
            agentId ??= ev.agent_id;
            if (ev.agent_id !== agentId) {
              opts.log(`status ${peer}: agent ${agentId} sent an event for ${ev.agent_id}: ignored`);
              return;
            }
            deliver(ev, info.ip);
          });
        });
      });
      conn.on('close', () => {
        const a = agentId ? seen.get(agentId) : undefined;
        if (a) a.connected = false;
      });
    });
  });
  server.on('error', (err: Error) => opts.log(`status server: ${err.message}`));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.listen.port, opts.listen.host, () => {
      server.removeListener('error', reject);
      resolve();
    });
  });

  let resyncTimer: NodeJS.Timeout | undefined;
  const resync = opts.dns?.resync;
  if (keeper && resync) {
    resyncTimer = setInterval(() => {
      resync.run(keeper).catch((err: unknown) => opts.log(`dns resync: ${(err as Error).message}`));
    }, resync.intervalMs);
  }

  return {
    port: (server.address() as AddressInfo).port,
    keeper,
    agents: () => [...seen.values()].map((a) => ({ ...a })),
    close: async () => {
      clearInterval(resyncTimer);
      for (const c of conns) c.end();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await fanout.close();
    },
  };
}

function makeKeeper(dns: StatusDnsOptions, log: (msg: string) => void): HostsFileKeeper {
  const reload = dns.signal === false ? undefined : dnsmasqReloader({ pidFile: dns.pidFile, log });
  return new HostsFileKeeper({ path: dns.hostsFile, reload, log, domain: dns.domain });
}

/** Unparseable lines are skipped and reading goes on (SPEC §4). */
function readEvents(channel: ServerChannel, maxLineBytes: number, log: (msg: string) => void, onEvent: (ev: StatusEvent) => void): void {
  const reader = new SkippingLineReader(maxLineBytes);
  channel.on('error', (err: Error) => log(`status channel: ${err.message}`));
  channel.on('data', (chunk: Buffer) => {
    for (const line of reader.push(chunk)) {
      const ev = parseEvent(line);
      if (ev) onEvent(ev);
    }
  });
  // The agent closing its side ends the conversation; answer in kind.
  channel.on('end', () => channel.end());
}
