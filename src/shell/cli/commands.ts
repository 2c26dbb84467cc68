// The scripting CLI (SPEC §5): every command goes through the same
// AgentDirectory as the TUI, so it spans every agent alike.
import { ConvocateError } from '../../protocol/errors.js';
import type { EgressPolicy, Session } from '../../protocol/session.js';
import {
  parseAllowText,
  parseCpusText,
  parseMemoryText,
  parsePortText,
  validateDnsName,
  validateEgress,
  validateBranch,
  validateProtocol,
  validateRepo,
} from '../../protocol/validation.js';
import type { AgentDirectory } from '../client/agent-directory.js';
import { transferSession } from '../client/ssh-transfer.js';
import { relay, terminalSize, type TuiStdin, type TuiStdout } from '../terminal/relay.js';
import { formatTable, toJson } from './present.js';

export interface CliIo {
  stdin: TuiStdin;
  stdout: TuiStdout;
  stderr: NodeJS.WritableStream;
  /** Ask a yes/no question on the terminal; undefined when there is no terminal. */
  confirm?: (question: string) => Promise<boolean>;
}

/** Session fields as typed on the command line; checked with the protocol's rules before they travel. */
export interface SessionFlags {
  port?: string;
  proto?: string;
  dns?: string;
  name?: string;
  cpus?: string;
  memory?: string;
  egress?: string;
  allow?: string;
  repo?: string;
  branch?: string;
}

/** The limit and egress flags as op params; absent flags are left out. */
function limitParams(opts: SessionFlags): { cpus?: number | null; memory_bytes?: number | null; egress?: EgressPolicy; egress_allow?: string[] } {
  return {
    cpus: opts.cpus === undefined ? undefined : parseCpusText(opts.cpus),
    memory_bytes: opts.memory === undefined ? undefined : parseMemoryText(opts.memory),
    egress: opts.egress === undefined ? undefined : validateEgress(opts.egress),
    egress_allow: opts.allow === undefined ? undefined : parseAllowText(opts.allow),
  };
}

export async function listCommand(dir: AgentDirectory, io: CliIo, opts: { json?: boolean }): Promise<void> {
  const { sessions, broken, unreachable } = await dir.listAll();
  for (const b of broken) io.stderr.write(`warning: session ${b.uuid} on ${b.agent_id} is unreadable: ${b.error}\n`);
  for (const u of unreachable) io.stderr.write(`warning: agent ${u.info.id} unreachable: ${u.error ?? 'unknown error'}\n`);
  if (opts.json) {
    io.stdout.write(`${JSON.stringify(sessions.map(toJson), null, 2)}\n`);
    return;
  }
  io.stdout.write(formatTable(sessions, new Set(unreachable.map((u) => u.info.id))));
}

export async function newCommand(
  dir: AgentDirectory,
  io: CliIo,
  name: string,
  opts: SessionFlags & { agent?: string; json?: boolean },
): Promise<void> {
  const agentId = pickAgent(dir, opts.agent);
  const session = await dir.client(agentId).call('create', {
    name,
    port: opts.port === undefined ? 0 : parsePortText(opts.port),
    protocol: validateProtocol(opts.proto),
    dns_name: validateDnsName(opts.dns),
    repo: validateRepo(opts.repo) ?? undefined,
    branch: opts.branch === undefined ? undefined : validateBranch(opts.branch),
    ...limitParams(opts),
  });
  printSession(io, { ...session, agent_id: agentId, agent_host: dir.client(agentId).info.host }, opts.json, 'created');
}

export async function editCommand(dir: AgentDirectory, io: CliIo, id: string, opts: SessionFlags & { json?: boolean }): Promise<void> {
  const s = await dir.resolve(id);
  const updated = await dir.client(s.agent_id!).call('edit', {
    id: s.uuid,
    name: opts.name,
    port: opts.port === undefined ? undefined : parsePortText(opts.port),
    protocol: opts.proto === undefined ? undefined : validateProtocol(opts.proto),
    dns_name: opts.dns,
    ...limitParams(opts),
  });
  printSession(io, stamp(updated, s), opts.json, 'edited');
}

export async function cloneCommand(dir: AgentDirectory, io: CliIo, id: string, name: string, opts: { json?: boolean; to?: string }): Promise<void> {
  const s = await dir.resolve(id);
  if (opts.to !== undefined && opts.to !== s.agent_id) {
    const copy = await transferSession(dir.client(s.agent_id!), dir.client(opts.to), s.uuid, { name, move: false });
    return printSession(io, { ...copy, agent_id: opts.to }, opts.json, 'cloned');
  }
  const clone = await dir.client(s.agent_id!).call('clone', { source_id: s.uuid, name });
  printSession(io, stamp(clone, s), opts.json, 'cloned');
}

/** Move a session to another agent: the home and settings arrive whole before the source is deleted. */
export async function moveCommand(dir: AgentDirectory, io: CliIo, id: string, opts: { json?: boolean; to: string }): Promise<void> {
  const s = await dir.resolve(id);
  const moved = await transferSession(dir.client(s.agent_id!), dir.client(opts.to), s.uuid, { name: s.name, move: true });
  printSession(io, { ...moved, agent_id: opts.to }, opts.json, 'moved');
}

export type SimpleOp = 'kill' | 'restart' | 'background' | 'override';

export async function restartCommand(dir: AgentDirectory, io: CliIo, id: string, opts: { fresh?: boolean }): Promise<void> {
  const s = await dir.resolve(id);
  const after = await dir.client(s.agent_id!).call('restart', { id: s.uuid, fresh: opts.fresh });
  io.stdout.write(`restart: ${after.name} (${after.uuid.slice(0, 8)}) ${after.state}${opts.fresh ? ', new conversation' : ''}\n`);
}

export async function simpleCommand(dir: AgentDirectory, io: CliIo, op: SimpleOp, id: string): Promise<void> {
  const s = await dir.resolve(id);
  const after = await dir.client(s.agent_id!).call(op, { id: s.uuid });
  io.stdout.write(`${op}: ${after.name} (${after.uuid.slice(0, 8)}) ${after.state}\n`);
}

export async function removeCommand(dir: AgentDirectory, io: CliIo, id: string, opts: { yes?: boolean }): Promise<void> {
  const s = await dir.resolve(id);
  if (!opts.yes) {
    if (!io.confirm) {
      throw new ConvocateError('invalid_argument', 'refusing to delete without a terminal to confirm on: pass --yes');
    }
    const ok = await io.confirm(`Delete session ${s.name} (${s.uuid.slice(0, 8)}) and its home directory? [y/N] `);
    if (!ok) {
      io.stderr.write('not deleted\n');
      return;
    }
  }
  await dir.client(s.agent_id!).call('delete', { id: s.uuid });
  io.stdout.write(`deleted: ${s.name} (${s.uuid})\n`);
}

export async function attachCommand(dir: AgentDirectory, io: CliIo, id: string, opts: { readOnly?: boolean } = {}): Promise<void> {
  const s = await dir.resolve(id);
  const { cols, rows } = terminalSize(io.stdout);
  const handle = await dir.client(s.agent_id!).attach(s.uuid, cols, rows, { readOnly: opts.readOnly });
  try {
    await relay(handle, io.stdin, io.stdout, { readOnly: opts.readOnly });
  } catch (err) {
    // The session's last screen is still up, the cursor anywhere in it: the reason goes on a line of its own.
    io.stdout.write('\r\n');
    throw err;
  }
}

function pickAgent(dir: AgentDirectory, wanted: string | undefined): string {
  const agents = dir.agents();
  if (wanted) return dir.client(wanted).info.id;
  if (agents.length === 1) return agents[0]!.id;
  if (agents.length === 0) throw new ConvocateError('unavailable', 'no agents registered and no local Docker: see `convocate help`');
  throw new ConvocateError(
    'invalid_argument',
    `several agents registered: pick one with --agent (${agents.map((a) => a.id).join(', ')})`,
  );
}

function stamp(s: Session, from: Session): Session {
  return { ...s, agent_id: from.agent_id, agent_host: from.agent_host };
}

function printSession(io: CliIo, s: Session, json: boolean | undefined, verb: string): void {
  if (json) io.stdout.write(`${JSON.stringify(toJson(s), null, 2)}\n`);
  else io.stdout.write(`${verb}: ${s.name} ${s.uuid}${s.port > 0 ? ` ${s.port}/${s.protocol}` : ''}\n`);
}
