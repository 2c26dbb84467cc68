// The whole TUI state as plain data. Selection is by uuid so that it stays on
// the same session when a reload reorders or grows the list.
import type { AgentInfo } from './agents.js';
import type { AgentHealth, MergedList } from './agents.js';
import type { Session } from '../../protocol/session.js';
import type { AgentSettings } from '../../protocol/ops.js';
import type { FormState } from './form.js';
import type { ConfirmKind } from './actions.js';

export type Mode =
  | { screen: 'list' }
  | { screen: 'form'; form: FormState }
  | { screen: 'confirm'; kind: ConfirmKind; session: Session }
  | { screen: 'agent-picker'; index: number }
  | { screen: 'no-agents' }
  | { screen: 'error'; message: string; code?: string; returnTo?: Mode }
  | { screen: 'settings' }
  /** `V`: the session's diff; `lines` undefined while it loads. */
  | { screen: 'diff'; session: Session; top: number; lines?: string[]; error?: string; truncated?: boolean }
  /** An intent is running; `returnTo` is where a failure's error dialog goes back to. */
  | { screen: 'busy'; label: string; returnTo?: Mode };

export interface BuildInfo {
  node: string;
  platform: string;
  /** Git commit and date stamped at build time; absent when run from source. */
  commit?: string;
  date?: string;
}

/** The `/` filter: `editing` while the line has the keys, kept (and applied) after Enter. */
export interface Filter {
  text: string;
  editing: boolean;
}

/** The preview pane: whether the operator wants it, and the last capture of one session. */
export interface Preview {
  shown: boolean;
  uuid?: string;
  text?: string;
  error?: string;
}

/** Per agent: its session-environment variable names, or why they are not known. */
/** An agent's per-session defaults, as the Settings dialog shows them. */
export type SessionDefaults = Pick<AgentSettings, 'cpus' | 'memory_bytes' | 'pids_limit' | 'egress' | 'egress_allow'>;
export type EnvNames = Record<string, { names: string[]; defaults?: SessionDefaults } | { error: string }>;

export interface AppState {
  version: string;
  build: BuildInfo;
  /** Newest `last_accessed` first. */
  sessions: Session[];
  /** The rows on screen: `sessions` narrowed by the filter (the same array when there is none). */
  visible: Session[];
  filter?: Filter;
  preview: Preview;
  /** Bell and OSC 9 when a session starts waiting or finishes a turn. */
  notify: boolean;
  /** uuid → the last activity change seen (`activity|since`), so that no change notifies twice. */
  seen: Record<string, string>;
  envNames?: EnvNames;
  broken: MergedList['broken'];
  agents: AgentInfo[];
  health: AgentHealth[];
  /** Ids of agents whose last list failed; their sessions are kept but greyed. */
  unreachable: string[];
  selected?: string;
  /** Where the selection was, so it lands nearby when its session disappears. */
  selectedIndex: number;
  mode: Mode;
  /** Epoch ms of the last tick. */
  now: number;
  load: [number, number, number];
  /** A one-line note under the table, e.g. why a key does not apply. */
  message?: string;
  loaded: boolean;
}

export function initialState(opts: {
  version: string;
  build: BuildInfo;
  now: number;
  load?: number[];
  notify?: boolean;
  preview?: boolean;
}): AppState {
  return {
    version: opts.version,
    build: opts.build,
    sessions: [],
    visible: [],
    preview: { shown: opts.preview ?? true },
    notify: opts.notify ?? true,
    seen: {},
    broken: [],
    agents: [],
    health: [],
    unreachable: [],
    selectedIndex: 0,
    mode: { screen: 'list' },
    now: opts.now,
    load: toLoad(opts.load),
    loaded: false,
  };
}

export function toLoad(load: readonly number[] | undefined): [number, number, number] {
  return [load?.[0] ?? 0, load?.[1] ?? 0, load?.[2] ?? 0];
}

export function selectedSession(state: AppState): Session | undefined {
  return state.visible.find((s) => s.uuid === state.selected);
}

export function isUnreachable(state: Pick<AppState, 'unreachable'>, session: Session): boolean {
  return session.agent_id !== undefined && state.unreachable.includes(session.agent_id);
}

/** Sort newest `last_accessed` first; ties by name so the order is stable. */
export function sortSessions(sessions: readonly Session[]): Session[] {
  return [...sessions].sort((a, b) => {
    const t = b.last_accessed.localeCompare(a.last_accessed);
    return t !== 0 ? t : a.name.localeCompare(b.name);
  });
}
