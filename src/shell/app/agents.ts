// The shell's picture of its agents: who they are and whether they answer.
// Pure types: the app, the UI and the client layer all speak them.
import type { BrokenSession, Session } from '../../protocol/session.js';

export interface AgentInfo {
  /** Agent id (8 chars) or `local` for the embedded agent. */
  id: string;
  /** `host[:port]`, or `local`. */
  host: string;
}

export interface AgentHealth {
  info: AgentInfo;
  reachable: boolean;
  /** Agent software version from its last successful `ping`/`list`. */
  version?: string;
  /** Last error text when unreachable. */
  error?: string;
  /** RFC 3339 time of the last status heartbeat seen from this agent, when known. */
  lastHeartbeat?: string;
}

export interface MergedList {
  /** Every reachable agent's sessions, stamped with agent_id/agent_host, newest last_accessed first. */
  sessions: Session[];
  broken: Array<BrokenSession & { agent_id: string }>;
  /** Agents that failed or timed out; their previously known sessions are kept in `sessions` marked by this. */
  unreachable: AgentHealth[];
}
