// The session store: `<sessions-dir>/<uuid>/` holds the agent's session.json
// beside `home/`, the only part the container sees (layout.ts). New and removed
// dirs pass through dot-named staging dirs, so list() never sees half a session. Methods that change an existing session do NOT take the
// per-session lock: the engine wraps them in `store.locks.withLock(uuid, …)`,
// because one lock must span the store change and the container action.
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { chmod, chown, lstat, mkdir, readdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { syncDir } from '../../lib/atomic-write.js';
import { isPidAlive } from '../../lib/process.js';
import { ConvocateError, errors, quote } from '../../protocol/errors.js';
import { DEFAULT_LIMITS, defaultBranch, type BrokenSession, type Protocol, type SessionLimits, type SessionMeta, type SessionWorkspace } from '../../protocol/session.js';
import { HOME_DIR, markLayoutCurrent, migrateLayout, type MigrationHook } from './layout.js';
import { LockManager } from './locks.js';
import { AUTO_PORT_FROM, isPortBound as realIsPortBound, pickFreePort } from './ports.js';
import { knownSessionMeta, readSessionFile, writeSessionFile } from './session-file.js';
import {
  assertUuid,
  isUuid,
  sameDnsName,
  validateCpus,
  validateDnsName,
  validateEgress,
  validateEgressAllow,
  validateMemory,
  validateName,
  validatePort,
  validateProtocol,
  validateRepo,
  validateBranch,
} from '../../protocol/validation.js';

const execFileP = promisify(execFile);
const STAGING_RE = /^\.(?:new|clone|delete)-[0-9a-fA-F-]{36}\.([0-9]+)\.tmp$/;

export interface SessionStoreOptions {
  dir: string;
  isPortBound?: (port: number, proto: Protocol) => Promise<boolean>;
  locks?: LockManager;
  now?: () => Date;
  /** Owner for new home dirs (the container user) when the agent runs as root. */
  chownTo?: { uid: number; gid: number };
  log?: (msg: string) => void;
  /** Test seam for the layout migration (see layout.ts). */
  afterMigrationStep?: MigrationHook;
}

export interface CreateSessionInput extends Partial<SessionLimits> {
  name: string;
  port?: number;
  protocol?: string;
  dns_name?: string;
  repo?: string;
  branch?: string;
}

/** Omitted fields keep their value; an empty name or protocol keeps it; an empty dns_name clears it. */
export interface SessionPatch extends Partial<SessionLimits> {
  name?: string;
  port?: number;
  protocol?: string;
  dns_name?: string;
  /** Cleared once a clone's first start has forked the conversation. */
  resume_fork?: boolean;
}

export interface SessionList {
  sessions: SessionMeta[];
  broken: BrokenSession[];
  /** Sessions with a `<uuid>.lock` file present (held or stale): the only ones whose lock needs a look. */
  lockFiles: Set<string>;
}

const LOCK_SUFFIX = '.lock';

export class SessionStore {
  readonly dir: string;
  readonly locks: LockManager;
  private readonly isPortBound: (port: number, proto: Protocol) => Promise<boolean>;
  private readonly now: () => Date;
  private readonly chownTo: { uid: number; gid: number } | undefined;
  private readonly log: (msg: string) => void;
  private readonly afterMigrationStep: MigrationHook | undefined;

  constructor(opts: SessionStoreOptions) {
    this.dir = opts.dir;
    this.locks = opts.locks ?? new LockManager({ dir: opts.dir });
    this.isPortBound = opts.isPortBound ?? realIsPortBound;
    this.now = opts.now ?? (() => new Date());
    this.chownTo = opts.chownTo;
    this.log = opts.log ?? (() => undefined);
    this.afterMigrationStep = opts.afterMigrationStep;
  }

  /**
   * Create the sessions dir, sweep staging dirs left by a process that died
   * mid-way, and move sessions of the first layout (or finish moving them).
   */
  async init(): Promise<void> {
    const fresh = !(await lstat(this.dir).then(
      () => true,
      () => false,
    ));
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    // Sessions have root inside their containers, so their homes may hold setuid
    // files: other users of the host must not reach them.
    await chmod(this.dir, 0o700);
    for (const name of await readdir(this.dir)) {
      const m = STAGING_RE.exec(name);
      if (m && !isPidAlive(Number(m[1]))) await rm(join(this.dir, name), { recursive: true, force: true });
    }
    await this.locks.clearStaleAllocation();
    if (fresh) await markLayoutCurrent(this.dir);
    else await migrateLayout({ dir: this.dir, withLock: (u, fn) => this.locks.withLock(u, fn), log: this.log, afterStep: this.afterMigrationStep });
  }

  /** `<dir>/<uuid>`: the session's metadata and its home; only the agent writes here. */
  sessionDir(uuid: string): string {
    assertUuid(uuid);
    return join(this.dir, uuid);
  }

  /** What the container sees as /home/convocate. */
  homeDir(uuid: string): string {
    return join(this.sessionDir(uuid), HOME_DIR);
  }

  async list(): Promise<SessionList> {
    const entries = await readdir(this.dir, { withFileTypes: true });
    const out: SessionList = { sessions: [], broken: [], lockFiles: new Set() };
    const ids: string[] = [];
    for (const e of entries) {
      // isDirectory() is false for symlinks: a planted link never becomes a session.
      if (e.isDirectory() && isUuid(e.name)) ids.push(e.name);
      else if (e.isFile() && e.name.endsWith(LOCK_SUFFIX)) out.lockFiles.add(e.name.slice(0, -LOCK_SUFFIX.length));
    }
    // Metadata kept for an unchanged file comes back without a promise: only changed files are read.
    const known = ids.map((id) => knownSessionMeta(join(this.dir, id), id));
    const read = await Promise.all(ids.filter((_, i) => !known[i]).map((id) => readSessionFile(join(this.dir, id), id)));
    let next = 0;
    ids.forEach((uuid, i) => {
      const meta = known[i];
      const r = meta ? { ok: true as const, meta } : read[next++]!;
      if (r.ok) out.sessions.push(r.meta);
      else out.broken.push({ uuid, error: r.error });
    });
    return out;
  }

  async get(uuid: string): Promise<SessionMeta> {
    const r = await readSessionFile(this.sessionDir(uuid), uuid);
    if (r.ok) return r.meta;
    if (r.missing) throw errors.notFound(uuid);
    throw new ConvocateError('internal', `session ${quote(uuid)} is unreadable: ${r.error}`);
  }

  async create(input: CreateSessionInput): Promise<SessionMeta> {
    const name = validateName(input.name);
    const port = validatePort(input.port ?? 0);
    const protocol = validateProtocol(input.protocol);
    const dns_name = validateDnsName(input.dns_name);
    const limits = limitsPatch(input);
    const repo = validateRepo(input.repo);
    if (!repo && input.branch) throw new ConvocateError('invalid_argument', 'a branch needs a repo (--repo URL)');
    const branch = repo ? validateBranch(input.branch || defaultBranch(name)) : null;
    const workspace: SessionWorkspace = { repo, branch, workspace: true, resume_fork: false };
    return this.locks.withAllocation(async () => {
      const { sessions } = await this.list();
      const resolved = await this.resolvePort(port, protocol, sessions, undefined);
      assertDnsFree(dns_name, sessions);
      const uuid = randomUUID();
      const ts = this.now().toISOString();
      const meta: SessionMeta = { uuid, name, port: resolved, protocol, dns_name, created_at: ts, last_accessed: ts, ...DEFAULT_LIMITS, ...limits, ...workspace };
      const staging = this.stagingDir('new', uuid);
      try {
        await mkdir(staging, { mode: 0o755 });
        const home = join(staging, HOME_DIR);
        await mkdir(home, { mode: 0o755 });
        await chmod(home, 0o755); // mkdir's mode is masked by the umask
        if (this.chownTo) await chown(home, this.chownTo.uid, this.chownTo.gid);
        await this.publish(staging, meta);
      } catch (err) {
        await rm(staging, { recursive: true, force: true });
        throw err;
      }
      return meta;
    });
  }

  async update(uuid: string, patch: SessionPatch): Promise<SessionMeta> {
    assertUuid(uuid);
    const name = patch.name ? validateName(patch.name) : undefined;
    const port = patch.port === undefined ? undefined : validatePort(patch.port);
    const protocol = patch.protocol ? validateProtocol(patch.protocol) : undefined;
    const dns = patch.dns_name === undefined ? undefined : validateDnsName(patch.dns_name);
    const limits = limitsPatch(patch);
    return this.locks.withAllocation(async () => {
      const current = await this.get(uuid);
      const others = (await this.list()).sessions.filter((s) => s.uuid !== uuid);
      const next: SessionMeta = {
        ...current,
        name: name ?? current.name,
        protocol: protocol ?? current.protocol,
        dns_name: dns ?? current.dns_name,
        ...limits,
        resume_fork: patch.resume_fork ?? current.resume_fork,
      };
      next.port = await this.resolvePort(port ?? current.port, next.protocol, others, current);
      // An unchanged DNS name is not re-checked, so that a rename always works.
      if (next.dns_name !== current.dns_name) assertDnsFree(next.dns_name, others);
      await writeSessionFile(this.sessionDir(uuid), next);
      return next;
    });
  }

  async touch(uuid: string): Promise<SessionMeta> {
    assertUuid(uuid);
    // Under the allocation mutex so that a touch and an update never lose each other's write.
    return this.locks.withAllocation(async () => {
      const next = { ...(await this.get(uuid)), last_accessed: this.now().toISOString() };
      await writeSessionFile(this.sessionDir(uuid), next);
      return next;
    });
  }

  /**
   * Copy a session's home dir (cp -a: symlinks copied as links, never
   * followed; modes, owners) to a new uuid; port 0, no DNS name. `frozen`
   * runs the copy with the source held still (its container paused), so the
   * copy is one consistent snapshot and no link can be swapped in mid-walk.
   */
  async cloneFrom(sourceUuid: string, name: string, frozen: <T>(copy: () => Promise<T>) => Promise<T> = (copy) => copy()): Promise<SessionMeta> {
    const newName = validateName(name);
    const source = await this.get(sourceUuid);
    const uuid = randomUUID();
    const staging = this.stagingDir('clone', uuid);
    try {
      // The copy can take long: it runs outside the allocation mutex.
      await mkdir(staging, { mode: 0o755 });
      await frozen(() => copyTree(this.homeDir(sourceUuid), join(staging, HOME_DIR), sourceUuid));
      return await this.locks.withAllocation(async () => {
        const ts = this.now().toISOString();
        const meta: SessionMeta = {
          ...source,
          uuid,
          name: newName,
          port: 0,
          dns_name: '',
          created_at: ts,
          last_accessed: ts,
          // The copied conversation is resumed as a fork: the two never write one transcript.
          resume_fork: true,
        };
        await this.publish(staging, meta);
        return meta;
      });
    } catch (err) {
      await rm(staging, { recursive: true, force: true });
      throw err;
    }
  }

  /**
   * A session arriving from another agent: `fill` writes its home into a staging dir, and only once
   * it returned is the session published (a cut stream leaves nothing). A clone gets a new name, no
   * port and no DNS name, and forks the conversation; a move keeps its name, port and DNS name when free.
   */
  async receive(source: SessionMeta, opts: { name: string; move: boolean }, fill: (home: string, owner?: { uid: number; gid: number }) => Promise<void>): Promise<SessionMeta> {
    const name = validateName(opts.name);
    const uuid = randomUUID();
    const staging = this.stagingDir('clone', uuid);
    try {
      await mkdir(staging, { mode: 0o755 });
      await fill(join(staging, HOME_DIR), this.chownTo);
      return await this.locks.withAllocation(async () => {
        const { sessions } = await this.list();
        const ts = this.now().toISOString();
        const address = opts.move
          ? { port: await this.resolvePort(source.port, source.protocol, sessions, undefined), dns_name: source.dns_name }
          : { port: 0, dns_name: '' };
        assertDnsFree(address.dns_name, sessions);
        const meta: SessionMeta = { ...source, uuid, name, ...address, created_at: ts, last_accessed: ts, resume_fork: opts.move ? source.resume_fork : true };
        await this.publish(staging, meta);
        return meta;
      });
    } catch (err) {
      await rm(staging, { recursive: true, force: true });
      throw err;
    }
  }

  async remove(uuid: string): Promise<void> {
    const home = this.sessionDir(uuid);
    try {
      await lstat(home);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw errors.notFound(uuid);
      throw err;
    }
    const staging = this.stagingDir('delete', uuid);
    await rename(home, staging);
    await rm(staging, { recursive: true, force: true });
    await rm(this.locks.lockPath(uuid), { force: true });
  }

  /**
   * Port and DNS uniqueness again, right before a start: metadata from the
   * first layout or a hand edit never went through create/edit's checks.
   */
  async assertUniqueAtStart(meta: SessionMeta): Promise<void> {
    const others = (await this.list()).sessions.filter((s) => s.uuid !== meta.uuid);
    if (meta.port > 0 && others.some((s) => s.port === meta.port && s.protocol === meta.protocol)) {
      throw errors.portInUse(meta.port, meta.protocol);
    }
    assertDnsFree(meta.dns_name, others);
  }

  private stagingDir(kind: 'new' | 'clone' | 'delete', uuid: string): string {
    return join(this.dir, `.${kind}-${uuid}.${process.pid}.tmp`);
  }

  /** Write session.json into a staging dir, then move the whole dir into place. */
  private async publish(staging: string, meta: SessionMeta): Promise<void> {
    await writeSessionFile(staging, meta);
    await rename(staging, this.sessionDir(meta.uuid));
    await syncDir(this.dir);
  }

  /**
   * Turn a requested port into the one to store. `current` is the session being
   * edited: its own (port, protocol) is neither a conflict nor probed, since its
   * running container may be the very process holding it.
   */
  private async resolvePort(
    port: number,
    protocol: Protocol,
    others: SessionMeta[],
    current: SessionMeta | undefined,
  ): Promise<number> {
    if (port === 0) return 0;
    const isOwn = (p: number) => current !== undefined && current.port === p && current.protocol === protocol;
    const taken = new Set(others.filter((s) => s.protocol === protocol && s.port > 0).map((s) => s.port));
    if (port > 0) {
      if (isOwn(port)) return port;
      if (taken.has(port) || (await this.isPortBound(port, protocol))) throw errors.portInUse(port, protocol);
      return port;
    }
    // Bounded: pickFreePort throws once it passes 65535.
    for (let from = AUTO_PORT_FROM; ; ) {
      const p = pickFreePort(taken, from);
      if (isOwn(p) || !(await this.isPortBound(p, protocol))) return p;
      from = p + 1;
    }
  }
}

/** The limit fields a create or edit sets, each checked; omitted ones are left out. */
function limitsPatch(input: Partial<SessionLimits>): Partial<SessionLimits> {
  const out: Partial<SessionLimits> = {};
  if (input.cpus !== undefined) out.cpus = validateCpus(input.cpus);
  if (input.memory_bytes !== undefined) out.memory_bytes = validateMemory(input.memory_bytes);
  if (input.egress !== undefined) out.egress = validateEgress(input.egress);
  if (input.egress_allow !== undefined) out.egress_allow = validateEgressAllow(input.egress_allow);
  return out;
}

function assertDnsFree(dns: string, others: SessionMeta[]): void {
  if (others.some((s) => sameDnsName(s.dns_name, dns))) throw errors.dnsInUse(dns);
}

/** How long a copy may hold a session frozen. */
export const COPY_TIMEOUT_MS = 10 * 60_000;

/** cp's complaint about a file that was listed and then gone: a vanished file is not a failed clone. */
const VANISHED_RE = /^cp: (?:(?:cannot stat|cannot open|cannot access) )?['\u2018](.*)['\u2019](?: for reading)?: No such file or directory$/;

/** Only entries inside the tree may vanish; the tree's own root missing is a real failure. */
export function vanishedInside(line: string, src: string): boolean {
  const path = VANISHED_RE.exec(line)?.[1];
  return path !== undefined && path.startsWith(`${src}/./`);
}

async function copyTree(src: string, dst: string, sourceUuid: string): Promise<void> {
  try {
    // "src/." copies the contents and the dir's own mode/owner onto dst; -a never dereferences a link.
    await execFileP('cp', ['-a', '--', `${src}/.`, dst], { maxBuffer: 1024 * 1024, timeout: COPY_TIMEOUT_MS, killSignal: 'SIGKILL' });
  } catch (err) {
    const stderr = String((err as { stderr?: unknown }).stderr ?? '').trim();
    const lines = stderr.split('\n').filter((l) => l.trim() !== '');
    if (lines.length > 0 && (err as { code?: unknown }).code === 1 && lines.every((l) => vanishedInside(l, src))) return;
    const detail = stderr.split('\n').slice(0, 3).join('; ') || (err instanceof Error ? err.message : String(err));
    throw new ConvocateError('internal', `clone ${quote(sourceUuid)}: copy failed: ${detail}`, { cause: err });
  }
}
