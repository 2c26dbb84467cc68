// `init-agent`: install, then peer the agent with its shell (pairs minted where
// their private halves live, only public halves travel, both host keys pinned),
// the sessions slice and the agent service, the session image, and a ping.
import { AGENT_FILES, REGISTRY_DIR, REGISTRY_FILES, SHELL_FILES } from '../../protocol/host-files.js';
import { parseHostPort } from '../../protocol/host-port.js';
import { randomBytes } from 'node:crypto';
import { agentIdProblem } from '../../protocol/agent-id.js';
import type { Bundle } from '../steps/bundle.js';
import { converge } from '../steps/converge.js';
import type { Host } from '../host.js';
import { HEALTH_KEY, pingAgent } from '../steps/health.js';
import { ensureImage } from '../steps/image.js';
import { hostResources } from '../steps/host-resources.js';
import { installBundle, prepareHost } from './install.js';
import { bareKey, comparePin, fingerprintOfLine, readOptionalPublicKey, readPublicKey } from '../steps/peering.js';
import { step, StepFailure, type Print } from '../report.js';
import { daemonReload, ensureService } from '../steps/services.js';
import {
  AGENT_CONFIG_DIR, AGENT_UNIT, renderAgentUnit, renderSlice, SHELL_CONFIG_DIR, SLICE_UNIT, STATUS_UNIT, UNIT_DIR,
} from '../steps/units.js';

export interface AgentOptions {
  agentId?: string;
  /** How the shell reaches the agent: HOST[:PORT]. */
  address: string;
  /** How the agent reaches status-serve: HOST[:PORT]. */
  shellAddress: string;
  image: string;
  buildImage: boolean;
}

export function splitAddress(text: string, flag: string): { host: string; port?: number } {
  return parseHostPort(text, { what: flag });
}

/** The host part of an ssh destination (`user@host:port` or an alias). */
export function targetHost(target: string): string {
  return target.replace(/^[^@]*@/, '').replace(/:\d+$/, '');
}

/** Bad flags are refused before any host is touched. */
export function checkAgentOptions(opts: Pick<AgentOptions, 'agentId' | 'address' | 'shellAddress'>): void {
  if (opts.agentId !== undefined && agentIdProblem(opts.agentId)) throw new Error(`bad --agent-id: ${agentIdProblem(opts.agentId)}`);
  splitAddress(opts.shellAddress, '--shell-address');
  splitAddress(opts.address, '--address');
}

export async function initAgent(agent: Host, shell: Host, bundle: Bundle | Promise<Bundle>, opts: AgentOptions, print: Print): Promise<string> {
  checkAgentOptions(opts);
  const existingId = await readAgentId(agent, opts, print);
  await step(shell.name, 'shell ready', print, async () => {
    const r = await shell.run(`systemctl is-enabled ${STATUS_UNIT} 2>/dev/null`, { allowFail: true });
    if (r.stdout.trim() !== 'enabled') throw new Error(`${STATUS_UNIT} is not installed`);
  }, `run \`convocate-host init-shell ${shell.name}\` first`);
  await prepareHost(agent, print);
  // The image (the long pole: transfer and `docker load`) travels while the rest is set up.
  const image = ensureImage(agent, { tag: opts.image, build: opts.buildImage }, print);
  image.catch(() => undefined);
  try {
    return await setUp(agent, shell, bundle, opts, print, image, existingId);
  } finally {
    await image.catch(() => undefined);
  }
}

/**
 * The agent host's existing id, before anything is touched on either host: it
 * names a path (`agent-keys/<id>/`) and a key line on the shell host, so it
 * passes the one agent-id rule or nothing happens.
 */
async function readAgentId(agent: Host, opts: AgentOptions, print: Print): Promise<string> {
  return step(agent.name, 'agent id', print, async () => {
    const text = (await agent.run(`cat ${AGENT_CONFIG_DIR}/agent-id 2>/dev/null`, { allowFail: true })).stdout;
    // One trailing newline is the file's own; anything else is part of the id.
    const existingId = text.replace(/\n$/, '');
    const idProblem = existingId === '' ? undefined : agentIdProblem(existingId);
    if (idProblem) throw new Error(`${AGENT_CONFIG_DIR}/agent-id on this host is refused: ${idProblem}`);
    if (existingId && opts.agentId && existingId !== opts.agentId) throw new Error(`this host is already agent ${existingId}, not ${opts.agentId}`);
    return existingId;
  }, `fix or remove ${AGENT_CONFIG_DIR}/agent-id on ${agent.name}, or pass the --agent-id it holds`);
}

async function setUp(
  agent: Host, shell: Host, bundle: Bundle | Promise<Bundle>, opts: AgentOptions, print: Print, image: Promise<unknown>, existingId: string,
): Promise<string> {
  const shellAddr = splitAddress(opts.shellAddress, '--shell-address');

  const installed = await installBundle(agent, bundle, print);

  // The agent's own id and keys, minted on the agent host.
  const agentId = existingId || opts.agentId || randomBytes(4).toString('hex');
  const agentKeys = await converge(agent, 'agent identity', [
    { kind: 'dir', path: AGENT_CONFIG_DIR, mode: 0o755 },
    { kind: 'file', path: `${AGENT_CONFIG_DIR}/${AGENT_FILES.agentId}`, content: `${agentId}\n`, mode: 0o644 },
    { kind: 'keypair', path: `${AGENT_CONFIG_DIR}/${AGENT_FILES.hostKey}`, comment: `convocate-agent-${agentId}` },
    { kind: 'keypair', path: `${AGENT_CONFIG_DIR}/${AGENT_FILES.statusKey}`, comment: `convocate-agent-${agentId}-status` },
    { kind: 'keypair', path: HEALTH_KEY, comment: `convocate-agent-${agentId}-health` },
  ], print);
  const agentHostKey = await readPublicKey(agent, `${AGENT_CONFIG_DIR}/${AGENT_FILES.hostKey}.pub`, 'agent host key');
  const statusKey = await readPublicKey(agent, `${AGENT_CONFIG_DIR}/${AGENT_FILES.statusKey}.pub`, 'agent status key');
  const healthKey = await readPublicKey(agent, `${HEALTH_KEY}.pub`, 'agent health key');

  // The shell's key for this agent, minted on the shell host.
  const reg = `${SHELL_CONFIG_DIR}/${REGISTRY_DIR}/${agentId}`;
  await converge(shell, 'shell key for the agent', [
    { kind: 'dir', path: reg, mode: 0o700 },
    { kind: 'keypair', path: `${reg}/${REGISTRY_FILES.shellKey}`, comment: `convocate-shell-to-${agentId}` },
  ], print);
  const shellKey = await readPublicKey(shell, `${reg}/${REGISTRY_FILES.shellKey}.pub`, 'shell key');
  const shellHostKey = await readPublicKey(shell, `${SHELL_CONFIG_DIR}/${SHELL_FILES.statusHostKey}.pub`, 'status host key');

  // Both pins are checked before either side is written.
  const agentPin = await readOptionalPublicKey(shell, `${reg}/${REGISTRY_FILES.hostKeyPin}`, 'pinned agent host key');
  const shellPin = await readOptionalPublicKey(agent, `${AGENT_CONFIG_DIR}/${AGENT_FILES.shellHostKeyPin}`, 'pinned shell host key');
  const pins = [
    comparePin({ pinHost: shell.name, pinPath: `${reg}/${REGISTRY_FILES.hostKeyPin}`, pinned: agentPin, presented: agentHostKey, peer: `agent ${agentId} on ${agent.name}`, what: 'agent host key' }),
    comparePin({ pinHost: agent.name, pinPath: `${AGENT_CONFIG_DIR}/${AGENT_FILES.shellHostKeyPin}`, pinned: shellPin, presented: shellHostKey, peer: `shell ${shell.name}`, what: 'shell host key' }),
  ];
  print(`[${shell.name}] pin agent host key: ${pins[0] === 'first' ? 'first contact, pinning' : 'already pinned'} ${fingerprintOfLine(agentHostKey)}`);
  print(`[${agent.name}] pin shell host key: ${pins[1] === 'first' ? 'first contact, pinning' : 'already pinned'} ${fingerprintOfLine(shellHostKey)}`);

  const registered = await converge(shell, 'register agent', [
    { kind: 'file', path: `${reg}/${REGISTRY_FILES.agentHost}`, content: `${opts.address}\n`, mode: 0o644 },
    { kind: 'file', path: `${reg}/${REGISTRY_FILES.hostKeyPin}`, content: `${bareKey(agentHostKey)}\n`, mode: 0o644 },
    { kind: 'file', path: `${reg}/${REGISTRY_FILES.statusKeyPub}`, content: `${bareKey(statusKey)}\n`, mode: 0o644 },
    { kind: 'line', path: `${SHELL_CONFIG_DIR}/${SHELL_FILES.statusAuthorizedKeys}`, line: `${bareKey(statusKey)} convocate-agent-${agentId}`, mode: 0o600 },
  ], print);
  // status-serve binds status keys to agents when it loads the registry: a new agent needs a reload.
  if (registered.size > 0) await ensureService(shell, STATUS_UNIT, true, print);

  const facts = await hostResources(agent, print);
  const peering = await converge(agent, 'peering', [
    { kind: 'line', path: `${AGENT_CONFIG_DIR}/${AGENT_FILES.authorizedKeys}`, line: `${bareKey(shellKey)} convocate-shell-${agentId}`, mode: 0o600 },
    { kind: 'line', path: `${AGENT_CONFIG_DIR}/${AGENT_FILES.authorizedKeys}`, line: `${bareKey(healthKey)} convocate-health`, mode: 0o600 },
    { kind: 'file', path: `${AGENT_CONFIG_DIR}/${AGENT_FILES.shellHostKeyPin}`, content: `${bareKey(shellHostKey)}\n`, mode: 0o644 },
    { kind: 'file', path: `${AGENT_CONFIG_DIR}/${AGENT_FILES.shellHost}`, content: `${shellAddr.host}\n`, mode: 0o644 },
  ], print);
  const units = await converge(agent, 'units', [
    { kind: 'file', path: `${UNIT_DIR}/${SLICE_UNIT}`, content: renderSlice(facts.limits), mode: 0o644 },
    { kind: 'file', path: `${UNIT_DIR}/${AGENT_UNIT}`, content: renderAgentUnit({ cgroupParent: facts.cgroupParent, image: opts.image, shellPort: shellAddr.port }), mode: 0o644 },
  ], print);
  if (units.size > 0) await daemonReload(agent, print);
  await ensureService(agent, SLICE_UNIT, units.has(`file:${UNIT_DIR}/${SLICE_UNIT}`), print);
  await image;
  const changed = installed.switched || agentKeys.size > 0 || peering.size > 0 || units.has(`file:${UNIT_DIR}/${AGENT_UNIT}`);
  await ensureService(agent, AGENT_UNIT, changed, print);
  const pong = await step(agent.name, 'ping', print, () => pingAgent(agent), `see \`journalctl -u ${AGENT_UNIT}\` on ${agent.name}`);
  if (pong.agent_id !== agentId) {
    throw new StepFailure(agent.name, 'ping', `the agent answers as ${pong.agent_id}, expected ${agentId}`, `check ${AGENT_CONFIG_DIR}/${AGENT_FILES.agentId} on ${agent.name}`);
  }
  print(`[${agent.name}] ping: agent ${agentId} ${pong.version} answers; registered on ${shell.name} as ${opts.address}`);
  return agentId;
}
