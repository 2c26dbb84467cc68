// Keys on the main session list: movement, the menu letters, and a short
// reason whenever a key does not apply to the highlighted session.
import { actionForLetter, busyLine, whyNot, type ConfirmKind, type SessionAction } from './actions.js';
import { cloneForm, editForm, newForm } from './form.js';
import { menuLetter, type KeyPress } from './keys.js';
import type { Transition } from './transition.js';
import { isUnreachable, selectedSession, type AppState } from './state.js';
import { jumpToNext } from './cockpit.js';
import { applyView } from './view.js';

const PAGE = 10;

export function listKey(state: AppState, key: KeyPress): Transition {
  switch (key.name) {
    case 'up':
      return { state: moveBy(state, -1) };
    case 'down':
      return { state: moveBy(state, 1) };
    case 'pageup':
      return { state: moveBy(state, -PAGE) };
    case 'pagedown':
      return { state: moveBy(state, PAGE) };
    case 'home':
      return { state: moveTo(state, 0) };
    case 'end':
      return { state: moveTo(state, state.visible.length - 1) };
    case 'return':
      return sessionAction(state, 'attach');
    case 'tab':
      return jumpToNext(state);
    case 'escape':
      // Esc in the list clears a kept filter.
      return { state: state.filter ? applyView({ ...state, filter: undefined }) : state };
    case 'char':
      return letter(state, key);
    default:
      return { state };
  }
}

function letter(state: AppState, key: KeyPress): Transition {
  // `/` and what follows it in one burst (fast typing, a paste) opens the filter with the rest typed.
  if (!key.ctrl && key.text.startsWith('/')) {
    return { state: applyView({ ...state, filter: { text: (state.filter?.text ?? '') + key.text.slice(1), editing: true } }) };
  }
  const l = menuLetter(key);
  if (l === undefined) return { state };
  if (l === 'q') return { state, intent: { kind: 'quit' } };
  if (l === 's') return { state: { ...state, mode: { screen: 'settings' } }, intent: { kind: 'load-env' } };
  if (l === 'p') return { state: { ...state, preview: { ...state.preview, shown: !state.preview.shown } } };
  if (l === 'n') return newSession(state);
  const action = actionForLetter(l);
  if (action) return sessionAction(state, action);
  if (l === ' ') return { state };
  return { state: { ...state, message: `"${key.text}" is not a command; the menu below lists the keys` } };
}

function newSession(state: AppState): Transition {
  if (state.agents.length === 0) return { state: { ...state, mode: { screen: 'no-agents' } } };
  if (state.agents.length > 1) return { state: { ...state, mode: { screen: 'agent-picker', index: 0 } } };
  const agent = state.agents[0]!;
  if (state.unreachable.includes(agent.id)) {
    return { state: { ...state, message: `agent ${agent.id} is unreachable, cannot create a session there` } };
  }
  return { state: { ...state, mode: { screen: 'form', form: newForm(agent.id) } } };
}

function sessionAction(state: AppState, action: SessionAction): Transition {
  const session = selectedSession(state);
  if (!session) return { state: { ...state, message: 'no session selected; N creates one' } };
  const health = state.health.find((h) => h.info.id === session.agent_id);
  const why = whyNot(action, session, { unreachable: isUnreachable(state, session), health });
  if (why) return { state: { ...state, message: why } };
  switch (action) {
    case 'attach':
      return {
        state: { ...state, mode: { screen: 'busy', label: busyLine('attach', session.name) } },
        intent: { kind: 'attach', session },
      };
    case 'watch':
      return {
        state: { ...state, mode: { screen: 'busy', label: busyLine('watch', session.name) } },
        intent: { kind: 'attach', session, readOnly: true },
      };
    case 'edit':
      return { state: { ...state, mode: { screen: 'form', form: editForm(session) } } };
    case 'clone':
      return { state: { ...state, mode: { screen: 'form', form: cloneForm(session, state.agents.map((a) => a.id)) } } };
    case 'diff':
      return { state: { ...state, mode: { screen: 'diff', session, top: 0 } }, intent: { kind: 'load-diff', session } };
    default:
      return { state: { ...state, mode: { screen: 'confirm', kind: action satisfies ConfirmKind, session } } };
  }
}

function moveTo(state: AppState, index: number): AppState {
  if (state.visible.length === 0) return state;
  const i = Math.min(Math.max(index, 0), state.visible.length - 1);
  return { ...state, selected: state.visible[i]?.uuid, selectedIndex: i };
}

function moveBy(state: AppState, delta: number): AppState {
  const at = state.visible.findIndex((s) => s.uuid === state.selected);
  return moveTo(state, (at < 0 ? state.selectedIndex : at) + delta);
}
