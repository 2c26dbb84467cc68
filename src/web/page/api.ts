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
  activity_detail: string;
}

export function openEvents(onSessions: (rows: Row[]) => void, onActivity: (a: ActivityPush) => void): EventSource {
  const es = new EventSource('/api/events');
  es.addEventListener('sessions', (e) => onSessions(JSON.parse((e as MessageEvent<string>).data) as Row[]));
  es.addEventListener('activity', (e) => onActivity(JSON.parse((e as MessageEvent<string>).data) as ActivityPush));
  return es;
}
