// Keys inside the small dialogs: confirmation, agent picker, error, settings
// and the no-agents notice. Each closes back to the list or yields an intent.
import { newForm } from './form.js';
import { busyLine, confirmation } from './actions.js';
import { menuLetter, type KeyPress } from './keys.js';
import type { Transition } from './transition.js';
import type { AppState, Mode } from './state.js';

const LIST: Mode = { screen: 'list' };

export function dialogKey(state: AppState, key: KeyPress): Transition {
  const mode = state.mode;
  const l = menuLetter(key);
  switch (mode.screen) {
    case 'confirm': {
      if (l === 'y') {
        return {
          state: { ...state, mode: { screen: 'busy', label: busyLine(mode.kind, mode.session.name) } },
          intent: { kind: mode.kind, session: mode.session },
        };
      }
      const alt = confirmation(mode.kind).alternative;
      // Only restart has a second yes today: its intent carries `fresh`.
      if (alt && l === alt.letter && mode.kind === 'restart') {
        return {
          state: { ...state, mode: { screen: 'busy', label: alt.busy(mode.session.name) } },
          intent: { kind: 'restart', session: mode.session, fresh: true },
        };
      }
      if (l === 'n' || key.name === 'escape') return { state: { ...state, mode: LIST } };
      return { state };
    }
    case 'agent-picker':
      return pickerKey(state, mode.index, key);
    case 'error':
      if (key.name === 'return' || key.name === 'escape') return { state: { ...state, mode: mode.returnTo ?? LIST } };
      return { state };
    case 'settings':
    case 'no-agents':
      if (key.name === 'return' || key.name === 'escape' || l === 'q' || l === 's') {
        return { state: { ...state, mode: LIST } };
      }
      return { state };
    default:
      return { state };
  }
}

function pickerKey(state: AppState, index: number, key: KeyPress): Transition {
  const n = state.agents.length;
  const at = (i: number): Transition => ({
    state: { ...state, message: undefined, mode: { screen: 'agent-picker', index: Math.min(Math.max(i, 0), n - 1) } },
  });
  switch (key.name) {
    case 'up':
      return at(index - 1);
    case 'down':
    case 'tab':
      return at(index + 1);
    case 'escape':
      return { state: { ...state, message: undefined, mode: LIST } };
    case 'return': {
      const agent = state.agents[index];
      if (!agent) return { state: { ...state, mode: LIST } };
      if (state.unreachable.includes(agent.id)) {
        return { state: { ...state, message: `agent ${agent.id} is unreachable, pick another` } };
      }
      return { state: { ...state, message: undefined, mode: { screen: 'form', form: newForm(agent.id) } } };
    }
    default:
      return { state };
  }
}
