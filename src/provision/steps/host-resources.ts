// What an agent host has (cores, RAM, Docker's cgroup driver) and what the
// sessions slice and `--cgroup-parent` are made from; init-agent and update share it.
import type { Host } from '../host.js';
import { step, type Print } from '../report.js';
import { cgroupParentFor, sliceLimits, type SliceLimits } from './units.js';

export interface HostResources {
  limits: SliceLimits;
  cgroupParent: string;
}

/** Cores, RAM and Docker's cgroup driver: what the slice and `--cgroup-parent` are made from. */
export async function hostResources(agent: Host, print: Print): Promise<HostResources> {
  const facts = await step(agent.name, 'host resources', print, async () => {
    const r = await agent.run(`nproc; awk '/^MemTotal:/{print $2 * 1024}' /proc/meminfo; docker info --format '{{.CgroupDriver}}'`);
    const [cores = '', mem = '', driver = ''] = r.stdout.trim().split('\n');
    return { limits: sliceLimits(Number(cores), Number(mem)), cgroupParent: cgroupParentFor(driver.trim()), cores, driver };
  });
  const capGiB = (facts.limits.memoryMaxBytes / 1024 ** 3).toFixed(1);
  print(`[${agent.name}] host resources: ${facts.cores} cores, slice caps CPUQuota=${facts.limits.cpuQuotaPercent}% MemoryMax=${capGiB} GiB; Docker cgroup driver ${facts.driver}: --cgroup-parent ${facts.cgroupParent}`);
  return facts;
}
