// The embedded `local` agent: the same op table as a remote agent, called in
// process (no SSH), so a newcomer needs nothing but local Docker.
import type { AgentApi, AttachHandle } from '../../protocol/agent-api.js';
import type { OpName, OpParams, OpResult } from '../../protocol/ops.js';
import type { AgentClient, AttachOptions } from './agent-client.js';
import type { AgentInfo } from '../app/agents.js';

export const LOCAL_AGENT: AgentInfo = { id: 'local', host: 'local' };

export class LocalAgentClient implements AgentClient {
  readonly info = LOCAL_AGENT;

  constructor(
    private readonly api: AgentApi,
    private readonly onClose: () => Promise<void> = async () => {},
  ) {}

  call<O extends OpName>(op: O, params: OpParams<O>): Promise<OpResult<O>> {
    return this.api.call(op, params);
  }

  attach(id: string, cols: number, rows: number, opts: AttachOptions = {}): Promise<AttachHandle> {
    return this.api.attach({ id, cols, rows, ...(opts.readOnly ? { read_only: true } : {}) });
  }

  get transfer() {
    return this.api.transfer;
  }

  close(): Promise<void> {
    return this.onClose();
  }
}
