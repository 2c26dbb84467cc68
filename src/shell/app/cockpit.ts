// The cockpit's pure rules: which session needs the operator next (Tab),
// the `/` filter line, counts by activity, and which activity changes are
// worth a bell (each change once).
import type { Activity, Session } from '../../protocol/session.js';
import type { KeyPress } from './keys.js';
import type { Transition } from './transition.js';
import type { AppState } from './state.js';
import type { ActivityCounts } from './format.js';
import { applyView } from './view.js';

/** Waiting sessions first, oldest wait first; then idle ones, longest idle first. */
export function needingOrder(sessions: readonly Session[]): Session[] {
  const since = (s: Session) => s.activity_since || '9999';
  const by = (activity: Activity) =>
    sessions.filter((s) => s.activity === activity).sort((a, b) => since(a).localeCompare(since(b)) || a.name.localeCompare(b.name));
  return [...by('waiting'), ...by('idle')];
}

/** Tab: the next session in needing order after the highlighted one, wrapping around. */
export function jumpToNext(state: AppState): Transition {
  const order = needingOrder(state.visible);
  if (order.length === 0) return { state: { ...state, message: 'no session is waiting or idle' } };
  const at = order.findIndex((s) => s.uuid === state.selected);
  const next = order[(at + 1) % order.length]!;
  const selectedIndex = state.visible.findIndex((s) => s.uuid === next.uuid);
  return { state: { ...state, selected: next.uuid, selectedIndex } };
}

/** Keys while the filter line is open: typing narrows the list at once. */
export function filterKey(state: AppState, key: KeyPress): Transition {
  const text = state.filter?.text ?? '';
  switch (key.name) {
    case 'escape':
      return { state: applyView({ ...state, filter: undefined }) };
    case 'return':
      // An empty filter kept is no filter.
      return { state: applyView({ ...state, filter: text.trim() ? { text, editing: false } : undefined }) };
    case 'backspace':
      return { state: applyView({ ...state, filter: { text: [...text].slice(0, -1).join(''), editing: true } }) };
    case 'char':
      if (key.ctrl) return { state };
      return { state: applyView({ ...state, filter: { text: (text + key.text).slice(0, 100), editing: true } }) };
    case 'up':
    case 'down':
      // Arrows still move the highlight among the matches.
      return { state };
    default:
      return { state };
  }
}

/** How many sessions are in each activity the title counts. */
export function activityCounts(sessions: readonly Session[]): ActivityCounts {
  const counts: ActivityCounts = { waiting: 0, working: 0, idle: 0 };
  for (const s of sessions) if (s.activity in counts) counts[s.activity as keyof ActivityCounts]++;
  return counts;
}

/** What marks one change of a session's activity: the state and when it began. */
export function changeKey(view: Pick<Session, 'activity' | 'activity_since'>): string {
  return `${view.activity}|${view.activity_since}`;
}

/** The news worth a notification: a session turned `waiting`, or ended a turn (`working` → `idle`). */
export type ActivityNewsKind = 'waiting' | 'finished';

/** The news between the change last seen (its `changeKey`) and `now`; none for a first sighting or a repeat. */
export function newsOfChange(before: string | undefined, now: Pick<Session, 'activity' | 'activity_since'>): ActivityNewsKind | undefined {
  if (before === undefined || before === changeKey(now)) return undefined;
  if (now.activity === 'waiting') return 'waiting';
  const was = before.slice(0, before.indexOf('|'));
  return now.activity === 'idle' && was === 'working' ? 'finished' : undefined;
}

/**
 * Compares a fresh list with the changes already seen. A session that turned
 * `waiting`, or went `working` → `idle`, is reported once per change; the
 * first list only records what is there (no bell for the state at start).
 */
export function activityNews(seen: Record<string, string>, sessions: readonly Session[], first: boolean): { seen: Record<string, string>; news: string[] } {
  const next: Record<string, string> = {};
  const news: string[] = [];
  for (const s of sessions) {
    next[s.uuid] = changeKey(s);
    const kind = first ? undefined : newsOfChange(seen[s.uuid], s);
    if (kind === 'waiting') news.push(`${s.name} is waiting${s.activity_detail ? `: ${s.activity_detail}` : ''}`);
    else if (kind === 'finished') news.push(`${s.name} finished its turn`);
  }
  return { seen: next, news };
}
