// The agent's one typed config (SPEC §6): flag > CONVOCATE_… environment >
// default. As a non-root user the defaults move under the home directory.
import { AGENT_CONFIG_DIR, AGENT_FILES, SESSIONS_DIR } from '../../protocol/host-files.js';
import { isPortText, isValidHost, splitHostPort } from '../../protocol/host-port.js';
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
    ?? (isRoot ? AGENT_CONFIG_DIR : join(home, '.config', 'convocate-agent'));
  const sessionsDir = pick(flags.sessionsDir, env.CONVOCATE_SESSIONS_DIR)
    ?? (isRoot ? SESSIONS_DIR : join(home, '.local', 'share', 'convocate', 'sessions'));
  return {
    configDir,
    sessionsDir,
    image: pick(flags.image, env.CONVOCATE_IMAGE) ?? DEFAULT_IMAGE,
    listen: parseListen(pick(flags.listen) ?? `0.0.0.0:${AGENT_PORT}`),
    hostKey: pick(flags.hostKey) ?? join(configDir, AGENT_FILES.hostKey),
    authKeys: pick(flags.authKeys) ?? join(configDir, AGENT_FILES.authorizedKeys),
    shellHost: pick(flags.shellHost) ?? readShellHost(configDir),
    shellPort: flags.shellPort === undefined || flags.shellPort === '' ? STATUS_PORT : parsePortFlag(flags.shellPort, '--shell-port'),
    shellKey: pick(flags.shellKey) ?? join(configDir, AGENT_FILES.statusKey),
    shellKnownHost: pick(flags.shellKnownHost) ?? join(configDir, 'shell_host_key.pub'),
    dnsServer: pick(flags.dnsServer),
    cgroupParent: pick(flags.cgroupParent),
    heartbeatMs: flags.heartbeat === undefined || flags.heartbeat === '' ? 30_000 : parseHeartbeat(flags.heartbeat),
  };
}

/** `host:port`, `[v6]:port` or a bare port (all interfaces). Port 0 picks a free one. */
export function parseListen(value: string): ListenAddress {
  const bad = (why: string) => new Error(`bad listen address ${JSON.stringify(value)}: ${why}`);
  if (!value.includes(':') && !value.startsWith('[')) return { host: '0.0.0.0', port: listenPort(value, bad) };
  const split = splitHostPort(value);
  if (!split) throw bad('put an IPv6 address in brackets, e.g. [::1]:222');
  if (split.bracketed && isIP(split.host) !== 6) throw bad('not an IPv6 address in brackets');
  if (!split.bracketed && split.host !== '' && !isValidHost(split.host)) throw bad('invalid host');
  return { host: split.host === '' ? '0.0.0.0' : split.host, port: listenPort(split.portText ?? '', bad) };
}

function listenPort(text: string, bad: (why: string) => Error): number {
  if (!isPortText(text, 0)) throw bad('port must be 0-65535');
  return Number(text);
}

/** A port given as a flag (e.g. `--shell-port`): 1-65535, never -1 or 0. */
function parsePortFlag(value: string | number, flag: string): number {
  const text = String(value);
  if (!isPortText(text, 1)) {
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
    const text = readFileSync(join(configDir, AGENT_FILES.shellHost), 'utf8').trim();
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
