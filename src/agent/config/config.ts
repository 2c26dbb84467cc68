// The agent's one typed config (SPEC §6): flag > CONVOCATE_… environment >
// default. As a non-root user the defaults move under the home directory.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { agentIdProblem } from '../../protocol/agent-id.js';
import { AGENT_PORT, STATUS_PORT } from '../../protocol/subsystems.js';
import { DEFAULT_IMAGE } from '../../protocol/version.js';

export interface ListenAddress {
  host: string;
  port: number;
}

export interface AgentConfig {
  configDir: string;
  sessionsDir: string;
  image: string;
  listen: ListenAddress;
  hostKey: string;
  authKeys: string;
  /** Where status events go; undefined disables the status emitter. */
  shellHost: string | undefined;
  shellPort: number;
  shellKey: string;
  shellKnownHost: string;
  dnsServer: string | undefined;
  cgroupParent: string | undefined;
  heartbeatMs: number;
}

/** Flags as commander hands them over: strings, possibly absent. */
export interface AgentFlags {
  configDir?: string;
  sessionsDir?: string;
  image?: string;
  listen?: string;
  hostKey?: string;
  authKeys?: string;
  shellHost?: string;
  shellPort?: string | number;
  shellKey?: string;
  shellKnownHost?: string;
  dnsServer?: string;
  cgroupParent?: string;
  heartbeat?: string | number;
}

export interface ResolveOptions {
  isRoot?: boolean;
  home?: string;
}

export function resolveAgentConfig(
  flags: AgentFlags = {},
  env: NodeJS.ProcessEnv = process.env,
  opts: ResolveOptions = {},
): AgentConfig {
  const isRoot = opts.isRoot ?? process.getuid?.() === 0;
  const home = opts.home ?? (env.HOME || homedir());
  const configDir = pick(flags.configDir, env.CONVOCATE_AGENT_CONFIG_DIR)
    ?? (isRoot ? '/etc/convocate-agent' : join(home, '.config', 'convocate-agent'));
  const sessionsDir = pick(flags.sessionsDir, env.CONVOCATE_SESSIONS_DIR)
    ?? (isRoot ? '/home/convocate' : join(home, '.local', 'share', 'convocate', 'sessions'));
  return {
    configDir,
    sessionsDir,
    image: pick(flags.image, env.CONVOCATE_IMAGE) ?? DEFAULT_IMAGE,
    listen: parseListen(pick(flags.listen) ?? `0.0.0.0:${AGENT_PORT}`),
    hostKey: pick(flags.hostKey) ?? join(configDir, 'host_key'),
    authKeys: pick(flags.authKeys) ?? join(configDir, 'authorized_keys'),
    shellHost: pick(flags.shellHost) ?? readShellHost(configDir),
    shellPort: flags.shellPort === undefined || flags.shellPort === '' ? STATUS_PORT : parsePortFlag(flags.shellPort, '--shell-port'),
    shellKey: pick(flags.shellKey) ?? join(configDir, 'agent_to_shell_ed25519_key'),
    shellKnownHost: pick(flags.shellKnownHost) ?? join(configDir, 'shell_host_key.pub'),
    dnsServer: pick(flags.dnsServer),
    cgroupParent: pick(flags.cgroupParent),
    heartbeatMs: flags.heartbeat === undefined || flags.heartbeat === '' ? 30_000 : parseHeartbeat(flags.heartbeat),
  };
}

/** `host:port`, `[v6]:port` or a bare port (all interfaces). Port 0 picks a free one. */
export function parseListen(value: string): ListenAddress {
  const bad = (why: string) => new Error(`bad listen address ${JSON.stringify(value)}: ${why}`);
  let host = '0.0.0.0';
  let portText = value;
  const v6 = /^\[([^\]]+)\]:(.*)$/.exec(value);
  if (v6) {
    host = v6[1] ?? '';
    portText = v6[2] ?? '';
    if (isIP(host) !== 6) throw bad('not an IPv6 address in brackets');
  } else if (value.includes(':')) {
    const i = value.lastIndexOf(':');
    host = value.slice(0, i);
    portText = value.slice(i + 1);
    if (host.includes(':')) throw bad('put an IPv6 address in brackets, e.g. [::1]:222');
    if (host === '') host = '0.0.0.0';
    else if (!isIP(host) && !/^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?$/.test(host)) throw bad('invalid host');
  }
  if (!/^\d{1,5}$/.test(portText) || Number(portText) > 65535) throw bad('port must be 0-65535');
  return { host, port: Number(portText) };
}

/** A port given as a flag (e.g. `--shell-port`): 1-65535, never -1 or 0. */
function parsePortFlag(value: string | number, flag: string): number {
  const text = String(value);
  if (!/^\d{1,5}$/.test(text) || Number(text) < 1 || Number(text) > 65535) {
    throw new Error(`bad ${flag} ${JSON.stringify(text)}: must be 1-65535`);
  }
  return Number(text);
}

function parseHeartbeat(value: string | number): number {
  const text = String(value);
  if (!/^\d+$/.test(text) || Number(text) < 100) {
    throw new Error(`bad --heartbeat ${JSON.stringify(text)}: milliseconds, at least 100`);
  }
  return Number(text);
}

function pick(...values: (string | undefined)[]): string | undefined {
  return values.find((v) => v !== undefined && v !== '');
}

function readShellHost(configDir: string): string | undefined {
  try {
    const text = readFileSync(join(configDir, 'shell-host'), 'utf8').trim();
    return text === '' ? undefined : text;
  } catch {
    return undefined;
  }
}

/** The agent's stable id in `<configDir>/agent-id` (the one agent-id rule); 8 hex characters minted on first start. */
export function loadOrCreateAgentId(configDir: string): string {
  const path = join(configDir, 'agent-id');
  if (existsSync(path)) {
    const id = readFileSync(path, 'utf8').trim();
    const problem = agentIdProblem(id);
    if (problem) throw new Error(`${path}: ${problem}`);
    return id;
  }
  mkdirSync(configDir, { recursive: true });
  const id = randomBytes(4).toString('hex');
  // 'wx': if two starts race, the loser reads the winner's id instead of replacing it.
  try {
    writeFileSync(path, `${id}\n`, { mode: 0o644, flag: 'wx' });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return loadOrCreateAgentId(configDir);
    throw err;
  }
  return id;
}
