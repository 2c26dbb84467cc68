// The agent registry on the shell: `<config-dir>/agent-keys/<agent-id>/` holds
// `agent-host` (host[:port]), `shell_to_agent_ed25519_key` and the agent's
// pinned `host_key.pub` (SPEC §5).
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { AGENT_PORT } from '../../protocol/subsystems.js';
import type { SshAgentTarget } from './ssh-agent-client.js';

export interface RegistryProblem {
  agentId: string;
  error: string;
}

export function parseHostPort(text: string, defaultPort = AGENT_PORT): { host: string; port: number } {
  const value = text.trim();
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(value);
  const plain = /^([^:\s]+)(?::(\d+))?$/.exec(value);
  const m = bracketed ?? plain;
  if (!m?.[1]) throw new Error(`bad agent-host ${JSON.stringify(value)}: want host or host:port`);
  const port = m[2] ? Number(m[2]) : defaultPort;
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new Error(`bad port in agent-host ${JSON.stringify(value)}`);
  return { host: m[1], port };
}

export async function loadRegistry(configDir: string): Promise<{ agents: SshAgentTarget[]; problems: RegistryProblem[] }> {
  const root = join(configDir, 'agent-keys');
  let ids: string[];
  try {
    ids = (await readdir(root, { withFileTypes: true })).filter((d) => d.isDirectory()).map((d) => d.name).sort();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { agents: [], problems: [] };
    throw err;
  }
  const agents: SshAgentTarget[] = [];
  const problems: RegistryProblem[] = [];
  for (const id of ids) {
    const dir = join(root, id);
    try {
      const hostText = (await readFile(join(dir, 'agent-host'), 'utf8')).trim();
      const { host, port } = parseHostPort(hostText);
      agents.push({
        info: { id, host: hostText },
        host,
        port,
        privateKey: await readFile(join(dir, 'shell_to_agent_ed25519_key')),
        hostKeyPub: await readFile(join(dir, 'host_key.pub'), 'utf8'),
      });
    } catch (err) {
      problems.push({ agentId: id, error: (err as Error).message });
    }
  }
  return { agents, problems };
}
