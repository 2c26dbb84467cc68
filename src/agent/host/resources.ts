// CPU and memory of running session containers, read from cgroup accounting:
// a few small files per container, no Docker call. Works with cgroup v1 and
// v2 and with Docker's cgroupfs and systemd drivers (and a --cgroup-parent).
// A container whose cgroup cannot be found falls back to Docker's one-shot
// stats, refreshed in the background so that a list never waits on them.
import { readFileSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { NO_RESOURCES, type ResourceView } from '../../protocol/session.js';

export interface SampledContainer {
  uuid: string;
  containerId: string;
  /** Epoch ms the container was created: the first reading is an average since then. */
  createdAt?: number;
}

/** Docker's one-shot stats for one container; only used where cgroup files are not readable. */
export type OneShotStats = (containerId: string) => Promise<ResourceView>;

interface CgroupPaths {
  /** v1: cpuacct.usage (ns); v2: cpu.stat `usage_usec`. */
  cpu: string;
  /** v1: memory.usage_in_bytes; v2: memory.current. */
  mem: string;
  /** memory.stat: the inactive page cache is subtracted, as `docker stats` does. */
  memStat: string;
  v2: boolean;
}

interface Reading {
  cpuNs: number;
  at: number;
}

const STATS_REFRESH_MS = 10_000;
const STATS_CONCURRENCY = 4;

export class ResourceSampler {
  private readonly paths = new Map<string, CgroupPaths>();
  private readonly last = new Map<string, Reading>();
  private readonly stats = new Map<string, { view: ResourceView; at: number }>();
  private readonly statsInFlight = new Set<string>();
  private layout?: Promise<Layout>;

  constructor(
    private readonly opts: {
      root?: string;
      cgroupParent?: () => string;
      oneShot?: OneShotStats;
      now?: () => number;
    } = {},
  ) {}

  /** Resource use per session uuid; a container that cannot be measured is absent (the caller shows null). */
  async sample(containers: readonly SampledContainer[]): Promise<Map<string, ResourceView>> {
    const out = new Map<string, ResourceView>();
    const live = new Set(containers.map((c) => c.containerId));
    for (const id of new Set([...this.last.keys(), ...this.paths.keys(), ...this.stats.keys()])) if (!live.has(id)) this.forget(id);
    await Promise.all(
      containers.map(async (c) => {
        const view = await this.one(c);
        if (view) out.set(c.uuid, view);
      }),
    );
    return out;
  }

  private forget(id: string): void {
    this.last.delete(id);
    this.paths.delete(id);
    this.stats.delete(id);
  }

  private async one(c: SampledContainer): Promise<ResourceView | undefined> {
    const paths = await this.pathsOf(c.containerId);
    if (!paths) return this.fromStats(c.containerId);
    const now = (this.opts.now ?? Date.now)();
    const cpuNs = readCpuNs(paths);
    const mem = readMem(paths);
    const prev = this.last.get(c.containerId);
    let cpu: number | null = null;
    if (cpuNs !== undefined) {
      this.last.set(c.containerId, { cpuNs, at: now });
      const base = prev ?? (c.createdAt !== undefined ? { cpuNs: 0, at: c.createdAt } : undefined);
      const wallNs = base ? (now - base.at) * 1e6 : 0;
      if (base && wallNs > 0 && cpuNs >= base.cpuNs) cpu = round((100 * (cpuNs - base.cpuNs)) / wallNs);
    }
    return { cpu_percent: cpu, mem_bytes: mem ?? null };
  }

  private fromStats(containerId: string): ResourceView | undefined {
    const oneShot = this.opts.oneShot;
    if (!oneShot) return undefined;
    const cached = this.stats.get(containerId);
    const now = Date.now();
    if ((!cached || now - cached.at > STATS_REFRESH_MS) && !this.statsInFlight.has(containerId) && this.statsInFlight.size < STATS_CONCURRENCY) {
      this.statsInFlight.add(containerId);
      oneShot(containerId)
        .then((view) => this.stats.set(containerId, { view, at: Date.now() }))
        .catch(() => this.stats.set(containerId, { view: NO_RESOURCES, at: Date.now() }))
        .finally(() => this.statsInFlight.delete(containerId));
    }
    return cached?.view;
  }

  private async pathsOf(containerId: string): Promise<CgroupPaths | null> {
    const known = this.paths.get(containerId);
    if (known) return known;
    this.layout ??= detectLayout(this.opts.root ?? '/sys/fs/cgroup');
    const layout = await this.layout;
    // Not found is not cached: a container's cgroup may appear a moment after it is listed.
    const found = await findCgroup(layout, containerId, this.opts.cgroupParent?.() ?? '');
    if (found) this.paths.set(containerId, found);
    return found;
  }
}

interface Layout {
  v2: boolean;
  /** v2: the unified root; v1: the cpuacct hierarchy. */
  cpuRoot: string;
  /** v2: the unified root; v1: the memory hierarchy. */
  memRoot: string;
}

async function detectLayout(root: string): Promise<Layout> {
  if (await exists(join(root, 'cgroup.controllers'))) return { v2: true, cpuRoot: root, memRoot: root };
  for (const name of ['cpuacct', 'cpu,cpuacct', 'cpuacct,cpu']) {
    if (await exists(join(root, name))) return { v2: false, cpuRoot: join(root, name), memRoot: join(root, 'memory') };
  }
  return { v2: false, cpuRoot: join(root, 'cpuacct'), memRoot: join(root, 'memory') };
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

async function findCgroup(layout: Layout, containerId: string, cgroupParent: string): Promise<CgroupPaths | null> {
  for (const rel of cgroupCandidates(containerId, cgroupParent)) {
    const cpuDir = join(layout.cpuRoot, rel);
    const memDir = join(layout.memRoot, rel);
    const cpu = join(cpuDir, layout.v2 ? 'cpu.stat' : 'cpuacct.usage');
    if (await exists(cpu)) {
      return {
        cpu,
        mem: join(memDir, layout.v2 ? 'memory.current' : 'memory.usage_in_bytes'),
        memStat: join(memDir, 'memory.stat'),
        v2: layout.v2,
      };
    }
  }
  return null;
}

function readCpuNs(p: CgroupPaths): number | undefined {
  const text = readSmall(p.cpu);
  if (text === undefined) return undefined;
  if (!p.v2) return toNumber(text.trim());
  const usec = toNumber(/^usage_usec (\d+)$/m.exec(text)?.[1]);
  return usec === undefined ? undefined : usec * 1000;
}

function readMem(p: CgroupPaths): number | undefined {
  const usage = readSmall(p.mem);
  const statText = readSmall(p.memStat);
  const bytes = toNumber(usage?.trim());
  if (bytes === undefined) return undefined;
  const key = p.v2 ? 'inactive_file' : 'total_inactive_file';
  const inactive = toNumber(new RegExp(`^${key} (\\d+)$`, 'm').exec(statText ?? '')?.[1]) ?? 0;
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

async function exists(path: string): Promise<boolean> {
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

function round(n: number): number {
  return Math.round(n * 10) / 10;
}
