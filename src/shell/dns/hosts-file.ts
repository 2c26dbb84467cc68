// The dnsmasq hosts file (SPEC §5): `<agent-ip> <dns_name>` for every session
// with a DNS name on every agent. The keeper holds one map per agent, applies
// status events, and rewrites the file atomically only when its content changes,
// then asks dnsmasq to re-read it. Names from agents are validated before they
// reach the file, so a confused or hostile agent cannot inject extra lines; a
// name belongs to the first agent holding it (another agent's claim is refused
// and logged), each agent has a record cap, and a burst of changes coalesces
// into one write.
import { readFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import { writeFileAtomic } from '../../lib/atomic-write.js';
import type { SessionMeta } from '../../protocol/session.js';
import { dnsNameProblem } from '../../protocol/validation.js';
import type { StatusEvent } from '../../protocol/status.js';

export interface DnsEntry {
  ip: string;
  dns_name: string;
}

export interface DnsRecord {
  uuid: string;
  dns_name: string;
}

/** Only a name the agent itself would accept reaches the file: no newline or space can smuggle in a line. */
export function isValidDnsName(name: string): boolean {
  return name !== '' && dnsNameProblem(name) === undefined;
}

/**
 * Pure: sorted by name then ip, duplicates removed, one `<ip> <name>` per line.
 * With `domain`, each line also carries the alias `<name>.<domain>`: dnsmasq's
 * expand-hosts only qualifies names without a dot, so a name like `api.team`
 * would otherwise never answer as `api.team.<domain>`.
 */
export function renderHosts(entries: readonly DnsEntry[], domain?: string): string {
  const lines = new Set(entries.map((e) => `${e.ip} ${e.dns_name}`));
  const sorted = [...lines].sort((a, b) => {
    const [ipA = '', nameA = ''] = a.split(' ');
    const [ipB = '', nameB = ''] = b.split(' ');
    return nameA === nameB ? ipA.localeCompare(ipB) : nameA.localeCompare(nameB);
  });
  const suffix = domain ? domain.replace(/^\.+|\.+$/g, '') : '';
  return sorted.map((l) => (suffix ? `${l} ${l.split(' ')[1]}.${suffix}\n` : `${l}\n`)).join('');
}

interface AgentDns {
  ip: string;
  /** uuid → dns_name; sessions without a name are not kept. */
  sessions: Map<string, string>;
}

export interface HostsFileKeeperOptions {
  path: string;
  /** Tell dnsmasq to re-read the file (see dnsmasq.ts); omitted = never signal. */
  reload?: () => Promise<unknown>;
  log?: (msg: string) => void;
  /** Also publish every name as `<name>.<domain>` (see renderHosts). */
  domain?: string;
  /** Records one agent may hold; default DEFAULT_MAX_RECORDS_PER_AGENT. */
  maxRecordsPerAgent?: number;
}

export const DEFAULT_MAX_RECORDS_PER_AGENT = 1000;

export class HostsFileKeeper {
  private readonly agents = new Map<string, AgentDns>();
  private written: string | undefined;
  private chain: Promise<unknown> = Promise.resolve();
  /** A write queued behind the running one: later changes ride on it. */
  private queued: Promise<boolean> | undefined;
  /** Refusals already logged (agent + name), so a flood logs each once. */
  private readonly refusedLogged = new Set<string>();

  constructor(private readonly opts: HostsFileKeeperOptions) {
    if (opts.domain !== undefined && !isValidDnsName(opts.domain.replace(/^\.+|\.+$/g, ''))) {
      throw new Error(`bad dns domain ${JSON.stringify(opts.domain)}`);
    }
  }

  /** Apply one status event from `agentId` at `ip`. Resolves to true when the file was rewritten. */
  apply(ev: StatusEvent, ip: string): Promise<boolean> {
    const uuid = ev.session_id;
    if (!uuid) return this.flush();
    switch (ev.type) {
      case 'container.created':
      case 'container.edited':
      case 'container.started': {
        const meta = ev.data as SessionMeta | null;
        const name = typeof meta?.dns_name === 'string' ? meta.dns_name : '';
        this.set(ev.agent_id, ip, uuid, name);
        break;
      }
      case 'container.deleted':
        this.agents.get(ev.agent_id)?.sessions.delete(uuid);
        break;
      default:
        break;
    }
    return this.flush();
  }

  /** Full resync of one agent, e.g. from a `list`: its previous entries are replaced. */
  replaceAgent(agentId: string, ip: string, sessions: Iterable<DnsRecord>): Promise<boolean> {
    this.agents.delete(agentId);
    for (const s of sessions) this.set(agentId, ip, s.uuid, s.dns_name);
    return this.flush();
  }

  /** Agents the file holds records for. */
  agentIds(): string[] {
    return [...this.agents.keys()];
  }

  removeAgent(agentId: string): Promise<boolean> {
    this.agents.delete(agentId);
    return this.flush();
  }

  entries(): DnsEntry[] {
    const out: DnsEntry[] = [];
    for (const a of this.agents.values()) for (const name of a.sessions.values()) out.push({ ip: a.ip, dns_name: name });
    return out;
  }

  /** The shape checkDnsUnique takes. */
  sessionsByAgent(): Map<string, DnsRecord[]> {
    const out = new Map<string, DnsRecord[]>();
    for (const [id, a] of this.agents) out.set(id, [...a.sessions].map(([uuid, dns_name]) => ({ uuid, dns_name })));
    return out;
  }

  /** Rewrite the file if its content would change; writes never overlap, and at most one waits. */
  flush(): Promise<boolean> {
    if (this.queued) return this.queued;
    const run = this.chain.then(() => {
      this.queued = undefined;
      return this.writeIfChanged();
    });
    this.queued = run;
    this.chain = run.catch(() => undefined);
    return run;
  }

  /** The agent holding `name` for another session, if any. */
  private holder(name: string, agentId: string, uuid: string): string | undefined {
    for (const [id, a] of this.agents) {
      for (const [u, n] of a.sessions) if (n === name && !(id === agentId && u === uuid)) return id;
    }
    return undefined;
  }

  private refuse(agentId: string, name: string, why: string): void {
    const key = `${agentId} ${name} ${why}`;
    if (this.refusedLogged.size > 10_000) this.refusedLogged.clear();
    if (!this.refusedLogged.has(key)) this.opts.log?.(`dns: refusing ${JSON.stringify(name.slice(0, 80))} from agent ${agentId}: ${why}`);
    this.refusedLogged.add(key);
  }

  private set(agentId: string, ip: string, uuid: string, name: string): void {
    let agent = this.agents.get(agentId);
    if (!agent) {
      agent = { ip, sessions: new Map() };
      this.agents.set(agentId, agent);
    }
    agent.ip = ip;
    if (name === '') {
      agent.sessions.delete(uuid);
      return;
    }
    if (!isValidDnsName(name) || !isIP(ip)) {
      this.opts.log?.(`dns: ignoring ${JSON.stringify(name.slice(0, 80))} at ${JSON.stringify(ip)} from agent ${agentId}: invalid`);
      agent.sessions.delete(uuid);
      return;
    }
    const holder = this.holder(name, agentId, uuid);
    if (holder !== undefined && holder !== agentId) {
      // The first holder keeps it; this session publishes nothing until the name is free.
      this.refuse(agentId, name, `agent ${holder} holds it`);
      agent.sessions.delete(uuid);
      return;
    }
    const cap = this.opts.maxRecordsPerAgent ?? DEFAULT_MAX_RECORDS_PER_AGENT;
    if (!agent.sessions.has(uuid) && agent.sessions.size >= cap) {
      this.refuse(agentId, name, `the agent already has ${cap} records`);
      return;
    }
    agent.sessions.set(uuid, name);
  }

  private async writeIfChanged(): Promise<boolean> {
    const content = renderHosts(this.entries(), this.opts.domain);
    this.written = await readFile(this.opts.path, 'utf8').catch(() => undefined);
    if (content === this.written) return false;
    await writeFileAtomic(this.opts.path, content, 0o644);
    this.written = content;
    if (this.opts.reload) {
      await this.opts.reload().catch((err: unknown) => this.opts.log?.(`dns: reload dnsmasq: ${(err as Error).message}`));
    }
    return true;
  }
}
