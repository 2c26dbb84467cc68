// What the page can do to sessions, with the TUI's own rules and words: the
// fields go through the TUI form's validation (same errors, same field), the
// ops go to the owning agent through the directory, and the answer carries the
// action table's done message.
import { ConvocateError, toConvocateError } from '../protocol/errors.js';
import type { Protocol, Session } from '../protocol/session.js';
import { VERSION } from '../protocol/version.js';
import { doneMessage, who, type ConfirmKind } from '../shell/app/actions.js';
import { cloneForm, editForm, newForm, submitForm, type FormState } from '../shell/app/form.js';
import type { SessionFields } from '../shell/app/intents.js';
import { readBuildStamp } from '../shell/build-info.js';
import type { AgentDirectory } from '../shell/client/agent-directory.js';
import { transferSession } from '../shell/client/ssh-transfer.js';
import { toJson, type SessionJson } from '../shell/cli/present.js';
import { loadEnvNames } from '../shell/client/env-names.js';

/** A field's problem, as the TUI form shows it beside that field. */
export class FieldError extends ConvocateError {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super('invalid_argument', message);
  }
}

export interface ActionResult {
  message: string;
  session?: SessionJson;
}

type FormText = Partial<Record<'name' | 'protocol' | 'port' | 'dns' | 'repo' | 'to', unknown>>;

const CONFIRMED: readonly ConfirmKind[] = ['kill', 'restart', 'background', 'delete', 'override'];

/** The typed text laid over a TUI form, then the form's own submit. */
function submit(form: FormState, body: FormText): SessionFields {
  const text = (v: unknown, fallback: string) => (v === undefined ? fallback : typeof v === 'string' ? v : String(v));
  const protocol = text(body.protocol, form.protocol);
  if (protocol !== 'tcp' && protocol !== 'udp') throw new FieldError('protocol', 'protocol must be tcp or udp');
  const filled: FormState = {
    ...form,
    name: text(body.name, form.name),
    protocol: protocol as Protocol,
    port: text(body.port, form.port),
    dns: text(body.dns, form.dns),
    repo: text(body.repo, form.repo),
    target: body.to === undefined ? form.target : text(body.to, ''),
  };
  const out = submitForm(filled);
  if (out.type === 'submit') return out.fields;
  if (out.type === 'update' && out.form.error) throw new FieldError(out.form.active, out.form.error);
  throw new ConvocateError('invalid_argument', 'the form is not complete');
}

/** `agent_id` may be left out only when there is one agent to choose. */
function agentFor(dir: AgentDirectory, wanted: unknown): string {
  const ids = dir.agents().map((a) => a.id);
  if (typeof wanted === 'string' && wanted !== '') {
    if (!ids.includes(wanted)) throw new FieldError('agent', `no agent ${JSON.stringify(wanted.slice(0, 40))}: choose one of ${ids.join(', ')}`);
    return wanted;
  }
  if (ids.length === 1) return ids[0]!;
  throw new FieldError('agent', `choose the agent: ${ids.join(', ') || 'none registered'}`);
}

export async function createSession(dir: AgentDirectory, body: FormText & { agent_id?: unknown }): Promise<ActionResult> {
  const agentId = agentFor(dir, body.agent_id);
  const fields = submit(newForm(agentId), body);
  const s = await dir.client(agentId).call('create', { ...fields });
  return { message: `created ${who(s)}`, session: toJson(s) };
}

export async function sessionAction(dir: AgentDirectory, id: string, action: string, body: FormText & { fresh?: unknown }): Promise<ActionResult> {
  const session = await dir.resolve(id);
  const client = dir.client(session.agent_id!);
  switch (action) {
    case 'edit': {
      const fields = submit(editForm(session), body);
      const s = await client.call('edit', { id: session.uuid, ...fields });
      const note = s.running ? '; the running container keeps its old flags until kill and restart' : '';
      return { message: `saved ${who(s)}${note}`, session: toJson(s) };
    }
    case 'clone':
      return clone(dir, session, body);
    case 'restart': {
      const fresh = body.fresh === true;
      await client.call('restart', { id: session.uuid, fresh });
      return { message: doneMessage('restart', session, fresh) };
    }
    default: {
      const kind = CONFIRMED.find((k) => k === action);
      if (!kind) throw new ConvocateError('not_found', `no such action: ${JSON.stringify(action.slice(0, 40))}`);
      await client.call(kind, { id: session.uuid });
      return { message: doneMessage(kind, session) };
    }
  }
}

async function clone(dir: AgentDirectory, source: Session, body: FormText): Promise<ActionResult> {
  const agents = dir.agents().map((a) => a.id);
  const fields = submit(cloneForm(source, agents), body);
  if (fields.to && !agents.includes(fields.to)) throw new FieldError('to', `no agent ${JSON.stringify(fields.to.slice(0, 40))}`);
  const copy = fields.to
    ? await transferSession(dir.client(source.agent_id!), dir.client(fields.to), source.uuid, { name: fields.name, move: false })
    : await dir.client(source.agent_id!).call('clone', { source_id: source.uuid, name: fields.name });
  return { message: `cloned ${source.name} as ${who(copy)}${fields.to ? ` on agent ${fields.to}` : ''}`, session: toJson(copy) };
}

/** What the TUI's Settings shows: this build, and every agent with its reachability and env names. */
export async function settingsJson(dir: AgentDirectory) {
  const envNames = await loadEnvNames(dir);
  const build = { node: process.version, platform: `${process.platform}/${process.arch}`, ...readBuildStamp() };
  return {
    version: VERSION,
    build,
    agents: dir.health().map((h) => ({
      id: h.info.id,
      host: h.info.host,
      reachable: h.reachable,
      version: h.version ?? null,
      error: h.error ?? null,
      last_heartbeat: h.lastHeartbeat ?? null,
      env: envNames[h.info.id] ?? { error: 'not asked' },
    })),
  };
}

export function errorBody(err: unknown): { error: string; field?: string } {
  const e = toConvocateError(err);
  return err instanceof FieldError ? { error: e.message, field: err.field } : { error: e.message };
}
