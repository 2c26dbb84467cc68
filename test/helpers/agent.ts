// A real agent (store + DockerRuntime + engine + dispatcher) over a temp
// sessions dir, labelled with a unique agent id so cleanup is exact.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { StatusEvent } from '../../src/protocol/status.js';
import { Dispatcher } from '../../src/agent/dispatcher.js';
import { SessionEngine } from '../../src/agent/engine.js';
import { DockerRuntime } from '../../src/agent/runtime/docker-runtime.js';
import { SessionStore } from '../../src/agent/sessions/store.js';
import { MemorySettingsStore } from '../../src/agent/settings.js';
import { SessionEnvStore } from '../../src/agent/session-env.js';
import { useShellSessions } from './shell-sessions.js';
import { removeAgentContainers, requireDocker, sessionImage, testAgentId } from './docker.js';

export interface TestAgent {
  agentId: string;
  sessionsDir: string;
  engine: SessionEngine;
  api: Dispatcher;
  events: StatusEvent[];
  cleanup(): Promise<void>;
}

export async function makeTestAgent(name: string): Promise<TestAgent> {
  await requireDocker();
  const agentId = testAgentId(name);
  const sessionsDir = await mkdtemp(join(tmpdir(), `convocate-${name}-`));
  const store = new SessionStore({ dir: sessionsDir, chownTo: { uid: 1337, gid: 1337 } });
  await store.init();
  const configDir = await mkdtemp(join(tmpdir(), `convocate-${name}-config-`));
  await useShellSessions(configDir);
  const events: StatusEvent[] = [];
  const engine = new SessionEngine({
    store,
    runtime: new DockerRuntime(),
    agentId,
    settings: { image: sessionImage(), dnsServer: '', cgroupParent: '' },
    settingsStore: new MemorySettingsStore(),
    emit: (e) => events.push(e),
    sessionEnv: new SessionEnvStore(configDir),
  });
  return {
    agentId,
    sessionsDir,
    engine,
    api: new Dispatcher(engine),
    events,
    cleanup: async () => {
      await removeAgentContainers(agentId);
      engine.close();
      await rm(sessionsDir, { recursive: true, force: true });
      await rm(configDir, { recursive: true, force: true });
    },
  };
}
