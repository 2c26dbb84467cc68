// What confines one session at its start (SPEC §3): its CPU and memory limits
// (its own or the agent's defaults, within the agent's caps), the pids limit,
// and the firewall rules of its egress policy, host names resolved here.
import { lookup } from 'node:dns/promises';
import { availableParallelism, totalmem } from 'node:os';
import { ConvocateError, quote } from '../../protocol/errors.js';
import type { SessionLimits } from '../../protocol/session.js';
import { isIpv4, validateCpus, validateMemory } from '../../protocol/validation.js';
import { DEFAULT_PIDS_LIMIT, DEFAULT_SESSION_MEMORY_BYTES, type EngineSettings } from '../config/settings.js';
import type { SessionRules } from '../host/firewall.js';
import { bytes } from './admission.js';
import { DEFAULT_CAP_PERCENT } from '../../protocol/host-files.js';

export interface HostSize {
  cores: number;
  memBytes: number;
}

export function hostSize(): HostSize {
  return { cores: availableParallelism(), memBytes: totalmem() };
}

/** The most one session may be given: the agent's admission caps. */
export function sessionCaps(settings: EngineSettings, host: HostSize): { cpus: number; memoryBytes: number } {
  return {
    cpus: (host.cores * (settings.cpuCapPercent ?? DEFAULT_CAP_PERCENT)) / 100,
    memoryBytes: Math.floor((host.memBytes * (settings.memCapPercent ?? DEFAULT_CAP_PERCENT)) / 100),
  };
}

/** A create or edit asking for more than the caps is refused with the numbers. */
export function assertWithinCaps(limits: Partial<SessionLimits>, settings: EngineSettings, host: HostSize): void {
  // The rule of each value first, then the caps: "invalid" beats "too big".
  if (limits.cpus !== undefined) validateCpus(limits.cpus);
  if (limits.memory_bytes !== undefined) validateMemory(limits.memory_bytes);
  const caps = sessionCaps(settings, host);
  if (typeof limits.cpus === 'number' && limits.cpus > caps.cpus) {
    throw new ConvocateError('invalid_argument', `cpus ${limits.cpus} is above this agent's cap of ${Number(caps.cpus.toFixed(2))} cores`);
  }
  if (typeof limits.memory_bytes === 'number' && limits.memory_bytes > caps.memoryBytes) {
    throw new ConvocateError('invalid_argument', `memory ${bytes(limits.memory_bytes)} is above this agent's cap of ${bytes(caps.memoryBytes)}`);
  }
}

/** Limits a container starts with: the session's, else the agent's default, never above the caps. */
export function resolveLimits(meta: SessionLimits, settings: EngineSettings, host: HostSize): { cpus?: number; memoryBytes?: number; pidsLimit: number } {
  const caps = sessionCaps(settings, host);
  const cpus = meta.cpus ?? settings.cpus ?? undefined;
  const memory = meta.memory_bytes ?? (settings.memoryBytes === undefined ? DEFAULT_SESSION_MEMORY_BYTES : settings.memoryBytes) ?? undefined;
  return {
    cpus: cpus === undefined ? undefined : Math.min(cpus, caps.cpus),
    memoryBytes: memory === undefined ? undefined : Math.min(memory, caps.memoryBytes),
    pidsLimit: settings.pidsLimit ?? DEFAULT_PIDS_LIMIT,
  };
}

export type Resolve = (host: string) => Promise<string[]>;

const resolveV4: Resolve = async (host) => (await lookup(host, { all: true, family: 4 })).map((a) => a.address);

/** The session's firewall rules; host names in `allow` become their current addresses. */
export async function sessionRules(
  meta: SessionLimits,
  base: { mac: string; blockedPorts: number[]; dnsServer?: string },
  resolve: Resolve = resolveV4,
): Promise<SessionRules> {
  const allow: string[] = [];
  if (meta.egress === 'allow') {
    for (const entry of meta.egress_allow) {
      if (entry.includes('/') || isIpv4(entry)) {
        allow.push(entry.includes('/') ? entry : `${entry}/32`);
        continue;
      }
      const addrs = await resolve(entry).catch((err: unknown) => {
        throw new ConvocateError('unavailable', `egress allow entry ${quote(entry)} does not resolve: ${err instanceof Error ? err.message : String(err)}`);
      });
      allow.push(...addrs.map((a) => `${a}/32`));
    }
  }
  const dnsServer = base.dnsServer && isIpv4(base.dnsServer) ? base.dnsServer : undefined;
  return { mac: base.mac, blockedPorts: base.blockedPorts, egress: meta.egress, allow, dnsServer };
}
