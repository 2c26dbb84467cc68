// An in-memory AgentDirectory for TUI and CLI tests: configurable agents
// (one may be unreachable), ops implemented with the agent's error texts, and
// attach relays built on PassThrough streams that a test can drive.
import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { Duplex, PassThrough } from 'node:stream';
import type { AttachHandle } from '../../src/protocol/agent-api.js';
import { ConvocateError, errors } from '../../src/protocol/errors.js';
import type { OpName, OpParams, OpResult } from '../../src/protocol/ops.js';
import {
  NO_ACTIVITY,
  NO_RESOURCES,
  sessionState,
  type Activity,
  type ActivityView,
  type Protocol,
  type ResourceView,
  type Session,
  type SessionMeta,
} from '../../src/protocol/session.js';
import type { AgentClient, AttachOptions } from '../../src/shell/client/agent-client.js';
import { validateDnsName, validateName, validatePort, validateProtocol } from '../../src/protocol/validation.js';
import type { AgentInfo } from '../../src/shell/app/agents.js';
import type { AgentDirectory } from '../../src/shell/client/agent-directory.js';
import type { AgentHealth, MergedList } from '../../src/shell/app/agents.js';

export interface FakeAgentSpec {
  id: string;
  host?: string;
  reachable?: boolean;
  version?: string;
}

interface Stored extends SessionMeta, ActivityView, ResourceView {
  agent_id: string;
  running: boolean;
  locked: boolean;
  attaches: number;
  /** What `peek` returns: the session's screen. */
  screen: string;
}

/** One attach in progress, as the test sees it. */
export interface FakeAttach {
  sessionId: string;
  cols: number;
  rows: number;
  /** A watch (tmux attach -r): typed keys are dropped, only Ctrl-B D acts. */
  readOnly: boolean;
  resizes: Array<[number, number]>;
  /** Everything the operator typed into the session so far. */
  input(): string;
  /** Write bytes to the operator's terminal as if tmux drew them. */
  write(text: string): void;
  /** End the relay as tmux detach (Ctrl-B D) does. */
  detach(): void;
  done: Promise<void>;
}

export interface FakeDirectoryOptions {
  agents?: FakeAgentSpec[];
  /**
   * `echo` makes attach behave like a tiny terminal program: it prints the
   * session name and size, echoes what is typed, and Ctrl-B D detaches.
   * `manual` leaves everything to the test through `attaches`.
   */
  attachMode?: 'echo' | 'manual';
  /** Milliseconds every call and list waits, to make busy states visible. */
  latencyMs?: number;
}

let clock = Date.UTC(2025, 0, 1);
function nextTime(): string {
  clock += 1000;
  return new Date(clock).toISOString();
}

export class FakeSessionDirectory implements AgentDirectory {
  readonly sessions = new Map<string, Stored>();
  readonly agentSpecs: FakeAgentSpec[];
  readonly attaches: FakeAttach[] = [];
  /** Every op called, in order, for assertions. */
  readonly calls: Array<{ agentId: string; op: OpName; params: unknown }> = [];
  readonly events = new EventEmitter();
  private readonly clients = new Map<string, FakeAgentClient>();

  constructor(private readonly opts: FakeDirectoryOptions = {}) {
    this.agentSpecs = (opts.agents ?? [{ id: 'local', host: 'local' }]).map((a) => ({
      host: a.host ?? `${a.id}.example:222`,
      reachable: a.reachable ?? true,
      version: a.version ?? '0.1.0',
      ...a,
    }));
    for (const a of this.agentSpecs) this.clients.set(a.id, new FakeAgentClient(this, a));
  }

  /** Adds a session directly, as if another operator had made it. */
  add(
    agentId: string,
    meta: Partial<SessionMeta> & { name: string },
    live: Partial<Pick<Stored, 'running' | 'locked' | 'screen' | keyof ActivityView | keyof ResourceView>> = {},
  ): Session {
    const now = nextTime();
    const s: Stored = {
      uuid: meta.uuid ?? randomUUID(),
      name: meta.name,
      port: meta.port ?? 0,
      protocol: meta.protocol ?? 'tcp',
      dns_name: meta.dns_name ?? '',
      created_at: meta.created_at ?? now,
      last_accessed: meta.last_accessed ?? now,
      agent_id: agentId,
      running: live.running ?? false,
      locked: live.locked ?? false,
      attaches: 0,
      ...NO_ACTIVITY,
      ...NO_RESOURCES,
      screen: `[screen of ${meta.name}]`,
      ...live,
    };
    this.sessions.set(s.uuid, s);
    return this.view(s);
  }

  /** The agent reports a new activity for a session, as a hook inside its container would make it. */
  setActivity(uuid: string, activity: Activity, detail = ''): void {
    const s = this.sessions.get(uuid);
    if (!s) throw new Error(`no session ${uuid}`);
    Object.assign(s, { activity, activity_since: new Date().toISOString(), activity_detail: detail });
  }

  setReachable(agentId: string, reachable: boolean): void {
    const a = this.agentSpecs.find((x) => x.id === agentId);
    if (a) a.reachable = reachable;
  }

  /** The `subscribe` argument of runTui: `emitChange()` fires a status event. */
  subscribe = (onEvent: () => void): { close(): void } => {
    this.events.on('change', onEvent);
    return { close: () => this.events.off('change', onEvent) };
  };

  emitChange(): void {
    this.events.emit('change');
  }

  view(s: Stored): Session {
    const { running, locked, attaches, screen: _screen, ...rest } = s;
    const attached = attaches > 0;
    const agent = this.agentSpecs.find((a) => a.id === s.agent_id);
    const live = running ? {} : { ...NO_ACTIVITY, ...NO_RESOURCES };
    return { ...rest, ...live, running, attached, state: sessionState({ running, attached, locked }), agent_host: agent?.host };
  }

  agents(): AgentInfo[] {
    return this.agentSpecs.map((a) => ({ id: a.id, host: a.host ?? a.id }));
  }

  client(agentId: string): AgentClient {
    const c = this.clients.get(agentId);
    if (!c) throw new ConvocateError('not_found', `agent "${agentId}" not found`);
    return c;
  }

  async listAll(): Promise<MergedList> {
    await this.delay();
    const all = [...this.sessions.values()].map((s) => this.view(s));
    all.sort((a, b) => b.last_accessed.localeCompare(a.last_accessed));
    return { sessions: all, broken: [], unreachable: this.health().filter((h) => !h.reachable) };
  }

  health(): AgentHealth[] {
    return this.agentSpecs.map((a) => ({
      info: { id: a.id, host: a.host ?? a.id },
      reachable: a.reachable !== false,
      version: a.version,
      error: a.reachable === false ? 'connect ECONNREFUSED' : undefined,
      lastHeartbeat: this.heartbeats.get(a.id),
    }));
  }

  readonly heartbeats = new Map<string, string>();

  noteHeartbeat(agentId: string, at: string): void {
    this.heartbeats.set(agentId, at);
  }

  async resolve(id: string): Promise<Session> {
    const hits = [...this.sessions.values()].filter((s) => s.uuid.startsWith(id) || s.name === id);
    if (hits.length !== 1) throw errors.notFound(id);
    return this.view(hits[0]!);
  }

  async close(): Promise<void> {}

  async delay(): Promise<void> {
    if (this.opts.latencyMs) await new Promise((r) => setTimeout(r, this.opts.latencyMs));
  }

  get attachMode(): 'echo' | 'manual' {
    return this.opts.attachMode ?? 'manual';
  }
}

/** The protocol's own rules, so that the fake answers bad input as an agent does. */
function checkFields(p: { name?: string; port?: number; protocol?: string; dns_name?: string }, requireName: boolean): void {
  if (requireName || (p.name !== undefined && p.name !== '')) validateName(p.name);
  if (p.port !== undefined) validatePort(p.port);
  if (p.protocol !== undefined) validateProtocol(p.protocol);
  if (p.dns_name !== undefined) validateDnsName(p.dns_name);
}

class FakeAgentClient implements AgentClient {
  readonly info: AgentInfo;

  constructor(private readonly dir: FakeSessionDirectory, private readonly spec: FakeAgentSpec) {
    this.info = { id: spec.id, host: spec.host ?? spec.id };
  }

  async call<O extends OpName>(op: O, params: OpParams<O>): Promise<OpResult<O>> {
    this.dir.calls.push({ agentId: this.spec.id, op, params });
    await this.dir.delay();
    if (this.spec.reachable === false) throw new ConvocateError('unavailable', `agent ${this.spec.id} is unreachable`);
    return this.run(op, params as Record<string, unknown>) as OpResult<O>;
  }

  private find(id: unknown): Stored {
    const s = this.dir.sessions.get(String(id));
    if (!s || s.agent_id !== this.spec.id) throw errors.notFound(String(id));
    return s;
  }

  private portFree(port: number, protocol: string, except?: string): number {
    const taken = (p: number) =>
      [...this.dir.sessions.values()].some(
        (s) => s.agent_id === this.spec.id && s.uuid !== except && s.port === p && s.protocol === protocol,
      );
    if (port === -1) {
      let p = 1001;
      while (taken(p)) p++;
      return p;
    }
    if (port > 0 && taken(port)) throw errors.portInUse(port, protocol);
    return port;
  }

  private dnsFree(name: string, except?: string): void {
    if (name && [...this.dir.sessions.values()].some((s) => s.dns_name === name && s.uuid !== except)) {
      throw errors.dnsInUse(name);
    }
  }

  private run(op: OpName, p: Record<string, unknown>): unknown {
    const v = (s: Stored) => this.dir.view(s);
    switch (op) {
      case 'ping':
        return { agent_id: this.spec.id, version: this.spec.version ?? '0.1.0', server_time: new Date().toISOString() };
      case 'list':
        return { sessions: [...this.dir.sessions.values()].filter((s) => s.agent_id === this.spec.id).map(v), broken: [] };
      case 'get':
        return v(this.find(p.id));
      case 'create': {
        checkFields(p, true);
        const protocol = (p.protocol as Protocol | undefined) ?? 'tcp';
        const port = this.portFree((p.port as number | undefined) ?? 0, protocol);
        this.dnsFree(String(p.dns_name ?? ''));
        return this.dir.add(this.spec.id, { name: String(p.name), port, protocol, dns_name: String(p.dns_name ?? '') });
      }
      case 'edit': {
        const s = this.find(p.id);
        checkFields(p, false);
        const protocol = (p.protocol as Protocol | undefined) ?? s.protocol;
        const port = p.port === undefined ? s.port : this.portFree(p.port as number, protocol, s.uuid);
        if (p.dns_name !== undefined) this.dnsFree(String(p.dns_name), s.uuid);
        Object.assign(s, {
          name: p.name ? String(p.name) : s.name,
          protocol,
          port,
          dns_name: p.dns_name === undefined ? s.dns_name : String(p.dns_name),
        });
        return v(s);
      }
      case 'clone': {
        const src = this.find(p.source_id);
        checkFields({ name: String(p.name) }, true);
        return this.dir.add(this.spec.id, { name: String(p.name), protocol: src.protocol });
      }
      case 'delete': {
        const s = this.find(p.id);
        this.dir.sessions.delete(s.uuid);
        return { uuid: s.uuid };
      }
      case 'kill': {
        const s = this.find(p.id);
        s.running = false;
        return v(s);
      }
      case 'background': {
        const s = this.find(p.id);
        for (const a of this.dir.attaches) if (a.sessionId === s.uuid) a.detach();
        return v(s);
      }
      case 'restart': {
        const s = this.find(p.id);
        if (s.running) throw errors.alreadyRunning();
        s.running = true;
        return v(s);
      }
      case 'override': {
        const s = this.find(p.id);
        s.locked = false;
        return v(s);
      }
      case 'peek': {
        const s = this.find(p.id);
        if (!s.running) throw new ConvocateError('invalid_argument', 'session is not running: nothing to peek at (attach or restart starts it)');
        return { text: s.screen.split('\n').slice(-((p.lines as number | undefined) ?? 40)).join('\n') };
      }
      default:
        throw errors.unknownOp(op);
    }
  }

  async attach(id: string, cols: number, rows: number, opts: AttachOptions = {}): Promise<AttachHandle> {
    await this.dir.delay();
    if (this.spec.reachable === false) throw new ConvocateError('unavailable', `agent ${this.spec.id} is unreachable`);
    const s = this.find(id);
    s.running = true;
    s.attaches++;
    s.last_accessed = nextTime();
    const { handle, attach } = fakeRelay(s.uuid, cols, rows, this.dir.attachMode === 'echo' ? s.name : undefined, opts.readOnly ?? false);
    this.dir.attaches.push(attach);
    void attach.done.then(() => {
      s.attaches--;
    });
    return handle;
  }

  async close(): Promise<void> {}
}

/**
 * A relay whose far side is in memory. With `echoName`, it behaves like a tiny
 * program in tmux: it shows its name and size, echoes input, and Ctrl-B D ends it.
 */
function fakeRelay(
  sessionId: string,
  cols: number,
  rows: number,
  echoName: string | undefined,
  readOnly: boolean,
): { handle: AttachHandle; attach: FakeAttach } {
  const toOperator = new PassThrough();
  let typed = '';
  let ended = false;
  let resolveDone!: () => void;
  const done = new Promise<void>((r) => (resolveDone = r));

  const attach: FakeAttach = {
    sessionId,
    cols,
    rows,
    readOnly,
    resizes: [],
    input: () => typed,
    write: (text) => {
      if (!ended) toOperator.write(text);
    },
    detach: () => {
      if (ended) return;
      ended = true;
      toOperator.end();
      stream.push(null);
      resolveDone();
    },
    done,
  };

  const stream = new Duplex({
    read() {
      // Data is pushed as it arrives from toOperator.
    },
    write(chunk: Buffer | string, _enc, cb) {
      const text = chunk.toString();
      typed += text;
      if (echoName) {
        // Like tmux attach -r: a watcher's keys never reach the program, but Ctrl-B D still detaches.
        if (!readOnly) attach.write(text.replace(/\r/g, '\r\n'));
        if (typed.includes('\x02d') || typed.includes('\x02D')) attach.detach();
      }
      cb();
    },
  });
  toOperator.on('data', (c: Buffer) => stream.push(c));

  if (echoName) attach.write(`\x1b[2J\x1b[H[fake session ${echoName}] ${cols}x${rows}${readOnly ? ' read-only' : ''}\r\n`);

  const handle: AttachHandle = {
    stream,
    resize: async (c, r) => {
      attach.resizes.push([c, r]);
      attach.cols = c;
      attach.rows = r;
      if (echoName) attach.write(`[size ${c}x${r}]\r\n`);
    },
    done,
    close: () => attach.detach(),
  };
  return { handle, attach };
}
