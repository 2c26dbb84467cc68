// The shell's view across every agent: one merged list, per-agent health, and
// ID resolution (name or uuid prefix) for the scripting CLI and the TUI.
import type { Session } from '../../protocol/session.js';
import type { AgentHealth, AgentInfo, MergedList } from '../app/agents.js';
import type { AgentClient } from './agent-client.js';

export interface AgentDirectory {
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
