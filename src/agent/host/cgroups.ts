// The one cgroup reader (v1 and v2, Docker's cgroupfs and systemd drivers):
// where a group's accounting files are and how to read CPU and memory from
// them. Admission reads the sessions' parent group; sampling reads each container's.
import { readFileSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';

export const CGROUP_ROOT = '/sys/fs/cgroup';

export interface CgroupLayout {
  v2: boolean;
  /** v2: the unified root; v1: the cpuacct hierarchy. */
  cpuRoot: string;
  /** v2: the unified root; v1: the memory hierarchy. */
  memRoot: string;
}

/** One group's accounting files. */
export interface CgroupFiles {
  /** v1: cpuacct.usage (ns); v2: cpu.stat `usage_usec`. */
  cpu: string;
  /** v1: memory.usage_in_bytes; v2: memory.current. */
  mem: string;
  /** memory.stat: the inactive page cache, which `docker stats` leaves out. */
  memStat: string;
  v2: boolean;
}

export async function detectCgroupLayout(root = CGROUP_ROOT): Promise<CgroupLayout> {
  if (await exists(join(root, 'cgroup.controllers'))) return { v2: true, cpuRoot: root, memRoot: root };
  for (const name of ['cpuacct', 'cpu,cpuacct', 'cpuacct,cpu']) {
    if (await exists(join(root, name))) return { v2: false, cpuRoot: join(root, name), memRoot: join(root, 'memory') };
  }
  return { v2: false, cpuRoot: join(root, 'cpuacct'), memRoot: join(root, 'memory') };
}

/** The files of the group at `rel` (a path under the hierarchy roots). */
export function cgroupFiles(layout: CgroupLayout, rel: string): CgroupFiles {
  const cpuDir = join(layout.cpuRoot, rel);
  const memDir = join(layout.memRoot, rel);
  return {
    cpu: join(cpuDir, layout.v2 ? 'cpu.stat' : 'cpuacct.usage'),
    mem: join(memDir, layout.v2 ? 'memory.current' : 'memory.usage_in_bytes'),
    memStat: join(memDir, 'memory.stat'),
    v2: layout.v2,
  };
}

/**
 * Where a `--cgroup-parent` lives: a path as given (cgroupfs driver, e.g.
 * `/convocate.slice/convocate-sessions.slice`); a bare slice name (systemd
 * driver) nested by its dashes.
 */
export function parentGroupPath(cgroupParent: string): string {
  const parent = cgroupParent.replace(/^\/+|\/+$/g, '');
  return parent.endsWith('.slice') && !parent.includes('/') ? expandSlice(parent) : parent;
}

/** Where Docker puts a container's cgroup, for both drivers, with and without a --cgroup-parent. */
export function cgroupCandidates(containerId: string, cgroupParent: string): string[] {
  const scope = `docker-${containerId}.scope`;
  const out: string[] = [];
  if (cgroupParent) {
    const parent = cgroupParent.replace(/^\/+|\/+$/g, '');
    if (parent.endsWith('.slice')) out.push(join(expandSlice(parent), scope));
    out.push(join(parent, containerId));
  }
  out.push(join('docker', containerId), join('system.slice', scope));
  return out;
}

/** systemd nests slices by their dashes: `a-b.slice` lives at `a.slice/a-b.slice`. */
export function expandSlice(slice: string): string {
  const parts = slice.replace(/\.slice$/, '').split('-');
  return parts.map((_, i) => `${parts.slice(0, i + 1).join('-')}.slice`).join('/');
}

/** Whether the group exists (a slice exists only once something lives in it). */
export function groupExists(files: CgroupFiles): Promise<boolean> {
  return exists(files.mem);
}

/** CPU time the group used, in ns; undefined when unreadable or malformed. */
export function readCpuNs(files: CgroupFiles): number | undefined {
  const text = readSmall(files.cpu);
  if (text === undefined) return undefined;
  if (!files.v2) return toNumber(text.trim());
  const usec = toNumber(/^usage_usec (\d+)$/m.exec(text)?.[1]);
  return usec === undefined ? undefined : usec * 1000;
}

/** Memory charged to the group; with `withoutInactiveCache`, as `docker stats` shows it. */
export function readMemBytes(files: CgroupFiles, opts: { withoutInactiveCache: boolean }): number | undefined {
  const bytes = toNumber(readSmall(files.mem)?.trim());
  if (bytes === undefined || !opts.withoutInactiveCache) return bytes;
  const key = files.v2 ? 'inactive_file' : 'total_inactive_file';
  const inactive = toNumber(new RegExp(`^${key} (\\d+)$`, 'm').exec(readSmall(files.memStat) ?? '')?.[1]) ?? 0;
  return inactive < bytes ? bytes - inactive : bytes;
}

/**
 * Synchronous on purpose: cgroup files live in memory and read in microseconds,
 * while an async read costs four thread-pool round trips (open, stat, read,
 * close): with 200 containers that was most of a list's CPU.
 */
function readSmall(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

export async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

function toNumber(text: string | undefined): number | undefined {
  if (text === undefined || !/^\d+$/.test(text)) return undefined;
  const n = Number(text);
  return Number.isSafeInteger(n) ? n : undefined;
}
