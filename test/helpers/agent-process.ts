// Runs the built `convocate-agent serve` as a real process on loopback, with
// its own temp config and sessions dirs, an authorized shell key, and helpers
// to register it in a shell's agent registry.
import type { ChildProcess } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateEd25519 } from '../../src/lib/keys.js';
import { spawnAgentServe, stopChild } from './agent-serve.mjs';
import { removeAgentContainers } from './docker.js';
import { useShellSessions } from './shell-sessions.js';
import { freePort } from './measure.mjs';

export interface AgentProcess {
  root: string;
  configDir: string;
  sessionsDir: string;
  host: string;
  port: number;
  agentId: string;
  /** Shell → agent private key (OpenSSH format) and its path. */
  clientKey: string;
  clientKeyPath: string;
  /** The agent's host public key line, for pinning. */
  hostKeyPub: string;
  knownHostsPath: string;
  log(): string;
  start(): Promise<void>;
  kill(signal?: NodeJS.Signals): Promise<number | null>;
  /** Write this agent into `<shellConfigDir>/agent-keys/<id>/`. */
  registerIn(shellConfigDir: string): Promise<void>;
  /** ssh(1) arguments for a subsystem of this agent. */
  sshArgs(subsystem: string, extra?: string[]): string[];
  cleanup(): Promise<void>;
}


export async function startAgentProcess(
  name: string,
  opts: { host?: string; env?: NodeJS.ProcessEnv; extraArgs?: string[] } = {},
): Promise<AgentProcess> {
  const host = opts.host ?? '127.0.0.1';
  const root = await mkdtemp(join(tmpdir(), `convocate-agentproc-${name}-`));
  const configDir = join(root, 'config');
  const sessionsDir = join(root, 'sessions');
  await mkdir(configDir, { recursive: true });
  await useShellSessions(configDir);
  const client = generateEd25519(`shell-${name}`);
  const clientKeyPath = join(root, 'shell_to_agent_ed25519_key');
  await writeFile(clientKeyPath, client.private, { mode: 0o600 });
  await chmod(clientKeyPath, 0o600);
  await writeFile(join(configDir, 'authorized_keys'), `# the shell\n\n${client.public}\n`);
  const port = await freePort(host);
  let child: ChildProcess | undefined;
  let earlierRuns = '';
  let currentRun = (): string => '';

  const proc: AgentProcess = {
    root,
    configDir,
    sessionsDir,
    host,
    port,
    agentId: '',
    clientKey: client.private,
    clientKeyPath,
    hostKeyPub: '',
    knownHostsPath: join(root, 'known_hosts'),
    log: () => earlierRuns + currentRun(),
    async start() {
      earlierRuns += currentRun();
      currentRun = () => '';
      const args = ['--listen', `${host}:${port}`, '--config-dir', configDir, '--sessions-dir', sessionsDir, ...(opts.extraArgs ?? [])];
      const started = await spawnAgentServe(args, { env: { ...process.env, ...opts.env } });
      child = started.child;
      currentRun = started.output;
      proc.agentId = (await readFile(join(configDir, 'agent-id'), 'utf8')).trim();
      proc.hostKeyPub = (await readFile(join(configDir, 'host_key.pub'), 'utf8')).trim();
      await writeFile(proc.knownHostsPath, `[${host}]:${port} ${proc.hostKeyPub}\n`);
    },
    async kill(signal = 'SIGTERM') {
      return child ? stopChild(child, signal) : null;
    },
    async registerIn(shellConfigDir) {
      const dir = join(shellConfigDir, 'agent-keys', proc.agentId);
      await mkdir(dir, { recursive: true });
      await writeFile(join(dir, 'agent-host'), `${host}:${port}\n`);
      await writeFile(join(dir, 'shell_to_agent_ed25519_key'), client.private, { mode: 0o600 });
      await writeFile(join(dir, 'shell_to_agent_ed25519_key.pub'), `${client.public}\n`);
      await writeFile(join(dir, 'host_key.pub'), `${proc.hostKeyPub}\n`);
    },
    sshArgs(subsystem, extra = []) {
      return [
        '-F', '/dev/null', '-i', clientKeyPath, '-o', 'IdentitiesOnly=yes', '-o', `UserKnownHostsFile=${proc.knownHostsPath}`,
        '-o', 'StrictHostKeyChecking=yes', '-o', 'BatchMode=yes', '-o', 'LogLevel=ERROR', '-p', String(port),
        ...extra, '-s', `convocate@${host}`, subsystem,
      ];
    },
    async cleanup() {
      await proc.kill('SIGKILL');
      if (proc.agentId) await removeAgentContainers(proc.agentId);
      await rm(root, { recursive: true, force: true });
    },
  };
  await proc.start();
  return proc;
}
