// A session's pane: `peek` (the last lines, sanitised: the pane is written by
// the container, so nothing in it may reach a terminal raw) and the fast path
// under it, one long-lived capture loop per previewed session instead of a
// `docker exec` per capture (an exec costs 35-60 ms of runc work; the loop
// answers in a few). The loop is a shell reading a line count from stdin and
// answering with `tmux capture-pane` output, then an end line with a nonce.
// It stops when its stdin closes: after IDLE_MS without a peek, on any error,
// or when the agent goes away. A session only previewed now and then never
// keeps a loop. The output is capped, and a forged end line can only garble
// that session's own preview, never another's.
import { randomUUID } from 'node:crypto';
import { ConvocateError } from '../../protocol/errors.js';
import type { PeekResult } from '../../protocol/ops.js';
import { sanitisePaneText } from '../../protocol/sanitise.js';
import { CONTAINER_USER, TMUX_SESSION, type ContainerRuntime, type PipeExec } from '../runtime/container-runtime.js';

const IDLE_MS = 20_000;
/** Scrolling through many running sessions must not leave a loop in each: the oldest goes first. */
const MAX_LOOPS = 8;
const ANSWER_TIMEOUT_MS = 3_000;
const MAX_ANSWER_BYTES = 1024 * 1024;
// The end line carries capture-pane's exit status: a failed capture is not pane text.
const LOOP = `while IFS= read -r n; do tmux capture-pane -p -t ${TMUX_SESSION} -S "-$n" 2>&1; s=$?; printf '\\n%s %d\\n' "$1" "$s"; done`;

class CaptureLoop {
  private buf = '';
  private waiter?: { resolve: (text: string | undefined) => void; reject: (err: Error) => void };
  private queue: Promise<unknown> = Promise.resolve();
  private closed = false;
  private idle?: NodeJS.Timeout;

  private constructor(
    private readonly pipe: PipeExec,
    private readonly end: string,
    private readonly onClose: () => void,
  ) {
    pipe.stdout.on('data', (b: Buffer) => this.onData(b.toString('utf8')));
    pipe.stdout.once('end', () => this.close(new Error('capture loop ended')));
  }

  static async open(runtime: ContainerRuntime, uuid: string, onClose: () => void): Promise<CaptureLoop | undefined> {
    if (!runtime.execPipe) return undefined;
    const end = `--convocate-capture-end-${randomUUID()}--`;
    const pipe = await runtime.execPipe(uuid, ['sh', '-c', LOOP, 'sh', end], { user: CONTAINER_USER });
    return new CaptureLoop(pipe, end, onClose);
  }

  /** One capture at a time per loop; concurrent callers queue. Undefined when capture-pane failed. */
  capture(lines: number): Promise<string | undefined> {
    const run = this.queue.then(() => this.ask(lines));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private ask(lines: number): Promise<string | undefined> {
    if (this.closed) return Promise.reject(new Error('capture loop closed'));
    clearTimeout(this.idle);
    this.idle = setTimeout(() => this.close(), IDLE_MS);
    this.idle.unref();
    return new Promise<string | undefined>((resolve, reject) => {
      const timer = setTimeout(() => this.close(new Error(`no capture within ${ANSWER_TIMEOUT_MS} ms`)), ANSWER_TIMEOUT_MS);
      this.waiter = {
        resolve: (t) => (clearTimeout(timer), resolve(t)),
        reject: (e) => (clearTimeout(timer), reject(e)),
      };
      this.pipe.stdin.write(`${Math.trunc(lines)}\n`);
    });
  }

  private onData(chunk: string): void {
    this.buf += chunk;
    const at = this.buf.indexOf(`\n${this.end} `);
    const eol = at >= 0 ? this.buf.indexOf('\n', at + 1) : -1;
    if (eol >= 0) {
      const text = this.buf.slice(0, at);
      const status = this.buf.slice(at + this.end.length + 2, eol);
      this.buf = this.buf.slice(eol + 1);
      const w = this.waiter;
      this.waiter = undefined;
      w?.resolve(status === '0' ? text : undefined);
    } else if (this.buf.length > MAX_ANSWER_BYTES) {
      this.close(new Error('capture answer too large'));
    }
  }

  close(err?: Error): void {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.idle);
    this.pipe.close();
    this.waiter?.reject(err ?? new Error('capture loop closed'));
    this.waiter = undefined;
    this.onClose();
  }
}

/** The agent's capture loops, one per session being previewed. */
export class PaneCapture {
  private readonly loops = new Map<string, Promise<CaptureLoop | undefined>>();

  constructor(private readonly runtime: ContainerRuntime) {}

  /**
   * The pane's text, or undefined when no loop can be had (a runtime without
   * pipes, or a loop that failed): the caller then uses a one-shot exec.
   */
  async capture(uuid: string, lines: number): Promise<string | undefined> {
    let loop = this.loops.get(uuid);
    if (loop) {
      // Most recently used last, so that the first key is the one to close.
      this.loops.delete(uuid);
      this.loops.set(uuid, loop);
    } else {
      loop = CaptureLoop.open(this.runtime, uuid, () => {
        if (this.loops.get(uuid) === loop) this.loops.delete(uuid);
      }).catch(() => undefined);
      this.loops.set(uuid, loop);
      while (this.loops.size > MAX_LOOPS) {
        const [oldest, l] = this.loops.entries().next().value as [string, Promise<CaptureLoop | undefined>];
        this.loops.delete(oldest);
        void l.then((x) => x?.close());
      }
    }
    const l = await loop;
    if (!l) {
      this.loops.delete(uuid);
      return undefined;
    }
    try {
      return await l.capture(lines);
    } catch (err) {
      if (err instanceof ConvocateError) throw err;
      return undefined;
    }
  }

  closeAll(): void {
    for (const l of this.loops.values()) void l.then((x) => x?.close());
    this.loops.clear();
  }
}

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
