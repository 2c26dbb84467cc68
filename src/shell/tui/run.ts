// The TUI's main loop: mounts the Ink tree, ticks the clock, reloads the list
// (every 15 s, on status events, after every action), carries out intents, and
// suspends the screen while an attached session owns the terminal.
import './interactive-env.js';
import { render, type Instance } from 'ink';
import { loadavg } from 'node:os';
import { createElement } from 'react';
import type { Session } from '../../protocol/session.js';
import type { ActivityChange } from '../status/activity-change.js';
import { AppStore } from '../app/store.js';
import { initialState, type BuildInfo } from '../app/state.js';
import type { AgentDirectory } from '../client/agent-directory.js';
import { App } from '../ui/App.js';
import { TuiController } from './controller.js';
import { notification } from './notify.js';
import { PreviewPoller } from './preview-poller.js';
import { readBuildStamp } from '../build-info.js';
import { keepInkCachesAcrossFrames } from './ink-frame-cache.js';
import { relay, terminalSize, type TuiStdin, type TuiStdout } from '../terminal/relay.js';

export interface RunTuiOptions {
  directory: AgentDirectory;
  stdin: TuiStdin;
  stdout: TuiStdout;
  version: string;
  /** Status events from agents: an activity change updates its session, anything else reloads at once. */
  subscribe?: (onEvent: (activity?: ActivityChange) => void) => { close(): void };
  /** Shown in the settings dialog; defaults to this Node.js and the stamp of this build. */
  build?: BuildInfo;
  /** Bell and OSC 9 when a session starts waiting or finishes a turn (default on). */
  notify?: boolean;
  /** How often the preview pane is refreshed while it is shown. */
  previewMs?: number;
  /** Load averages for the title bar; defaults to os.loadavg. */
  loadavg?: () => number[];
  now?: () => number;
  tickMs?: number;
  reloadMs?: number;
}

const ALT_SCREEN_ON = '\x1b[?1049h';
const ALT_SCREEN_OFF = '\x1b[?1049l';
const CLEAR = '\x1b[2J\x1b[3J\x1b[H';
const SHOW_CURSOR = '\x1b[?25h';

/** Runs until the operator quits (or the terminal goes away); sessions keep running. */
export async function runTui(opts: RunTuiOptions): Promise<void> {
  const { directory, stdin, stdout } = opts;
  await keepInkCachesAcrossFrames();
  const now = opts.now ?? Date.now;
  const load = opts.loadavg ?? loadavg;
  const build = opts.build ?? { node: process.version, platform: `${process.platform}/${process.arch}`, ...readBuildStamp() };
  const store = new AppStore(initialState({ version: opts.version, build, now: now(), load: load(), notify: opts.notify }));

  let ink: Instance | undefined;
  let quitting = false;
  let finish!: () => void;
  const finished = new Promise<void>((resolve) => (finish = resolve));
  const quit = () => {
    quitting = true;
    finish();
  };

  const mount = () => {
    // Clear the main screen too, so that quitting leaves no session output behind.
    stdout.write(CLEAR + ALT_SCREEN_ON + CLEAR);
    ink = render(createElement(App, { store }), {
      stdin,
      stdout,
      exitOnCtrlC: false,
      patchConsole: false,
      // Not incrementalRendering: Ink 6.8 then starts each repaint one line too
      // low when the frame ends in a newline, as ours does (one row shorter than
      // the terminal), leaving a stale title line on screen.
      maxFps: 60,
    });
  };
  const unmount = async () => {
    const current = ink;
    ink = undefined;
    if (!current) return;
    current.unmount();
    await current.waitUntilExit().catch(() => undefined);
  };
  // Ink repaints only the lines it drew last; after a resize the terminal may
  // have reflowed them, so start from a clean screen.
  const onResize = () => {
    if (ink) stdout.write(CLEAR);
  };

  const attach = async (session: Session, attachOpts: { readOnly?: boolean } = {}): Promise<void> => {
    if (!session.agent_id) throw new Error(`session ${session.name} has no agent`);
    const { cols, rows } = terminalSize(stdout);
    // Ink keeps showing "Attaching…" while the agent starts the container.
    const handle = await directory.client(session.agent_id).attach(session.uuid, cols, rows, attachOpts);
    await unmount();
    stdout.write(ALT_SCREEN_OFF + CLEAR + SHOW_CURSOR);
    let end: Awaited<ReturnType<typeof relay>> = 'detached';
    try {
      end = await relay(handle, stdin, stdout, attachOpts);
    } finally {
      if (end === 'input-ended') quit();
      else if (!quitting) mount();
    }
  };

  // Only while the menu owns the terminal: bytes in the middle of a session's output could corrupt it.
  const notify = (text: string) => {
    if (ink) stdout.write(notification(text));
  };
  const controller = new TuiController(store, directory, { attach, quit, notify });
  const preview = new PreviewPoller(store, directory, () => terminalSize(stdout), opts.previewMs);
  const reload = () => void controller.reload();
  const tick = setInterval(() => store.dispatch({ type: 'tick', now: now(), load: load() }), opts.tickMs ?? 1000);
  const reloadTimer = setInterval(reload, opts.reloadMs ?? 15_000);
  const subscription = opts.subscribe?.((change) => (change ? store.dispatch({ type: 'activity', ...change }) : reload()));
  stdout.on('resize', onResize);

  mount();
  reload();
  preview.start();
  try {
    await finished;
  } finally {
    preview.stop();
    clearInterval(tick);
    clearInterval(reloadTimer);
    subscription?.close();
    stdout.off('resize', onResize);
    await unmount();
    stdout.write(ALT_SCREEN_OFF + SHOW_CURSOR);
    if (stdin.isTTY) stdin.setRawMode(false);
    stdin.pause();
  }
}
