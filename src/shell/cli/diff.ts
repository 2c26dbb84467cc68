// `convocate diff ID [--stat] [--base REF]`: the workspace's changes as the
// agent computed them inside a container, sanitised again here (the text
// comes from a container and goes to a terminal).
import { sanitisePaneText } from '../../protocol/sanitise.js';
import { validateDiffBase } from '../../protocol/validation.js';
import type { AgentDirectory } from '../client/agent-directory.js';
import type { CliIo } from './commands.js';

export async function diffCommand(dir: AgentDirectory, io: CliIo, id: string, opts: { stat?: boolean; base?: string }): Promise<void> {
  const base = opts.base === undefined ? undefined : validateDiffBase(opts.base);
  const s = await dir.resolve(id);
  const { text, truncated } = await dir.client(s.agent_id!).call('diff', { id: s.uuid, stat: opts.stat, base });
  const clean = sanitisePaneText(text);
  io.stdout.write(clean.endsWith('\n') || clean === '' ? clean : `${clean}\n`);
  if (truncated) io.stderr.write('warning: the diff was cut at 4 MiB\n');
}
