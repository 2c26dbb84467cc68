// `peek`: the last lines of a session's pane, captured with `tmux capture-pane`
// through the Engine API (one exec, no TTY) and sanitised: the pane is
// written by the container, so nothing in it may reach a terminal raw.
import { ConvocateError } from '../../protocol/errors.js';
import type { PeekResult } from '../../protocol/ops.js';
import { sanitisePaneText } from '../../protocol/sanitise.js';
import { CONTAINER_USER, TMUX_SESSION, type ContainerRuntime } from '../runtime/container-runtime.js';
import type { PaneCapture } from './pane-capture.js';

/** A pane is at most a few hundred lines of a terminal's width; anything past this is cut. */
const MAX_TEXT_CHARS = 256 * 1024;

/** What a peek needs from the engine. */
export interface PeekDeps {
  runtime: ContainerRuntime;
  panes: PaneCapture;
  isRunning(uuid: string): Promise<boolean>;
}

export async function peekPane(deps: PeekDeps, uuid: string, lines: number): Promise<PeekResult> {
  // -S -N reaches into the history, so a short pane still yields `lines` lines when there are that many.
  const cmd = ['tmux', 'capture-pane', '-p', '-t', TMUX_SESSION, '-S', `-${lines}`];
  const fast = await deps.panes.capture(uuid, lines);
  if (fast !== undefined) return { text: lastLines(sanitisePaneText(fast.slice(-MAX_TEXT_CHARS)), lines) };
  // No loop (or it failed): one exec, whose errors say why.
  let result;
  try {
    result = await deps.runtime.exec(uuid, cmd, { user: CONTAINER_USER });
  } catch (err) {
    if (!(await deps.isRunning(uuid).catch(() => true))) throw notRunning();
    throw err;
  }
  if (result.exitCode !== 0) {
    if (!(await deps.isRunning(uuid))) throw notRunning();
    const why = sanitisePaneText(result.output).split('\n').find((l) => l.trim()) ?? `exit code ${result.exitCode}`;
    throw new ConvocateError('internal', `capture-pane failed: ${why.slice(0, 200)}`);
  }
  return { text: lastLines(sanitisePaneText(result.output.slice(-MAX_TEXT_CHARS)), lines) };
}

function lastLines(text: string, n: number): string {
  const all = text.split('\n');
  while (all.length > 0 && all[all.length - 1] === '') all.pop();
  return all.slice(-n).join('\n');
}

function notRunning(): ConvocateError {
  return new ConvocateError('invalid_argument', 'session is not running: nothing to peek at (attach or restart starts it)');
}
