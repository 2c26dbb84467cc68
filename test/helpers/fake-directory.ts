// Agents for TUI and CLI tests where Docker is not the point: each one is the
// real agent (buildAgent: store, locks, rules, engine, op table) over temp
// dirs with a FakeRuntime, reached through the shell's own LocalAgentClient
// and MultiAgentDirectory. This file adds only what a test steers: sessions
// seeded in a state, activity as Claude's hook writes it, a pane's text,
// resource use, an agent that goes down, latency, and the attaches.
import { EventEmitter } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AttachHandle } from '../../src/protocol/agent-api.js';
import { ConvocateError } from '../../src/protocol/errors.js';
import type { OpName, OpParams, OpResult } from '../../src/protocol/ops.js';
import type { Activity, Protocol, ResourceView, Session } from '../../src/protocol/session.js';
import { ACTIVITY_FILE } from '../../src/agent/activity/state-file.js';
import { buildAgent, type BuiltAgent } from '../../src/agent/build-agent.js';
import { resolveAgentConfig } from '../../src/agent/config/config.js';
import { FakeRuntime, type FakePty } from '../../src/agent/runtime/fake-runtime.js';
import { LockManager } from '../../src/agent/sessions/locks.js';
import { MemorySettingsStore } from '../../src/agent/config/settings.js';
import type { AgentHealth, AgentInfo, MergedList } from '../../src/shell/app/agents.js';
import type { AgentClient, AttachOptions } from '../../src/shell/client/agent-client.js';
import type { AgentDirectory } from '../../src/shell/client/agent-directory.js';
import { MultiAgentDirectory } from '../../src/shell/client/directory.js';
import { LocalAgentClient } from '../../src/shell/client/local-agent-client.js';

const IMAGE = 'convocate-session:fake';

export interface FakeAgentSpec {
  id: string;
  host?: string;
  /** False: the agent is seen once, then goes down (its sessions stay listed, marked `?`). */
  reachable?: boolean;
}

/** One attach in progress, as the test sees it. */
export interface FakeAttach {
  sessionId: string;
  readonly cols: number;
  readonly rows: number;
  readOnly: boolean;
  resizes: Array<[number, number]>;
  /** Everything the operator typed into the session so far. */
  input(): string;
  /** Bytes drawn for the operator, as tmux would. */
  write(text: string): void;
  /** End the relay, as tmux's Ctrl-B D does. */
  detach(): void;
}

export interface FakeDirectoryOptions {
  agents?: FakeAgentSpec[];
  /**
   * `echo`: an attach shows `[fake session NAME] COLSxROWS`, echoes what is
   * typed and ends on Ctrl-B D. `manual`: the test drives every byte.
   */
  attachMode?: 'echo' | 'manual';
  /** Milliseconds every call waits, to make busy states visible. */
  latencyMs?: number;
}

/** What a seeded session is doing besides existing. */
export interface SeedState extends Partial<ResourceView> {
  running?: boolean;
  locked?: boolean;
  activity?: Activity;
  activity_since?: string;
  activity_detail?: string;
  /** What `peek` shows; default `[screen of NAME]`. */
  screen?: string;
}

interface FakeAgent {
  spec: Required<Pick<FakeAgentSpec, 'id' | 'host'>>;
  built: BuiltAgent;
  runtime: FakeRuntime;
  up: boolean;
}

export class FakeSessionDirectory implements AgentDirectory {
  /** Every op called, in order, for assertions. */
  readonly calls: Array<{ agentId: string; op: OpName; params: unknown }> = [];
  readonly events = new EventEmitter();
  private readonly agentsById = new Map<string, FakeAgent>();
  private readonly names = new Map<string, string>();
  private readonly owners = new Map<string, FakeAgent>();
  private readonly screens = new Map<string, string>();
  private inner!: MultiAgentDirectory;
  private clock = Date.UTC(2025, 0, 1);

  private constructor(
    private readonly opts: FakeDirectoryOptions,
    private readonly root: string,
  ) {}

  static async create(opts: FakeDirectoryOptions = {}): Promise<FakeSessionDirectory> {
    const dir = new FakeSessionDirectory(opts, await mkdtemp(join(tmpdir(), 'convocate-fake-')));
    for (const spec of opts.agents ?? [{ id: 'local', host: 'local' }]) await dir.addAgent(spec);
    dir.inner = new MultiAgentDirectory([...dir.agentsById.values()].map((a) => dir.clientOf(a)));
    return dir;
  }

  /** Adds a session, as if another operator had made it, in the state asked for. */
  async add(agentId: string, meta: { name: string; port?: number; protocol?: Protocol; dns_name?: string }, state: SeedState = {}): Promise<Session> {
    const agent = this.agent(agentId);
    const { engine, store } = agent.built;
    const s = await engine.create({ name: meta.name, port: meta.port ?? 0, protocol: meta.protocol, dns_name: meta.dns_name ?? '' });
    this.know(agent, s);
    this.screens.set(s.uuid, state.screen ?? `[screen of ${s.name}]`);
    if (state.running) await engine.restart(s.uuid);
    if (state.locked) await new LockManager({ dir: store.dir, pid: process.ppid }).acquire(s.uuid);
    if (state.activity) await this.writeActivity(agent, s.uuid, state.activity, state.activity_detail ?? '', state.activity_since);
    if (state.cpu_percent !== undefined || state.mem_bytes !== undefined) {
      agent.runtime.usage.set(`fake-${s.uuid}`, { cpu_percent: state.cpu_percent ?? null, mem_bytes: state.mem_bytes ?? null });
      // One-shot stats are fetched in the background: one list asks, the next ones show them.
      await engine.list();
      await new Promise((r) => setImmediate(r));
    }
    // An agent that is down was seen once before, so its sessions stay listed.
    if (!agent.up) await this.whileUp(agent, () => this.inner?.listAll());
    return engine.get(s.uuid);
  }

  /** The session's Claude reports a new activity through its hook; resolves once the agent sees it. */
  async setActivity(uuid: string, activity: Activity, detail = ''): Promise<void> {
    const agent = this.agentOf(uuid);
    await this.writeActivity(agent, uuid, activity, detail);
  }

  setScreen(uuid: string, text: string): void {
    this.screens.set(uuid, text);
  }

  setReachable(agentId: string, reachable: boolean): void {
    this.agent(agentId).up = reachable;
  }

  /** Every attach so far, oldest first. */
  get attaches(): FakeAttach[] {
    return [...this.agentsById.values()].flatMap((a) => a.runtime.ptys).map((p) => toAttach(p));
  }

  /** The `subscribe` argument of runTui: agents' events and `emitChange()` reach it. */
  subscribe = (onEvent: () => void): { close(): void } => {
    this.events.on('change', onEvent);
    return { close: () => this.events.off('change', onEvent) };
  };

  emitChange(): void {
    this.events.emit('change');
  }

  async sessionCount(): Promise<number> {
    return (await this.listAll()).sessions.length;
  }

  agents(): AgentInfo[] {
    return this.inner.agents();
  }

  client(agentId: string): AgentClient {
    return this.inner.client(agentId);
  }

  listAll(): Promise<MergedList> {
    return this.inner.listAll();
  }

  health(): AgentHealth[] {
    return this.inner.health();
  }

  noteHeartbeat(agentId: string, at: string): void {
    this.inner.noteHeartbeat(agentId, at);
  }

  resolve(id: string): Promise<Session> {
    return this.inner.resolve(id);
  }

  async close(): Promise<void> {
    for (const a of this.agentsById.values()) a.built.engine.close();
    await rm(this.root, { recursive: true, force: true });
  }

  private async addAgent(spec: FakeAgentSpec): Promise<void> {
    const runtime = new FakeRuntime({
      images: [IMAGE],
      pty: this.opts.attachMode === 'echo' ? 'echo' : 'silent',
      banner: (p) => `\x1b[2J\x1b[H[fake session ${this.names.get(p.uuid) ?? p.uuid}] ${p.cols}x${p.rows}${p.readOnly ? ' read-only' : ''}\r\n`,
      onExec: (uuid, cmd) => ({ exitCode: 0, output: cmd.includes('capture-pane') ? `${this.screens.get(uuid) ?? ''}\n` : '' }),
    });
    const root = join(this.root, spec.id);
    const config = resolveAgentConfig({ configDir: join(root, 'agent'), sessionsDir: join(root, 'sessions'), image: IMAGE }, {});
    const built = await buildAgent(config, {
      runtime,
      agentId: spec.id,
      settingsStore: new MemorySettingsStore(),
      // A steady clock: sessions added one after another sort newest first.
      now: () => new Date((this.clock += 1000)),
      emit: (ev) => {
        if (ev.type !== 'agent.heartbeat') this.emitChange();
      },
    });
    this.agentsById.set(spec.id, { spec: { id: spec.id, host: spec.host ?? `${spec.id}.example:222` }, built, runtime, up: spec.reachable !== false });
  }

  /** The shell's in-process client, behind the test's switches: recorded calls, latency, and an agent that is down. */
  private clientOf(agent: FakeAgent): AgentClient {
    const local = new LocalAgentClient(agent.built.api);
    const gate = async (): Promise<void> => {
      if (this.opts.latencyMs) await new Promise((r) => setTimeout(r, this.opts.latencyMs));
      if (!agent.up) throw new ConvocateError('unavailable', `agent ${agent.spec.id} is unreachable`);
    };
    return {
      info: { id: agent.spec.id, host: agent.spec.host },
      call: async <O extends OpName>(op: O, params: OpParams<O>): Promise<OpResult<O>> => {
        this.calls.push({ agentId: agent.spec.id, op, params });
        await gate();
        const result = await local.call(op, params);
        if (op === 'create' || op === 'clone' || op === 'edit') this.know(agent, result as Session);
        return result;
      },
      attach: async (id: string, cols: number, rows: number, opts?: AttachOptions): Promise<AttachHandle> => {
        await gate();
        return local.attach(id, cols, rows, opts);
      },
      close: () => local.close(),
    };
  }

  private know(agent: FakeAgent, s: Session): void {
    this.names.set(s.uuid, s.name);
    this.owners.set(s.uuid, agent);
  }

  private async whileUp<T>(agent: FakeAgent, fn: () => Promise<T> | undefined): Promise<void> {
    agent.up = true;
    try {
      await fn();
    } finally {
      agent.up = false;
    }
  }

  private async writeActivity(agent: FakeAgent, uuid: string, activity: Activity, detail: string, since?: string): Promise<void> {
    const at = since ?? new Date().toISOString();
    await writeFile(join(agent.built.store.homeDir(uuid), ACTIVITY_FILE), `${activity}\n${at}\n${detail}\n`);
    // A stopped session is `none` whatever its file says.
    if (!agent.runtime.containers.has(uuid)) return;
    // The agent learns it from its watcher, as it would from a real hook.
    for (let i = 0; i < 400; i++) {
      if ((await agent.built.engine.get(uuid)).activity === activity) return;
      await new Promise((r) => setTimeout(r, 5));
    }
    throw new Error(`the agent never saw ${uuid} turn ${activity}`);
  }

  private agent(agentId: string): FakeAgent {
    const a = this.agentsById.get(agentId);
    if (!a) throw new Error(`no fake agent ${agentId}`);
    return a;
  }

  private agentOf(uuid: string): FakeAgent {
    const a = this.owners.get(uuid);
    if (!a) throw new Error(`no session ${uuid}`);
    return a;
  }
}

function toAttach(p: FakePty): FakeAttach {
  return {
    sessionId: p.uuid,
    get cols() {
      return p.cols;
    },
    get rows() {
      return p.rows;
    },
    readOnly: p.readOnly,
    resizes: p.resizes,
    input: () => p.input(),
    write: (text) => p.write(text),
    detach: () => p.hangUp(),
  };
}
