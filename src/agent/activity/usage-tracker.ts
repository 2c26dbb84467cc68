// Keeps each session's usage figures in memory: read from its current
// conversation's transcript once when first listed, then again only when its
// hooks report (a turn began or ended), so that a list never reads a
// transcript. One refresh at a time per session.
import type { UsageResult } from '../../protocol/ops.js';
import { PRICES_DATE } from '../../protocol/prices.js';
import { NO_USAGE, type Session, type UsageView } from '../../protocol/session.js';
import { readConversationId } from '../sessions/workspace-files.js';
import { follow, transcriptPath, usageView, type TranscriptCursor } from './transcript.js';

interface Tracked {
  workdir: string;
  cursor?: TranscriptCursor;
  view: UsageView;
  queue?: Promise<void>;
}

export class UsageTracker {
  private readonly sessions = new Map<string, Tracked>();

  constructor(private readonly homeDir: (uuid: string) => string) {}

  /** The figures for a list: from memory, or read once for a session not seen before. */
  view(uuid: string, workdir: string): UsageView | Promise<UsageView> {
    const kept = this.known(uuid, workdir);
    if (kept) return kept;
    this.sessions.set(uuid, { workdir, view: NO_USAGE });
    return this.refresh(uuid);
  }

  /** The kept figures, without waiting; undefined for a session not seen before (or whose workdir moved). */
  known(uuid: string, workdir: string): UsageView | undefined {
    const t = this.sessions.get(uuid);
    return t && t.workdir === workdir ? t.view : undefined;
  }

  /** Read what the transcript gained since the last refresh (a hook just wrote). */
  refresh(uuid: string): Promise<UsageView> {
    const t = this.sessions.get(uuid);
    if (!t) return Promise.resolve(NO_USAGE);
    // Queued behind a refresh still running, so that nothing written meanwhile is missed.
    const run = (t.queue ?? Promise.resolve()).then(() => this.read(uuid, t));
    t.queue = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  }

  private async read(uuid: string, t: Tracked): Promise<UsageView> {
    const home = this.homeDir(uuid);
    const conversation = await readConversationId(home);
    t.cursor = conversation ? await follow(transcriptPath(home, t.workdir, conversation), home, t.cursor) : undefined;
    t.view = usageView(t.cursor?.sums);
    return t.view;
  }

  forget(uuid: string): void {
    this.sessions.delete(uuid);
  }
}

/** The `usage` op's answer: each session's figures as `list` carries them, and the price table's date. */
export function usageResult(sessions: readonly Session[]): UsageResult {
  return {
    sessions: sessions.map(({ uuid, name, tokens_in, tokens_out, cost_usd, context_percent }) => ({ uuid, name, tokens_in, tokens_out, cost_usd, context_percent })),
    prices_date: PRICES_DATE,
  };
}
