// The TUI's single transition function: (state, event) → state, plus at most
// one intent for the main loop to carry out. No I/O, no React.
import { formatClock, formatLoad } from './format.js';
import type { AgentInfo } from './agents.js';
import type { AgentHealth, MergedList } from './agents.js';
import { dialogKey } from './dialog-keys.js';
import { formKey } from './form.js';
import type { SessionFields } from './intents.js';
import { isCtrlC, type KeyPress } from './keys.js';
import { listKey } from './list-keys.js';
import { sortSessions, toLoad, type AppState, type Mode } from './state.js';
import { activityNews, filterKey } from './cockpit.js';
import { applyView } from './view.js';
import { diffKey, diffLoaded } from './diff-view.js';
import type { AppEvent, Transition } from './transition.js';
import type { ActivityView } from '../../protocol/session.js';

export function reduce(state: AppState, event: AppEvent): Transition {
  switch (event.type) {
    case 'key':
      return onKey(state, event.key);
    case 'loaded':
      return onLoaded(state, event.list, event.agents, event.health);
    case 'preview':
      return { state: onPreview(state, event) };
    case 'env-names':
      return { state: { ...state, envNames: event.names } };
    case 'diff':
      return { state: diffLoaded(state, event) };
    case 'tick': {
      const load = toLoad(event.load);
      // The same state object means no redraw: idle ticks that change nothing visible cost nothing.
      const unchanged = formatClock(event.now) === formatClock(state.now) && formatLoad(load) === formatLoad(state.load);
      return { state: unchanged ? state : { ...state, now: event.now, load } };
    }
    case 'busy':
      return { state: { ...state, message: undefined, mode: { screen: 'busy', label: event.label } } };
    case 'notice':
      return { state: { ...state, message: event.message } };
    case 'activity':
      return onActivity(state, event.agentId, event.uuid, event.view);
    case 'done': {
      const selected = event.select ?? state.selected;
      return { state: { ...state, mode: { screen: 'list' }, message: event.message, selected } };
    }
    case 'failed': {
      const returnTo = state.mode.screen === 'busy' ? state.mode.returnTo : undefined;
      const mode: Mode = { screen: 'error', message: event.message, code: event.code, returnTo };
      return { state: { ...state, mode } };
    }
  }
}

function onKey(state: AppState, key: KeyPress): Transition {
  // Ctrl-C always leaves: the sessions keep running on their agents.
  if (isCtrlC(key)) return { state, intent: { kind: 'quit' } };
  const mode = state.mode;
  switch (mode.screen) {
    case 'list':
      if (state.filter?.editing) return filterKey(state, key);
      return listKey({ ...state, message: undefined }, key);
    case 'busy':
      return { state };
    case 'diff':
      return diffKey(state, mode, key);
    case 'form': {
      const out = formKey(mode.form, key);
      if (out.type === 'cancel') return { state: { ...state, mode: { screen: 'list' } } };
      if (out.type === 'update') return { state: { ...state, mode: { screen: 'form', form: out.form } } };
      return submitted(state, mode.form, out.fields);
    }
    default:
      return dialogKey(state, key);
  }
}

function submitted(
  state: AppState,
  form: Extract<Mode, { screen: 'form' }>['form'],
  fields: SessionFields,
): Transition {
  // If the agent refuses, the error dialog returns to this form with what was typed.
  const returnTo: Mode = { screen: 'form', form: { ...form, error: undefined } };
  const busy = (label: string): Mode => ({ screen: 'busy', label, returnTo });
  if (form.purpose === 'create') {
    return {
      state: { ...state, mode: busy(`Creating ${fields.name}…`) },
      intent: { kind: 'create', agentId: form.agentId, fields },
    };
  }
  const source = form.source;
  if (!source) return { state: { ...state, mode: { screen: 'list' } } };
  if (form.purpose === 'edit') {
    return { state: { ...state, mode: busy(`Saving ${source.name}…`) }, intent: { kind: 'edit', session: source, fields } };
  }
  return {
    state: { ...state, mode: busy(`Cloning ${source.name} as ${fields.name}${fields.to ? ` to agent ${fields.to}` : ''}…`) },
    intent: { kind: 'clone', session: source, name: fields.name, ...(fields.to ? { to: fields.to } : {}) },
  };
}

function onActivity(state: AppState, agentId: string, uuid: string, view: ActivityView): Transition {
  const at = state.sessions.findIndex((s) => s.uuid === uuid && s.agent_id === agentId);
  if (at < 0) return { state };
  const sessions = [...state.sessions];
  sessions[at] = { ...sessions[at]!, ...view };
  return withNews(state, { ...state, sessions });
}

function onLoaded(state: AppState, list: MergedList, agents: AgentInfo[], health: AgentHealth[]): Transition {
  const sessions = sortSessions(list.sessions);
  const unreachable = list.unreachable.map((h) => h.info.id);
  return withNews(state, { ...state, sessions, broken: list.broken, agents, health, unreachable, loaded: true });
}

/** The view recomputed, and a notification for each session that turned `waiting` or ended a turn (once each). */
function withNews(prev: AppState, next: AppState): Transition {
  const { seen, news } = activityNews(prev.seen, next.sessions, !prev.loaded);
  const state = applyView({ ...next, seen });
  if (!prev.notify || news.length === 0) return { state };
  return { state, intent: { kind: 'notify', text: news.join(' · ') } };
}

function onPreview(state: AppState, p: { uuid: string; text?: string; error?: string }): AppState {
  const cur = state.preview;
  // An identical capture keeps the same state object: no redraw, no cost.
  if (cur.uuid === p.uuid && cur.text === p.text && cur.error === p.error) return state;
  return { ...state, preview: { shown: cur.shown, uuid: p.uuid, text: p.text, error: p.error } };
}
