// Each agent's session-environment variable NAMES for the settings dialog
// (values never leave an agent), or why they could not be had.
import { toConvocateError } from '../../protocol/errors.js';
import type { EnvNames } from '../app/state.js';
import type { AgentDirectory } from '../client/agent-directory.js';

const TIMEOUT_MS = 5_000;

export async function loadEnvNames(directory: AgentDirectory): Promise<EnvNames> {
  const out: EnvNames = {};
  await Promise.all(
    directory.agents().map(async (agent) => {
      try {
        const { names } = await directory.client(agent.id).call('env-list', null, { timeoutMs: TIMEOUT_MS });
        out[agent.id] = { names: [...names].sort() };
      } catch (err) {
        out[agent.id] = { error: toConvocateError(err).message };
      }
    }),
  );
  return out;
}
