// Local fan-out of status events over a unix socket, one JSON event per line.
// Security posture: the socket is 0660 inside the state dir, so only the
// service's user and group can subscribe; subscribers can only read. A
// subscriber that stops reading is dropped rather than slowing everyone down.
import { chmod, rm } from 'node:fs/promises';
import { createServer, type Server, type Socket } from 'node:net';
import type { StatusEvent } from '../../protocol/status.js';

/** Bytes a subscriber may have pending before it counts as too slow. */
const MAX_PENDING_BYTES = 1024 * 1024;

export class StatusFanout {
  private readonly subscribers = new Set<Socket>();
  private server: Server | undefined;

  constructor(
    private readonly socketPath: string,
    private readonly log: (msg: string) => void,
    private readonly maxPendingBytes = MAX_PENDING_BYTES,
  ) {}

  get count(): number {
    return this.subscribers.size;
  }

  async listen(): Promise<void> {
    // A socket file left by a previous run would make listen() fail with EADDRINUSE.
    await rm(this.socketPath, { force: true });
    const server = createServer((sock) => {
      this.subscribers.add(sock);
      sock.on('error', () => sock.destroy());
      sock.on('close', () => this.subscribers.delete(sock));
      // Subscribers only listen; anything they send is discarded.
      sock.on('data', () => undefined);
    });
    server.on('error', (err: Error) => this.log(`status socket: ${err.message}`));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.socketPath, () => {
        server.removeListener('error', reject);
        resolve();
      });
    });
    await chmod(this.socketPath, 0o660);
    this.server = server;
  }

  publish(ev: StatusEvent): void {
    const line = `${JSON.stringify(ev)}\n`;
    for (const sock of this.subscribers) {
      if (sock.writableLength > this.maxPendingBytes) {
        this.log('status subscriber too slow: dropped');
        sock.destroy();
        continue;
      }
      sock.write(line);
    }
  }

  async close(): Promise<void> {
    for (const sock of this.subscribers) sock.destroy();
    const server = this.server;
    this.server = undefined;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
    await rm(this.socketPath, { force: true });
  }
}
