// CPU and memory of running session containers, read from cgroup accounting:
// a few small files per container, no Docker call. Works with cgroup v1 and
// v2 and with Docker's cgroupfs and systemd drivers (and a --cgroup-parent).
// A container whose cgroup cannot be found falls back to Docker's one-shot
// stats, refreshed in the background so that a list never waits on them.
import {
  cgroupCandidates, cgroupFiles, detectCgroupLayout, exists, readCpuNs, readMemBytes, type CgroupFiles, type CgroupLayout,
} from './cgroups.js';
import { NO_RESOURCES, type ResourceView } from '../../protocol/session.js';

export interface SampledContainer {
  uuid: string;
  containerId: string;
  /** Epoch ms the container was created: the first reading is an average since then. */
  createdAt?: number;
}

/** Docker's one-shot stats for one container; only used where cgroup files are not readable. */
export type OneShotStats = (containerId: string) => Promise<ResourceView>;

interface Reading {
  cpuNs: number;
  at: number;
}

const STATS_REFRESH_MS = 10_000;
const STATS_CONCURRENCY = 4;

export class ResourceSampler {
  private readonly paths = new Map<string, CgroupFiles>();
  private readonly last = new Map<string, Reading>();
  private readonly stats = new Map<string, { view: ResourceView; at: number }>();
  private readonly statsInFlight = new Set<string>();
  private layout?: Promise<CgroupLayout>;

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
    const mem = readMemBytes(paths, { withoutInactiveCache: true });
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

  private async pathsOf(containerId: string): Promise<CgroupFiles | null> {
    const known = this.paths.get(containerId);
    if (known) return known;
    this.layout ??= detectCgroupLayout(this.opts.root);
    const layout = await this.layout;
    // Not found is not cached: a container's cgroup may appear a moment after it is listed.
    const found = await findCgroup(layout, containerId, this.opts.cgroupParent?.() ?? '');
    if (found) this.paths.set(containerId, found);
    return found;
  }
}

async function findCgroup(layout: CgroupLayout, containerId: string, cgroupParent: string): Promise<CgroupFiles | null> {
  for (const rel of cgroupCandidates(containerId, cgroupParent)) {
    const files = cgroupFiles(layout, rel);
    if (await exists(files.cpu)) return files;
  }
  return null;
}

function round(n: number): number {
  return Math.round(n * 10) / 10;
}
