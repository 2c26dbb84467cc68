// The op table: decodes params against the protocol schemas and routes each
// op to the engine. It is the AgentApi both the SSH server and the embedded
// local agent expose, so the two paths behave identically.
import type { AgentApi, AttachHandle } from '../../protocol/agent-api.js';
import type { AttachHeader } from '../../protocol/attach.js';
import type { OpName, OpParams, OpResult, OpResults } from '../../protocol/ops.js';
import { decodeParams } from '../../protocol/rpc.js';
import { VERSION } from '../../protocol/version.js';
import type { SessionEngine } from '../engine/engine.js';
import type { TransferApi } from '../../protocol/transfer.js';

type Handlers = { [O in OpName]: (params: OpParams<O>) => Promise<OpResults[O]> };

export class Dispatcher implements AgentApi {
  private readonly handlers: Handlers;

  constructor(
    private readonly engine: SessionEngine,
    readonly transfer?: TransferApi,
  ) {
    this.handlers = {
      ping: async () => ({ agent_id: engine.agentId, version: VERSION, server_time: new Date().toISOString() }),
      list: () => engine.list(),
      get: (p) => engine.get(p.id),
      create: (p) => engine.create(p),
      edit: (p) => engine.edit(p),
      clone: (p) => engine.clone(p),
      delete: (p) => engine.delete(p.id),
      kill: (p) => engine.kill(p.id),
      background: (p) => engine.background(p.id),
      restart: (p) => engine.restart(p.id, { fresh: p.fresh }),
      override: (p) => engine.override(p.id),
      'settings-get': async () => engine.settingsView(),
      'settings-set': (p) => engine.setSettings(p),
      'env-list': () => engine.envList(),
      'env-set': (p) => engine.envSet(p),
      'env-unset': (p) => engine.envUnset(p),
      peek: (p) => engine.peek(p),
      diff: (p) => engine.diff(p),
      usage: () => engine.usage(),
    };
  }

  async call<O extends OpName>(op: O, params: OpParams<O>): Promise<OpResult<O>> {
    // The one decode of params for every path: the rpc channel passes them as sent, in-process callers typed.
    const decoded = decodeParams(op, params ?? null);
    const handler = this.handlers[op] as (p: OpParams<O>) => Promise<OpResult<O>>;
    return handler(decoded);
  }

  attach(header: AttachHeader): Promise<AttachHandle> {
    return this.engine.attach(header);
  }
}
