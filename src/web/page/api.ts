// The page's calls to its own server: login with the URL's token, the list,
// peek, and the pushed events (SSE). Cookies travel by themselves.
import type { SessionJson } from '../../shell/cli/present.js';

export type Row = SessionJson;

export async function login(token: string): Promise<string | undefined> {
  const res = await fetch('/api/login', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ token }) });
  if (res.ok) return undefined;
  return ((await res.json().catch(() => ({}))) as { error?: string }).error ?? `login failed (${res.status})`;
}

/** The list, or 'login' when the cookie is missing or no longer valid. */
export async function fetchSessions(): Promise<Row[] | 'login'> {
  const res = await fetch('/api/sessions');
  if (res.status === 401) return 'login';
  if (!res.ok) throw new Error(((await res.json().catch(() => ({}))) as { error?: string }).error ?? `HTTP ${res.status}`);
  return (await res.json()) as Row[];
}

export async function fetchPeek(uuid: string): Promise<string> {
  const res = await fetch(`/api/peek?id=${encodeURIComponent(uuid)}`);
  const body = (await res.json()) as { text?: string; error?: string };
  if (!res.ok) throw new Error(body.error ?? `HTTP ${res.status}`);
  return body.text ?? '';
}

export interface ActivityPush {
  agent_id: string;
  uuid: string;
  activity: string;
  activity_since: string;
  activity_detail: string;
}

export function openEvents(onSessions: (rows: Row[]) => void, onActivity: (a: ActivityPush) => void): EventSource {
  const es = new EventSource('/api/events');
  es.addEventListener('sessions', (e) => onSessions(JSON.parse((e as MessageEvent<string>).data) as Row[]));
  es.addEventListener('activity', (e) => onActivity(JSON.parse((e as MessageEvent<string>).data) as ActivityPush));
  return es;
}

export interface ActionAnswer {
  message?: string;
  error?: string;
  /** The form field the error belongs to. */
  field?: string;
}

/** A state-changing call: JSON both ways; the answer carries the done message or the error. */
export async function postAction(path: string, body: Record<string, unknown>): Promise<ActionAnswer> {
  const res = await fetch(path, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
  const answer = (await res.json().catch(() => ({}))) as ActionAnswer;
  if (!res.ok) return { error: answer.error ?? `HTTP ${res.status}`, field: answer.field };
  return answer;
}

export interface SettingsAgent {
  id: string;
  host: string;
  reachable: boolean;
  version: string | null;
  error: string | null;
  last_heartbeat: string | null;
  env: { names: string[] } | { error: string };
}

export interface Settings {
  version: string;
  build: Record<string, string | undefined>;
  agents: SettingsAgent[];
}

export async function fetchSettings(): Promise<Settings> {
  const res = await fetch('/api/settings');
  const body = (await res.json()) as Settings & { error?: string };
  if (!res.ok) throw new Error(body.error ?? `HTTP ${res.status}`);
  return body;
}
