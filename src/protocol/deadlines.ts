// How long each op may take (SPEC §4), for both roles: the agent answers
// `unavailable` past its deadline; the caller gives up past its own wait.
import type { OpName } from './ops.js';

export interface OpDeadline {
  /** The agent answers `unavailable` when the op has not finished by then. */
  agentMs: number;
  /** The caller stops waiting for an answer after this long. */
  callerMs: number;
}

const QUICK: OpDeadline = { agentMs: 30_000, callerMs: 10_000 };
/** Starts or stops a container: Docker and tmux may take their time. */
const CONTAINER: OpDeadline = { agentMs: 30_000, callerMs: 30_000 };
/** A kill waits out its 10 s grace before the container goes. */
const STOP: OpDeadline = { agentMs: 60_000, callerMs: 60_000 };

/** Every op's deadlines: a kill waits out the 10 s grace, a clone copies a whole home. */
export const OP_DEADLINES: Readonly<Record<OpName, OpDeadline>> = {
  ping: QUICK,
  list: QUICK,
  get: QUICK,
  create: CONTAINER,
  edit: CONTAINER,
  clone: { agentMs: 600_000, callerMs: 600_000 },
  delete: STOP,
  kill: STOP,
  background: CONTAINER,
  restart: STOP,
  override: CONTAINER,
  'settings-get': QUICK,
  'settings-set': QUICK,
  'env-list': QUICK,
  'env-set': QUICK,
  'env-unset': QUICK,
  peek: QUICK,
  /** May run in a throwaway container when the session is stopped. */
  diff: CONTAINER,
  usage: QUICK,
};

/** A stopped session starts first (image, tmux up to 20 s on the agent): beyond this the agent is stuck. */
export const ATTACH_OPEN_TIMEOUT_MS = 60_000;
