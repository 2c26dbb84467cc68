// Live fields of a session (running, attached, locked), computed at list time
// from one labelled container list, the lock files, and the attach counts:
// the agent's own open relays plus the client count that tmux hooks inside
// the container keep in `~/.convocate-clients` (so attaches made by another
// process on this host count too), and the activity its Claude's hooks report.
import { readSmallRegularFile } from '../../lib/small-file.js';
import { join } from 'node:path';
import type { ListResult } from '../../protocol/ops.js';
import { NO_CHANGES, type ChangesView, type Session, type SessionMeta } from '../../protocol/session.js';
import { CHANGES_FILE, readChanges } from '../sessions/workspace-files.js';
import { UsageTracker } from '../activity/usage-tracker.js';
import { workdir } from './workspace.js';
import { ActivityMonitor } from '../activity/monitor.js';
import type { StateRead } from '../activity/state-file.js';
import { newestFirst, SessionRecords, type KeptRecord, type RecordInputs } from './session-records.js';
import type { ContainerInfo, ContainerRuntime } from '../runtime/container-runtime.js';
import type { SessionStore } from '../sessions/store.js';
import { ResourceSampler } from '../host/resources.js';

export const CLIENTS_FILE = '.convocate-clients';
/** A client count is a few digits; nothing past this is ever read. */
const CLIENTS_MAX_BYTES = 32;

/** A stopped session's activity read: nothing, whatever the file says. */
const ABSENT: StateRead = { kind: 'absent' };

export class LiveState {
  private readonly relays = new Map<string, number>();
  private readonly records = new SessionRecords();

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
    const uuids = new Set(sessions.map((m) => m.uuid));
    this.activity.sync(uuids);
    this.records.retain(uuids);
    const resources = await this.resources.sample([...running.values()]);
    const kept = new Array<KeptRecord>(sessions.length);
    const reads: Promise<void>[] = [];
    sessions.forEach((meta, i) => {
      const container = running.get(meta.uuid);
      const inputs = this.knownInputs(meta, container, lockFiles.has(meta.uuid));
      if (inputs) kept[i] = this.records.entry(inputs);
      else reads.push(this.readInputs(meta, container, lockFiles.has(meta.uuid)).then((r) => void (kept[i] = this.records.entry(r))));
    });
    await Promise.all(reads);
    kept.sort(newestFirst);
    return { sessions: kept.map((k) => this.records.shown(k, resources.get(k.record.uuid))), broken };
  }

  async one(meta: SessionMeta): Promise<Session> {
    const container = (await this.runningSet()).get(meta.uuid);
    const inputs = this.knownInputs(meta, container, true) ?? (await this.readInputs(meta, container, true));
    return this.records.entry(inputs).record;
  }

  async isRunning(uuid: string): Promise<boolean> {
    return (await this.runningSet()).has(uuid);
  }

  /** The running session containers by uuid. */
  private async runningSet(): Promise<Map<string, ContainerInfo>> {
    const containers = await this.runtime.list();
    return new Map(containers.filter((c) => c.running).map((c) => [c.uuid, c]));
  }

  /**
   * A record's inputs when every one is kept in memory (the usual case for a
   * list: the watcher drops what changed), so that no promise is made;
   * undefined when a file or a lock must be looked at.
   */
  private knownInputs(meta: SessionMeta, container: ContainerInfo | undefined, mayBeLocked: boolean): RecordInputs | undefined {
    const uuid = meta.uuid;
    const changes = meta.repo ? this.activity.known<ChangesView>(uuid, CHANGES_FILE) : NO_CHANGES;
    const usage = this.usage.known(uuid, workdir(meta));
    if (!changes || !usage) return undefined;
    if (!container) {
      if (mayBeLocked) return undefined;
      return { meta, createdAt: undefined, running: false, attached: false, locked: false, read: ABSENT, changes, usage };
    }
    const read = this.activity.knownRead(uuid);
    const clients = (this.relays.get(uuid) ?? 0) > 0 ? 1 : this.activity.known<number>(uuid, CLIENTS_FILE);
    if (!read || clients === undefined) return undefined;
    return { meta, createdAt: container.createdAt, running: true, attached: clients > 0, locked: false, read, changes, usage };
  }

  /** The same inputs, reading what is not kept. */
  private async readInputs(meta: SessionMeta, container: ContainerInfo | undefined, mayBeLocked: boolean): Promise<RecordInputs> {
    const running = container !== undefined;
    const attached =
      running &&
      ((this.relays.get(meta.uuid) ?? 0) > 0 ||
        (await this.activity.cached(meta.uuid, CLIENTS_FILE, () => this.tmuxClients(meta.uuid))) > 0);
    const locked = !running && mayBeLocked && (await this.store.locks.holder(meta.uuid)) !== undefined;
    const changes = meta.repo ? await this.activity.cached(meta.uuid, CHANGES_FILE, () => readChanges(this.store.homeDir(meta.uuid))) : NO_CHANGES;
    const usage = await this.usage.view(meta.uuid, workdir(meta));
    const read = running ? await this.activity.read(meta.uuid) : ABSENT;
    return { meta, createdAt: container?.createdAt, running, attached, locked, read, changes, usage };
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
