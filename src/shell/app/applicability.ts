// Which session actions apply in which state, and why not when they don't:
// a key that does not apply answers with a short reason instead of silence.
import type { Session } from '../../protocol/session.js';
import type { AgentHealth } from './agents.js';

export type SessionAction = 'attach' | 'watch' | 'clone' | 'edit' | 'background' | 'delete' | 'kill' | 'override' | 'restart' | 'diff';

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
  const running = session.state === 'R' || session.state === 'C';
  switch (action) {
    case 'attach':
      return session.state === 'L' ? 'session is locked by another process (O overrides a stale lock)' : undefined;
    case 'watch':
      return running ? undefined : 'session is not running: W watches a running session, Enter starts it';
    case 'background':
      return running ? undefined : 'session is not running, nothing to background';
    case 'kill':
      return running ? undefined : 'session is not running';
    case 'restart':
      if (running) return 'session is already running';
      return session.state === 'L' ? 'session is locked by another process (O overrides a stale lock)' : undefined;
    case 'override':
      return session.state === 'L' ? undefined : 'only a locked (L) session has a lock to override';
    case 'diff':
      return session.repo ? undefined : 'session has no repository: V shows the changes of a session made with a Repo';
    case 'clone':
    case 'edit':
    case 'delete':
      return undefined;
  }
}
