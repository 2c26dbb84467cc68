// The session engine: every operation of SPEC §2 on one host, over a session
// store (files, locks) and a container runtime (Docker). Transport-free: the
// SSH server and the shell's embedded agent both reach it via the Dispatcher.
import type { AttachHandle } from '../../protocol/agent-api.js';
import { errors, ConvocateError } from '../../protocol/errors.js';
import { DEFAULT_PEEK_LINES, type AgentSettings, type DiffResult, type UsageResult, type ListResult, type OpParams, type PeekResult } from '../../protocol/ops.js';
import { makeEvent, type StatusEvent, type StatusEventData, type StatusEventType } from '../../protocol/status.js';
import type { Session, SessionMeta } from '../../protocol/session.js';
import type { ContainerRuntime } from '../runtime/container-runtime.js';
import { TMUX_SESSION, CONTAINER_USER, SESSIONS_NETWORK, sessionMac } from '../runtime/container-runtime.js';
import type { SessionFirewall } from '../host/firewall.js';
import { assertWithinCaps, hostSize, resolveLimits, sessionRules, type HostSize } from './confinement.js';
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
import { seedClaudeHome } from '../sessions/seed-home.js';
import { ResourceSampler } from '../host/resources.js';
import { PaneCapture, peekPane } from './pane.js';
import { UsageTracker, usageResult } from '../activity/usage-tracker.js';
import { workspaceDiff, workspaceEnv } from './workspace.js';
import { admitSession, CgroupResourceProbe, type ResourceProbe } from './admission.js';

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
  readonly activity: ActivityMonitor;
  private settings: EngineSettings;
  /** The last activity pushed per session, so that only changes are sent. */
  private readonly pushed = new Map<string, ActivityView>();
  /** Starts in flight, so that concurrent attaches share one instead of failing on each other's lock. */
  private readonly starting = new Map<string, Promise<void>>();
  private readonly panes: PaneCapture;
  private readonly admission: ResourceProbe;
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
    this.admission = opts.resources ?? new CgroupResourceProbe();
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
    await this.seedHome(meta.uuid);
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

  /** Run `copy` with the session's container paused when it runs: one consistent snapshot (the caller holds its lock). */
  frozen<T>(id: string, copy: () => Promise<T>): Promise<T> {
    return withFrozen(this.opts.runtime, () => this.live.isRunning(id), id, copy);
  }

  /** A session just published by a clone or a transfer from another agent: seeded, followed, announced. */
  async adopt(meta: SessionMeta): Promise<Session> {
    await this.seedHome(meta.uuid);
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
      await this.start(current, opts);
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

  /** The first half of an attach: start the session when it is stopped and move `last_accessed`. */
  async prepareAttach(id: string): Promise<SessionMeta> {
    assertUuid(id);
    const meta = await this.opts.store.get(id);
    await this.ensureRunning(meta);
    try {
      await this.opts.store.locks.withLock(id, () => this.opts.store.touch(id));
    } catch (err) {
      // A concurrent mutation holding the lock must not fail the attach.
      if (!(err instanceof ConvocateError && err.code === 'locked')) throw err;
    }
    return meta;
  }

  /** A PTY running `cmd` as the session user, counted as an attached operator until it closes. */
  async relay(uuid: string, cmd: string[], size: { cols: number; rows: number }): Promise<AttachHandle> {
    const pty = await this.opts.runtime.execPty(uuid, cmd, {
      user: CONTAINER_USER,
      cols: size.cols,
      rows: size.rows,
      env: ['TERM=xterm-256color', 'LANG=C.UTF-8'],
    });
    const endRelay = this.live.openRelay(uuid);
    const done = pty.exit.then(endRelay, endRelay);
    pty.stream.once('close', endRelay);
    return {
      stream: pty.stream,
      resize: (cols, rows) => pty.resize(cols, rows),
      done,
      close: () => {
        endRelay();
        pty.stream.destroy();
      },
    };
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
        // The metadata read under the lock is what starts: an edit may have landed since the caller read it.
        if (!(await this.live.isRunning(meta.uuid))) await this.start(await this.opts.store.get(meta.uuid));
      });
    })().finally(() => this.starting.delete(meta.uuid));
    this.starting.set(meta.uuid, start);
    return start;
  }

  /** `docker run --detach` with the session's persisted flags, then wait for tmux. Caller holds the lock. */
  async start(meta: SessionMeta, opts: { fresh?: boolean } = {}): Promise<void> {
    await this.opts.store.assertUniqueAtStart(meta);
    const env = (await this.opts.sessionEnv?.read()) ?? new Map<string, string>();
    // A key set after the session was made gets approved too.
    await this.seedHome(meta.uuid, env.get('ANTHROPIC_API_KEY'));
    this.activity.track(meta.uuid);
    await admitSession(this.admission, this.settings, meta);
    const network = this.settings.network || ((await this.opts.runtime.ensureSessionsNetwork?.()) ?? SESSIONS_NETWORK);
    const mac = sessionMac(meta.uuid);
    const firewall = this.opts.firewall;
    if (!firewall && meta.egress !== 'open') {
      throw new ConvocateError('unavailable', `egress "${meta.egress}" needs the host firewall, which this agent does not run (it needs root and iptables)`);
    }
    const home = this.opts.store.homeDir(meta.uuid);
    const rules = await sessionRules(meta, { mac, blockedPorts: this.opts.blockedPorts ?? [], dnsServer: this.settings.dnsServer || undefined });
    const run = this.opts.runtime.run({
      uuid: meta.uuid,
      agentId: this.agentId,
      image: this.settings.image,
      homeDir: home,
      port: meta.port,
      protocol: meta.protocol,
      dnsServer: this.settings.dnsServer || undefined,
      cgroupParent: this.settings.cgroupParent || undefined,
      // Last, so that the session's own facts win over a same-named session env variable.
      env: [...[...env].map(([name, value]) => `${name}=${value}`), ...(await workspaceEnv(meta, home, opts))],
      network,
      macAddress: mac,
      ...resolveLimits(meta, this.settings, this.host),
      // The rules are in place before the container's first packet.
      beforeStart: firewall ? () => firewall.apply(meta.uuid, rules) : undefined,
    });
    // A container that never started leaves no rules behind (run() already removed it).
    await run.catch(async (err: unknown) => {
      await firewall?.remove(meta.uuid).catch(() => undefined);
      throw err;
    });
    await this.opts.runtime.waitReady(meta.uuid, this.opts.readyTimeoutMs ?? 20_000);
    // The fork is made: later starts resume the clone's own conversation.
    if (meta.resume_fork) await this.opts.store.update(meta.uuid, { resume_fork: false });
    this.emitSession('container.started', meta);
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
  get sessionEnv(): SessionEnvStore {
    if (!this.opts.sessionEnv) throw new ConvocateError('unavailable', 'this agent keeps no session environment');
    return this.opts.sessionEnv;
  }


  /** Seeding must never stop a session from starting: Claude then just asks its questions. */
  private async seedHome(uuid: string, apiKey?: string): Promise<void> {
    const key = apiKey ?? (await this.opts.sessionEnv?.read().catch(() => undefined))?.get('ANTHROPIC_API_KEY');
    await seedClaudeHome(this.opts.store.homeDir(uuid), key).catch(() => undefined);
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

  emit<T extends StatusEventType>(type: T, data: StatusEventData[T], sessionId?: string): void {
    this.opts.emit?.(makeEvent(type, this.agentId, data, sessionId));
  }
}
