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

export async function relay(handle: AttachHandle, stdin: TuiStdin, stdout: TuiStdout): Promise<RelayEnd> {
  const wasRaw = Boolean(stdin.isRaw);
  if (stdin.isTTY) stdin.setRawMode(true);
  // Ink unrefs stdin when it lets go; the relay needs it to keep the process alive.
  stdin.ref?.();

  let inputEnded = false;
  const toSession = (chunk: Buffer | string) => {
    handle.stream.write(chunk);
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
