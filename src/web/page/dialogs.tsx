// The page's dialogs, in the TUI's words: the confirmation an action asks
// first, the new/edit/clone form (its fields, checked by the TUI form's own
// rules on the server, the error shown beside its field), and Settings.
import { useEffect, useState } from 'preact/hooks';
import type { Session } from '../../protocol/session.js';
import { confirmation, who, type ConfirmKind } from '../../shell/app/actions.js';
import { FIELD_LABELS, formFields, type FieldName, type FormPurpose } from '../../shell/app/form.js';
import { fetchSettings, type Settings } from './api.js';

export function ConfirmDialog(props: { kind: ConfirmKind; session: Session; onAnswer: (yes: boolean, alternative?: boolean) => void }) {
  const c = confirmation(props.kind);
  return (
    <div class="modal" role="dialog" data-testid="confirm">
      <div class={`dialog${c.danger ? ' danger' : ''}`}>
        <h2>{c.title(who(props.session))}</h2>
        <p>{c.detail}</p>
        <div class="buttons">
          <button type="button" class="yes" onClick={() => props.onAnswer(true)}>Yes</button>
          {c.alternative ? <button type="button" onClick={() => props.onAnswer(true, true)}>{c.alternative.label}</button> : null}
          <button type="button" class="no" onClick={() => props.onAnswer(false)}>No</button>
        </div>
      </div>
    </div>
  );
}

export interface FormRequest {
  purpose: FormPurpose;
  session?: Session;
  agents: string[];
}

export type FormValues = Partial<Record<FieldName | 'agent_id' | 'to', string>>;

function initial(req: FormRequest): FormValues {
  const s = req.session;
  if (req.purpose === 'edit' && s) return { name: s.name, protocol: s.protocol, port: s.port ? String(s.port) : '', dns: s.dns_name };
  if (req.purpose === 'clone' && s) return { name: `${s.name}-clone`.slice(0, 64), to: s.agent_id ?? '' };
  return { name: '', protocol: 'tcp', port: '', dns: '', repo: '', agent_id: req.agents[0] ?? '' };
}

const TITLES: Record<FormPurpose, string> = { create: 'New session', edit: 'Edit', clone: 'Clone' };

export function FormDialog(props: {
  request: FormRequest;
  error?: { text: string; field?: string };
  onSubmit: (values: FormValues) => void;
  onCancel: () => void;
}) {
  const { request } = props;
  const [values, setValues] = useState<FormValues>(() => initial(request));
  const fields = formFields({ purpose: request.purpose, targets: request.agents.length > 1 ? request.agents : undefined });
  const pickAgent = request.purpose === 'create' && request.agents.length > 1;
  const set = (k: keyof FormValues) => (e: Event) => setValues({ ...values, [k]: (e.target as HTMLInputElement).value });
  const field = (name: FieldName) => {
    const bad = props.error?.field === name || (name === 'target' && props.error?.field === 'to');
    if (name === 'protocol') {
      return (
        <select name="protocol" value={values.protocol} onChange={set('protocol')} class={bad ? 'bad' : ''}>
          <option value="tcp">tcp</option>
          <option value="udp">udp</option>
        </select>
      );
    }
    if (name === 'target') {
      return (
        <select name="to" value={values.to} onChange={set('to')} class={bad ? 'bad' : ''}>
          {request.agents.map((a) => <option key={a} value={a}>{a}</option>)}
        </select>
      );
    }
    return <input name={name} value={values[name] ?? ''} onInput={set(name)} class={bad ? 'bad' : ''} autocomplete="off" />;
  };
  return (
    <div class="modal" role="dialog" data-testid="form">
      <form
        class="dialog"
        onSubmit={(e) => {
          e.preventDefault();
          props.onSubmit(values);
        }}
      >
        <h2>{TITLES[request.purpose]}{request.session ? ` ${who(request.session)}` : ''}</h2>
        {pickAgent ? (
          <label>Agent
            <select name="agent_id" value={values.agent_id} onChange={set('agent_id')} class={props.error?.field === 'agent' ? 'bad' : ''}>
              {request.agents.map((a) => <option key={a} value={a}>{a}</option>)}
            </select>
          </label>
        ) : null}
        {fields.map((f) => <label key={f}>{FIELD_LABELS[f]}{field(f)}</label>)}
        {props.error ? <p class="error" data-testid="form-error">{props.error.text}</p> : null}
        <div class="buttons">
          <button type="submit" class="yes">Save</button>
          <button type="button" class="no" onClick={props.onCancel}>Cancel</button>
        </div>
      </form>
    </div>
  );
}

export function SettingsDialog(props: { onClose: () => void }) {
  const [settings, setSettings] = useState<Settings | string>('loading…');
  useEffect(() => {
    fetchSettings().then(setSettings, (err: unknown) => setSettings(String((err as Error).message ?? err)));
  }, []);
  return (
    <div class="modal" role="dialog" data-testid="settings">
      <div class="dialog wide">
        <h2>Settings</h2>
        {typeof settings === 'string' ? <p>{settings}</p> : (
          <>
            <p>convocate {settings.version} · {Object.entries(settings.build).filter(([, v]) => v).map(([k, v]) => `${k} ${v}`).join(' · ')}</p>
            <h3>Agents</h3>
            <ul class="agents">
              {settings.agents.map((a) => (
                <li key={a.id} data-agent={a.id}>
                  <strong>{a.id}</strong> {a.host} {a.version ? `v${a.version}` : 'version ?'}{' '}
                  <span class={a.reachable ? 'ok' : 'down'}>{a.reachable ? 'reachable' : `unreachable${a.error ? `: ${a.error}` : ''}`}</span>
                  <div class="env">environment: {'names' in a.env ? a.env.names.join(' ') || 'none set' : `unknown (${a.env.error})`}</div>
                </li>
              ))}
            </ul>
          </>
        )}
        <div class="buttons"><button type="button" onClick={props.onClose}>Close</button></div>
      </div>
    </div>
  );
}
