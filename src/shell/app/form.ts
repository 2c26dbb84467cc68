// The create/edit/clone form as pure data: which field is active, what has
// been typed, and what a key does to it. Submitting yields validated fields.
import type { Protocol, Session } from '../../protocol/session.js';
import type { SessionFields } from './intents.js';
import type { KeyPress } from './keys.js';
import { dnsNameProblem, nameProblem, parsePortText, repoProblem } from '../../protocol/validation.js';

export type FormPurpose = 'create' | 'edit' | 'clone';
export type FieldName = 'name' | 'protocol' | 'port' | 'dns' | 'repo' | 'target';

export const FIELD_LABELS: Record<FieldName, string> = {
  name: 'Name',
  protocol: 'Protocol',
  port: 'Port',
  dns: 'DNS Name',
  repo: 'Repo',
  target: 'To agent',
};

export interface FormState {
  purpose: FormPurpose;
  agentId: string;
  /** The session being edited or cloned. */
  source?: Session;
  name: string;
  protocol: Protocol;
  port: string;
  dns: string;
  /** A git URL cloned into the new session's workspace; "" for none. Set at create only. */
  repo: string;
  /** Clone only, with several agents: where the copy goes (another agent: streamed there whole). */
  targets?: string[];
  target?: string;
  active: FieldName;
  error?: string;
}

export function formFields(form: Pick<FormState, 'purpose' | 'targets'>): FieldName[] {
  // A clone copies everything but the name; port and DNS are cleared by the agent.
  if (form.purpose === 'clone') return (form.targets?.length ?? 0) > 1 ? ['name', 'target'] : ['name'];
  // The repository is chosen once, at create; the edit form shows it read-only.
  return form.purpose === 'create' ? ['name', 'protocol', 'port', 'dns', 'repo'] : ['name', 'protocol', 'port', 'dns'];
}

export function newForm(agentId: string): FormState {
  return { purpose: 'create', agentId, name: '', protocol: 'tcp', port: '', dns: '', repo: '', active: 'name' };
}

export function editForm(session: Session): FormState {
  return {
    purpose: 'edit',
    agentId: session.agent_id ?? '',
    source: session,
    name: session.name,
    protocol: session.protocol,
    port: session.port === 0 ? '' : String(session.port),
    dns: session.dns_name,
    repo: session.repo ?? '',
    active: 'name',
  };
}

/** `agents`: every registered agent; with more than one the form offers where the copy goes. */
export function cloneForm(session: Session, agents: readonly string[] = []): FormState {
  const name = `${session.name}-clone`.slice(0, 64);
  const targets = agents.length > 1 ? [...agents] : undefined;
  return { ...newForm(session.agent_id ?? ''), purpose: 'clone', source: session, name, targets, target: session.agent_id };
}

/** Space moves the clone's target to the next agent. */
function nextTarget(form: FormState, text: string): FormState {
  const targets = form.targets ?? [];
  if (text !== ' ' || targets.length === 0) return { ...form, error: 'to agent: press Space to pick the next agent' };
  const at = targets.indexOf(form.target ?? '');
  return { ...form, target: targets[(at + 1) % targets.length], error: undefined };
}

export type FormOutcome =
  | { type: 'update'; form: FormState }
  | { type: 'submit'; fields: SessionFields }
  | { type: 'cancel' };

function cycle(form: FormState, step: 1 | -1): FormState {
  const fields = formFields(form);
  const i = fields.indexOf(form.active);
  const next = fields[(i + step + fields.length) % fields.length] ?? 'name';
  return { ...form, active: next };
}

function typeInto(form: FormState, text: string): FormState {
  const printable = [...text].filter((c) => c >= ' ' && c !== '\x7f').join('');
  if (printable === '') return form;
  switch (form.active) {
    case 'name':
      return { ...form, name: form.name + printable, error: undefined };
    case 'port':
      return { ...form, port: form.port + printable, error: undefined };
    case 'dns':
      return { ...form, dns: form.dns + printable, error: undefined };
    case 'repo':
      return { ...form, repo: form.repo + printable, error: undefined };
    case 'protocol':
      return setProtocol(form, printable);
    case 'target':
      return nextTarget(form, printable);
  }
}

function setProtocol(form: FormState, text: string): FormState {
  const c = text.toLowerCase();
  if (c === 't') return { ...form, protocol: 'tcp' };
  if (c === 'u') return { ...form, protocol: 'udp' };
  if (c === ' ') return { ...form, protocol: form.protocol === 'tcp' ? 'udp' : 'tcp' };
  return { ...form, error: 'protocol: press Space to toggle, t for tcp, u for udp' };
}

function erase(form: FormState): FormState {
  switch (form.active) {
    case 'name':
      return { ...form, name: form.name.slice(0, -1), error: undefined };
    case 'port':
      return { ...form, port: form.port.slice(0, -1), error: undefined };
    case 'dns':
      return { ...form, dns: form.dns.slice(0, -1), error: undefined };
    case 'repo':
      return { ...form, repo: form.repo.slice(0, -1), error: undefined };
    case 'protocol':
    case 'target':
      return form;
  }
}

/** Validates the form; on failure the error is shown and its field made active. */
export function submitForm(form: FormState): FormOutcome {
  const name = form.name.trim();
  // The agent keeps the old name when edit sends an empty one.
  const nameError = form.purpose === 'edit' && name === '' ? undefined : nameProblem(name);
  if (nameError) return { type: 'update', form: { ...form, active: 'name', error: nameError } };
  if (form.purpose === 'clone') {
    const to = form.target && form.target !== form.source?.agent_id ? form.target : undefined;
    return { type: 'submit', fields: { name, protocol: 'tcp', port: 0, dns_name: '', ...(to ? { to } : {}) } };
  }
  let port: number;
  try {
    port = parsePortText(form.port);
  } catch (err) {
    return { type: 'update', form: { ...form, active: 'port', error: (err as Error).message } };
  }
  const dns = form.dns.trim();
  const dnsError = dnsNameProblem(dns);
  if (dnsError) return { type: 'update', form: { ...form, active: 'dns', error: dnsError } };
  const fields: SessionFields = { name, protocol: form.protocol, port, dns_name: dns };
  if (form.purpose !== 'create') return { type: 'submit', fields };
  const repo = form.repo.trim();
  const repoError = repo === '' ? undefined : repoProblem(repo);
  if (repoError) return { type: 'update', form: { ...form, active: 'repo', error: repoError } };
  return { type: 'submit', fields: repo ? { ...fields, repo } : fields };
}

export function formKey(form: FormState, key: KeyPress): FormOutcome {
  switch (key.name) {
    case 'escape':
      return { type: 'cancel' };
    case 'return':
      return submitForm(form);
    case 'tab':
      return { type: 'update', form: cycle(form, key.shift ? -1 : 1) };
    case 'down':
      return { type: 'update', form: cycle(form, 1) };
    case 'up':
      return { type: 'update', form: cycle(form, -1) };
    case 'backspace':
      return { type: 'update', form: erase(form) };
    case 'char':
      if (key.ctrl) return { type: 'update', form };
      return { type: 'update', form: typeInto(form, key.text) };
    default:
      return { type: 'update', form };
  }
}
