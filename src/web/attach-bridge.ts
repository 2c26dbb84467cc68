// One attach WebSocket ↔ one attach relay of the agent, the same relay the TUI
// uses: binary frames are the terminal's bytes both ways, a text frame
// {"resize":[cols,rows]} follows the browser's terminal. Closing either side detaches.
import type { WebSocket } from 'ws';
import { toConvocateError } from '../protocol/errors.js';
import type { AgentDirectory } from '../shell/client/agent-directory.js';
import { watchFilter } from '../shell/terminal/relay.js';

export const DEFAULT_SIZE = { cols: 80, rows: 24 };
/** How long the attach waits for the page's first size before opening at DEFAULT_SIZE. */
const FIRST_SIZE_WAIT_MS = 2_000;

/** Size from a resize message, clamped to what a terminal can be; undefined when malformed. */
export function parseResize(text: string): { cols: number; rows: number } | undefined {
  try {
    const msg = JSON.parse(text) as { resize?: unknown };
    if (!Array.isArray(msg.resize) || msg.resize.length !== 2) return undefined;
    const [cols, rows] = msg.resize as unknown[];
    if (!Number.isInteger(cols) || !Number.isInteger(rows)) return undefined;
    return { cols: clamp(cols as number, 2, 1000), rows: clamp(rows as number, 2, 500) };
  } catch {
    return undefined;
  }
}

export function bridgeAttach(ws: WebSocket, dir: AgentDirectory, id: string, readOnly: boolean): void {
  let closed = false;
  const pending: Buffer[] = [];
  let size = DEFAULT_SIZE;
  let onInput: ((b: Buffer) => void) | undefined;
  let onResize: ((s: { cols: number; rows: number }) => void) | undefined;
  let sized!: () => void;
  let sizeTimer: NodeJS.Timeout | undefined;
  const firstSize = new Promise<void>((resolve) => {
    sized = resolve;
    sizeTimer = setTimeout(resolve, FIRST_SIZE_WAIT_MS);
  }).finally(() => clearTimeout(sizeTimer));
  ws.on('message', (data, isBinary) => {
    const buf = Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data as ArrayBuffer);
    if (isBinary) return onInput ? onInput(buf) : void pending.push(buf);
    const next = parseResize(buf.toString('utf8'));
    if (!next) return;
    size = next;
    sized();
    onResize?.(next);
  });
  ws.on('close', () => {
    closed = true;
    sized();
  });

  // The page sends its size as soon as the socket opens. Opening at that size,
  // not at a default followed by a resize, is what keeps tmux from drawing for
  // a terminal the page does not have when the resize lands late.
  void firstSize.then(() => {
    (async () => {
      if (closed) return;
      if (!id) throw toConvocateError(new Error('attach needs ?id=<uuid>'));
      const s = await dir.resolve(id);
      const handle = await dir.client(s.agent_id!).attach(s.uuid, size.cols, size.rows, { readOnly });
      if (closed) return handle.close();
      const filter = readOnly ? watchFilter() : undefined;
      onInput = (b) => {
        if (!filter) handle.stream.write(b);
        else for (const key of filter(b)) handle.stream.write(key);
      };
      onResize = (next) => void handle.resize(next.cols, next.rows).catch(() => undefined);
      for (const b of pending.splice(0)) onInput(b);
      handle.stream.on('data', (chunk: Buffer) => ws.send(chunk, { binary: true }));
      ws.on('close', () => handle.close());
      void handle.resize(size.cols, size.rows).catch(() => undefined);
      await handle.done;
      ws.close(1000, 'detached');
    })().catch((err: unknown) => {
      if (closed) return;
      ws.send(JSON.stringify({ error: toConvocateError(err).message }));
      ws.close(4000, 'attach failed');
    });
  });
}

function clamp(n: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, n));
}
