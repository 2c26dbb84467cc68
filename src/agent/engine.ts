// The session engine: every operation of SPEC §2 on one host, over a session
// store (files, locks) and a container runtime (Docker). Transport-free: the
// SSH server and the shell's embedded agent both reach it via the Dispatcher.
import { errors, ConvocateError } from '../protocol/errors.js';
import type { AgentSettings, ListResult, OpParams } from '../protocol/ops.js';
import { makeEvent, type StatusEvent, type StatusEventData, type StatusEventType } from '../protocol/status.js';
import type { Session, SessionMeta } from '../protocol/session.js';
import { VERSION } from '../protocol/version.js';
import type { BindMount, ContainerRuntime } from './runtime/container-runtime.js';
import { TMUX_SESSION, CONTAINER_USER } from './runtime/container-runtime.js';
import type { SessionStore } from './sessions/store.js';
import { assertUuid } from './sessions/validation.js';
import type { EngineSettings, SettingsStore } from './settings.js';
import { LiveState } from './live-state.js';
import { admit, CgroupResourceProbe, DEFAULT_CAP_PERCENT, parseCapPercent, type ResourceProbe } from './admission.js';

export interface EngineOptions {
  store: SessionStore;
  runtime: ContainerRuntime;
  agentId: string;
  settings: EngineSettings;
  settingsStore: SettingsStore;
  /** Host mounts added to every container (the host's Claude CLI and ~/.claude when present). */
  hostMounts?: BindMount[];
  emit?: (event: StatusEvent) => void;
  /** How long a freshly started container may take to bring tmux up. */
  readyTimeoutMs?: number;
  /** What admission control measures; the host's cgroups by default. */
  resources?: ResourceProbe;
}

export class SessionEngine {
  readonly agentId: string;
  readonly live: LiveState;
  private settings: EngineSettings;
  /** Starts in flight, so that concurrent attaches share one instead of failing on each other's lock. */
  private readonly starting = new Map<string, Promise<void>>();

  constructor(private readonly opts: EngineOptions) {
    this.agentId = opts.agentId;
    this.settings = opts.settings;
    this.live = new LiveState(opts.store, opts.runtime);
  }

  get store(): SessionStore {
    return this.opts.store;
  }

  get runtime(): ContainerRuntime {
    return this.opts.runtime;
  }

  get image(): string {
    return this.settings.image;
  }

  list(): Promise<ListResult> {
    return this.live.list();
  }

  async get(id: string): Promise<Session> {
    assertUuid(id);
    return this.live.one(await this.opts.store.get(id));
  }

  async create(p: OpParams<'create'>): Promise<Session> {
    const meta = await this.opts.store.create({
      name: p.name,
      port: p.port ?? 0,
      protocol: (p.protocol ?? 'tcp') as SessionMeta['protocol'],
      dns_name: p.dns_name ?? '',
    });
    this.emitSession('container.created', meta);
    return this.live.one(meta);
  }

  async edit(p: OpParams<'edit'>): Promise<Session> {
    assertUuid(p.id);
    const meta = await this.opts.store.locks.withLock(p.id, () =>
      this.opts.store.update(p.id, {
        name: p.name,
        port: p.port,
        protocol: p.protocol as SessionMeta['protocol'] | undefined,
        dns_name: p.dns_name,
      }),
    );
    this.emitSession('container.edited', meta);
    return this.live.one(meta);
  }

  async clone(p: OpParams<'clone'>): Promise<Session> {
    assertUuid(p.source_id);
    await this.opts.store.get(p.source_id);
    const meta = await this.opts.store.locks.withLock(p.source_id, () =>
      this.opts.store.cloneFrom(p.source_id, p.name),
    );
    this.emitSession('container.created', meta);
    return this.live.one(meta);
  }

  async delete(id: string): Promise<{ uuid: string }> {
    assertUuid(id);
    await this.opts.store.get(id).catch((err: unknown) => {
      // A corrupt session.json must still be deletable; only a missing dir is "not found".
      if (err instanceof ConvocateError && err.code === 'not_found') throw err;
    });
    await this.opts.store.locks.withLock(id, async () => {
      await this.opts.runtime.stop(id, 10);
      await this.opts.store.remove(id);
    });
    this.emit('container.deleted', null, id);
    return { uuid: id };
  }

  async kill(id: string): Promise<Session> {
    assertUuid(id);
    const meta = await this.opts.store.get(id);
    const wasRunning = await this.live.isRunning(id);
    await this.opts.store.locks.withLock(id, () => this.opts.runtime.stop(id, 10));
    // A kill of a stopped session changes nothing the shell needs to hear about.
    if (wasRunning) this.emit('container.stopped', null, id);
    return this.live.one(meta);
  }

  async restart(id: string): Promise<Session> {
    assertUuid(id);
    const meta = await this.opts.store.get(id);
    if (await this.live.isRunning(id)) throw errors.alreadyRunning();
    await this.opts.store.locks.withLock(id, async () => {
      // Again under the lock: a start that finished meanwhile must not be replaced.
      if (await this.live.isRunning(id)) throw errors.alreadyRunning();
      await this.start(meta);
    });
    return this.live.one(meta);
  }

  async background(id: string): Promise<Session> {
    assertUuid(id);
    const meta = await this.opts.store.get(id);
    if (!(await this.live.isRunning(id))) {
      throw new ConvocateError('invalid_argument', 'session is not running: nothing to background');
    }
    // Exit code 1 means "no clients": already backgrounded, which is fine.
    await this.opts.runtime.exec(id, ['tmux', 'detach-client', '-s', TMUX_SESSION], { user: CONTAINER_USER });
    return this.live.one(meta);
  }

  async override(id: string): Promise<Session> {
    assertUuid(id);
    const meta = await this.opts.store.get(id);
    await this.opts.store.locks.override(id);
    return this.live.one(meta);
  }

  settingsView(): AgentSettings {
    return {
      agent_id: this.agentId,
      version: VERSION,
      image: this.settings.image,
      sessions_dir: this.opts.store.dir,
      dns_server: this.settings.dnsServer,
      cgroup_parent: this.settings.cgroupParent,
      cpu_cap_percent: this.settings.cpuCapPercent ?? DEFAULT_CAP_PERCENT,
      mem_cap_percent: this.settings.memCapPercent ?? DEFAULT_CAP_PERCENT,
    };
  }

  async setSettings(p: OpParams<'settings-set'>): Promise<AgentSettings> {
    const next: EngineSettings = {
      image: p.image ?? this.settings.image,
      dnsServer: p.dns_server ?? this.settings.dnsServer,
      cgroupParent: p.cgroup_parent ?? this.settings.cgroupParent,
      cpuCapPercent: p.cpu_cap_percent === undefined ? this.settings.cpuCapPercent : parseCapPercent(p.cpu_cap_percent, 'cpu_cap_percent'),
      memCapPercent: p.mem_cap_percent === undefined ? this.settings.memCapPercent : parseCapPercent(p.mem_cap_percent, 'mem_cap_percent'),
    };
    if (!next.image.trim()) throw new ConvocateError('invalid_argument', 'image must not be empty');
    await this.opts.settingsStore.save(next);
    this.settings = next;
    return this.settingsView();
  }

  /**
   * Start the container unless it already runs. Callers arriving while a start
   * is in flight wait for that one; the running check is repeated under the
   * lock, because a second `run` would remove the container the first started.
   */
  ensureRunning(meta: SessionMeta): Promise<void> {
    const pending = this.starting.get(meta.uuid);
    if (pending) return pending;
    const start = (async () => {
      if (await this.live.isRunning(meta.uuid)) return;
      await this.opts.store.locks.withLock(meta.uuid, async () => {
        if (!(await this.live.isRunning(meta.uuid))) await this.start(meta);
      });
    })().finally(() => this.starting.delete(meta.uuid));
    this.starting.set(meta.uuid, start);
    return start;
  }

  /** `docker run --detach` with the session's persisted flags, then wait for tmux. Caller holds the lock. */
  async start(meta: SessionMeta): Promise<void> {
    await admit(this.opts.resources ?? new CgroupResourceProbe(), this.settings.cgroupParent, {
      cpuPercent: this.settings.cpuCapPercent ?? DEFAULT_CAP_PERCENT,
      memPercent: this.settings.memCapPercent ?? DEFAULT_CAP_PERCENT,
    });
    await this.opts.runtime.run({
      uuid: meta.uuid,
      agentId: this.agentId,
      image: this.settings.image,
      homeDir: this.opts.store.homeDir(meta.uuid),
      port: meta.port,
      protocol: meta.protocol,
      dnsServer: this.settings.dnsServer || undefined,
      cgroupParent: this.settings.cgroupParent || undefined,
      mounts: this.opts.hostMounts,
    });
    await this.opts.runtime.waitReady(meta.uuid, this.opts.readyTimeoutMs ?? 20_000);
    this.emitSession('container.started', meta);
  }

  private emitSession(type: 'container.created' | 'container.edited' | 'container.started', meta: SessionMeta): void {
    this.emit(type, meta, meta.uuid);
  }

  emit<T extends StatusEventType>(type: T, data: StatusEventData[T], sessionId?: string): void {
    this.opts.emit?.(makeEvent(type, this.agentId, data, sessionId));
  }
}
