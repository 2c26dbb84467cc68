// An in-memory AgentApi for transport tests: sessions live in a Map, and attach
// returns an echo pipe that records resizes, so the SSH layer can be tested
// without Docker.
import { randomUUID } from 'node:crypto';
import { PassThrough } from 'node:stream';
import type { AgentApi, AttachHandle } from '../../src/protocol/agent-api.js';
import type { AttachHeader } from '../../src/protocol/attach.js';
import { ConvocateError, errors } from '../../src/protocol/errors.js';
import type { OpName, OpParams, OpResult } from '../../src/protocol/ops.js';
import { decodeParams } from '../../src/protocol/rpc.js';
import { DEFAULT_LIMITS, NO_WORKSPACE, NO_CHANGES, NO_USAGE, NO_ACTIVITY, NO_RESOURCES, type Session } from '../../src/protocol/session.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

export class FakeAgentApi implements AgentApi {
  readonly sessions = new Map<string, Session>();
  readonly resizes: { id: string; cols: number; rows: number }[] = [];
  readonly attaches: AttachHeader[] = [];
  closedAttaches = 0;
  calls = 0;

  constructor(readonly agentId = 'fa4e0001') {}

  async call<O extends OpName>(op: O, params: OpParams<O>): Promise<OpResult<O>> {
    this.calls++;
    // As every AgentApi does: the transport hands params on as sent.
    return this.dispatch(op, decodeParams(op, params ?? null) as OpParams<OpName>) as Promise<OpResult<O>>;
  }

  async attach(header: AttachHeader): Promise<AttachHandle> {
    this.find(header.id);
    this.attaches.push(header);
    const stream = new PassThrough();
    let closed = false;
    const done = new Promise<void>((resolve) => {
      stream.once('end', resolve);
      stream.once('close', resolve);
    });
    // A PassThrough only ends once its data is read: the relay pipes it, so it is.
    return {
      stream,
      done,
      resize: async (cols, rows) => {
        this.resizes.push({ id: header.id, cols, rows });
      },
      close: () => {
        if (closed) return;
        closed = true;
        this.closedAttaches++;
        stream.destroy();
      },
    };
  }

  private async dispatch(op: OpName, params: unknown): Promise<unknown> {
    const p = (params ?? {}) as Record<string, unknown>;
    switch (op) {
      case 'ping':
        return { agent_id: this.agentId, version: 'test', server_time: new Date().toISOString() };
      case 'list':
        return { sessions: [...this.sessions.values()], broken: [] };
      case 'get':
        return this.find(String(p.id));
      case 'create': {
        const now = new Date().toISOString();
        const s: Session = {
          uuid: randomUUID(), name: String(p.name), port: Number(p.port ?? 0), protocol: p.protocol === 'udp' ? 'udp' : 'tcp',
          dns_name: String(p.dns_name ?? ''), created_at: now, last_accessed: now, running: false, attached: false, state: '-', ...DEFAULT_LIMITS, ...NO_WORKSPACE, ...NO_CHANGES, ...NO_USAGE, ...NO_ACTIVITY, ...NO_RESOURCES,
        };
        this.sessions.set(s.uuid, s);
        return s;
      }
      case 'delete': {
        const s = this.find(String(p.id));
        this.sessions.delete(s.uuid);
        return { uuid: s.uuid };
      }
      default:
        throw new ConvocateError('internal', `fake agent does not implement ${op}`);
    }
  }

  private find(id: string): Session {
    if (!UUID.test(id)) throw errors.invalidId(id);
    const s = this.sessions.get(id);
    if (!s) throw errors.notFound(id);
    return s;
  }
}
