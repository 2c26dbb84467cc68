// The one composition root of an agent: store + container runtime + settings +
// engine + op table, wired from a config and injected parts. `serve`, the
// shell's embedded `local` agent, the tests and the benchmarks all call it, so
// every one of them runs the production wiring.
import { SESSION_UID } from '../protocol/host-files.js';
import { mkdir } from 'node:fs/promises';
import { agentIdProblem } from '../protocol/agent-id.js';
import { ConvocateError } from '../protocol/errors.js';
import type { StatusEvent } from '../protocol/status.js';
import { isRoot } from '../lib/process.js';
import { type AgentConfig, loadOrCreateAgentId } from './config/config.js';
import { Dispatcher } from './ssh/dispatcher.js';
import { TransferService } from './transfer/transfer-service.js';
import { SessionEngine } from './engine/engine.js';
import type { ContainerRuntime } from './runtime/container-runtime.js';
import { DockerRuntime } from './runtime/docker-runtime.js';
import { SessionEnvStore } from './config/session-env.js';
import { LockManager } from './sessions/locks.js';
import { SessionStore } from './sessions/store.js';
import { FileSettingsStore, type SettingsStore } from './config/settings.js';
import { IptablesFirewall, type SessionFirewall } from './host/firewall.js';
import { AGENT_PORT, STATUS_PORT } from '../protocol/subsystems.js';


/** Parts a caller may replace; each defaults to the production one. */
export interface AgentDeps {
  runtime?: ContainerRuntime;
  /** Default: `<config-dir>/agent-id`, minted on first start. */
  agentId?: string;
  emit?: (event: StatusEvent) => void;
  now?: () => Date;
  /** Default: `<config-dir>/settings.json`. */
  settingsStore?: SettingsStore;
  /** How long a freshly started container may take to bring tmux up. */
  readyTimeoutMs?: number;
  /** Default: iptables when the agent runs as root on the real Docker runtime; none with a caller's runtime. */
  firewall?: SessionFirewall | null;
}

export interface BuiltAgent {
  agentId: string;
  engine: SessionEngine;
  api: Dispatcher;
  store: SessionStore;
  runtime: ContainerRuntime;
}

export async function buildAgent(config: AgentConfig, deps: AgentDeps = {}): Promise<BuiltAgent> {
  const runtime = deps.runtime ?? new DockerRuntime();
  await runtime.ping();
  await mkdir(config.configDir, { recursive: true, mode: 0o755 });
  const agentId = deps.agentId ?? loadOrCreateAgentId(config.configDir);
  // The id names status events, key comments and registry paths: the one rule holds here too.
  const idProblem = agentIdProblem(agentId);
  if (idProblem) throw new ConvocateError('invalid_argument', idProblem);
  const store = new SessionStore({
    dir: config.sessionsDir,
    now: deps.now,
    locks: new LockManager({ dir: config.sessionsDir, now: deps.now }),
    // Root makes the homes for the container user; anyone else keeps them (the entrypoint adopts the owner).
    chownTo: isRoot() ? { uid: SESSION_UID, gid: SESSION_UID } : undefined,
  });
  await store.init();
  const settingsStore = deps.settingsStore ?? new FileSettingsStore(config.configDir);
  const settings = await settingsStore.load({
    image: config.image,
    dnsServer: config.dnsServer ?? '',
    cgroupParent: config.cgroupParent ?? '',
  });
  if (!(await runtime.imageExists(settings.image))) {
    throw new ConvocateError(
      'unavailable',
      `session image "${settings.image}" not found: build it with \`convocate-agent image build --offline\``,
    );
  }
  const firewall = deps.firewall === undefined ? (deps.runtime === undefined && isRoot() ? new IptablesFirewall() : undefined) : deps.firewall ?? undefined;
  if (firewall) {
    // Checked at every start: an agent that cannot confine its sessions says so before it runs one.
    await firewall.ensure();
    // Rules of containers removed behind the agent's back (e.g. by `docker rm`) go.
    await firewall.sweep(async () => new Set((await runtime.list()).map((c) => c.uuid))).catch(() => 0);
  }
  const engine = new SessionEngine({
    firewall,
    blockedPorts: [AGENT_PORT, STATUS_PORT, config.listen.port, config.shellPort].filter((p) => p > 0),
    store,
    runtime,
    agentId,
    settings,
    settingsStore,
    emit: deps.emit,
    readyTimeoutMs: deps.readyTimeoutMs,
    sessionEnv: new SessionEnvStore(config.configDir),
  });
  await engine.watchActivity();
  return { agentId, engine, api: new Dispatcher(engine, new TransferService(engine, store)), store, runtime };
}
