// How the shell (TUI and scripting CLI) talks to one agent. Implementations:
// SshAgentClient (a registered agent over SSH) and LocalAgentClient (the
// embedded `local` agent, in-process). An AgentDirectory spans all of them.
import type { AttachHandle } from '../../protocol/agent-api.js';
import type { OpName, OpParams, OpResult } from '../../protocol/ops.js';
import type { AgentInfo } from '../app/agents.js';
import type { TransferApi } from '../../protocol/transfer.js';

export type { AgentInfo };

export interface AttachOptions {
  /** Watch only (tmux `attach -r`): nothing typed reaches the session; Ctrl-B D still detaches. */
  readOnly?: boolean;
}

export interface AgentClient {
  readonly info: AgentInfo;
  call<O extends OpName>(op: O, params: OpParams<O>, opts?: { timeoutMs?: number }): Promise<OpResult<O>>;
  /** Opens an attach relay sized cols×rows; resize() follows the operator's terminal. */
  attach(id: string, cols: number, rows: number, opts?: AttachOptions): Promise<AttachHandle>;
  /** Homes to and from other agents (clone/move --to); absent for an agent that cannot be reached. */
  readonly transfer?: TransferApi;
  close(): Promise<void>;
}
