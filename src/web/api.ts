// The cockpit's JSON answers, made by the CLI's own code so both speak alike:
// the list is exactly `convocate ls --json`, peek is sanitised as `convocate peek`.
import { ConvocateError } from '../protocol/errors.js';
import { DEFAULT_PEEK_LINES } from '../protocol/ops.js';
import { sanitisePaneText } from '../protocol/sanitise.js';
import type { AgentDirectory } from '../shell/client/agent-directory.js';
import { toJson, type SessionJson } from '../shell/cli/present.js';

export async function listJson(dir: AgentDirectory): Promise<SessionJson[]> {
  const { sessions } = await dir.listAll();
  return sessions.map(toJson);
}

export async function peekJson(dir: AgentDirectory, id: string): Promise<{ text: string }> {
  if (!id) throw new ConvocateError('invalid_argument', 'peek needs ?id=<uuid>');
  const s = await dir.resolve(id);
  const { text } = await dir.client(s.agent_id!).call('peek', { id: s.uuid, lines: DEFAULT_PEEK_LINES });
  return { text: sanitisePaneText(text) };
}
