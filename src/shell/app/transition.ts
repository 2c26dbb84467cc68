// What the shell's pure core takes in (an AppEvent) and gives back (a Transition):
// its own module so every key handler can name them without importing the reducer.
import type { ActivityView } from '../../protocol/session.js';
import type { AgentHealth, AgentInfo, MergedList } from './agents.js';
import type { Intent } from './intents.js';
import type { KeyPress } from './keys.js';
import type { AppState, EnvNames } from './state.js';

export type AppEvent =
  | { type: 'key'; key: KeyPress }
  | { type: 'loaded'; list: MergedList; agents: AgentInfo[]; health: AgentHealth[] }
  | { type: 'tick'; now: number; load: readonly number[] }
  /** An intent finished; `select` moves the selection (e.g. to a new session). */
  | { type: 'done'; message?: string; select?: string }
  | { type: 'failed'; message: string; code?: string }
  | { type: 'busy'; label: string }
  /** A passing note for the status line (e.g. a reload that failed). */
  | { type: 'notice'; message: string }
  /** A capture of one session's pane for the preview, or why it failed. */
  | { type: 'preview'; uuid: string; text?: string; error?: string }
  | { type: 'env-names'; names: EnvNames }
  /** The diff the `V` screen asked for, or why it could not be had. */
  | { type: 'diff'; uuid: string; text?: string; truncated?: boolean; error?: string }
  /** A pushed session.activity event: that one session changes, nothing reloads. */
  | { type: 'activity'; agentId: string; uuid: string; view: ActivityView };

export interface Transition {
  state: AppState;
  intent?: Intent;
}

