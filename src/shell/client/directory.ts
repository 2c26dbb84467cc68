// MultiAgentDirectory: the shell's one view over every agent. Lists all agents in
// parallel with a per-agent timeout, keeps a dead agent's last known sessions
// (flagged unreachable) instead of dropping them, resolves names and uuid
// prefixes, and keeps DNS names unique across agents.
import { ConvocateError, errors, quote } from '../../protocol/errors.js';
import type { OpName, OpParams, OpResult } from '../../protocol/ops.js';
import { shortId, type Session } from '../../protocol/session.js';
import type { AgentClient, AttachOptions } from './agent-client.js';
import type { AgentInfo } from '../app/agents.js';
import type { AgentDirectory } from './agent-directory.js';
import type { AgentHealth, MergedList } from '../app/agents.js';
import { checkDnsUnique } from '../dns/unique.js';

const LIST_TIMEOUT_MS = 5_000;

export class MultiAgentDirectory implements AgentDirectory {
  private readonly clients = new Map<string, AgentClient>();
  private readonly guarded = new Map<string, AgentClient>();
  private readonly healthById = new Map<string, AgentHealth>();
  private readonly lastSessions = new Map<string, Session[]>();

  constructor(clients: AgentClient[], private readonly listTimeoutMs = LIST_TIMEOUT_MS) {
    for (const c of clients) {
      this.clients.set(c.info.id, c);
      this.healthById.set(c.info.id, { info: c.info, reachable: true });
    }
  }

  agents(): AgentInfo[] {
    return [...this.clients.values()].map((c) => c.info);
  }

  client(agentId: string): AgentClient {
    const c = this.clients.get(agentId);
    if (!c) {
      const known = this.agents().map((a) => a.id).join(', ') || 'none';
      throw new ConvocateError('not_found', `agent ${quote(agentId)} not found (registered: ${known})`);
    }
    let g = this.guarded.get(agentId);
    if (!g) {
      g = new DnsGuardedClient(c, this);
      this.guarded.set(agentId, g);
    }
    return g;
  }

  health(): AgentHealth[] {
    return [...this.healthById.values()];
  }

  /** Record a heartbeat seen by the status listener. */
  noteHeartbeat(agentId: string, at: string): void {
    const h = this.healthById.get(agentId);
    if (h) h.lastHeartbeat = at;
  }

  async listAll(): Promise<MergedList> {
    const results = await Promise.all([...this.clients.values()].map((c) => this.listOne(c)));
    const merged: MergedList = { sessions: [], broken: [], unreachable: [] };
    for (const r of results) {
      merged.sessions.push(...r.sessions);
      merged.broken.push(...r.broken);
      if (!r.health.reachable) merged.unreachable.push(r.health);
    }
    merged.sessions.sort((a, b) => b.last_accessed.localeCompare(a.last_accessed));
    return merged;
  }

  async resolve(id: string): Promise<Session> {
    const { sessions } = await this.listAll();
    return resolveSession(sessions, id);
  }

  async close(): Promise<void> {
    await Promise.all([...this.clients.values()].map((c) => c.close()));
  }

  private async listOne(c: AgentClient): Promise<{ sessions: Session[]; broken: MergedList['broken']; health: AgentHealth }> {
    const health = this.healthById.get(c.info.id) ?? { info: c.info, reachable: false };
    try {
      const timeoutMs = this.listTimeoutMs;
      const late = `agent ${c.info.id} did not answer within ${timeoutMs} ms`;
      const list = await withTimeout(c.call('list', null, { timeoutMs }), timeoutMs, late);
      // The version only changes when the agent restarts, which also makes it unreachable for a moment.
      if (!health.reachable || !health.version) {
        health.version = (await withTimeout(c.call('ping', null, { timeoutMs }), timeoutMs, late)).version;
      }
      const sessions = list.sessions.map((s) => ({ ...s, agent_id: c.info.id, agent_host: c.info.host }));
      this.lastSessions.set(c.info.id, sessions);
      Object.assign(health, { reachable: true, error: undefined });
      return { sessions, broken: list.broken.map((b) => ({ ...b, agent_id: c.info.id })), health };
    } catch (err) {
      Object.assign(health, { reachable: false, error: (err as Error).message });
      return { sessions: this.lastSessions.get(c.info.id) ?? [], broken: [], health };
    }
  }
}

/** Exact uuid, then exact name, then uuid prefix; more than one match is an error listing them. */
export function resolveSession(sessions: Session[], id: string): Session {
  if (!id) throw new ConvocateError('invalid_argument', 'session id is required');
  const byUuid = sessions.filter((s) => s.uuid === id);
  const byName = sessions.filter((s) => s.name === id);
  const byPrefix = sessions.filter((s) => s.uuid.startsWith(id.toLowerCase()));
  const matches = byUuid.length ? byUuid : byName.length ? byName : byPrefix;
  if (matches.length === 1) return matches[0]!;
  if (matches.length === 0) throw errors.notFound(id);
  const list = matches.map((s) => `${shortId(s.uuid)} (${s.name}${s.agent_id ? ` on ${s.agent_id}` : ''})`).join(', ');
  throw new ConvocateError('invalid_argument', `${quote(id)} is ambiguous: matches ${list}`);
}

class DnsGuardedClient implements AgentClient {
  readonly info: AgentInfo;
  constructor(private readonly inner: AgentClient, private readonly dir: MultiAgentDirectory) {
    this.info = inner.info;
  }

  async call<O extends OpName>(op: O, params: OpParams<O>, opts?: { timeoutMs?: number }): Promise<OpResult<O>> {
    if (op === 'create' || op === 'edit') {
      const p = params as OpParams<'create'> | OpParams<'edit'>;
      if (p.dns_name) await this.refuseDnsHeldElsewhere(p.dns_name);
    }
    return this.inner.call(op, params, opts);
  }

  attach(id: string, cols: number, rows: number, opts?: AttachOptions) {
    return this.inner.attach(id, cols, rows, opts);
  }

  get transfer() {
    return this.inner.transfer;
  }

  close(): Promise<void> {
    return this.inner.close();
  }

  /** The agent checks its own sessions; only the shell sees the other agents'. */
  private async refuseDnsHeldElsewhere(name: string): Promise<void> {
    if (this.dir.agents().length < 2) return;
    const { sessions } = await this.dir.listAll();
    const elsewhere = new Map([['other agents', sessions.filter((s) => s.agent_id !== this.info.id)]]);
    checkDnsUnique(name, elsewhere);
  }
}

function withTimeout<T>(p: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new ConvocateError('unavailable', message)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}
