// Builds a complete agent (store + Docker runtime + engine + op table) for one
// host. `convocate-agent serve` puts it behind SSH; the shell embeds it as the
// `local` agent when no agents are registered.
import { ConvocateError } from '../protocol/errors.js';
import type { StatusEvent } from '../protocol/status.js';
import { isRoot } from '../lib/process.js';
import { type AgentConfig, loadOrCreateAgentId } from './config.js';
import { Dispatcher } from './dispatcher.js';
import { SessionEngine } from './engine.js';
import { DockerRuntime } from './runtime/docker-runtime.js';
import { SessionEnvStore } from './session-env.js';
import { SessionStore } from './sessions/store.js';
import { FileSettingsStore } from './settings.js';

export const SESSION_UID = 1337;

export interface BuiltAgent {
  agentId: string;
  engine: SessionEngine;
  api: Dispatcher;
}

export async function buildAgent(
  config: AgentConfig,
  opts: { emit?: (e: StatusEvent) => void; agentId?: string } = {},
): Promise<BuiltAgent> {
  const runtime = new DockerRuntime();
  await runtime.ping();
  const agentId = opts.agentId ?? (await loadOrCreateAgentId(config.configDir));
  const store = new SessionStore({
    dir: config.sessionsDir,
    chownTo: isRoot() ? { uid: SESSION_UID, gid: SESSION_UID } : undefined,
  });
  await store.init();
  const settingsStore = new FileSettingsStore(config.configDir);
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
  const engine = new SessionEngine({
    store,
    runtime,
    agentId,
    settings,
    settingsStore,
    emit: opts.emit,
    sessionEnv: new SessionEnvStore(config.configDir),
  });
  await engine.watchActivity();
  return { agentId, engine, api: new Dispatcher(engine) };
}
