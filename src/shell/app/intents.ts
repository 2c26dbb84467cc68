// What the operator chose. The TUI only returns these; the main loop carries
// them out against the agents (the narrow seam between screen and work).
import type { Protocol, Session } from '../../protocol/session.js';

export interface SessionFields {
  name: string;
  protocol: Protocol;
  /** 0 = none, -1 = auto-pick, else 1-65535. */
  port: number;
  /** Empty string = none. */
  dns_name: string;
}

/** Session actions that ask `Y`/`N` before they run. */
export type ConfirmKind = 'delete' | 'kill' | 'override' | 'background' | 'restart';

export type Intent =
  | { kind: 'attach'; session: Session }
  | { kind: 'create'; agentId: string; fields: SessionFields }
  | { kind: 'edit'; session: Session; fields: SessionFields }
  | { kind: 'clone'; session: Session; name: string }
  | { kind: ConfirmKind; session: Session }
  | { kind: 'quit' };
