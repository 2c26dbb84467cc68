// The one table of what an operator can do to a session: its key, its menu
// label, the question asked first, the busy line, the done message and why it
// does not apply. Plain data and pure functions (no Ink, no I/O), so any front
// end (the TUI, a web page) shows the same words.
import { shortId, type Session } from '../../protocol/session.js';
import type { AgentHealth } from './agents.js';

export type SessionAction = 'attach' | 'watch' | 'clone' | 'edit' | 'background' | 'delete' | 'kill' | 'override' | 'restart' | 'diff';

/** Session actions that ask `Y`/`N` before they run. */
export type ConfirmKind = 'delete' | 'kill' | 'override' | 'background' | 'restart';

export interface MenuItem {
  key: string;
  label: string;
}

export interface Confirmation {
  /** The question, given the session's `name (short id)`. */
  title: (who: string) => string;
  detail: string;
  /** Destroys something for good: shown in red. */
  danger?: boolean;
  /** A second way to say yes (e.g. restart with a fresh conversation). */
  alternative?: { letter: string; label: string; menuLabel: string; busy: (name: string) => string; done: (who: string) => string };
}

export interface ActionSpec {
  /** The key as the menu shows it (`Enter`, `W`, ...). */
  key: string;
  /** The lower-case letter that triggers it, when it is a letter. */
  letter?: string;
  menuLabel: string;
  confirm?: Confirmation;
  /** The busy line while it runs, given the session's name. */
  busy?: (name: string) => string;
  /** The status line once it ran, given the session's `name (short id)`. */
  done?: (who: string) => string;
  /** Why it cannot run on a reachable session, or undefined when it can. */
  whyNot: (session: Session) => string | undefined;
}

const running = (s: Session): boolean => s.state === 'R' || s.state === 'C';
const LOCKED = 'session is locked by another process (O overrides a stale lock)';
const always = (): undefined => undefined;

export const ACTIONS: Record<SessionAction, ActionSpec> = {
  attach: {
    key: 'Enter',
    menuLabel: 'attach',
    busy: (name) => `Attaching to ${name}…`,
    whyNot: (s) => (s.state === 'L' ? LOCKED : undefined),
  },
  watch: {
    key: 'W',
    letter: 'w',
    menuLabel: 'watch',
    busy: (name) => `Watching ${name} (read-only; Ctrl-B D returns)…`,
    whyNot: (s) => (running(s) ? undefined : 'session is not running: W watches a running session, Enter starts it'),
  },
  clone: { key: 'C', letter: 'c', menuLabel: 'clone', whyNot: always },
  edit: { key: 'E', letter: 'e', menuLabel: 'edit', whyNot: always },
  background: {
    key: 'B',
    letter: 'b',
    menuLabel: 'bg',
    confirm: { title: (who) => `Background ${who}?`, detail: 'Detaches everyone attached; the container keeps running.' },
    busy: (name) => `Detaching everyone from ${name}…`,
    done: (who) => `detached everyone from ${who}`,
    whyNot: (s) => (running(s) ? undefined : 'session is not running, nothing to background'),
  },
  delete: {
    key: 'D',
    letter: 'd',
    menuLabel: 'delete',
    confirm: { title: (who) => `Delete ${who}?`, detail: 'Removes its container, its files and its DNS name for good.', danger: true },
    busy: (name) => `Deleting ${name}…`,
    done: (who) => `deleted ${who}`,
    whyNot: always,
  },
  kill: {
    key: 'K',
    letter: 'k',
    menuLabel: 'kill',
    confirm: { title: (who) => `Kill ${who}?`, detail: 'Stops the container (SIGTERM, SIGKILL after 10 s); its files stay.' },
    busy: (name) => `Killing ${name}…`,
    done: (who) => `killed ${who}`,
    whyNot: (s) => (running(s) ? undefined : 'session is not running'),
  },
  override: {
    key: 'O',
    letter: 'o',
    menuLabel: 'override',
    confirm: { title: (who) => `Override the lock of ${who}?`, detail: 'Removes the lock file only; use it when the lock is stale.' },
    busy: (name) => `Removing the lock of ${name}…`,
    done: (who) => `removed the lock of ${who}`,
    whyNot: (s) => (s.state === 'L' ? undefined : 'only a locked (L) session has a lock to override'),
  },
  restart: {
    key: 'R',
    letter: 'r',
    menuLabel: 'restart',
    confirm: {
      title: (who) => `Restart ${who}?`,
      detail: "Starts its container in the background; Claude resumes the session's conversation.",
      alternative: {
        letter: 'f',
        label: 'yes, with a fresh conversation',
        menuLabel: 'fresh conversation',
        busy: (name) => `Starting ${name} with a new conversation…`,
        done: (who) => `started ${who} with a new conversation`,
      },
    },
    busy: (name) => `Starting ${name}…`,
    done: (who) => `started ${who}`,
    whyNot: (s) => (running(s) ? 'session is already running' : s.state === 'L' ? LOCKED : undefined),
  },
  diff: {
    key: 'V',
    letter: 'v',
    menuLabel: 'diff',
    whyNot: (s) => (s.repo ? undefined : 'session has no repository: V shows the changes of a session made with a Repo'),
  },
};

/** How a session is named in questions and messages: `name (short id)`. */
export function who(s: Pick<Session, 'name' | 'uuid'>): string {
  return `${s.name} (${shortId(s.uuid)})`;
}

/** The session action a menu letter triggers, if any. */
export function actionForLetter(letter: string): SessionAction | undefined {
  return (Object.keys(ACTIONS) as SessionAction[]).find((a) => ACTIONS[a].letter === letter);
}

export interface ActionContext {
  unreachable: boolean;
  health?: AgentHealth;
}

/** Returns why `action` cannot run on `session`, or undefined when it can. */
export function whyNot(action: SessionAction, session: Session, ctx: ActionContext): string | undefined {
  if (ctx.unreachable) {
    const agent = session.agent_id ?? 'its agent';
    const detail = ctx.health?.error ? `: ${ctx.health.error}` : '';
    return `agent ${agent} is unreachable${detail}`;
  }
  return ACTIONS[action].whyNot(session);
}

/** The busy line while `action` runs on the session called `name`. */
export function busyLine(action: SessionAction, name: string): string {
  return ACTIONS[action].busy?.(name) ?? `${name}…`;
}

/** The status line once `kind` ran on `session` (`fresh`: restart's second yes). */
export function doneMessage(kind: ConfirmKind, session: Pick<Session, 'name' | 'uuid'>, fresh = false): string {
  const spec = ACTIONS[kind];
  const alt = spec.confirm?.alternative;
  if (fresh && alt) return alt.done(who(session));
  return spec.done?.(who(session)) ?? who(session);
}

export function confirmation(kind: ConfirmKind): Confirmation {
  const c = ACTIONS[kind].confirm;
  if (!c) throw new Error(`action ${kind} has no confirmation`);
  return c;
}

const entry = (a: SessionAction): MenuItem => ({ key: ACTIONS[a].key, label: ACTIONS[a].menuLabel });
const other = (key: string, label: string): MenuItem => ({ key, label });

/** The main list's bottom bar, in the order it is read. */
export const MAIN_MENU: MenuItem[] = [
  entry('attach'),
  entry('watch'),
  other('Tab', 'next'),
  other('/', 'filter'),
  other('P', 'preview'),
  other('N', 'new'),
  entry('clone'),
  entry('edit'),
  entry('background'),
  entry('delete'),
  entry('kill'),
  entry('override'),
  entry('restart'),
  entry('diff'),
  other('S', 'settings'),
  other('Q', 'quit'),
];

/** The confirm dialog's bottom bar. */
export function confirmMenu(kind: ConfirmKind): MenuItem[] {
  const alt = confirmation(kind).alternative;
  return [other('Y', 'yes'), ...(alt ? [other(alt.letter.toUpperCase(), alt.menuLabel)] : []), other('N', 'no'), other('Esc', 'cancel')];
}
