// What `docker run --detach` of one session is on the Engine API (SPEC §3):
// labels, the home bind mount, the port, DNS, cgroup parent, environment, and
// the confinement: every capability dropped but the image's, the pids, CPU and
// memory limits, the network and the fixed MAC the host firewall matches.
import type Docker from 'dockerode';
import {
  AGENT_LABEL,
  CONTAINER_HOME,
  SESSION_CAPABILITIES,
  SESSION_LABEL,
  containerHostname,
  containerName,
  type RunSpec,
} from './container-runtime.js';

export function createOptions(spec: RunSpec): Docker.ContainerCreateOptions {
  const portKey = `${spec.port}/${spec.protocol}`;
  const publish = spec.port > 0;
  return {
    name: containerName(spec.uuid),
    Image: spec.image,
    Hostname: containerHostname(spec.uuid),
    Labels: { [SESSION_LABEL]: spec.uuid, [AGENT_LABEL]: spec.agentId },
    ExposedPorts: publish ? { [portKey]: {} } : undefined,
    Env: spec.env && spec.env.length > 0 ? spec.env : undefined,
    // API 1.41 takes it here; it applies to the one network the container joins.
    MacAddress: spec.macAddress,
    HostConfig: {
      NetworkMode: spec.network || undefined,
      Mounts: [{ Type: 'bind', Source: spec.homeDir, Target: CONTAINER_HOME, ReadOnly: false }],
      PortBindings: publish ? { [portKey]: [{ HostPort: String(spec.port) }] } : undefined,
      Dns: spec.dnsServer ? [spec.dnsServer] : undefined,
      CgroupParent: spec.cgroupParent || undefined,
      CapDrop: ['ALL'],
      CapAdd: [...SESSION_CAPABILITIES],
      PidsLimit: spec.pidsLimit,
      NanoCpus: spec.cpus ? Math.round(spec.cpus * 1e9) : undefined,
      Memory: spec.memoryBytes,
      // No swap beyond the limit: the limit is what the session gets.
      MemorySwap: spec.memoryBytes,
    },
  };
}
