// Agent → shell status events over SSH (`convocate-status`, SPEC §4). Security
// posture: dials out with the agent's ed25519 key and talks only to a shell whose
// host key matches the pinned one; a mismatch is refused and logged loudly.
// `emit()` never blocks or throws: events wait in a bounded queue that drops the
// OLDEST event when full, because the newest carries the freshest state and the
// shell reloads everything periodically anyway.
import type { ClientChannel } from 'ssh2';
import ssh2 from '../../lib/ssh2.js';
import { makeEvent, type StatusEvent } from '../../protocol/status.js';
import { STATUS_SUBSYSTEM } from '../../protocol/subsystems.js';
import { fingerprint, parsePublicKey } from '../../lib/keys.js';
// ssh2 is CommonJS: under Node's ESM loader its named exports live on the default export.
const { Client } = ssh2;
type Client = InstanceType<typeof Client>;

export interface StatusEmitterOptions {
  agentId: string;
  host: string;
  port: number;
  /** The agent's OpenSSH private key (agent_to_shell_ed25519_key). */
  privateKey: string | Buffer;
  /** The shell's pinned host key: one OpenSSH public key line. */
  knownHostKey: string;
  log: (msg: string) => void;
  heartbeatMs?: number;
  backoffInitialMs?: number;
  backoffMaxMs?: number;
  queueMax?: number;
  connectTimeoutMs?: number;
  /** How long close() waits for the shutdown event to be flushed. */
  closeTimeoutMs?: number;
}

export const STATUS_QUEUE_MAX = 256;

export class StatusEmitter {
  private readonly queue: string[] = [];
  private readonly pinned: Buffer;
  private readonly max: number;
  private client: Client | undefined;
  private channel: ClientChannel | undefined;
  private blocked = false;
  private delay = 0;
  private droppedTotal = 0;
  private droppedWhileDown = 0;
  private retryTimer: NodeJS.Timeout | undefined;
  private heartbeatTimer: NodeJS.Timeout | undefined;
  private started = false;
  private stopped = false;

  constructor(private readonly opts: StatusEmitterOptions) {
    this.pinned = parsePublicKey(opts.knownHostKey, 'pinned shell host key').getPublicSSH();
    this.max = opts.queueMax ?? STATUS_QUEUE_MAX;
  }

  /** Events dropped because the queue was full, since start. */
  get dropped(): number {
    return this.droppedTotal;
  }

  get connected(): boolean {
    return this.channel !== undefined;
  }

  get queued(): number {
    return this.queue.length;
  }

  start(): void {
    if (this.started || this.stopped) return;
    this.started = true;
    this.heartbeatTimer = setInterval(() => {
      // A heartbeat only means something while the link is up; queued ones would be stale.
      if (this.channel) this.emit(makeEvent('agent.heartbeat', this.opts.agentId, null));
    }, this.opts.heartbeatMs ?? 30_000);
    this.heartbeatTimer.unref();
    this.dial();
  }

  emit(ev: StatusEvent): void {
    if (this.stopped) return;
    let line: string;
    try {
      line = `${JSON.stringify(ev)}\n`;
    } catch (err) {
      this.opts.log(`status event ${ev.type} not serialisable: ${(err as Error).message}`);
      return;
    }
    if (this.queue.length >= this.max) {
      this.queue.shift();
      this.droppedTotal++;
      if (this.droppedWhileDown++ === 0) {
        this.opts.log(`status queue full (${this.max} events): dropping the oldest until the shell is reachable`);
      }
    }
    this.queue.push(line);
    this.flush();
  }

  /** Send `agent.shutdown {reason}` if the link is up, then disconnect for good. */
  async close(reason: string): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    clearInterval(this.heartbeatTimer);
    clearTimeout(this.retryTimer);
    const { channel, client } = this;
    if (channel) {
      this.queue.push(`${JSON.stringify(makeEvent('agent.shutdown', this.opts.agentId, { reason }))}\n`);
      this.flush();
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, this.opts.closeTimeoutMs ?? 2_000);
        channel.once('close', () => {
          clearTimeout(timer);
          resolve();
        });
        channel.end();
      });
    }
    client?.end();
  }

  private flush(): void {
    const ch = this.channel;
    // A channel the shell closed takes no more events: they wait for the next link.
    if (ch && (ch.destroyed || !ch.writable)) {
      this.channel = undefined;
      return;
    }
    while (ch && !this.blocked && this.queue.length > 0) {
      const line = this.queue.shift() as string;
      if (!ch.write(line)) {
        this.blocked = true;
        ch.once('drain', () => {
          this.blocked = false;
          this.flush();
        });
      }
    }
  }

  private dial(): void {
    if (this.stopped) return;
    const { host, port } = this.opts;
    const client = new Client();
    this.client = client;
    let mismatch: Buffer | undefined;
    client.on('ready', () => {
      client.subsys(STATUS_SUBSYSTEM, (err, ch) => {
        if (err) {
          this.opts.log(`status link to ${host}:${port}: ${err.message}`);
          client.end();
          return;
        }
        this.onChannel(client, ch);
      });
    });
    client.on('error', (err: Error) => {
      if (mismatch) {
        this.opts.log(
          `REFUSING status link to ${host}:${port}: its host key ${fingerprint(mismatch)} is NOT the pinned ${fingerprint(this.pinned)} (re-provision with convocate-host init-agent if the shell was reinstalled)`,
        );
      } else {
        this.opts.log(`status link to ${host}:${port}: ${err.message}`);
      }
    });
    client.on('close', () => {
      if (this.client !== client) return;
      this.client = undefined;
      this.channel = undefined;
      this.blocked = false;
      this.scheduleRetry();
    });
    client.connect({
      host,
      port,
      username: this.opts.agentId,
      privateKey: this.opts.privateKey,
      readyTimeout: this.opts.connectTimeoutMs ?? 10_000,
      keepaliveInterval: 15_000,
      hostVerifier: (key: Buffer) => {
        if (key.equals(this.pinned)) return true;
        mismatch = Buffer.from(key);
        return false;
      },
    });
  }

  private onChannel(client: Client, ch: ClientChannel): void {
    if (this.stopped) {
      client.end();
      return;
    }
    this.channel = ch;
    this.delay = 0;
    const dropped = this.droppedWhileDown;
    this.droppedWhileDown = 0;
    this.opts.log(`status link up to ${this.opts.host}:${this.opts.port}${dropped ? ` (${dropped} events were dropped while it was down)` : ''}`);
    ch.on('error', (err: Error) => this.opts.log(`status channel: ${err.message}`));
    // The shell never talks back; a closed channel means the link is gone.
    ch.on('data', () => undefined);
    ch.on('close', () => {
      if (this.channel === ch) {
        this.channel = undefined;
        this.blocked = false;
      }
      client.end();
    });
    this.flush();
  }

  private scheduleRetry(): void {
    if (this.stopped) return;
    const initial = this.opts.backoffInitialMs ?? 1_000;
    this.delay = this.delay === 0 ? initial : Math.min(this.delay * 2, this.opts.backoffMaxMs ?? 30_000);
    this.retryTimer = setTimeout(() => this.dial(), this.delay);
  }
}
