// Each agent's session-environment variable NAMES for the settings dialog
// (values never leave an agent) and its per-session defaults, or why they
// could not be had.
import { toConvocateError } from '../../protocol/errors.js';
import type { EnvNames } from '../app/state.js';
import type { AgentDirectory } from './agent-directory.js';

const TIMEOUT_MS = 5_000;

export async function loadEnvNames(directory: AgentDirectory): Promise<EnvNames> {
  const out: EnvNames = {};
  await Promise.all(
    directory.agents().map(async (agent) => {
      try {
        const client = directory.client(agent.id);
        const [{ names }, settings] = await Promise.all([
          client.call('env-list', null, { timeoutMs: TIMEOUT_MS }),
          // An older agent without the defaults still shows its names.
          client.call('settings-get', null, { timeoutMs: TIMEOUT_MS }).catch(() => undefined),
        ]);
        const defaults = settings && settings.egress !== undefined
          ? { cpus: settings.cpus, memory_bytes: settings.memory_bytes, pids_limit: settings.pids_limit, egress: settings.egress, egress_allow: settings.egress_allow }
          : undefined;
        out[agent.id] = { names: [...names].sort(), defaults };
      } catch (err) {
        out[agent.id] = { error: toConvocateError(err).message };
      }
    }),
  );
  return out;
}
