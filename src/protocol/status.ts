// Status events, agent → shell over the `convocate-status` subsystem, one JSON per line.
import { isAgentId } from './agent-id.js';
import type { ActivityView, SessionMeta } from './session.js';
import { sanitizeDeep } from './sanitise.js';
import { isRfc3339 } from './untrusted.js';

export type StatusEventType =
  | 'agent.started'
  | 'agent.heartbeat'
  | 'agent.shutdown'
  | 'container.created'
  | 'container.edited'
  | 'container.started'
  | 'container.stopped'
  | 'container.deleted'
  | 'session.activity';

export interface StatusEventData {
  'agent.started': { version: string; image_tag: string };
  'agent.heartbeat': null;
  'agent.shutdown': { reason: string };
  'container.created': SessionMeta;
  'container.edited': SessionMeta;
  'container.started': SessionMeta;
  'container.stopped': null;
  'container.deleted': null;
  'session.activity': ActivityView;
}

export interface StatusEvent<T extends StatusEventType = StatusEventType> {
  type: T;
  agent_id: string;
  session_id?: string;
  timestamp: string;
  data: StatusEventData[T];
}

const TYPES = new Set<string>([
  'agent.started', 'agent.heartbeat', 'agent.shutdown',
  'container.created', 'container.edited', 'container.started', 'container.stopped', 'container.deleted',
  'session.activity',
]);

export function makeEvent<T extends StatusEventType>(
  type: T,
  agentId: string,
  data: StatusEventData[T],
  sessionId?: string,
): StatusEvent<T> {
  const ev: StatusEvent<T> = { type, agent_id: agentId, timestamp: new Date().toISOString(), data };
  if (sessionId) ev.session_id = sessionId;
  return ev;
}

/** Parse one line; `undefined` for anything that is not a well-formed event (the shell ignores those). */
export function parseEvent(line: string): StatusEvent | undefined {
  let raw: unknown;
  try {
    raw = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (typeof raw !== 'object' || raw === null) return undefined;
  const e = raw as Record<string, unknown>;
  if (typeof e.type !== 'string' || !TYPES.has(e.type)) return undefined;
  // Both reach paths, logs and the terminal: the one agent-id rule, a strict timestamp.
  if (!isAgentId(e.agent_id) || typeof e.timestamp !== 'string' || !isRfc3339(e.timestamp)) return undefined;
  if (e.session_id !== undefined && typeof e.session_id !== 'string') return undefined;
  // Names, details and versions inside reach terminals: the one sanitiser, once, here.
  return sanitizeDeep(raw) as StatusEvent;
}
