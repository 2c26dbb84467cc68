// Admission control (SPEC §7): a container start is refused when it would push
// session containers past the agent's CPU or memory cap. The arithmetic is
// pure; what the host has and what its sessions use come from a ResourceProbe.
import { readFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import {
  CGROUP_ROOT, cgroupFiles, detectCgroupLayout, groupExists, parentGroupPath, readCpuNs, readMemBytes, type CgroupFiles, type CgroupLayout,
} from '../host/cgroups.js';
import { ConvocateError } from '../../protocol/errors.js';
import { DEFAULT_CAP_PERCENT } from '../../protocol/host-files.js';

/** What a session that has just started is assumed to need, before it shows any use. */
export const NEW_SESSION_MEM_BYTES = 64 * 1024 ** 2;
export const NEW_SESSION_CPU_CORES = 0.05;

export interface Usage {
  cpuCores: number;
  memTotalBytes: number;
  /** Cores the session containers keep busy (1 = one core). */
  cpuInUse: number;
  memInUse: number;
}

export interface Caps {
  cpuPercent: number;
  memPercent: number;
}

/** What the session about to start is counted as: its own limits when it has them (a reservation). */
export interface Need {
  memBytes?: number;
  cpuCores?: number;
}

export interface ResourceProbe {
  usage(cgroupParent: string): Promise<Usage>;
}

/** Why a start is refused, or undefined when it fits under both caps. */
export function admissionRefusal(u: Usage, caps: Caps, need: Need = {}): string | undefined {
  const reasons: string[] = [];
  const memCap = (u.memTotalBytes * caps.memPercent) / 100;
  const memNeed = need.memBytes ?? NEW_SESSION_MEM_BYTES;
  if (u.memInUse + memNeed > memCap) {
    const what = need.memBytes === undefined ? `a new session needs about ${bytes(memNeed)}` : `this session's memory limit is ${bytes(memNeed)}`;
    reasons.push(`memory: ${bytes(u.memInUse)} of ${bytes(u.memTotalBytes)} in use, cap ${pct(caps.memPercent)} (${bytes(memCap)}), ${what}`);
  }
  const cpuCap = (u.cpuCores * caps.cpuPercent) / 100;
  // CPU is shared, not reserved: a session's CPU limit is a ceiling, so a start needs only a sliver.
  if (u.cpuInUse + Math.min(need.cpuCores ?? NEW_SESSION_CPU_CORES, NEW_SESSION_CPU_CORES) > cpuCap) {
    reasons.push(`cpu: ${u.cpuInUse.toFixed(2)} of ${u.cpuCores} cores in use, cap ${pct(caps.cpuPercent)} (${cpuCap.toFixed(2)} cores)`);
  }
  return reasons.length ? `refusing to start: ${reasons.join('; ')}` : undefined;
}

export async function admit(probe: ResourceProbe, cgroupParent: string, caps: Caps, need: Need = {}): Promise<void> {
  const refusal = admissionRefusal(await probe.usage(cgroupParent), caps, need);
  if (refusal) throw new ConvocateError('unavailable', refusal);
}

/** One session's start against the agent's caps: its own memory limit is what it may take, so it counts whole; the agent default does not. */
export function admitSession(
  probe: ResourceProbe,
  settings: { cgroupParent: string; cpuCapPercent?: number; memCapPercent?: number },
  limits: { memory_bytes: number | null; cpus: number | null },
): Promise<void> {
  const caps = { cpuPercent: settings.cpuCapPercent ?? DEFAULT_CAP_PERCENT, memPercent: settings.memCapPercent ?? DEFAULT_CAP_PERCENT };
  return admit(probe, settings.cgroupParent, caps, { memBytes: limits.memory_bytes ?? undefined, cpuCores: limits.cpus ?? undefined });
}

/** A cap is a percentage in (0, 100]; fractions are allowed so a small host can be squeezed in tests. */
export function parseCapPercent(value: unknown, name: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0 || value > 100) {
    throw new ConvocateError('invalid_argument', `${name} must be a number above 0 and at most 100, got ${JSON.stringify(value)}`);
  }
  return value;
}

export function bytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return i === 0 ? `${Math.round(v)} B` : `${v.toFixed(1)} ${units[i]}`;
}

function pct(p: number): string {
  return `${Number(p.toFixed(3))} %`;
}

/**
 * Linux: memory and CPU of the session cgroup (v1 or v2) when a cgroup parent
 * is set, CPU sampled over a short window. Without one the sessions share
 * Docker's parent with every other container, so only the host's used memory
 * is counted (a conservative stand-in) and CPU is not.
 */
export class CgroupResourceProbe implements ResourceProbe {
  private layout?: Promise<CgroupLayout>;

  constructor(
    private readonly root = CGROUP_ROOT,
    private readonly procDir = '/proc',
    private readonly sampleMs = 200,
  ) {}

  async usage(cgroupParent: string): Promise<Usage> {
    const meminfo = parseMeminfo(await readFile(join(this.procDir, 'meminfo'), 'utf8'));
    const memTotalBytes = meminfo.MemTotal ?? 0;
    const group = cgroupParent ? await this.group(cgroupParent) : undefined;
    const memInUse = group ? (readMemBytes(group, { withoutInactiveCache: false }) ?? 0) : memTotalBytes - (meminfo.MemAvailable ?? 0);
    const cpuInUse = group ? await this.cpuBusy(async () => readCpuNs(group) ?? 0) : 0;
    return { cpuCores: availableParallelism(), memTotalBytes, cpuInUse, memInUse };
  }

  /** The slice exists only once something lives in it: an absent group uses nothing yet. */
  private async group(parent: string): Promise<CgroupFiles | undefined> {
    this.layout ??= detectCgroupLayout(this.root);
    const files = cgroupFiles(await this.layout, parentGroupPath(parent));
    return (await groupExists(files)) ? files : undefined;
  }

  private async cpuBusy(sample: () => Promise<number>): Promise<number> {
    const a = await sample().catch(() => 0);
    const t0 = process.hrtime.bigint();
    await new Promise((resolve) => setTimeout(resolve, this.sampleMs));
    const b = await sample().catch(() => 0);
    const elapsedNs = Number(process.hrtime.bigint() - t0);
    return elapsedNs > 0 ? Math.max(0, (b - a) / elapsedNs) : 0;
  }
}

export function parseMeminfo(text: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const line of text.split('\n')) {
    const m = /^(\w+):\s+(\d+)\s*(kB)?/.exec(line);
    if (m?.[1] && m[2]) out[m[1]] = Number(m[2]) * (m[3] ? 1024 : 1);
  }
  return out;
}
