// `convocate status-serve`: the SSH listener agents push status events to (SPEC §4).
// Security posture (ssh-guard.ts): ed25519 public-key auth against
// status_authorized_keys only, capped unauthenticated connections and channels;
// the one thing a session channel may open is the `convocate-status` subsystem.
// A key bound to an agent speaks only for that agent; an unbound key speaks for
// the first agent id it names, never a registered agent's. Events go to the
// local fan-out socket, the DNS hosts file keeper and `onEvent`.
import { join } from 'node:path';
import type { ServerChannel } from 'ssh2';
import { startGuardedServer, type PeerContext, type SshLimits } from '../../lib/ssh-guard.js';
import { parseEvent, type StatusEvent } from '../../protocol/status.js';
import { STATUS_SUBSYSTEM } from '../../protocol/subsystems.js';
import { dnsmasqReloader } from '../dns/dnsmasq.js';
import { HostsFileKeeper } from '../dns/hosts-file.js';
import { StatusFanout } from './fanout.js';
import { SkippingLineReader } from './line-reader.js';
import { STATUS_SOCKET } from './subscribe.js';

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
  /** Records one agent may publish (see HostsFileKeeper). */
  maxRecordsPerAgent?: number;
}

/** Events one connection may send: a burst, then a steady rate; the rest is dropped (and logged). */
export interface EventRate {
  burst: number;
  perSecond: number;
}

export const DEFAULT_EVENT_RATE: EventRate = { burst: 500, perSecond: 100 };

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
  /** True for an agent id in the registry: a key not bound to it may not speak for it. */
  isRegisteredAgent?: (agentId: string) => boolean;
  limits?: Partial<SshLimits>;
  eventRate?: EventRate;
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
  /** Connections not yet authenticated, and authenticated ones. */
  counts(): { preAuth: number; authenticated: number };
  close(): Promise<void>;
}

export async function startStatusServer(opts: StatusServerOptions): Promise<StatusServer> {
  const fanout = new StatusFanout(join(opts.stateDir, STATUS_SOCKET), opts.log);
  await fanout.listen();
  const keeper = opts.dns ? makeKeeper(opts.dns, opts.log) : undefined;
  const seen = new Map<string, AgentSeen>();

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

  // The agent each connection speaks for, once known.
  const speaksFor = new WeakMap<PeerContext, string>();
  const server = await startGuardedServer({
    name: 'status',
    hostKey: opts.hostKey,
    authorizedKeysPath: opts.authorizedKeysPath,
    listen: opts.listen,
    log: opts.log,
    limits: opts.limits,
    onClose: (peer) => {
      const id = speaksFor.get(peer);
      const a = id ? seen.get(id) : undefined;
      if (a) a.connected = false;
    },
    subsystems: {
      [STATUS_SUBSYSTEM]: {
        open: (channel, peer) => {
          const bound = peer.key ? opts.agentIdForKey?.(peer.key) : undefined;
          if (bound) speaksFor.set(peer, bound);
          const admit = rateLimiter(opts.eventRate ?? DEFAULT_EVENT_RATE, (dropped) =>
            opts.log(`status ${peer.peer}: over ${(opts.eventRate ?? DEFAULT_EVENT_RATE).perSecond} events/s: ${dropped} dropped`));
          readEvents(channel, opts.maxLineBytes ?? 64 * 1024, opts.log, (ev) => {
            // A flooding agent is held at its own connection, so it cannot starve the others.
            if (!admit()) return;
            const agentId = speaksFor.get(peer);
            if (agentId === undefined) {
              if (opts.isRegisteredAgent?.(ev.agent_id)) {
                opts.log(`status ${peer.peer}: a key not bound to agent ${ev.agent_id} claimed its id: ignored`);
                return;
              }
              speaksFor.set(peer, ev.agent_id);
            } else if (ev.agent_id !== agentId) {
              opts.log(`status ${peer.peer}: agent ${agentId} sent an event for ${ev.agent_id}: ignored`);
              return;
            }
            deliver(ev, peer.ip);
          });
        },
      },
    },
  });

  let resyncTimer: NodeJS.Timeout | undefined;
  const resync = opts.dns?.resync;
  if (keeper && resync) {
    resyncTimer = setInterval(() => {
      resync.run(keeper).catch((err: unknown) => opts.log(`dns resync: ${(err as Error).message}`));
    }, resync.intervalMs);
  }

  return {
    port: server.port,
    keeper,
    agents: () => [...seen.values()].map((a) => ({ ...a })),
    counts: () => server.counts(),
    close: async () => {
      clearInterval(resyncTimer);
      await server.close();
      await fanout.close();
    },
  };
}

function makeKeeper(dns: StatusDnsOptions, log: (msg: string) => void): HostsFileKeeper {
  const reload = dns.signal === false ? undefined : dnsmasqReloader({ pidFile: dns.pidFile, log });
  return new HostsFileKeeper({ path: dns.hostsFile, reload, log, domain: dns.domain, maxRecordsPerAgent: dns.maxRecordsPerAgent });
}

/** A token bucket: true while the connection is within its rate; drops are reported at most every 10 s. */
export function rateLimiter(rate: EventRate, report: (dropped: number) => void, now: () => number = Date.now): () => boolean {
  let tokens = rate.burst;
  let last = now();
  let dropped = 0;
  let lastReport = Number.NEGATIVE_INFINITY;
  return () => {
    const t = now();
    tokens = Math.min(rate.burst, tokens + ((t - last) / 1000) * rate.perSecond);
    last = t;
    if (tokens >= 1) {
      tokens -= 1;
      return true;
    }
    dropped++;
    if (t - lastReport >= 10_000) {
      report(dropped);
      lastReport = t;
      dropped = 0;
    }
    return false;
  };
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
