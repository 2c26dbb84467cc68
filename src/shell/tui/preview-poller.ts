// Keeps the preview pane fed: captures the highlighted session's pane about
// once a second, and at once when the highlight moves. It captures nothing
// unless the pane is on screen: hidden (P), no room, another screen, a
// session attached (the TUI is then suspended), a stopped session or an
// unreachable agent all cost nothing. One capture in flight at a time.
import { ConvocateError } from '../../protocol/errors.js';
import { MAX_PEEK_LINES } from '../../protocol/ops.js';
import { sanitisePaneText } from '../../protocol/sanitise.js';
import { screenLayout } from '../app/layout.js';
import type { AppStore } from '../app/store.js';
import { isUnreachable, selectedSession, type AppState } from '../app/state.js';
import type { AgentDirectory } from '../client/agent-directory.js';

const PEEK_TIMEOUT_MS = 5_000;

export class PreviewPoller {
  private timer?: NodeJS.Timeout;
  private unsubscribe?: () => void;
  private inflight = false;
  private again = false;
  private lastKey = '';

  constructor(
    private readonly store: AppStore,
    private readonly directory: AgentDirectory,
    private readonly size: () => { cols: number; rows: number },
    private readonly intervalMs = 1_000,
  ) {}

  start(): void {
    this.timer = setInterval(() => void this.capture(), this.intervalMs);
    // A new highlight, a toggled pane or a return to the list: capture now, not within a second.
    this.unsubscribe = this.store.subscribe(() => {
      const s = this.store.getState();
      const key = `${s.selected ?? ''}|${s.preview.shown}|${s.mode.screen}|${s.filter?.text ?? ''}`;
      if (key === this.lastKey) return;
      this.lastKey = key;
      void this.capture();
    });
  }

  stop(): void {
    clearInterval(this.timer);
    this.unsubscribe?.();
  }

  /** How many lines the pane shows now; 0 when it is not on screen. */
  private linesWanted(state: AppState): number {
    if (state.mode.screen !== 'list' || !state.preview.shown) return 0;
    const { cols, rows } = this.size();
    const pane = screenLayout(cols, rows, { preview: true, filterLine: state.filter !== undefined }).preview;
    return pane ? Math.min(MAX_PEEK_LINES, Math.max(1, pane.height - 3)) : 0;
  }

  async capture(): Promise<void> {
    if (this.inflight) {
      this.again = true;
      return;
    }
    const state = this.store.getState();
    const lines = this.linesWanted(state);
    const session = selectedSession(state);
    if (lines === 0 || !session?.running || !session.agent_id || isUnreachable(state, session)) return;
    this.inflight = true;
    try {
      const { text } = await this.directory.client(session.agent_id).call('peek', { id: session.uuid, lines }, { timeoutMs: PEEK_TIMEOUT_MS });
      // Sanitised again: an older or foreign agent must not reach the terminal raw.
      this.store.dispatch({ type: 'preview', uuid: session.uuid, text: sanitisePaneText(text) });
    } catch (err) {
      const message = err instanceof ConvocateError || err instanceof Error ? err.message : String(err);
      this.store.dispatch({ type: 'preview', uuid: session.uuid, error: sanitisePaneText(message).replace(/\n/g, ' ') });
    } finally {
      this.inflight = false;
    }
    if (this.again) {
      this.again = false;
      await this.capture();
    }
  }
}
