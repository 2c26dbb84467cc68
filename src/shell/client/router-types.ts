// The shell's view across every agent: one merged list, per-agent health, and
// ID resolution (name or uuid prefix) for the scripting CLI and the TUI.
import type { BrokenSession, Session } from '../../protocol/session.js';
import type { AgentClient, AgentInfo } from './agent-client.js';

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

export interface SessionDirectory {
  agents(): AgentInfo[];
  client(agentId: string): AgentClient;
  /** Lists every agent in parallel; one slow or dead agent never stalls the others (per-agent timeout). */
  listAll(): Promise<MergedList>;
  health(): AgentHealth[];
  /** Record a status heartbeat from an agent (shown in Settings). */
  noteHeartbeat(agentId: string, at: string): void;
  /** Resolve a name or uuid prefix across agents; unknown or ambiguous IDs throw a ConvocateError. */
  resolve(id: string): Promise<Session>;
  close(): Promise<void>;
}
