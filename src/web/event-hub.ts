// Pushes changes to every open page over Server-Sent Events: the fresh list
// after any status event (one listing in flight, the next coalesced), and each
// activity change itself so the page can notify once per change.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AgentDirectory } from '../shell/client/agent-directory.js';
import type { ActivityChange } from '../shell/status/activity-change.js';
import { listJson } from './api.js';

export class EventHub {
  private readonly clients = new Set<ServerResponse>();
  private listing = false;
  private again = false;
  private readonly keepAlive: NodeJS.Timeout;

  constructor(private readonly directory: AgentDirectory) {
    // Proxies drop quiet connections; a comment line every 25 s keeps the stream open.
    this.keepAlive = setInterval(() => this.write(': keep-alive\n\n'), 25_000);
    this.keepAlive.unref();
  }

  stream(req: IncomingMessage, res: ServerResponse): void {
    res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-store', Connection: 'keep-alive' });
    res.write('retry: 1000\n\n');
    this.clients.add(res);
    req.on('close', () => this.clients.delete(res));
  }

  /** A status event arrived: tell pages about the activity at once, then the fresh list. */
  changed(change: ActivityChange | undefined): void {
    if (change) this.write(`event: activity\ndata: ${JSON.stringify({ agent_id: change.agentId, uuid: change.uuid, ...change.view })}\n\n`);
    this.relist();
  }

  relist(): void {
    if (this.clients.size === 0) return;
    if (this.listing) {
      this.again = true;
      return;
    }
    this.listing = true;
    listJson(this.directory)
      .then((list) => this.write(`event: sessions\ndata: ${JSON.stringify(list)}\n\n`))
      .catch(() => undefined)
      .finally(() => {
        this.listing = false;
        if (this.again) {
          this.again = false;
          this.relist();
        }
      });
  }

  close(): void {
    clearInterval(this.keepAlive);
    for (const res of this.clients) res.end();
    this.clients.clear();
  }

  private write(text: string): void {
    for (const res of this.clients) res.write(text);
  }
}
