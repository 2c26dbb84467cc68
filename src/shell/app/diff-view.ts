// The `V` screen: a session's diff, scrolled with j/k, PgUp/PgDn, g/G, left
// with q or Esc. Pure: the lines come in a `diff` event, the keys move `top`.
import type { KeyPress } from './keys.js';
import type { Transition } from './transition.js';
import type { AppState, Mode } from './state.js';

export type DiffMode = Extract<Mode, { screen: 'diff' }>;
/** Lines PgUp/PgDn move; the view shows as many as the terminal has. */
export const DIFF_PAGE = 20;

export type DiffLineKind = 'file' | 'hunk' | 'added' | 'removed' | 'context';

export function diffLineKind(line: string): DiffLineKind {
  if (line.startsWith('diff --git') || line.startsWith('+++ ') || line.startsWith('--- ')) return 'file';
  if (line.startsWith('@@')) return 'hunk';
  if (line.startsWith('+')) return 'added';
  if (line.startsWith('-')) return 'removed';
  return 'context';
}

export function diffLoaded(state: AppState, d: { uuid: string; text?: string; error?: string; truncated?: boolean }): AppState {
  const mode = state.mode;
  if (mode.screen !== 'diff' || mode.session.uuid !== d.uuid) return state;
  const lines = d.text === undefined ? undefined : d.text.replace(/\n$/, '').split('\n');
  return { ...state, mode: { ...mode, lines, error: d.error, truncated: d.truncated } };
}

export function diffKey(state: AppState, mode: DiffMode, key: KeyPress): Transition {
  const last = Math.max(0, (mode.lines?.length ?? 0) - 1);
  const at = (top: number): Transition => ({ state: { ...state, mode: { ...mode, top: Math.min(Math.max(top, 0), last) } } });
  const c = key.name === 'char' && !key.ctrl ? key.text : '';
  if (key.name === 'escape' || c === 'q' || c === 'Q') return { state: { ...state, mode: { screen: 'list' } } };
  if (key.name === 'down' || c === 'j') return at(mode.top + 1);
  if (key.name === 'up' || c === 'k') return at(mode.top - 1);
  if (key.name === 'pagedown' || c === ' ') return at(mode.top + DIFF_PAGE);
  if (key.name === 'pageup') return at(mode.top - DIFF_PAGE);
  if (key.name === 'home' || c === 'g') return at(0);
  if (key.name === 'end' || c === 'G') return at(last);
  return { state };
}
