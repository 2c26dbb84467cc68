// `settings-get` and `settings-set` (SPEC §8): what the agent shows of its
// settings, and every field of a change checked before anything is saved — a
// peer holding a key must not point sessions at the host's network, another
// container's namespace, or an arbitrary image or path.
import { isIP } from 'node:net';
import { ConvocateError, quote } from '../../protocol/errors.js';
import type { AgentSettings, OpParams } from '../../protocol/ops.js';
import { VERSION } from '../../protocol/version.js';
import { validateCpus, validateEgress, validateEgressAllow, validateMemory } from '../../protocol/validation.js';
import { DEFAULT_PIDS_LIMIT, DEFAULT_SESSION_MEMORY_BYTES, pidsLimitProblem, type EngineSettings } from '../config/settings.js';
import { NETWORK_LABEL_PREFIX, SESSIONS_NETWORK, type ContainerRuntime } from '../runtime/container-runtime.js';
import { parseCapPercent } from './admission.js';
import { DEFAULT_CAP_PERCENT } from '../../protocol/host-files.js';
import { assertWithinCaps, type HostSize } from './confinement.js';

const IMAGE_RE =
  /^(?:[A-Za-z0-9.-]+(?::\d{1,5})?\/)?[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*(?::\w[\w.-]{0,127})?(?:@sha256:[a-f0-9]{64})?$/;
const CGROUP_RE = /^[A-Za-z0-9_.@:/-]+$/;

export function settingsView(s: EngineSettings, who: { agentId: string; sessionsDir: string }): AgentSettings {
  return {
    agent_id: who.agentId,
    version: VERSION,
    image: s.image,
    sessions_dir: who.sessionsDir,
    dns_server: s.dnsServer,
    cgroup_parent: s.cgroupParent,
    network: s.network ?? '',
    cpu_cap_percent: s.cpuCapPercent ?? DEFAULT_CAP_PERCENT,
    mem_cap_percent: s.memCapPercent ?? DEFAULT_CAP_PERCENT,
    cpus: s.cpus ?? null,
    memory_bytes: s.memoryBytes === undefined ? DEFAULT_SESSION_MEMORY_BYTES : s.memoryBytes,
    pids_limit: s.pidsLimit ?? DEFAULT_PIDS_LIMIT,
    egress: s.egress ?? 'open',
    egress_allow: s.egressAllow ?? [],
  };
}

function invalid(message: string): ConvocateError {
  return new ConvocateError('invalid_argument', message);
}

export function imageProblem(image: string): string | undefined {
  if (image.length > 255 || !IMAGE_RE.test(image)) return `image ${quote(image)} is not an image reference such as convocate-session:0.1.0`;
  return undefined;
}

export function cgroupParentProblem(parent: string): string | undefined {
  if (parent === '') return undefined;
  if (parent.length > 255 || !CGROUP_RE.test(parent) || parent.split('/').some((p) => p === '..' || p === '.')) {
    return `cgroup_parent ${quote(parent)} is invalid: a cgroup path or slice name such as convocate-sessions.slice`;
  }
  return undefined;
}

/** "" (the agent's own), or an existing bridge network carrying a `convocate.` label. */
async function checkNetwork(name: string, runtime: ContainerRuntime): Promise<void> {
  if (name === '' || name === SESSIONS_NETWORK) return;
  if (['host', 'none', 'bridge', 'default'].includes(name) || name.includes(':')) {
    throw invalid(`network ${quote(name)} is refused: sessions join ${SESSIONS_NETWORK} or a bridge network labelled ${NETWORK_LABEL_PREFIX}*`);
  }
  const info = await runtime.networkInfo?.(name);
  if (!info) throw invalid(`network ${quote(name)} does not exist`);
  if (info.driver !== 'bridge' || !Object.keys(info.labels).some((k) => k.startsWith(NETWORK_LABEL_PREFIX))) {
    throw invalid(`network ${quote(name)} is refused: only bridge networks labelled ${NETWORK_LABEL_PREFIX}* are convocate's`);
  }
}

/** The settings after a `settings-set`; throws `invalid_argument` at the first bad field, nothing changed. */
export async function settingsPatch(
  cur: EngineSettings,
  p: OpParams<'settings-set'>,
  deps: { runtime: ContainerRuntime; host: HostSize },
): Promise<EngineSettings> {
  const image = p.image ?? cur.image;
  const imageBad = imageProblem(image);
  if (imageBad) throw invalid(imageBad);
  const dnsServer = p.dns_server ?? cur.dnsServer;
  if (dnsServer !== '' && isIP(dnsServer) === 0) throw invalid(`dns_server ${quote(dnsServer)} is not an IP address`);
  const cgroupParent = p.cgroup_parent ?? cur.cgroupParent;
  const cgroupBad = cgroupParentProblem(cgroupParent);
  if (cgroupBad) throw invalid(cgroupBad);
  if (p.network !== undefined) await checkNetwork(p.network, deps.runtime);
  if (p.pids_limit !== undefined && pidsLimitProblem(p.pids_limit)) throw invalid(pidsLimitProblem(p.pids_limit)!);
  const next: EngineSettings = {
    ...cur,
    image,
    dnsServer,
    cgroupParent,
    network: p.network ?? cur.network,
    cpuCapPercent: p.cpu_cap_percent === undefined ? cur.cpuCapPercent : parseCapPercent(p.cpu_cap_percent, 'cpu_cap_percent'),
    memCapPercent: p.mem_cap_percent === undefined ? cur.memCapPercent : parseCapPercent(p.mem_cap_percent, 'mem_cap_percent'),
    cpus: p.cpus === undefined ? cur.cpus : validateCpus(p.cpus),
    memoryBytes: p.memory_bytes === undefined ? cur.memoryBytes : validateMemory(p.memory_bytes),
    pidsLimit: p.pids_limit ?? cur.pidsLimit,
    egress: p.egress === undefined ? cur.egress : validateEgress(p.egress),
    egressAllow: p.egress_allow === undefined ? cur.egressAllow : validateEgressAllow(p.egress_allow),
  };
  assertWithinCaps({ cpus: next.cpus ?? null, memory_bytes: next.memoryBytes ?? null }, next, deps.host);
  return next;
}
