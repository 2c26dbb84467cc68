// The one agent-id rule (SPEC §8): an id names paths (`agent-keys/<id>/`), key
// comments and status events, so every role checks it here before using it.

/** Lowercase letters, digits and `-`, starting with a letter, at most 32; or 8 hex characters (minted ids). */
const NAMED_ID = /^[a-z][a-z0-9-]{0,31}$/;
const MINTED_ID = /^[0-9a-f]{8}$/;
export const AGENT_ID_RULE = 'lowercase letters, digits and "-", starting with a letter, at most 32 characters (or 8 hex characters)';

export function isAgentId(id: unknown): id is string {
  return typeof id === 'string' && (NAMED_ID.test(id) || MINTED_ID.test(id));
}

/** What is wrong with an id, or undefined. The id is quoted with its control characters escaped. */
export function agentIdProblem(id: unknown): string | undefined {
  if (isAgentId(id)) return undefined;
  const shown = typeof id === 'string' ? JSON.stringify(id.slice(0, 40)) : String(id);
  return `agent id ${shown} is invalid: use ${AGENT_ID_RULE}`;
}
