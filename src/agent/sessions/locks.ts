// Session lock files (`<uuid>.lock`: "PID START" inside, created with O_EXCL) and
// the store-wide allocation mutex. A session lock never waits: a live holder is
// an immediate, named error. Stale locks (dead PID, a PID now carried by a
// process that started later, garbage, too old) are dropped.
import { open, readFile, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { ConvocateError, errors, quote } from '../../protocol/errors.js';
import { isPidAlive as realIsPidAlive } from '../../lib/process.js';
import { processStartTime } from '../../lib/process-start.js';
import { assertUuid } from '../../protocol/validation.js';

export const LOCK_MAX_AGE_MS = 24 * 60 * 60 * 1000;
const ACQUIRE_TRIES = 5;
/** A lock file seen empty may be one a peer has just created and not yet written. */
const EMPTY_GRACE_MS = 500;
const EMPTY_POLL_MS = 10;
const ALLOC_TIMEOUT_MS = 10_000;
const ALLOC_LOCK = '.alloc.lock';

export type Release = () => Promise<void>;

export interface LockManagerOptions {
  dir: string;
  isPidAlive?: (pid: number) => boolean;
  /** A process's start time (see lib/process-start); undefined when unknown. */
  startTimeOf?: (pid: number) => string | undefined;
  now?: () => Date;
  pid?: number;
  maxAgeMs?: number;
  allocTimeoutMs?: number;
}

interface LockState {
  pid: number | undefined; // undefined: content is not a PID
  /** The holder's start time as written (older lock files carry none). */
  start: string | undefined;
  mtimeMs: number;
  ino: number;
  dev: number;
}

export class LockManager {
  readonly dir: string;
  private readonly alive: (pid: number) => boolean;
  private readonly startTimeOf: (pid: number) => string | undefined;
  private readonly now: () => Date;
  private readonly pid: number;
  private readonly maxAgeMs: number;
  private readonly allocTimeoutMs: number;
  private allocTail: Promise<unknown> = Promise.resolve();

  constructor(opts: LockManagerOptions) {
    this.dir = opts.dir;
    this.alive = opts.isPidAlive ?? realIsPidAlive;
    this.startTimeOf = opts.startTimeOf ?? processStartTime;
    this.now = opts.now ?? (() => new Date());
    this.pid = opts.pid ?? process.pid;
    this.maxAgeMs = opts.maxAgeMs ?? LOCK_MAX_AGE_MS;
    this.allocTimeoutMs = opts.allocTimeoutMs ?? ALLOC_TIMEOUT_MS;
  }

  lockPath(uuid: string): string {
    assertUuid(uuid);
    return join(this.dir, `${uuid}.lock`);
  }

  /** Take the session lock or fail at once with the live holder's PID. */
  async acquire(uuid: string): Promise<Release> {
    const path = this.lockPath(uuid);
    for (let i = 0; i < ACQUIRE_TRIES; i++) {
      const release = await this.tryCreate(path);
      if (release) return release;
      const state = await this.readLock(path);
      if (!state) continue; // released between our attempt and the read
      if (!this.isSessionLockStale(state)) throw errors.locked(uuid, state.pid ?? 0);
      await unlinkIfSame(path, state);
    }
    throw new ConvocateError('locked', `session ${quote(uuid)}: lock keeps changing hands, try again`);
  }

  /** The live PID holding the session lock, or undefined; stale locks are cleared on the way. */
  async holder(uuid: string): Promise<number | undefined> {
    const path = this.lockPath(uuid);
    const state = await this.readLock(path);
    if (!state) return undefined;
    if (this.isSessionLockStale(state)) {
      await unlinkIfSame(path, state);
      return undefined;
    }
    return state.pid;
  }

  /** The operator's "override": drop the lock whoever holds it. Stops nothing. */
  async override(uuid: string): Promise<void> {
    await unlink(this.lockPath(uuid)).catch(ignoreMissing);
  }

  async withLock<T>(uuid: string, fn: () => Promise<T>): Promise<T> {
    const release = await this.acquire(uuid);
    try {
      return await fn();
    } finally {
      await release();
    }
  }

  /**
   * Serialise allocation (read all sessions, pick a port, write) across this
   * process (a promise queue) and across processes (`.alloc.lock`). Unlike a
   * session lock this waits, but only up to allocTimeoutMs.
   */
  async withAllocation<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.allocTail.then(async () => {
      const release = await this.acquireAllocFile();
      try {
        return await fn();
      } finally {
        await release();
      }
    });
    this.allocTail = run.catch(() => undefined);
    return run;
  }

  /** Drop an allocation lock left by a process that died holding it (at agent start, so none outlives it). */
  async clearStaleAllocation(): Promise<void> {
    const path = join(this.dir, ALLOC_LOCK);
    const state = await this.readLock(path);
    if (state && !this.isHolderAlive(state)) await unlinkIfSame(path, state);
  }

  private async acquireAllocFile(): Promise<Release> {
    const path = join(this.dir, ALLOC_LOCK);
    const deadline = Date.now() + this.allocTimeoutMs;
    let lastPid: number | undefined;
    for (;;) {
      const release = await this.tryCreate(path);
      if (release) return release;
      const state = await this.readLock(path);
      if (state && !this.isHolderAlive(state)) {
        await unlinkIfSame(path, state);
        continue;
      }
      lastPid = state?.pid ?? lastPid;
      if (Date.now() >= deadline) {
        throw new ConvocateError(
          'unavailable',
          `sessions allocation lock ${path} held by pid ${lastPid ?? '?'} for over ${this.allocTimeoutMs} ms`,
        );
      }
      await delay(10 + Math.floor(Math.random() * 15));
    }
  }

  private isSessionLockStale(state: LockState): boolean {
    if (!this.isHolderAlive(state)) return true;
    return this.now().getTime() - state.mtimeMs > this.maxAgeMs;
  }

  /** The PID lives and, when the lock names a start time, it is still that process. */
  private isHolderAlive(state: LockState): boolean {
    if (state.pid === undefined || !this.alive(state.pid)) return false;
    if (state.start === undefined) return true;
    const now = this.startTimeOf(state.pid);
    return now === undefined || now === state.start;
  }

  /** The lock's holder and identity, or undefined when there is no lock file. */
  private async readLock(path: string): Promise<LockState | undefined> {
    const deadline = this.now().getTime() + EMPTY_GRACE_MS;
    for (let tries = 0; ; tries++) {
      let text: string;
      let st;
      try {
        text = await readFile(path, 'utf8');
        st = await stat(path);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
        throw err;
      }
      // A peer creates the file first and writes its PID a moment later.
      if (text === '' && this.now().getTime() < deadline && tries < EMPTY_GRACE_MS / EMPTY_POLL_MS) {
        await delay(EMPTY_POLL_MS);
        continue;
      }
      const { pid, start } = parseLock(text);
      return { pid, start, mtimeMs: st.mtimeMs, ino: st.ino, dev: st.dev };
    }
  }

  /** O_EXCL create with our PID; undefined when the file already exists. */
  private async tryCreate(path: string): Promise<Release | undefined> {
    let fh;
    try {
      fh = await open(path, 'wx', 0o644);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') return undefined;
      throw err;
    }
    try {
      const start = this.startTimeOf(this.pid);
      await fh.writeFile(start === undefined ? `${this.pid}\n` : `${this.pid} ${start}\n`);
      const st = await fh.stat();
      const mine: LockState = { pid: this.pid, start, mtimeMs: st.mtimeMs, ino: st.ino, dev: st.dev };
      // Only our own file: after an override another holder may own the path now.
      return () => unlinkIfSame(path, mine);
    } catch (err) {
      await unlink(path).catch(ignoreMissing);
      throw err;
    } finally {
      await fh.close();
    }
  }
}

/** "PID" (older files) or "PID START"; anything else names no holder. */
export function parseLock(text: string): { pid: number | undefined; start: string | undefined } {
  const m = /^\s*([0-9]{1,10})(?: ([0-9]{1,20}))?\s*$/.exec(text);
  if (!m) return { pid: undefined, start: undefined };
  return { pid: parsePid(m[1] ?? ''), start: m[2] };
}

export function parsePid(text: string): number | undefined {
  const t = text.trim();
  if (!/^[0-9]{1,10}$/.test(t)) return undefined;
  const pid = Number(t);
  return pid > 0 && Number.isSafeInteger(pid) ? pid : undefined;
}

/**
 * Remove the lock only if it is still the file we judged. Node has no flock, so
 * a few microseconds remain between this stat and the unlink; that is the
 * whole window in which two breakers of one stale lock could race.
 */
async function unlinkIfSame(path: string, seen: LockState): Promise<void> {
  try {
    const st = await stat(path);
    // Inode numbers are reused at once; the mtime tells a new file from the old one.
    if (st.ino !== seen.ino || st.dev !== seen.dev || st.mtimeMs !== seen.mtimeMs) return;
    await unlink(path);
  } catch (err) {
    ignoreMissing(err);
  }
}

function ignoreMissing(err: unknown): void {
  if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
