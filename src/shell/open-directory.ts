// Chooses the shell's agents: every registered agent (over SSH, or listed as
// unavailable with the reason when its files cannot be loaded) or, only when
// nothing at all is registered, the embedded `local` agent on this host's Docker.
import type { AgentApi } from '../protocol/agent-api.js';
import { ConvocateError } from '../protocol/errors.js';
import { MultiAgentDirectory } from './client/directory.js';
import { LocalAgentClient } from './client/local-agent-client.js';
import { loadRegistry, registryClients } from './client/registry.js';
import { resolveShellConfig, type ShellConfig } from './config.js';

export interface OpenOptions {
  config?: ShellConfig;
  /** Builds the in-process agent; called only when no agent is registered. */
  embedded: () => Promise<AgentApi>;
  stderr?: NodeJS.WritableStream;
}

export async function openDirectory(opts: OpenOptions): Promise<MultiAgentDirectory> {
  const config = opts.config ?? resolveShellConfig();
  const registry = await loadRegistry(config.configDir);
  for (const p of registry.problems) opts.stderr?.write(`warning: agent ${p.agentId} cannot be loaded: ${p.error}\n`);
  // Registered agents that all fail to load are shown failing, never swapped for the embedded one.
  if (registry.agents.length + registry.problems.length > 0) return new MultiAgentDirectory(registryClients(registry));
  let api: AgentApi;
  try {
    api = await opts.embedded();
  } catch (err) {
    throw new ConvocateError(
      'unavailable',
      `no agents registered in ${config.configDir}/agent-keys and the embedded local agent cannot start: ${(err as Error).message}`,
      { cause: err },
    );
  }
  return new MultiAgentDirectory([new LocalAgentClient(api)]);
}
