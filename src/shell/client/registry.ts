// The agent registry on the shell: `<config-dir>/agent-keys/<agent-id>/` holds
// `agent-host` (host[:port]), `shell_to_agent_ed25519_key`, the agent's pinned
// `host_key.pub` and its status key `agent_to_shell_ed25519_key.pub` (SPEC §5).
// This is the one reader of those files and the one builder of the shell's
// clients over them: a bad file costs only its own agent, which is then listed
// as unavailable with the reason, never silently dropped.
import { REGISTRY_DIR, REGISTRY_FILES } from '../../protocol/host-files.js';
import { parseHostPort as parseProtocolHostPort } from '../../protocol/host-port.js';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parsePrivateKey, parsePublicKey } from '../../lib/keys.js';
import { agentIdProblem } from '../../protocol/agent-id.js';
import { AGENT_PORT } from '../../protocol/subsystems.js';
import type { AgentClient } from './agent-client.js';
import { SshAgentClient, type SshAgentTarget } from './ssh-agent-client.js';
import { UnavailableAgentClient } from './unavailable-agent-client.js';

export interface RegistryProblem {
  agentId: string;
  /** `host[:port]` when agent-host was readable. */
  host?: string;
  error: string;
}

export interface RegisteredAgent extends SshAgentTarget {
  /** The agent's status key (wire blob), when it has a readable one. */
  statusKey?: Buffer;
}

export interface Registry {
  agents: RegisteredAgent[];
  problems: RegistryProblem[];
}

/** An `agent-host` file's text: the protocol's `host[:port]`, port 222 unless given. */
export function parseHostPort(text: string, defaultPort = AGENT_PORT): { host: string; port: number } {
  return parseProtocolHostPort(text, { what: 'agent-host', defaultPort });
}

export async function loadRegistry(configDir: string): Promise<Registry> {
  const root = join(configDir, REGISTRY_DIR);
  let ids: string[];
  try {
    ids = (await readdir(root, { withFileTypes: true })).filter((d) => d.isDirectory()).map((d) => d.name).sort();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { agents: [], problems: [] };
    throw err;
  }
  const agents: RegisteredAgent[] = [];
  const problems: RegistryProblem[] = [];
  await Promise.all(
    ids.map(async (id) => {
      const dir = join(root, id);
      let hostText: string | undefined;
      try {
        const idProblem = agentIdProblem(id);
        if (idProblem) throw new Error(idProblem);
        hostText = (await readFile(join(dir, REGISTRY_FILES.agentHost), 'utf8')).trim();
        const { host, port } = parseHostPort(hostText);
        const privateKey = await readFile(join(dir, REGISTRY_FILES.shellKey));
        parsePrivateKey(privateKey, join(dir, REGISTRY_FILES.shellKey));
        const hostKeyPub = await readFile(join(dir, REGISTRY_FILES.hostKeyPin), 'utf8');
        parsePublicKey(hostKeyPub.trim(), join(dir, REGISTRY_FILES.hostKeyPin));
        agents.push({ info: { id, host: hostText }, host, port, privateKey, hostKeyPub, statusKey: await readStatusKey(dir) });
      } catch (err) {
        problems.push({ agentId: id, host: hostText, error: (err as Error).message });
      }
    }),
  );
  agents.sort((a, b) => a.info.id.localeCompare(b.info.id));
  problems.sort((a, b) => a.agentId.localeCompare(b.agentId));
  return { agents, problems };
}

/** A missing or unreadable status key only means the agent's events are not bound to it. */
async function readStatusKey(dir: string): Promise<Buffer | undefined> {
  const line = await readFile(join(dir, 'agent_to_shell_ed25519_key.pub'), 'utf8').catch(() => undefined);
  if (!line) return undefined;
  try {
    return parsePublicKey(line.trim()).getPublicSSH();
  } catch {
    return undefined;
  }
}

/** The one place the shell builds a client for a registered agent. */
export function agentClient(agent: RegisteredAgent): AgentClient {
  return new SshAgentClient(agent);
}

/** Every registered agent as a client: SSH for the loadable ones, an unavailable stand-in with the reason for the rest. */
export function registryClients(registry: Registry): AgentClient[] {
  const clients: AgentClient[] = registry.agents.map(agentClient);
  for (const p of registry.problems) {
    clients.push(new UnavailableAgentClient({ id: p.agentId, host: p.host ?? '?' }, `cannot load agent ${p.agentId}: ${p.error}`));
  }
  return clients;
}
