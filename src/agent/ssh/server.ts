// The agent's SSH control plane (SPEC §4). Security posture (ssh-guard.ts):
// ed25519 public-key auth against authorized_keys only, capped unauthenticated
// connections and channels; a session channel may open exactly one of the two
// convocate subsystems and nothing else — no shell, exec, pty, env, forwarding
// or agent forwarding. Every op has a server-side deadline. A misbehaving peer
// only loses its own connection.
import type { AgentApi } from '../../protocol/agent-api.js';
import { ATTACH_SUBSYSTEM, RPC_SUBSYSTEM } from '../../protocol/subsystems.js';
import { TRANSFER_SUBSYSTEM } from '../../protocol/transfer.js';
import { serveTransferChannel } from './transfer-channel.js';
import { startGuardedServer, type SshLimits } from '../../lib/ssh-guard.js';
import { serveAttachChannel } from './attach-channel.js';
import { serveRpcChannel, type OpDeadlines } from './rpc-channel.js';

export interface AgentServerOptions {
  api: AgentApi;
  /** OpenSSH private host key. */
  hostKey: string | Buffer;
  authorizedKeysPath: string;
  listen: { host: string; port: number };
  log: (msg: string) => void;
  /** An rpc channel without a complete request line is answered with a timeout error after this. */
  rpcTimeoutMs?: number;
  attachHeaderTimeoutMs?: number;
  /** A connection not authenticated by then is dropped (default 30 s). */
  authGraceMs?: number;
  /** SSH caps; see DEFAULT_SSH_LIMITS. */
  limits?: Partial<SshLimits>;
  /** Attach channels one connection may hold at once. */
  maxAttachesPerConnection?: number;
  /** Per-op server-side deadlines; see the protocol's OP_DEADLINES. */
  opDeadlines?: OpDeadlines;
}

export interface AgentServer {
  port: number;
  counts(): { preAuth: number; authenticated: number };
  close(): Promise<void>;
}

/** One operator terminal per attach: 32 at once on one connection is far beyond real use. */
export const DEFAULT_MAX_ATTACHES_PER_CONNECTION = 32;

export async function startAgentServer(opts: AgentServerOptions): Promise<AgentServer> {
  const { log } = opts;
  return startGuardedServer({
    name: 'agent',
    hostKey: opts.hostKey,
    authorizedKeysPath: opts.authorizedKeysPath,
    listen: opts.listen,
    log,
    // Answers and keystroke echoes are small writes: Nagle would hold them for the peer's delayed ACK (~40 ms).
    noDelay: true,
    limits: { ...(opts.authGraceMs === undefined ? {} : { authGraceMs: opts.authGraceMs }), ...opts.limits },
    subsystems: {
      [RPC_SUBSYSTEM]: {
        open: (channel) => {
          serveRpcChannel(channel, opts.api, { timeoutMs: opts.rpcTimeoutMs ?? 30_000, log, deadlines: opts.opDeadlines });
        },
      },
      [ATTACH_SUBSYSTEM]: {
        maxOpenPerConnection: opts.maxAttachesPerConnection ?? DEFAULT_MAX_ATTACHES_PER_CONNECTION,
        // Only an attach channel has a terminal to resize.
        open: (channel) => serveAttachChannel(channel, opts.api, { headerTimeoutMs: opts.attachHeaderTimeoutMs ?? 10_000, log }),
      },
      [TRANSFER_SUBSYSTEM]: {
        open: (channel) => serveTransferChannel(channel, opts.api, { headerTimeoutMs: opts.attachHeaderTimeoutMs ?? 10_000, log }),
      },
    },
  });
}
