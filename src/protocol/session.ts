// The session noun, as it crosses the wire and as every layer names it (SPEC §2).

export const PROTOCOLS = ['tcp', 'udp'] as const;
export type Protocol = (typeof PROTOCOLS)[number];

/** What the agent persists in `<sessions-dir>/<uuid>/session.json`. */
export interface SessionMeta {
  uuid: string;
  name: string;
  /** 0 = none, otherwise 1–65535 (`-1` is resolved to a real port before it is stored). */
  port: number;
  protocol: Protocol;
  /** Empty string when none. */
  dns_name: string;
  created_at: string;
  last_accessed: string;
}

/** One character in the TUI's first column (SPEC §2 "States"). */
export type SessionState = '-' | 'L' | 'R' | 'C';

/** A session as `list`/`get` return it: stored fields plus live ones computed at list time. */
export interface Session extends SessionMeta {
  running: boolean;
  attached: boolean;
  state: SessionState;
  /** Stamped by the shell when it lists; never stored or sent by the agent. */
  agent_id?: string;
  agent_host?: string;
}

/** A session directory whose `session.json` could not be read: reported, never dropped. */
export interface BrokenSession {
  uuid: string;
  error: string;
}

export function sessionState(s: { running: boolean; attached: boolean; locked: boolean }): SessionState {
  if (s.running) return s.attached ? 'C' : 'R';
  return s.locked ? 'L' : '-';
}

export function shortId(uuid: string): string {
  return uuid.slice(0, 8);
}
