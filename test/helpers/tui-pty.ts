// A real pseudo-terminal for TUI tests, made with tmux on a private socket:
// start a command at a given size, type keys, read the screen, wait for text
// with a deadline (never a fixed sleep), resize, and tear everything down.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface TuiPtyOptions {
  cols?: number;
  rows?: number;
  cwd?: string;
  env?: Record<string, string | undefined>;
}

export class TuiPty {
  // A private socket in a private directory: no clash with the user's tmux or
  // a parallel test, and nothing left behind (tmux keeps its socket file).
  private readonly dir = mkdtempSync(join(tmpdir(), 'cvpty-'));
  private readonly socket = join(this.dir, 'tmux.sock');
  private started = false;

  private constructor(private readonly opts: TuiPtyOptions) {}

  /** Starts `command` (a shell command line) in a fresh tmux server. */
  static async start(command: string, opts: TuiPtyOptions = {}): Promise<TuiPty> {
    const pty = new TuiPty(opts);
    try {
      await pty.begin(command);
    } catch (err) {
      await pty.close();
      throw new Error(`could not start tmux (is it installed?): ${(err as Error).message}`, { cause: err });
    }
    return pty;
  }

  private async begin(command: string): Promise<void> {
    const { cols = 120, rows = 40 } = this.opts;
    const args = ['new-session', '-d', '-s', 'tui', '-x', String(cols), '-y', String(rows)];
    if (this.opts.cwd) args.push('-c', this.opts.cwd);
    // Keep the pane after the command exits so its last screen and status can be read.
    args.push(`${command}; echo "[exit $?]"; sleep 86400`);
    this.started = true;
    await this.tmux(args, { TERM: 'xterm-256color', ...this.opts.env });
    // Without this a window only grows to the size of the largest client; there is no client here.
    await this.tmux(['set-option', '-t', 'tui', 'window-size', 'manual']);
  }

  private async tmux(args: string[], env?: Record<string, string | undefined>): Promise<string> {
    // TMUX is dropped so that the rig also works when the tests run inside tmux.
    const merged: Record<string, string> = {};
    for (const [k, v] of Object.entries({ ...process.env, TMUX: undefined, ...env })) if (v !== undefined) merged[k] = v;
    const { stdout } = await run('tmux', ['-S', this.socket, '-f', '/dev/null', ...args], { env: merged });
    return stdout;
  }

  /** Types literal text (no key-name interpretation). */
  async type(text: string): Promise<void> {
    await this.tmux(['send-keys', '-t', 'tui', '-l', '--', text]);
  }

  /** Sends tmux key names: `Enter`, `Escape`, `Tab`, `BTab`, `BSpace`, `Up`, `C-b`, `C-c`… */
  async keys(...names: string[]): Promise<void> {
    await this.tmux(['send-keys', '-t', 'tui', ...names]);
  }

  /** The visible screen, one string, lines joined by newlines. */
  async screen(): Promise<string> {
    return this.tmux(['capture-pane', '-p', '-t', 'tui']);
  }

  /** Polls the screen until `pattern` appears; fails with the last screen after `timeoutMs`. */
  async waitForText(pattern: RegExp | string, timeoutMs = 10_000): Promise<string> {
    return this.waitFor((s) => matches(s, pattern), String(pattern), timeoutMs);
  }

  /** Polls until `pattern` is gone from the screen. */
  async waitForNoText(pattern: RegExp | string, timeoutMs = 10_000): Promise<string> {
    return this.waitFor((s) => !matches(s, pattern), `${String(pattern)} to go`, timeoutMs);
  }

  /** Polls until `ok(screen)` holds: a redraw is never assumed complete at one capture. */
  async waitFor(ok: (screen: string) => boolean, what: string, timeoutMs = 10_000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const screen = await this.screen();
      if (ok(screen)) return screen;
      if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; screen was:\n${screen}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** Appends every byte the program writes (bells and OSC sequences included) to `file`. */
  async pipeOutput(file: string): Promise<void> {
    await this.tmux(['pipe-pane', '-o', '-t', 'tui', `cat >> '${file.replace(/'/g, `'\\''`)}'`]);
  }

  async resize(cols: number, rows: number): Promise<void> {
    await this.tmux(['resize-window', '-t', 'tui', '-x', String(cols), '-y', String(rows)]);
  }

  /** The pane's size as tmux sees it. */
  async size(): Promise<{ cols: number; rows: number }> {
    const out = await this.tmux(['display-message', '-p', '-t', 'tui', '#{pane_width} #{pane_height}']);
    const [cols, rows] = out.trim().split(' ').map(Number);
    return { cols: cols ?? 0, rows: rows ?? 0 };
  }

  /** Kills the tmux server (and with it the command) and removes the socket. */
  async close(): Promise<void> {
    if (this.started) {
      this.started = false;
      await this.tmux(['kill-server']).catch(() => undefined);
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}

function matches(screen: string, pattern: RegExp | string): boolean {
  return typeof pattern === 'string' ? screen.includes(pattern) : pattern.test(screen);
}
