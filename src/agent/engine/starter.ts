// Starting a session's container: admission against the host's caps, the
// Claude home seeded, firewall rules in place before the first packet, then
// `docker run --detach` with the persisted flags and a wait for tmux. The
// engine's ops (restart, attach) call it; nothing outside the engine does.
import { ConvocateError } from '../../protocol/errors.js';
import type { SessionMeta } from '../../protocol/session.js';
import type { EngineSettings } from '../config/settings.js';
import type { SessionEnvStore } from '../config/session-env.js';
import type { SessionFirewall } from '../host/firewall.js';
import type { ContainerRuntime } from '../runtime/container-runtime.js';
import { SESSIONS_NETWORK, sessionMac } from '../runtime/container-runtime.js';
import { seedClaudeHome } from '../sessions/seed-home.js';
import type { SessionStore } from '../sessions/store.js';
import { admitSession, type ResourceProbe } from './admission.js';
import { resolveLimits, sessionRules, type HostSize } from './confinement.js';
import { workspaceEnv } from './workspace.js';

export interface StarterDeps {
  store: SessionStore;
  runtime: ContainerRuntime;
  agentId: string;
  /** Read at every start: a `settings-set` applies to the next one. */
  settings: () => EngineSettings;
  host: () => HostSize;
  admission: ResourceProbe;
  isRunning: (uuid: string) => Promise<boolean>;
  /** A home the activity monitor should follow from now on. */
  track: (uuid: string) => void;
  /** The container is up and tmux answers. */
  started: (meta: SessionMeta) => void;
  sessionEnv?: SessionEnvStore;
  firewall?: SessionFirewall;
  blockedPorts: number[];
  readyTimeoutMs: number;
}

export class SessionStarter {
  /** Starts in flight, so that concurrent attaches share one instead of failing on each other's lock. */
  private readonly starting = new Map<string, Promise<void>>();

  constructor(private readonly deps: StarterDeps) {}

  /**
   * Start the container unless it already runs. Callers arriving while a start
   * is in flight wait for that one; the running check is repeated under the
   * lock, because a second `run` would remove the container the first started.
   */
  ensureRunning(meta: SessionMeta): Promise<void> {
    const pending = this.starting.get(meta.uuid);
    if (pending) return pending;
    const { store, isRunning } = this.deps;
    const start = (async () => {
      if (await isRunning(meta.uuid)) return;
      await store.locks.withLock(meta.uuid, async () => {
        // The metadata read under the lock is what starts: an edit may have landed since the caller read it.
        if (!(await isRunning(meta.uuid))) await this.start(await store.get(meta.uuid));
      });
    })().finally(() => this.starting.delete(meta.uuid));
    this.starting.set(meta.uuid, start);
    return start;
  }

  /** `docker run --detach` with the session's persisted flags, then wait for tmux. Caller holds the lock. */
  async start(meta: SessionMeta, opts: { fresh?: boolean } = {}): Promise<void> {
    const { store, runtime, firewall } = this.deps;
    const settings = this.deps.settings();
    await store.assertUniqueAtStart(meta);
    const env = (await this.deps.sessionEnv?.read()) ?? new Map<string, string>();
    // A key set after the session was made gets approved too.
    await this.seedHome(meta.uuid, env.get('ANTHROPIC_API_KEY'));
    this.deps.track(meta.uuid);
    await admitSession(this.deps.admission, settings, meta);
    const network = settings.network || ((await runtime.ensureSessionsNetwork?.()) ?? SESSIONS_NETWORK);
    const mac = sessionMac(meta.uuid);
    if (!firewall && meta.egress !== 'open') {
      throw new ConvocateError('unavailable', `egress "${meta.egress}" needs the host firewall, which this agent does not run (it needs root and iptables)`);
    }
    const home = store.homeDir(meta.uuid);
    const rules = await sessionRules(meta, { mac, blockedPorts: this.deps.blockedPorts, dnsServer: settings.dnsServer || undefined });
    const run = runtime.run({
      uuid: meta.uuid,
      agentId: this.deps.agentId,
      image: settings.image,
      homeDir: home,
      port: meta.port,
      protocol: meta.protocol,
      dnsServer: settings.dnsServer || undefined,
      cgroupParent: settings.cgroupParent || undefined,
      // Last, so that the session's own facts win over a same-named session env variable.
      env: [...[...env].map(([name, value]) => `${name}=${value}`), ...(await workspaceEnv(meta, home, opts))],
      network,
      macAddress: mac,
      ...resolveLimits(meta, settings, this.deps.host()),
      // The rules are in place before the container's first packet.
      beforeStart: firewall ? () => firewall.apply(meta.uuid, rules) : undefined,
    });
    // A container that never started leaves no rules behind (run() already removed it).
    await run.catch(async (err: unknown) => {
      await firewall?.remove(meta.uuid).catch(() => undefined);
      throw err;
    });
    await runtime.waitReady(meta.uuid, this.deps.readyTimeoutMs);
    // The fork is made: later starts resume the clone's own conversation.
    if (meta.resume_fork) await store.update(meta.uuid, { resume_fork: false });
    this.deps.started(meta);
  }

  /** Seeding must never stop a session from starting: Claude then just asks its questions. */
  async seedHome(uuid: string, apiKey?: string): Promise<void> {
    const key = apiKey ?? (await this.deps.sessionEnv?.read().catch(() => undefined))?.get('ANTHROPIC_API_KEY');
    await seedClaudeHome(this.deps.store.homeDir(uuid), key).catch(() => undefined);
  }
}
