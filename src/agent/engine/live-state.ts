// Live fields of a session (running, attached, locked), computed at list time
// from one labelled container list, the lock files, and the attach counts:
// the agent's own open relays plus the client count that tmux hooks inside
// the container keep in `~/.convocate-clients` (so attaches made by another
// process on this host count too), and the activity its Claude's hooks report.
import { readSmallRegularFile } from '../../lib/small-file.js';
import { join } from 'node:path';
import type { ListResult } from '../../protocol/ops.js';
import { NO_CHANGES, NO_RESOURCES, type ChangesView, sessionState, type Session, type SessionMeta } from '../../protocol/session.js';
import { CHANGES_FILE, readChanges } from '../sessions/workspace-files.js';
import { UsageTracker } from '../activity/usage-tracker.js';
import { workdir } from './workspace.js';
import { ActivityMonitor } from '../activity/monitor.js';
import { activityView } from '../activity/view.js';
import type { ContainerInfo, ContainerRuntime } from '../runtime/container-runtime.js';
import type { SessionStore } from '../sessions/store.js';
import { ResourceSampler } from '../host/resources.js';

export const CLIENTS_FILE = '.convocate-clients';
/** A client count is a few digits; nothing past this is ever read. */
const CLIENTS_MAX_BYTES = 32;

export class LiveState {
  private readonly relays = new Map<string, number>();

  constructor(
    private readonly store: SessionStore,
    private readonly runtime: ContainerRuntime,
    /** The engine passes the one that pushes events; alone, a LiveState watches quietly. */
    private readonly activity: ActivityMonitor = new ActivityMonitor({ homeDir: (uuid) => store.homeDir(uuid), onChange: () => undefined }),
    private readonly resources = new ResourceSampler({ oneShot: runtime.oneShotStats?.bind(runtime) }),
    private readonly usage = new UsageTracker((uuid) => store.homeDir(uuid)),
  ) {}

  /** Count an open relay; the returned function ends it (idempotent). */
  openRelay(uuid: string): () => void {
    this.relays.set(uuid, (this.relays.get(uuid) ?? 0) + 1);
    let open = true;
    return () => {
      if (!open) return;
      open = false;
      const left = (this.relays.get(uuid) ?? 1) - 1;
      if (left > 0) this.relays.set(uuid, left);
      else this.relays.delete(uuid);
    };
  }

  async list(): Promise<ListResult> {
    const [{ sessions, broken, lockFiles }, running] = await Promise.all([this.store.list(), this.runningSet()]);
    this.activity.sync(sessions.map((m) => m.uuid));
    const usage = await this.resources.sample([...running.values()]);
    const live = await Promise.all(
      sessions.map(async (m) => ({ ...(await this.decorate(m, running.get(m.uuid), lockFiles.has(m.uuid))), ...usage.get(m.uuid) })),
    );
    live.sort((a, b) => b.last_accessed.localeCompare(a.last_accessed));
    return { sessions: live, broken };
  }

  async one(meta: SessionMeta): Promise<Session> {
    return this.decorate(meta, (await this.runningSet()).get(meta.uuid));
  }

  async isRunning(uuid: string): Promise<boolean> {
    return (await this.runningSet()).has(uuid);
  }

  /** The running session containers by uuid. */
  private async runningSet(): Promise<Map<string, ContainerInfo>> {
    const containers = await this.runtime.list();
    return new Map(containers.filter((c) => c.running).map((c) => [c.uuid, c]));
  }

  private async decorate(meta: SessionMeta, container: ContainerInfo | undefined, mayBeLocked = true): Promise<Session> {
    const running = container !== undefined;
    const attached =
      running &&
      ((this.relays.get(meta.uuid) ?? 0) > 0 ||
        (await this.activity.cached(meta.uuid, CLIENTS_FILE, () => this.tmuxClients(meta.uuid))) > 0);
    const locked = !running && mayBeLocked && (await this.store.locks.holder(meta.uuid)) !== undefined;
    // Kept figures come back without a promise: a list of hundreds of sessions waits only for what it must read.
    const changes = meta.repo ? (this.activity.known<ChangesView>(meta.uuid, CHANGES_FILE) ?? (await this.activity.cached(meta.uuid, CHANGES_FILE, () => readChanges(this.store.homeDir(meta.uuid))))) : NO_CHANGES;
    const pending = this.usage.view(meta.uuid, workdir(meta));
    const usage = pending instanceof Promise ? await pending : pending;
    return {
      ...meta,
      running,
      attached,
      state: sessionState({ running, attached, locked }),
      ...activityView({
        running,
        containerCreatedMs: container?.createdAt,
        read: running ? await this.activity.read(meta.uuid) : { kind: 'absent' },
      }),
      ...NO_RESOURCES,
      ...changes,
      ...usage,
    };
  }

  /**
   * The file lives in the home dir the container writes, so it may be a symlink
   * (to /dev/zero, a secret), a FIFO (open would block a thread for good) or a
   * device node: only a regular file is opened, without following links or
   * blocking, and only its first bytes are read.
   */
  private async tmuxClients(uuid: string): Promise<number> {
    const path = join(this.store.homeDir(uuid), CLIENTS_FILE);
    try {
      const { bytes } = await readSmallRegularFile(path, CLIENTS_MAX_BYTES);
      const n = Number.parseInt(bytes.toString('utf8').trim(), 10);
      return Number.isFinite(n) ? n : 0;
    } catch {
      return 0;
    }
  }
}
