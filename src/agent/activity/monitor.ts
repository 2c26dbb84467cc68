// Watches every session home for its activity state file (fs.watch on the
// host directory: inotify, no polling of containers) and keeps the last read
// of each in memory, so that a list costs no file reads and a hook's write
// reaches onChange within a few milliseconds. A container rewriting the file
// in a loop costs at most one read per session per `minGapMs`. Other small
// files of the home (tmux's client count) are cached here too, until they change.
import { watch, type FSWatcher } from 'node:fs';
import { ACTIVITY_FILE, readStateFile, type StateRead } from './state-file.js';

export interface ActivityMonitorOptions {
  homeDir(uuid: string): string;
  /** A fresh read after the file changed. */
  onChange(uuid: string, read: StateRead): void;
  minGapMs?: number;
}

interface Watched {
  watcher: FSWatcher | undefined;
  read: StateRead | undefined;
  timer: NodeJS.Timeout | undefined;
  /** Parsed values of other files, dropped when the file changes. */
  files: Map<string, unknown>;
  /** Bumped on every change, so that a load racing a change is not kept. */
  generation: number;
}

export class ActivityMonitor {
  private readonly sessions = new Map<string, Watched>();
  private closed = false;

  constructor(private readonly opts: ActivityMonitorOptions) {}

  /** The latest read; the first call for a session reads the file and starts watching it. */
  async read(uuid: string): Promise<StateRead> {
    const w = this.track(uuid);
    if (w.read && w.watcher) return w.read;
    const read = await readStateFile(this.opts.homeDir(uuid));
    // Without a working watch the next call must read again.
    if (w.watcher) w.read = read;
    return read;
  }

  /** The kept read, without waiting; undefined when the next `read` must go to the file. */
  knownRead(uuid: string): StateRead | undefined {
    const w = this.sessions.get(uuid);
    return w?.watcher ? w.read : undefined;
  }

  /** `load`'s value for `filename` in the home, kept until the file changes. */
  async cached<T>(uuid: string, filename: string, load: () => Promise<T>): Promise<T> {
    return this.known<T>(uuid, filename) ?? this.load(uuid, filename, load);
  }

  /** The kept value, without waiting: a list of hundreds of sessions pays no promise per file. */
  known<T>(uuid: string, filename: string): T | undefined {
    const w = this.sessions.get(uuid);
    return w?.watcher && w.files.has(filename) ? (w.files.get(filename) as T) : undefined;
  }

  private async load<T>(uuid: string, filename: string, load: () => Promise<T>): Promise<T> {
    const w = this.track(uuid);
    if (!w.watcher) return load();
    if (w.files.has(filename)) return w.files.get(filename) as T;
    const generation = w.generation;
    const value = await load();
    if (w.generation === generation && w.watcher) w.files.set(filename, value);
    return value;
  }

  track(uuid: string): Watched {
    let w = this.sessions.get(uuid);
    if (w) return w;
    w = { watcher: undefined, read: undefined, timer: undefined, files: new Map(), generation: 0 };
    this.sessions.set(uuid, w);
    if (!this.closed) w.watcher = this.startWatch(uuid, w);
    return w;
  }

  /** Keep watching exactly these sessions. */
  sync(uuids: Iterable<string>): void {
    const keep = new Set(uuids);
    for (const uuid of keep) this.track(uuid);
    for (const uuid of [...this.sessions.keys()]) if (!keep.has(uuid)) this.forget(uuid);
  }

  forget(uuid: string): void {
    const w = this.sessions.get(uuid);
    if (!w) return;
    this.sessions.delete(uuid);
    clearTimeout(w.timer);
    w.watcher?.close();
  }

  get watching(): number {
    return [...this.sessions.values()].filter((w) => w.watcher).length;
  }

  close(): void {
    this.closed = true;
    for (const uuid of [...this.sessions.keys()]) this.forget(uuid);
  }

  private startWatch(uuid: string, w: Watched): FSWatcher | undefined {
    try {
      // Not persistent: a short-lived CLI with an embedded agent must still exit.
      const watcher = watch(this.opts.homeDir(uuid), { persistent: false }, (_event, filename) => {
        const name = filename?.toString();
        w.generation++;
        if (name === undefined) w.files.clear();
        else w.files.delete(name);
        if (name === undefined || name === ACTIVITY_FILE) this.schedule(uuid, w);
      });
      watcher.on('error', () => {
        // The home went away (deleted session): read afresh if it comes back.
        watcher.close();
        if (w.watcher === watcher) {
          w.watcher = undefined;
          w.read = undefined;
          w.files.clear();
        }
      });
      return watcher;
    } catch {
      return undefined;
    }
  }

  private schedule(uuid: string, w: Watched): void {
    if (w.timer) return;
    w.timer = setTimeout(() => {
      // Cleared before the read: a write landing during it schedules another.
      w.timer = undefined;
      void readStateFile(this.opts.homeDir(uuid)).then((read) => {
        if (this.sessions.get(uuid) !== w) return;
        w.read = read;
        this.opts.onChange(uuid, read);
      });
    }, this.opts.minGapMs ?? 10);
  }
}
