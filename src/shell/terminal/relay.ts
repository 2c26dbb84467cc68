// Hands the whole terminal to an attached session: raw mode, bytes both ways,
// the terminal size sent at start and on every resize, and the terminal put
// back exactly as it was when the relay ends (tmux detach, or the session stops).
import type { AttachHandle } from '../../protocol/agent-api.js';

export interface TerminalIn extends NodeJS.ReadableStream {
  isTTY?: boolean;
  isRaw?: boolean;
  setRawMode?(mode: boolean): unknown;
}

export interface TerminalOut extends NodeJS.WritableStream {
  columns?: number;
  rows?: number;
  on(event: 'resize', listener: () => void): this;
  on(event: string, listener: (...args: unknown[]) => void): this;
  off(event: string, listener: (...args: unknown[]) => void): this;
}

export function terminalSize(out: TerminalOut): { cols: number; rows: number } {
  return { cols: out.columns || 80, rows: out.rows || 24 };
}

export async function relayTerminal(handle: AttachHandle, stdin: TerminalIn, stdout: TerminalOut): Promise<void> {
  const wasRaw = stdin.isTTY ? Boolean(stdin.isRaw) : false;
  if (stdin.isTTY) stdin.setRawMode?.(true);

  const toSession = (chunk: Buffer | string) => {
    handle.stream.write(chunk);
  };
  const toTerminal = (chunk: Buffer) => {
    stdout.write(chunk);
  };
  const onResize = () => {
    const { cols, rows } = terminalSize(stdout);
    handle.resize(cols, rows).catch(() => undefined);
  };
  const onInputEnd = () => handle.close();

  stdin.on('data', toSession);
  stdin.once('end', onInputEnd);
  handle.stream.on('data', toTerminal);
  stdout.on('resize', onResize);
  stdin.resume();
  // Some terminals report their size only after raw mode settles; sending it
  // again right away makes tmux redraw at the operator's full size.
  onResize();

  const ended = new Promise<void>((resolve) => {
    handle.stream.once('end', resolve);
    handle.stream.once('close', resolve);
    handle.stream.once('error', () => resolve());
  });
  try {
    await Promise.race([handle.done, ended]);
  } finally {
    stdin.off('data', toSession);
    stdin.off('end', onInputEnd);
    handle.stream.off('data', toTerminal);
    stdout.off('resize', onResize);
    stdin.pause();
    if (stdin.isTTY) stdin.setRawMode?.(wasRaw);
  }
}
