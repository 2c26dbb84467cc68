// Chooses the shell's agents: every registered agent over SSH or, with none
// registered, the embedded `local` agent on this host's Docker.
import type { AgentApi } from '../protocol/agent-api.js';
import { ConvocateError } from '../protocol/errors.js';
import type { AgentClient } from './client/agent-client.js';
import { MultiAgentDirectory } from './client/directory.js';
import { LocalAgentClient } from './client/local-agent-client.js';
import { loadRegistry } from './client/registry.js';
import { SshAgentClient } from './client/ssh-agent-client.js';
import { resolveShellConfig, type ShellConfig } from './config.js';

export interface OpenOptions {
  config?: ShellConfig;
  /** Builds the in-process agent; called only when no agent is registered. */
  embedded: () => Promise<AgentApi>;
  stderr?: NodeJS.WritableStream;
}

export async function openDirectory(opts: OpenOptions): Promise<MultiAgentDirectory> {
  const config = opts.config ?? resolveShellConfig();
  const { agents, problems } = await loadRegistry(config.configDir);
  for (const p of problems) opts.stderr?.write(`warning: agent ${p.agentId} skipped: ${p.error}\n`);
  if (agents.length > 0) {
    const clients: AgentClient[] = agents.map((a) => new SshAgentClient(a));
    return new MultiAgentDirectory(clients);
  }
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
