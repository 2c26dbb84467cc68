// Reading and writing one `<uuid>/session.json`. It sits beside the home, out of
// the container's reach; it is still read as untrusted (it may come from the
// first layout, or a hand edit): no symlinks, no FIFOs, a size cap, and a full
// shape check with strict RFC 3339 timestamps before anything is believed.
import { lstatSync, type Stats } from 'node:fs';
import { lstat } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../../lib/atomic-write.js';
import { readSmallRegularFileSync } from '../../lib/small-file.js';
import { DEFAULT_LIMITS, NO_WORKSPACE, PROTOCOLS, type SessionLimits, type SessionWorkspace } from '../../protocol/session.js';
import { maskControls } from '../../protocol/sanitise.js';
import { isRfc3339 } from '../../protocol/untrusted.js';
import type { SessionMeta } from '../../protocol/session.js';
import { validateBranch, validateCpus, validateDnsName, validateEgress, validateEgressAllow, validateMemory, validateName, validateRepo } from '../../protocol/validation.js';

export const SESSION_FILE = 'session.json';
const MAX_BYTES = 64 * 1024;

export type ReadResult =
  | { ok: true; meta: SessionMeta }
  | { ok: false; missing: boolean; error: string };

/**
 * `dir` is the session dir `<sessions-dir>/<uuid>`. The metadata comes back
 * frozen (its list too): the same object while the file stays the same, so
 * that a list of hundreds of sessions copies nothing, and no caller can
 * change what the next one reads.
 */
export async function readSessionFile(dir: string, uuid: string): Promise<ReadResult> {
  const path = join(dir, SESSION_FILE);
  const cached = cachedMeta(path, uuid);
  if (cached) return { ok: true, meta: cached };
  let text: string;
  let stat: Stats;
  try {
    ({ text, stat } = readUntrusted(path));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const missing = (code === 'ENOENT' || code === 'ENOTDIR') && !(await isDir(dir));
    return { ok: false, missing, error: describe(err) };
  }
  try {
    const meta = frozen(parseSessionMeta(text, uuid));
    remember(path, uuid, stat, meta);
    return { ok: true, meta };
  } catch (err) {
    return { ok: false, missing: false, error: describe(err) };
  }
}

/**
 * Parsed metadata by file identity: a list re-reads only the files that changed.
 * A hit needs the same device, inode, size, mtime and ctime (a write through
 * any path changes the ctime, an atomic replace the inode), so nothing stale
 * or planted is ever served.
 */
interface CachedMeta {
  uuid: string;
  dev: number;
  ino: number;
  size: number;
  mtimeMs: number;
  ctimeMs: number;
  meta: SessionMeta;
}
const MAX_CACHED = 20_000;
const metaCache = new Map<string, CachedMeta>();

function sameFile(a: Pick<Stats, 'dev' | 'ino' | 'size' | 'mtimeMs' | 'ctimeMs'>, b: CachedMeta): boolean {
  return a.dev === b.dev && a.ino === b.ino && a.size === b.size && a.mtimeMs === b.mtimeMs && a.ctimeMs === b.ctimeMs;
}

/** The metadata kept for this exact file version, without a promise; undefined when the file must be read. */
export function knownSessionMeta(dir: string, uuid: string): SessionMeta | undefined {
  return cachedMeta(join(dir, SESSION_FILE), uuid);
}

function cachedMeta(path: string, uuid: string): SessionMeta | undefined {
  const hit = metaCache.get(path);
  if (!hit || hit.uuid !== uuid) return undefined;
  const st = lstatSync(path, { throwIfNoEntry: false });
  if (!st?.isFile() || !sameFile(st, hit)) {
    metaCache.delete(path);
    return undefined;
  }
  return hit.meta;
}

function remember(path: string, uuid: string, st: Stats, meta: SessionMeta): void {
  if (metaCache.size >= MAX_CACHED) metaCache.delete(metaCache.keys().next().value!);
  metaCache.set(path, { uuid, dev: st.dev, ino: st.ino, size: st.size, mtimeMs: st.mtimeMs, ctimeMs: st.ctimeMs, meta });
}

function frozen(meta: SessionMeta): SessionMeta {
  Object.freeze(meta.egress_allow);
  return Object.freeze(meta);
}

export async function writeSessionFile(dir: string, meta: SessionMeta): Promise<void> {
  await writeFileAtomic(join(dir, SESSION_FILE), `${JSON.stringify(meta, null, 2)}\n`, 0o644);
}

/** Parse and check every field; returns only the known fields, in a fixed order. */
export function parseSessionMeta(text: string, uuid: string): SessionMeta {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new Error(`${SESSION_FILE} is not valid JSON: ${describe(err)}`, { cause: err });
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new Error(`${SESSION_FILE} is not a JSON object`);
  }
  const o = raw as Record<string, unknown>;
  const bad = (field: string, want: string) => new Error(`${SESSION_FILE}: field "${field}" must be ${want}`);
  if (o.uuid !== uuid) throw bad('uuid', `the directory name ${uuid}`);
  // The container can rewrite this file: a name or DNS name the agent would
  // never have accepted (escape sequences for the operator's terminal, a
  // newline for the hosts file) makes the file broken, not believed.
  if (typeof o.name !== 'string' || !passes(validateName, o.name)) {
    throw bad('name', '1-64 letters, digits, "-" or "_"');
  }
  const port = o.port;
  if (typeof port !== 'number' || !Number.isInteger(port) || port < 0 || port > 65535) {
    throw bad('port', 'an integer 0-65535');
  }
  const protocol = PROTOCOLS.find((p) => p === o.protocol);
  if (!protocol) throw bad('protocol', '"tcp" or "udp"');
  if (typeof o.dns_name !== 'string' || !passes(validateDnsName, o.dns_name)) {
    throw bad('dns_name', 'empty or a lowercase DNS name');
  }
  for (const f of ['created_at', 'last_accessed'] as const) {
    const v = o[f];
    if (!isRfc3339(v)) throw bad(f, 'an RFC 3339 timestamp');
  }
  return {
    uuid,
    name: o.name,
    port,
    protocol,
    dns_name: o.dns_name,
    created_at: o.created_at as string,
    last_accessed: o.last_accessed as string,
    ...parseLimits(o),
    ...parseWorkspace(o),
  };
}

/** Files written before workspaces read as sessions without one (Claude stays in the home). */
function parseWorkspace(o: Record<string, unknown>): SessionWorkspace {
  const bad = (field: string, want: string) => new Error(`${SESSION_FILE}: field "${field}" must be ${want}`);
  const text = (field: 'repo' | 'branch', check: (v: string) => unknown): string | null => {
    const v = o[field];
    if (v === undefined || v === null) return null;
    if (typeof v !== 'string' || !passes(check, v)) throw bad(field, field === 'repo' ? 'null or a git URL' : 'null or a branch name');
    return v;
  };
  const flag = (field: 'workspace' | 'resume_fork'): boolean => {
    const v = o[field];
    if (v === undefined) return NO_WORKSPACE[field];
    if (typeof v !== 'boolean') throw bad(field, 'true or false');
    return v;
  };
  return { repo: text('repo', validateRepo), branch: text('branch', validateBranch), workspace: flag('workspace'), resume_fork: flag('resume_fork') };
}

/** Files written before sessions had limits read as the defaults; a present field must pass its rule. */
function parseLimits(o: Record<string, unknown>): SessionLimits {
  const field = <T>(name: keyof SessionLimits, fallback: T, check: (v: never) => T): T => {
    if (o[name] === undefined) return fallback;
    try {
      return check(o[name] as never);
    } catch (err) {
      throw new Error(`${SESSION_FILE}: field "${name}": ${describe(err)}`, { cause: err });
    }
  };
  return {
    cpus: field('cpus', DEFAULT_LIMITS.cpus, validateCpus),
    memory_bytes: field('memory_bytes', DEFAULT_LIMITS.memory_bytes, validateMemory),
    egress: field('egress', DEFAULT_LIMITS.egress, (v: string) => validateEgress(String(v))),
    egress_allow: field('egress_allow', DEFAULT_LIMITS.egress_allow, (v: string[]) => {
      if (!Array.isArray(v)) throw new Error('must be a list');
      return validateEgressAllow(v);
    }),
  };
}

/** Synchronous on purpose: listing reads every session.json at once (see readSmallRegularFileSync). */
function readUntrusted(path: string): { text: string; stat: Stats } {
  const { bytes, stat } = readSmallRegularFileSync(path, MAX_BYTES);
  return { text: bytes.toString('utf8'), stat };
}

async function isDir(path: string): Promise<boolean> {
  try {
    return (await lstat(path)).isDirectory();
  } catch {
    return false;
  }
}

function passes(check: (value: string) => unknown, value: string): boolean {
  try {
    check(value);
    return true;
  } catch {
    return false;
  }
}

/** JSON.parse quotes the text it choked on: control characters from the file must not reach a terminal. */
function describe(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  if (e.code === 'ELOOP') return `${SESSION_FILE} is a symlink`;
  return maskControls(err instanceof Error ? err.message : String(err));
}
