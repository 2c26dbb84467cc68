// The rows on screen: the session list narrowed by the `/` filter, with the
// selection kept on a visible row. Every change to sessions or filter goes through here.
import type { Session } from '../../protocol/session.js';
import type { AppState } from './state.js';

/** Case-insensitive substring of name, agent, DNS name or activity. */
export function matchesFilter(session: Session, text: string): boolean {
  const needle = text.trim().toLowerCase();
  if (!needle) return true;
  return [session.name, session.agent_id ?? '', session.dns_name, session.activity].some((f) => f.toLowerCase().includes(needle));
}

export function applyView(state: AppState): AppState {
  const text = state.filter?.text ?? '';
  const visible = text.trim() ? state.sessions.filter((s) => matchesFilter(s, text)) : state.sessions;
  let { selected, selectedIndex } = state;
  const at = visible.findIndex((s) => s.uuid === selected);
  if (at >= 0) {
    selectedIndex = at;
  } else if (visible.length > 0) {
    // The selected session went away (or is filtered out): stay at the same row.
    selectedIndex = Math.min(Math.max(selectedIndex, 0), visible.length - 1);
    selected = visible[selectedIndex]?.uuid;
  } else {
    selected = undefined;
    selectedIndex = 0;
  }
  return { ...state, visible, selected, selectedIndex };
}
