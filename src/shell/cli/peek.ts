// `convocate peek ID [--lines N]`: the last lines of a session's screen, as
// the agent captured and sanitised them (sanitised again here: the text
// comes from a container and goes to a terminal).
import { ConvocateError, quote } from '../../protocol/errors.js';
import { MAX_PEEK_LINES } from '../../protocol/ops.js';
import { sanitisePaneText } from '../../protocol/sanitise.js';
import type { AgentDirectory } from '../client/agent-directory.js';
import type { CliIo } from './commands.js';

export async function peekCommand(dir: AgentDirectory, io: CliIo, id: string, opts: { lines: string }): Promise<void> {
  const lines = parseLines(opts.lines);
  const s = await dir.resolve(id);
  const { text } = await dir.client(s.agent_id!).call('peek', { id: s.uuid, lines });
  const clean = sanitisePaneText(text);
  io.stdout.write(clean.endsWith('\n') || clean === '' ? clean : `${clean}\n`);
}

export function parseLines(text: string): number {
  const n = /^\d+$/.test(text.trim()) ? Number(text.trim()) : NaN;
  if (!Number.isInteger(n) || n < 1 || n > MAX_PEEK_LINES) {
    throw new ConvocateError('invalid_argument', `--lines ${quote(text)} is invalid: use a whole number from 1 to ${MAX_PEEK_LINES}`);
  }
  return n;
}
