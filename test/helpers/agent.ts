// A real agent built by the production composition root over temp config and
// sessions dirs, labelled with a unique agent id so cleanup is exact. Its
// sessions run a login shell (see shell-sessions.ts) unless told otherwise.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { StatusEvent } from '../../src/protocol/status.js';
import { buildAgent, type AgentDeps, type BuiltAgent } from '../../src/agent/build-agent.js';
import { resolveAgentConfig, type AgentFlags } from '../../src/agent/config/config.js';
import { IptablesFirewall } from '../../src/agent/host/firewall.js';
import { isRoot } from '../../src/lib/process.js';
import { removeAgentContainers, requireDocker, sessionImage, testAgentId } from './docker.js';
import { useShellSessions } from './shell-sessions.js';

export interface TestAgent extends BuiltAgent {
  sessionsDir: string;
  configDir: string;
  events: StatusEvent[];
  cleanup(): Promise<void>;
}

export async function makeTestAgent(name: string, deps: AgentDeps = {}, flags: AgentFlags = {}): Promise<TestAgent> {
  await requireDocker();
  const root = await mkdtemp(join(tmpdir(), `convocate-${name}-`));
  const config = resolveAgentConfig(
    { configDir: join(root, 'agent'), sessionsDir: join(root, 'sessions'), image: sessionImage(), ...flags },
    {},
  );
  await useShellSessions(config.configDir);
  const events: StatusEvent[] = [];
  const built = await buildAgent(config, { agentId: testAgentId(name), emit: (e) => events.push(e), ...deps });
  return {
    ...built,
    sessionsDir: config.sessionsDir,
    configDir: config.configDir,
    events,
    cleanup: async () => {
      built.engine.close();
      await removeAgentContainers(built.agentId);
      // Containers removed behind the agent's back leave firewall rules: sweep them (rules first, then containers).
      if (isRoot() && !deps.runtime) await new IptablesFirewall().sweep(async () => new Set((await built.runtime.list()).map((c) => c.uuid)));
      await rm(root, { recursive: true, force: true });
    },
  };
}
