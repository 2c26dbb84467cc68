// `status-serve --notify-cmd CMD`: runs the operator's command when a session
// starts waiting or ends a turn, with no page or TUI open. The command line is
// the operator's own; what a session says reaches it only in environment
// variables, never in the line. Once per change (the TUI's own rule), rate
// limited, bounded in number and time, and never in the way of event handling.
import { spawn } from 'node:child_process';
import { sanitizeText } from '../../protocol/sanitise.js';
import type { ActivityView, Session, SessionMeta } from '../../protocol/session.js';
import type { StatusEvent } from '../../protocol/status.js';
import { changeKey, newsOfChange } from '../app/cockpit.js';
import { activityChange } from './activity-change.js';
import { rateLimiter } from './status-serve.js';

export interface NotifyCommandOptions {
  command: string;
  log: (msg: string) => void;
  /** A run still going after this is killed. */
  timeoutMs?: number;
  /** Runs at once; news beyond that is dropped (and logged), never queued. */
  maxRunning?: number;
  /** Overall: a burst, then a steady rate per second. */
  rate?: { burst: number; perSecond: number };
  /** At most one run per session in this window. */
  perSessionMs?: number;
  now?: () => number;
}

const DEFAULTS = { timeoutMs: 10_000, maxRunning: 4, rate: { burst: 10, perSecond: 0.5 }, perSessionMs: 5_000 };

export class NotifyCommand {
  private readonly seen = new Map<string, string>();
  private readonly names = new Map<string, string>();
  private readonly lastRun = new Map<string, number>();
  private readonly admit: () => boolean;
  private readonly now: () => number;
  private readonly startedAt: number;
  private running = 0;

  constructor(private readonly opts: NotifyCommandOptions) {
    this.now = opts.now ?? Date.now;
    this.startedAt = this.now();
    this.admit = rateLimiter(opts.rate ?? DEFAULTS.rate, (n) => opts.log(`notify-cmd: rate limit: ${n} notifications dropped so far`), this.now);
  }

  /**
   * A full list (a resync): the names of sessions whose events came before
   * this process, and where each session it has not heard of stands, so that
   * its next change is news though this process never saw an event of it.
   */
  noteSessions(agentId: string, sessions: readonly (ActivityView & Pick<Session, 'uuid' | 'name'>)[]): void {
    for (const s of sessions) {
      const id = `${agentId}/${s.uuid}`;
      this.names.set(id, s.name);
      if (!this.seen.has(id)) this.consider(agentId, s.uuid, s);
    }
  }

  /** Every status event; returns at once. */
  onEvent(ev: StatusEvent): void {
    const id = `${ev.agent_id}/${ev.session_id}`;
    if (ev.type === 'container.deleted') {
      for (const m of [this.seen, this.names, this.lastRun]) m.delete(id);
      return;
    }
    if (ev.type.startsWith('container.') && ev.data && typeof (ev.data as SessionMeta).name === 'string') {
      this.names.set(id, (ev.data as SessionMeta).name);
      return;
    }
    const change = activityChange(ev);
    if (change) this.consider(change.agentId, change.uuid, change.view);
  }

  private consider(agentId: string, uuid: string, view: ActivityView): void {
    const id = `${agentId}/${uuid}`;
    const before = this.seen.get(id);
    this.seen.set(id, changeKey(view));
    // A session this process first hears of: news if it started waiting while
    // this process ran (a restart must not miss it), not for a state from before.
    const news = before !== undefined ? newsOfChange(before, view) : view.activity === 'waiting' && Date.parse(view.activity_since) >= this.startedAt ? 'waiting' : undefined;
    if (!news) return;
    const t = this.now();
    if (t - (this.lastRun.get(id) ?? Number.NEGATIVE_INFINITY) < (this.opts.perSessionMs ?? DEFAULTS.perSessionMs)) return;
    if (this.running >= (this.opts.maxRunning ?? DEFAULTS.maxRunning)) return this.skipBusy(t);
    if (!this.admit()) return;
    this.lastRun.set(id, t);
    this.run({
      CONVOCATE_SESSION: uuid,
      CONVOCATE_NAME: sanitizeText(this.names.get(id) ?? '', { max: 100 }),
      CONVOCATE_AGENT: agentId,
      CONVOCATE_ACTIVITY: news === 'waiting' ? 'waiting' : 'idle',
      CONVOCATE_DETAIL: sanitizeText(view.activity_detail, { max: 200 }),
    });
  }

  private skipped = 0;
  private lastSkipLog = Number.NEGATIVE_INFINITY;

  /** Dropped news while the command is already running its limit; said at most every 10 s. */
  private skipBusy(t: number): void {
    this.skipped++;
    if (t - this.lastSkipLog < 10_000) return;
    this.lastSkipLog = t;
    this.opts.log(`notify-cmd: ${this.running} runs still going: ${this.skipped} notifications dropped so far`);
  }

  private run(facts: Record<string, string>): void {
    this.running++;
    const child = spawn('/bin/sh', ['-c', this.opts.command], { env: { ...process.env, ...facts }, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    let finished = false;
    child.stderr?.on('data', (b: Buffer) => (stderr = (stderr + b.toString()).slice(-200)));
    const timer = setTimeout(() => child.kill('SIGKILL'), this.opts.timeoutMs ?? DEFAULTS.timeoutMs);
    const done = (why?: string) => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      this.running--;
      if (why) this.opts.log(`notify-cmd for session ${facts.CONVOCATE_SESSION}: ${why}${stderr ? `: ${sanitizeText(stderr, { max: 200 })}` : ''}`);
    };
    child.once('error', (err) => done(err.message));
    child.once('exit', (code, signal) => done(signal ? `killed by ${signal}` : code ? `exited with ${code}` : undefined));
  }
}
