// A registered agent the shell cannot load (a bad key file, a bad agent-host):
// it stays in the list, and every call fails with the reason, so the operator
// sees what to fix instead of an agent that silently vanished.
import type { AttachHandle } from '../../protocol/agent-api.js';
import { ConvocateError } from '../../protocol/errors.js';
import type { OpName, OpParams, OpResult } from '../../protocol/ops.js';
import type { AgentInfo } from '../app/agents.js';
import type { AgentClient } from './agent-client.js';

export class UnavailableAgentClient implements AgentClient {
  constructor(
    readonly info: AgentInfo,
    private readonly reason: string,
  ) {}

  call<O extends OpName>(_op: O, _params: OpParams<O>): Promise<OpResult<O>> {
    return Promise.reject(new ConvocateError('unavailable', this.reason));
  }

  attach(_id: string, _cols: number, _rows: number): Promise<AttachHandle> {
    return Promise.reject(new ConvocateError('unavailable', this.reason));
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}
