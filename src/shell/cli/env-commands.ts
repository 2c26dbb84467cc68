// `convocate env set|unset|ls`: the agents' session environment. A value is
// read from stdin (never argv, where `ps` would show it) and is never printed.
import { MAX_ENV_VALUE_BYTES } from '../../protocol/session-env.js';
import { ConvocateError } from '../../protocol/errors.js';
import type { AgentDirectory } from '../client/agent-directory.js';
import type { CliIo } from './commands.js';

/** Slightly over the agent's 8 KiB cap, so that an oversized value gets the agent's own error. */
const MAX_STDIN_BYTES = MAX_ENV_VALUE_BYTES + 2;

export async function envSetCommand(dir: AgentDirectory, io: CliIo, name: string, opts: { agent?: string }): Promise<void> {
  const agentId = pickOneAgent(dir, opts.agent);
  const value = dropOneNewline(await readStdin(io.stdin));
  await dir.client(agentId).call('env-set', { name, value });
  io.stdout.write(`set ${name} on ${agentId}\n`);
}

export async function envUnsetCommand(dir: AgentDirectory, io: CliIo, name: string, opts: { agent?: string }): Promise<void> {
  const agentId = pickOneAgent(dir, opts.agent);
  await dir.client(agentId).call('env-unset', { name });
  io.stdout.write(`unset ${name} on ${agentId}\n`);
}

/** Names only; every agent unless --agent. */
export async function envListCommand(dir: AgentDirectory, io: CliIo, opts: { agent?: string; json?: boolean }): Promise<void> {
  const agents = opts.agent ? [dir.client(opts.agent).info] : dir.agents();
  const rows = await Promise.all(
    agents.map(async (a) => ({ agent_id: a.id, names: (await dir.client(a.id).call('env-list', null)).names })),
  );
  if (opts.json) {
    io.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
    return;
  }
  const lines = rows.flatMap((r) => r.names.map((n) => `${r.agent_id.padEnd(10)}  ${n}`));
  io.stdout.write(['AGENT       NAME', ...lines].join('\n') + '\n');
}

export function dropOneNewline(text: string): string {
  if (text.endsWith('\r\n')) return text.slice(0, -2);
  return text.endsWith('\n') ? text.slice(0, -1) : text;
}

function pickOneAgent(dir: AgentDirectory, wanted: string | undefined): string {
  if (wanted) return dir.client(wanted).info.id;
  const agents = dir.agents();
  if (agents.length === 1) return agents[0]!.id;
  if (agents.length === 0) throw new ConvocateError('unavailable', 'no agents registered and no local Docker: see `convocate help`');
  throw new ConvocateError('invalid_argument', `several agents registered: pick one with --agent (${agents.map((a) => a.id).join(', ')})`);
}

function readStdin(stdin: NodeJS.ReadableStream): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (b: Buffer | string) => {
      const buf = typeof b === 'string' ? Buffer.from(b) : b;
      size += buf.length;
      if (size > MAX_STDIN_BYTES) {
        cleanup();
        reject(new ConvocateError('invalid_argument', `env value is longer than ${MAX_ENV_VALUE_BYTES} bytes`));
        return;
      }
      chunks.push(buf);
    };
    const onEnd = () => {
      cleanup();
      const text = Buffer.concat(chunks).toString('utf8');
      resolve(text);
    };
    const onError = (err: Error) => {
      cleanup();
      reject(err);
    };
    const cleanup = () => {
      stdin.off('data', onData);
      stdin.off('end', onEnd);
      stdin.off('error', onError);
      stdin.pause();
    };
    stdin.on('data', onData);
    stdin.once('end', onEnd);
    stdin.once('error', onError);
    stdin.resume();
  });
}
