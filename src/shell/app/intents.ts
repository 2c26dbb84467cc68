// What the operator chose. The TUI only returns these; the main loop carries
// them out against the agents (the narrow seam between screen and work).
import type { Protocol, Session } from '../../protocol/session.js';
import type { ConfirmKind } from './actions.js';

export interface SessionFields {
  name: string;
  protocol: Protocol;
  /** 0 = none, -1 = auto-pick, else 1-65535. */
  port: number;
  /** Empty string = none. */
  dns_name: string;
  /** Create only: cloned into the workspace at the first start. */
  repo?: string;
  /** Clone only: another agent the copy streams to. */
  to?: string;
}


export type Intent =
  /** `readOnly`: watch (tmux attach -r); nothing typed reaches the session. */
  | { kind: 'attach'; session: Session; readOnly?: boolean }
  /** Ring the bell and send OSC 9 with this text. */
  | { kind: 'notify'; text: string }
  /** Fetch every agent's session-environment names for the settings dialog. */
  | { kind: 'load-env' }
  | { kind: 'create'; agentId: string; fields: SessionFields }
  | { kind: 'edit'; session: Session; fields: SessionFields }
  /** `to`: another agent, the home streamed there whole (convocate-agent-transfer). */
  | { kind: 'clone'; session: Session; name: string; to?: string }
  /** `fresh`: a restart that starts a new Claude conversation. */
  | { kind: ConfirmKind; session: Session; fresh?: boolean }
  /** Fetch the session's diff for the diff view. */
  | { kind: 'load-diff'; session: Session }
  | { kind: 'quit' };
