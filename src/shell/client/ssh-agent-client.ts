// AgentClient over SSH: one persistent connection per agent, a fresh channel
// per RPC, the agent's host key pinned (a changed key is refused loudly), and
// reconnects with backoff 1 s doubling to 30 s. A dead agent fails fast
// instead of stalling the caller.
import type { ClientChannel } from 'ssh2';
import ssh2 from '../../lib/ssh2.js';
import type { AttachHandle } from '../../protocol/agent-api.js';
import { encodeAttachHeader } from '../../protocol/attach.js';
import { ATTACH_OPEN_TIMEOUT_MS, OP_DEADLINES } from '../../protocol/deadlines.js';
import { ConvocateError } from '../../protocol/errors.js';
import { LineSplitter } from '../../protocol/ndjson.js';
import type { OpName, OpParams, OpResult } from '../../protocol/ops.js';
import { decodeResponse, encodeRequest, MAX_LINE_BYTES } from '../../protocol/rpc.js';
import { ATTACH_SUBSYSTEM, RPC_SUBSYSTEM } from '../../protocol/subsystems.js';
import { TRANSFER_SUBSYSTEM, type TransferApi } from '../../protocol/transfer.js';
import { sshTransfer } from './ssh-transfer.js';
import type { AgentClient, AttachOptions } from './agent-client.js';
import type { AgentInfo } from '../app/agents.js';
import { Backoff } from './backoff.js';
import { sendWindowChange } from '../../lib/ssh-window.js';

// ssh2 is CommonJS: its named exports exist only on the default export under Node's ESM loader.
const { Client, utils } = ssh2;
type Client = InstanceType<typeof Client>;

export interface SshAgentTarget {
  info: AgentInfo;
  host: string;
  port: number;
  /** OpenSSH private key (shell_to_agent_ed25519_key). */
  privateKey: string | Buffer;
  /** The agent's pinned host key, OpenSSH public key line. */
  hostKeyPub: string;
  username?: string;
}

const CONNECT_TIMEOUT_MS = 5_000;

export class SshAgentClient implements AgentClient {
  readonly info: AgentInfo;
  private conn: Promise<Client> | undefined;
  private current: Client | undefined;
  private readonly backoff = new Backoff(1_000, 30_000);
  private lastError: ConvocateError | undefined;
  private readonly pinned: Buffer;

  readonly transfer: TransferApi;

  constructor(private readonly target: SshAgentTarget) {
    this.info = target.info;
    this.transfer = sshTransfer(target.info.id, async () =>
      openSubsystem(await this.connection(), TRANSFER_SUBSYSTEM).catch((err: unknown) => {
        throw this.unreachable(err);
      }),
    );
    const parsed = utils.parseKey(target.hostKeyPub);
    if (parsed instanceof Error) throw new Error(`agent ${target.info.id}: bad pinned host key: ${parsed.message}`);
    this.pinned = parsed.getPublicSSH();
  }

  async call<O extends OpName>(op: O, params: OpParams<O>, opts?: { timeoutMs?: number }): Promise<OpResult<O>> {
    const timeoutMs = opts?.timeoutMs ?? OP_DEADLINES[op].callerMs;
    const client = await this.connection();
    const channel = await openSubsystem(client, RPC_SUBSYSTEM).catch((err: unknown) => {
      throw this.unreachable(err);
    });
    const line = await readOneLine(channel, timeoutMs, () => {
      channel.end(encodeRequest(op, params));
    }).catch((err: unknown) => {
      if (err instanceof RpcTimeout) {
        throw new ConvocateError(
          'unavailable',
          `agent ${this.info.id} did not answer ${op} within ${Math.round(timeoutMs / 1000)} s (it may still finish it)`,
        );
      }
      throw this.unreachable(err);
    });
    return decodeResponse<O>(line);
  }

  async attach(id: string, cols: number, rows: number, opts: AttachOptions & { timeoutMs?: number } = {}): Promise<AttachHandle> {
    const timeoutMs = opts.timeoutMs ?? ATTACH_OPEN_TIMEOUT_MS;
    const client = await this.connection();
    let channel: ClientChannel | undefined;
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        channel?.close();
        reject(new ConvocateError('unavailable', `agent ${this.info.id} did not open session ${id} within ${timeoutMs % 1000 ? `${timeoutMs} ms` : `${timeoutMs / 1000} s`}`));
      }, timeoutMs);
    });
    try {
      await Promise.race([
        (async () => {
          const ch = await openSubsystem(client, ATTACH_SUBSYSTEM).catch((err: unknown) => {
            throw this.unreachable(err);
          });
          channel = ch;
          ch.write(encodeAttachHeader({ id, cols, rows, ...(opts.readOnly ? { read_only: true } : {}) }));
          await failOnErrorLine(ch);
        })(),
        late,
      ]);
    } finally {
      clearTimeout(timer);
    }
    const open = channel as ClientChannel | undefined;
    if (!open) throw new ConvocateError('unavailable', `agent ${this.info.id}: attach channel not open`);
    return this.attachHandle(open);
  }

  /**
   * The agent ends a relay it finished (tmux detached, container stopped) with
   * exit status 0; a channel that closes without it lost its agent or its
   * link, and `done` says so instead of passing for a detach.
   */
  private attachHandle(channel: ClientChannel): AttachHandle {
    let exitCode: number | undefined;
    let closedHere = false;
    channel.once('exit', (code: unknown) => (exitCode = typeof code === 'number' ? code : -1));
    const done = new Promise<void>((resolve, reject) =>
      channel.once('close', () => {
        if (exitCode === 0 || closedHere) return resolve();
        reject(new ConvocateError('unavailable', `agent ${this.info.id} went away while attached: the SSH link closed without a detach`));
      }),
    );
    // Seen by whoever awaits it; never an unhandled rejection for those who only watch the stream.
    done.catch(() => undefined);
    return {
      stream: channel,
      resize: async (c, r) => {
        sendWindowChange(channel, c, r);
      },
      done,
      close: () => {
        closedHere = true;
        channel.close();
      },
    };
  }

  async close(): Promise<void> {
    const conn = this.conn;
    this.conn = undefined;
    if (conn) (await conn.catch(() => undefined))?.end();
  }

  private connection(): Promise<Client> {
    if (this.conn) return this.conn;
    if (!this.backoff.ready() && this.lastError) return Promise.reject(this.lastError);
    const attempt = this.connect();
    this.conn = attempt;
    attempt.then(
      () => this.backoff.reset(),
      (err: unknown) => {
        this.lastError = this.unreachable(err);
        this.backoff.fail();
        if (this.conn === attempt) this.conn = undefined;
      },
    );
    return attempt;
  }

  private connect(): Promise<Client> {
    return new Promise((resolve, reject) => {
      const client = new Client();
      let hostKeyMismatch = false;
      client.once('ready', () => {
        // One connection carries many small request/answer exchanges: Nagle would stall them ~40 ms on the peer's delayed ACK.
        client.setNoDelay(true);
        this.current = client;
        resolve(client);
      });
      client.on('error', (err) => reject(hostKeyMismatch ? this.hostKeyError() : err));
      client.on('close', () => {
        // A dropped connection is re-dialled by the next call.
        if (this.current === client) {
          this.current = undefined;
          this.conn = undefined;
        }
      });
      client.connect({
        host: this.target.host,
        port: this.target.port,
        username: this.target.username ?? 'convocate',
        privateKey: this.target.privateKey,
        readyTimeout: CONNECT_TIMEOUT_MS,
        keepaliveInterval: 15_000,
        hostVerifier: (key: Buffer) => {
          hostKeyMismatch = !key.equals(this.pinned);
          return !hostKeyMismatch;
        },
      });
    });
  }

  private hostKeyError(): ConvocateError {
    return new ConvocateError(
      'unavailable',
      `agent ${this.info.id} at ${this.info.host} presented a DIFFERENT host key than the one pinned: refusing to connect (if the agent was reinstalled, re-run convocate-host init-agent)`,
    );
  }

  private unreachable(err: unknown): ConvocateError {
    if (err instanceof ConvocateError) return err;
    const msg = err instanceof Error ? err.message : String(err);
    return new ConvocateError('unavailable', `agent ${this.info.id} (${this.info.host}) unreachable: ${msg}`, { cause: err });
  }
}

class RpcTimeout extends Error {}

function openSubsystem(client: Client, name: string): Promise<ClientChannel> {
  return new Promise((resolve, reject) => {
    client.subsys(name, (err, channel) => (err ? reject(err) : resolve(channel)));
  });
}

function readOneLine(channel: ClientChannel, timeoutMs: number, start: () => void): Promise<string> {
  return new Promise((resolve, reject) => {
    const splitter = new LineSplitter(MAX_LINE_BYTES);
    const timer = setTimeout(() => {
      channel.destroy();
      reject(new RpcTimeout());
    }, timeoutMs);
    const finish = (fn: () => void) => {
      clearTimeout(timer);
      channel.removeAllListeners('data');
      fn();
    };
    channel.on('data', (chunk: Buffer) => {
      try {
        const [line] = splitter.push(chunk);
        if (line !== undefined) finish(() => resolve(line));
      } catch (err) {
        finish(() => reject(err));
      }
    });
    channel.once('close', () => {
      const rest = splitter.rest();
      finish(() => (rest !== undefined ? resolve(rest) : reject(new Error('channel closed without an answer'))));
    });
    start();
  });
}

/**
 * The agent answers a failed attach with one `{"ok":false,…}` line; tmux output
 * never starts that way. The first chunk is read with 'readable' (not 'data')
 * and pushed back, so the stream is left unflowing for its real consumer.
 */
function failOnErrorLine(channel: ClientChannel): Promise<void> {
  return new Promise((resolve, reject) => {
    const onReadable = () => {
      const chunk = channel.read() as Buffer | null;
      if (chunk === null) return;
      channel.removeListener('readable', onReadable);
      channel.removeListener('close', onClose);
      if (chunk.subarray(0, 6).toString() === '{"ok":') {
        try {
          decodeResponse(chunk.toString('utf8').split('\n')[0] ?? '');
        } catch (err) {
          channel.close();
          reject(err);
          return;
        }
      }
      channel.unshift(chunk);
      resolve();
    };
    const onClose = () => reject(new ConvocateError('unavailable', 'attach channel closed before the session answered'));
    channel.on('readable', onReadable);
    channel.once('close', onClose);
  });
}
