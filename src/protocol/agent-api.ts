// What an agent offers, independent of transport: the SSH server exposes it on
// the wire and the shell's in-process client calls it directly, so both paths
// share the same semantics and error texts.
import type { Duplex } from 'node:stream';
import type { AttachHeader } from './attach.js';
import type { OpName, OpParams, OpResult } from './ops.js';
import type { TransferApi } from './transfer.js';

/** A live PTY relay to a session's `tmux attach-session -t claude`. */
export interface AttachHandle {
  /** Raw bytes both ways. Ending it detaches; the container keeps running. */
  stream: Duplex;
  resize(cols: number, rows: number): Promise<void>;
  /** Resolves when the relay has ended (tmux detached, container stopped or the client closed). */
  done: Promise<void>;
  close(): void;
}

export interface AgentApi {
  call<O extends OpName>(op: O, params: OpParams<O>): Promise<OpResult<O>>;
  attach(header: AttachHeader): Promise<AttachHandle>;
  /** Homes to and from other agents; absent where no store backs the api (transport test doubles). */
  readonly transfer?: TransferApi;
}
