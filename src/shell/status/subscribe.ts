// The TUI's view of status events: connect to `<stateDir>/status.sock`, hand
// each event to a callback, and quietly retry (1 s doubling to 30 s) while the
// socket is absent or status-serve restarts. It never throws and never logs:
// without a status service the TUI just polls.
import { createConnection, type Socket } from 'node:net';
import { join } from 'node:path';
import { parseEvent, type StatusEvent } from '../../protocol/status.js';
import { SkippingLineReader } from './line-reader.js';

export const STATUS_SOCKET = 'status.sock';

export interface StatusSubscription {
  close(): void;
}

export interface SubscribeOptions {
  retryInitialMs?: number;
  retryMaxMs?: number;
  /** Called on every (re)connect; lets the TUI reload everything it may have missed. */
  onConnect?: () => void;
}

export function subscribeStatus(
  stateDir: string,
  onEvent: (ev: StatusEvent) => void,
  opts: SubscribeOptions = {},
): StatusSubscription {
  const path = join(stateDir, STATUS_SOCKET);
  const initial = opts.retryInitialMs ?? 1_000;
  let delay = 0;
  let closed = false;
  let sock: Socket | undefined;
  let timer: NodeJS.Timeout | undefined;

  const connect = () => {
    if (closed) return;
    const reader = new SkippingLineReader(1024 * 1024);
    const s = createConnection(path);
    sock = s;
    s.on('connect', () => {
      delay = 0;
      opts.onConnect?.();
    });
    s.on('data', (chunk: Buffer) => {
      for (const line of reader.push(chunk)) {
        const ev = parseEvent(line);
        if (ev) onEvent(ev);
      }
    });
    s.on('error', () => undefined);
    s.on('close', () => {
      if (sock !== s || closed) return;
      sock = undefined;
      delay = delay === 0 ? initial : Math.min(delay * 2, opts.retryMaxMs ?? 30_000);
      timer = setTimeout(connect, delay);
      // A TUI that is otherwise done must be able to exit while this waits.
      timer.unref();
    });
  };
  connect();

  return {
    close() {
      closed = true;
      clearTimeout(timer);
      sock?.destroy();
    },
  };
}
