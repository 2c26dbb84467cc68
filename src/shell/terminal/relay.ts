// Hands the whole terminal to an attached session: raw mode, bytes both ways,
// the size sent again right after start and on every resize; then puts the
// terminal back, leaving any unread input in stdin for whoever reads next.
import type { AttachHandle } from '../../protocol/agent-api.js';

export type TuiStdin = NodeJS.ReadStream;
export type TuiStdout = NodeJS.WriteStream;

export function terminalSize(out: TuiStdout): { cols: number; rows: number } {
  return { cols: out.columns || 80, rows: out.rows || 24 };
}

/** How the relay ended: the session let go, or the operator's terminal went away. */
export type RelayEnd = 'detached' | 'input-ended';

/**
 * For a watch (read-only attach): only the tmux prefix (Ctrl-B) and the one
 * key after it go to the session, each in its own write. tmux -r already
 * ignores everything else, but an ignored key arriving in the same read as
 * Ctrl-B D makes tmux 3.3 drop the detach; and an agent that does not know
 * `read_only` still never sees what a watcher types.
 */
export function watchFilter(): (chunk: Buffer | string) => Buffer[] {
  let afterPrefix = false;
  return (chunk) => {
    const out: Buffer[] = [];
    for (const byte of Buffer.from(chunk)) {
      if (afterPrefix) {
        out.push(Buffer.from([byte]));
        afterPrefix = false;
      } else if (byte === 0x02) {
        out.push(Buffer.from([byte]));
        afterPrefix = true;
      }
    }
    return out;
  };
}

export async function relay(handle: AttachHandle, stdin: TuiStdin, stdout: TuiStdout, opts: { readOnly?: boolean } = {}): Promise<RelayEnd> {
  const wasRaw = Boolean(stdin.isRaw);
  if (stdin.isTTY) stdin.setRawMode(true);
  // Ink unrefs stdin when it lets go; the relay needs it to keep the process alive.
  stdin.ref?.();

  let inputEnded = false;
  const filter = opts.readOnly ? watchFilter() : undefined;
  const toSession = (chunk: Buffer | string) => {
    if (!filter) handle.stream.write(chunk);
    else for (const key of filter(chunk)) handle.stream.write(key);
  };
  const toTerminal = (chunk: Buffer | string) => {
    stdout.write(chunk);
  };
  const onResize = () => {
    const { cols, rows } = terminalSize(stdout);
    handle.resize(cols, rows).catch(() => undefined);
  };
  const onInputEnd = () => {
    inputEnded = true;
    handle.close();
  };

  handle.stream.on('data', toTerminal);
  stdin.on('data', toSession);
  stdin.once('end', onInputEnd);
  stdout.on('resize', onResize);
  stdin.resume();
  // The size went with the attach request; sending it again once the relay
  // runs makes tmux redraw at the operator's full size on every re-attach.
  onResize();

  const streamEnded = new Promise<void>((resolve) => {
    handle.stream.once('end', resolve);
    handle.stream.once('close', resolve);
    handle.stream.once('error', () => resolve());
  });
  try {
    await Promise.race([handle.done, streamEnded]);
    // The stream ends a moment before the handle knows why: a lost link is an error, not a detach.
    await verdict(handle.done);
  } finally {
    // Stop reading before anything else so no keystroke goes to the old relay;
    // bytes typed from here on stay buffered in stdin for the menu.
    stdin.off('data', toSession);
    stdin.pause();
    stdin.off('end', onInputEnd);
    handle.stream.off('data', toTerminal);
    stdout.off('resize', onResize);
    handle.close();
    if (stdin.isTTY) stdin.setRawMode(wasRaw);
    // Node stops a paused TTY stdin's handle one tick after pause(). Whoever
    // reads next must subscribe after that, or reading stops for good.
    await new Promise((resolve) => setImmediate(resolve));
  }
  return inputEnded ? 'input-ended' : 'detached';
}

/** How long a relay whose stream ended waits for its handle to say whether that was a detach. */
const VERDICT_MS = 2_000;

async function verdict(done: Promise<void>): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([done, new Promise<void>((resolve) => (timer = setTimeout(resolve, VERDICT_MS)))]);
  } finally {
    clearTimeout(timer);
  }
}
