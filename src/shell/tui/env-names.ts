// Each agent's session-environment variable NAMES for the settings dialog
// (values never leave an agent). SEAM(env-list): the `env-list` op
// (→ `{names}`) is added by the session-environment work; until it is in
// the op table this reports "not supported by this build" per agent, and once
// it is there this code calls it unchanged.
import { toConvocateError } from '../../protocol/errors.js';
import { isOpName, type OpName } from '../../protocol/ops.js';
import type { EnvNames } from '../app/state.js';
import type { AgentDirectory } from '../client/agent-directory.js';

const ENV_LIST = 'env-list';
const TIMEOUT_MS = 5_000;

export async function loadEnvNames(directory: AgentDirectory): Promise<EnvNames> {
  const out: EnvNames = {};
  await Promise.all(
    directory.agents().map(async (agent) => {
      if (!isOpName(ENV_LIST)) {
        out[agent.id] = { error: 'not supported by this build' };
        return;
      }
      try {
        const client = directory.client(agent.id);
        // Typed loosely on purpose: the op table gains `env-list` in another change.
        const call = client.call.bind(client) as (op: OpName, params: unknown, o?: { timeoutMs?: number }) => Promise<unknown>;
        // Its params are `null` like `list`'s; an object-typed schema gets `{}` on a second try.
        const result = (await call(ENV_LIST as OpName, null, { timeoutMs: TIMEOUT_MS }).catch((err: unknown) => {
          if (toConvocateError(err).code !== 'bad_request') throw err;
          return call(ENV_LIST as OpName, {}, { timeoutMs: TIMEOUT_MS });
        })) as { names?: unknown };
        const names = Array.isArray(result.names) ? result.names.filter((n): n is string => typeof n === 'string') : [];
        out[agent.id] = { names: names.sort() };
      } catch (err) {
        out[agent.id] = { error: toConvocateError(err).message };
      }
    }),
  );
  return out;
}
