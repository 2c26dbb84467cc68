// Builders shared by the app and UI tests: sessions and states with sensible
// defaults, and keys run through the reducer.
import { DEFAULT_LIMITS, NO_WORKSPACE, NO_CHANGES, NO_USAGE, NO_ACTIVITY, NO_RESOURCES, type Session } from '../../protocol/session.js';
import type { MergedList } from './agents.js';
import { charKey, type KeyPress } from './keys.js';
import { reduce } from './reducer.js';
import type { AppEvent, Transition } from './transition.js';
import { initialState, type AppState } from './state.js';

let n = 0;

export function makeSession(over: Partial<Session> = {}): Session {
  n++;
  const hex = n.toString(16).padStart(8, '0');
  return {
    uuid: `${hex}-1111-4111-8111-111111111111`,
    name: `s${n}`,
    port: 0,
    protocol: 'tcp',
    dns_name: '',
    ...DEFAULT_LIMITS,
    ...NO_WORKSPACE,
    ...NO_CHANGES,
    ...NO_USAGE,
    created_at: '2025-01-01T00:00:00Z',
    last_accessed: `2025-01-01T00:00:${String(n % 60).padStart(2, '0')}Z`,
    running: false,
    attached: false,
    state: '-',
    ...NO_ACTIVITY,
    ...NO_RESOURCES,
    agent_id: 'a1',
    agent_host: 'a1.example',
    ...over,
  };
}

export function makeList(sessions: Session[], unreachable: string[] = []): MergedList {
  return {
    sessions,
    broken: [],
    unreachable: unreachable.map((id) => ({ info: { id, host: `${id}.example` }, reachable: false, error: 'timeout' })),
  };
}

export function baseState(over: Partial<AppState> = {}): AppState {
  return {
    ...initialState({ version: '1.2.3', build: { node: 'v20.0.0', platform: 'linux/x64' }, now: 0 }),
    agents: [{ id: 'a1', host: 'a1.example' }],
    loaded: true,
    ...over,
  };
}

/** Feeds events to the reducer in order; the last transition comes back. */
export function run(state: AppState, ...events: AppEvent[]): Transition {
  let t: Transition = { state };
  for (const e of events) t = reduce(t.state, e);
  return t;
}

export const key = (k: KeyPress): AppEvent => ({ type: 'key', key: k });
export const letter = (c: string): AppEvent => key(charKey(c));
