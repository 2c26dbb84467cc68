// The session engine: every operation of SPEC §2 on one host, over a session
// store (files, locks) and a container runtime (Docker). Transport-free: the
// SSH server and the shell's embedded agent both reach it via the Dispatcher.
// Its public methods are its ops (and the transfer service's two hooks);
// starting a container is the starter's job, attaching the attach module's.
import type { AttachHandle } from '../../protocol/agent-api.js';
import type { AttachHeader } from '../../protocol/attach.js';
import { errors, ConvocateError } from '../../protocol/errors.js';
import { DEFAULT_PEEK_LINES, type AgentSettings, type DiffResult, type EnvNames, type UsageResult, type ListResult, type OpParams, type PeekResult } from '../../protocol/ops.js';
import { makeEvent, type StatusEvent, type StatusEventData, type StatusEventType } from '../../protocol/status.js';
import type { Session, SessionMeta } from '../../protocol/session.js';
import type { ContainerRuntime } from '../runtime/container-runtime.js';
import { TMUX_SESSION, CONTAINER_USER } from '../runtime/container-runtime.js';
import type { SessionFirewall } from '../host/firewall.js';
import { assertWithinCaps, hostSize, type HostSize } from './confinement.js';
import { settingsPatch, settingsView } from './settings-view.js';
import { withFrozen } from './freeze.js';
import type { SessionStore } from '../sessions/store.js';
import { assertUuid } from '../../protocol/validation.js';
import type { EngineSettings, SettingsStore } from '../config/settings.js';
import { LiveState } from './live-state.js';
import { ActivityMonitor } from '../activity/monitor.js';
import type { StateRead } from '../activity/state-file.js';
import { activityView, sameView } from '../activity/view.js';
import type { ActivityView } from '../../protocol/session.js';
import type { SessionEnvStore } from '../config/session-env.js';
import { ResourceSampler } from '../host/resources.js';
import { PaneCapture, peekPane } from './pane.js';
import { UsageTracker, usageResult } from '../activity/usage-tracker.js';
import { workspaceDiff } from './workspace.js';
import { CgroupResourceProbe, type ResourceProbe } from './admission.js';
import { SessionStarter } from './starter.js';
import { attachSession } from './attach.js';

export interface EngineOptions {
  store: SessionStore;
  runtime: ContainerRuntime;
  agentId: string;
  settings: EngineSettings;
  settingsStore: SettingsStore;
  emit?: (event: StatusEvent) => void;
  /** How long a freshly started container may take to bring tmux up. */
  readyTimeoutMs?: number;
  /** Session environment passed to every container; without it the env ops are unavailable. */
  sessionEnv?: SessionEnvStore;
  /** What admission control measures; the host's cgroups by default. */
  resources?: ResourceProbe;
  /** The host firewall; without one, sessions with an egress policy other than `open` cannot start. */
  firewall?: SessionFirewall;
  /** Host ports no session may reach (the agent's and status-serve's). */
  blockedPorts?: number[];
  /** Cores and RAM the caps are taken of; this host's by default. */
  hostSize?: HostSize;
}

export class SessionEngine {
  readonly agentId: string;
  private readonly live: LiveState;
  private readonly activity: ActivityMonitor;
  private settings: EngineSettings;
  /** The last activity pushed per session, so that only changes are sent. */
  private readonly pushed = new Map<string, ActivityView>();
  private readonly starter: SessionStarter;
  private readonly panes: PaneCapture;
  private readonly usageTracker: UsageTracker;

  constructor(private readonly opts: EngineOptions) {
    this.agentId = opts.agentId;
    this.settings = opts.settings;
    this.activity = new ActivityMonitor({
      homeDir: (uuid) => opts.store.homeDir(uuid),
      onChange: (uuid, read) => this.onActivity(uuid, read),
    });
    const resources = new ResourceSampler({
      cgroupParent: () => this.settings.cgroupParent,
      oneShot: opts.runtime.oneShotStats?.bind(opts.runtime),
    });
    this.usageTracker = new UsageTracker((uuid) => opts.store.homeDir(uuid));
    this.live = new LiveState(opts.store, opts.runtime, this.activity, resources, this.usageTracker);
    this.panes = new PaneCapture(opts.runtime);
    this.starter = new SessionStarter({
      store: opts.store,
      runtime: opts.runtime,
      agentId: opts.agentId,
      settings: () => this.settings,
      host: () => this.host,
      admission: opts.resources ?? new CgroupResourceProbe(),
      isRunning: (uuid) => this.live.isRunning(uuid),
      track: (uuid) => this.activity.track(uuid),
      started: (meta) => this.emitSession('container.started', meta),
      sessionEnv: opts.sessionEnv,
      firewall: opts.firewall,
      blockedPorts: opts.blockedPorts ?? [],
      readyTimeoutMs: opts.readyTimeoutMs ?? 20_000,
    });
  }

  /** How many session homes the activity monitor follows (the benches report it). */
  get homesWatched(): number {
    return this.activity.watching;
  }

  /** Watch every session's home for activity from the start, not only after the first list. */
  async watchActivity(): Promise<void> {
    const { sessions } = await this.opts.store.list();
    this.activity.sync(sessions.map((s) => s.uuid));
  }

  /** The last lines of a session's pane, sanitised (the preview). */
  async peek(p: OpParams<'peek'>): Promise<PeekResult> {
    assertUuid(p.id);
    const meta = await this.opts.store.get(p.id);
    const deps = { runtime: this.opts.runtime, panes: this.panes, isRunning: (uuid: string) => this.live.isRunning(uuid) };
    return peekPane(deps, meta.uuid, p.lines ?? DEFAULT_PEEK_LINES);
  }

  close(): void {
    this.activity.close();
    this.panes.closeAll();
  }

  list(): Promise<ListResult> {
    return this.live.list();
  }

  async get(id: string): Promise<Session> {
    assertUuid(id);
    return this.live.one(await this.opts.store.get(id));
  }

  async create(p: OpParams<'create'>): Promise<Session> {
    assertWithinCaps(p, this.settings, this.host);
    // Without a policy of its own a session gets the agent's default one.
    const egress = p.egress ?? (p.egress_allow ? 'allow' : this.settings.egress ?? 'open');
    const meta = await this.opts.store.create({
      name: p.name,
      port: p.port ?? 0,
      protocol: p.protocol ?? 'tcp',
      dns_name: p.dns_name ?? '',
      repo: p.repo,
      branch: p.branch,
      cpus: p.cpus ?? null,
      memory_bytes: p.memory_bytes ?? null,
      egress,
      egress_allow: p.egress_allow ?? (p.egress === undefined ? this.settings.egressAllow ?? [] : []),
    });
    await this.starter.seedHome(meta.uuid);
    this.activity.track(meta.uuid);
    this.emitSession('container.created', meta);
    return this.live.one(meta);
  }

  async edit(p: OpParams<'edit'>): Promise<Session> {
    assertUuid(p.id);
    assertWithinCaps(p, this.settings, this.host);
    const meta = await this.opts.store.locks.withLock(p.id, () =>
      this.opts.store.update(p.id, {
        name: p.name,
        port: p.port,
        protocol: p.protocol,
        dns_name: p.dns_name,
        cpus: p.cpus,
        memory_bytes: p.memory_bytes,
        egress: p.egress ?? (p.egress_allow ? 'allow' : undefined),
        egress_allow: p.egress_allow,
      }),
    );
    this.emitSession('container.edited', meta);
    return this.live.one(meta);
  }

  async clone(p: OpParams<'clone'>): Promise<Session> {
    assertUuid(p.source_id);
    await this.opts.store.get(p.source_id);
    const meta = await this.opts.store.locks.withLock(p.source_id, () => this.opts.store.cloneFrom(p.source_id, p.name, (copy) => this.frozen(p.source_id, copy)));
    return this.adopt(meta);
  }

  /** Transfer hook: run `copy` with the session's container paused when it runs: one consistent snapshot (the caller holds its lock). */
  frozen<T>(id: string, copy: () => Promise<T>): Promise<T> {
    return withFrozen(this.opts.runtime, () => this.live.isRunning(id), id, copy);
  }

  /** Transfer hook: a session just published by a clone or a transfer from another agent: seeded, followed, announced. */
  async adopt(meta: SessionMeta): Promise<Session> {
    await this.starter.seedHome(meta.uuid);
    this.activity.track(meta.uuid);
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
      await this.stopContainer(id);
      await this.opts.store.remove(id);
    });
    this.activity.forget(id);
    this.usageTracker.forget(id);
    this.pushed.delete(id);
    this.emit('container.deleted', null, id);
    return { uuid: id };
  }

  async kill(id: string): Promise<Session> {
    assertUuid(id);
    const meta = await this.opts.store.get(id);
    const wasRunning = await this.live.isRunning(id);
    await this.opts.store.locks.withLock(id, () => this.stopContainer(id));
    // A kill of a stopped session changes nothing the shell needs to hear about.
    if (wasRunning) this.emit('container.stopped', null, id);
    this.pushed.delete(id);
    return this.live.one(meta);
  }

  /** `fresh`: a new conversation rather than the session's own. */
  async restart(id: string, opts: { fresh?: boolean } = {}): Promise<Session> {
    assertUuid(id);
    await this.opts.store.get(id);
    if (await this.live.isRunning(id)) throw errors.alreadyRunning();
    const meta = await this.opts.store.locks.withLock(id, async () => {
      // Again under the lock: a start that finished meanwhile must not be replaced.
      if (await this.live.isRunning(id)) throw errors.alreadyRunning();
      // Read under the lock, so that an edit that just finished is what starts.
      const current = await this.opts.store.get(id);
      await this.starter.start(current, opts);
      return current;
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

  attach(header: AttachHeader): Promise<AttachHandle> {
    const deps = { store: this.opts.store, runtime: this.opts.runtime, live: this.live, ensureRunning: (meta: SessionMeta) => this.starter.ensureRunning(meta) };
    return attachSession(deps, header);
  }

  async envList(): Promise<EnvNames> {
    return { names: await this.sessionEnv.names() };
  }

  async envSet(p: OpParams<'env-set'>): Promise<EnvNames> {
    return { names: await this.sessionEnv.set(p.name, p.value) };
  }

  async envUnset(p: OpParams<'env-unset'>): Promise<EnvNames> {
    return { names: await this.sessionEnv.unset(p.name) };
  }

  settingsView(): AgentSettings {
    return settingsView(this.settings, { agentId: this.agentId, sessionsDir: this.opts.store.dir });
  }

  async setSettings(p: OpParams<'settings-set'>): Promise<AgentSettings> {
    const next = await settingsPatch(this.settings, p, { runtime: this.opts.runtime, host: this.host });
    await this.opts.settingsStore.save(next);
    this.settings = next;
    return this.settingsView();
  }

  /** Every session's usage figures, as `list` carries them. */
  async usage(): Promise<UsageResult> {
    return usageResult((await this.live.list()).sessions);
  }

  /** The workspace's changes against its base, computed in the running container or a throwaway one. */
  async diff(p: OpParams<'diff'>): Promise<DiffResult> {
    assertUuid(p.id);
    const meta = await this.opts.store.get(p.id);
    const running = await this.live.isRunning(meta.uuid);
    return workspaceDiff(this.opts.runtime, meta, this.opts.store.homeDir(meta.uuid), { running, image: this.settings.image, params: p });
  }

  /** Stop and remove the container, then its firewall rules. */
  private async stopContainer(uuid: string): Promise<void> {
    await this.opts.runtime.stop(uuid, 10);
    await this.opts.firewall?.remove(uuid);
  }

  private get host(): HostSize {
    return this.opts.hostSize ?? hostSize();
  }

  /** The session environment the env ops change; unavailable on an agent that keeps none. */
  private get sessionEnv(): SessionEnvStore {
    if (!this.opts.sessionEnv) throw new ConvocateError('unavailable', 'this agent keeps no session environment');
    return this.opts.sessionEnv;
  }

  /** A hook wrote the state file: the container runs, and what it wrote is fresh. */
  private onActivity(uuid: string, read: StateRead): void {
    if (read.kind !== 'ok') return;
    // A hook wrote: the transcript may have grown (a reply's usage), so the figures follow it now, not at list time.
    void this.usageTracker.refresh(uuid);
    const view = activityView({ running: true, read });
    if (sameView(this.pushed.get(uuid), view)) return;
    this.pushed.set(uuid, view);
    this.emit('session.activity', view, uuid);
  }

  private emitSession(type: 'container.created' | 'container.edited' | 'container.started', meta: SessionMeta): void {
    this.emit(type, meta, meta.uuid);
  }

  private emit<T extends StatusEventType>(type: T, data: StatusEventData[T], sessionId?: string): void {
    this.opts.emit?.(makeEvent(type, this.agentId, data, sessionId));
  }
}
