// The product path for status events and session DNS, built binaries only:
// `convocate status-serve` as a process, two `convocate-agent serve` processes
// on their own loopback addresses dialling it, a real dnsmasq reading the hosts
// file, OpenSSH driving the agents and the built CLI checking DNS uniqueness.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { generateEd25519 } from '../../src/lib/keys.js';
import type { Session } from '../../src/protocol/session.js';
import type { StatusEvent } from '../../src/protocol/status.js';
import { subscribeStatus, type StatusSubscription } from '../../src/shell/status/subscribe.js';
import { freePort } from '../helpers/measure.mjs';
import { startAgentProcess, type AgentProcess } from '../helpers/agent-process.js';
import { CONVOCATE_BIN, runCli } from '../helpers/cli.js';
import { startDnsmasq, type Dnsmasq } from '../helpers/dnsmasq.js';
import { waitFor } from '../helpers/docker.js';
import { runSsh } from '../helpers/ssh.js';

const run = promisify(execFile);
const DOMAIN = 'conv.test';
const RESYNC_SECONDS = 2;

let root: string;
let shellConfig: string;
let stateDir: string;
let statusPort: number;
let statusServe: { child: ChildProcess; log: () => string } | undefined;
let dnsmasq: Dnsmasq;
let agentA: AgentProcess;
let agentB: AgentProcess;
let sub: StatusSubscription | undefined;
let subConnects = 0;
const events: StatusEvent[] = [];

function shellEnv(): NodeJS.ProcessEnv {
  return { ...process.env, CONVOCATE_CONFIG_DIR: shellConfig, CONVOCATE_STATE_DIR: stateDir };
}

/** `convocate status-serve` as a process; resolves once it prints its listening line. */
async function startStatusServe(): Promise<void> {
  const child = spawn(process.execPath, [
    CONVOCATE_BIN, 'status-serve', '--listen', `127.0.0.1:${statusPort}`, '--dns-domain', DOMAIN,
    '--dnsmasq-pid-file', join(root, 'dnsmasq.pid'), '--resync', String(RESYNC_SECONDS),
  ], { env: shellEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  statusServe = { child, log: () => log };
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`status-serve did not start within 30 s:\n${log}`)), 30_000);
    const onData = (b: Buffer) => {
      log += b.toString();
      if (/status-serve listening on /.test(log)) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`status-serve exited with ${code}:\n${log}`));
    });
  });
}

async function stopStatusServe(): Promise<void> {
  const child = statusServe?.child;
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

async function rpc<T = unknown>(agent: AgentProcess, op: string, params: unknown = null): Promise<{ ok: boolean; result?: T; error?: string }> {
  const r = await runSsh(agent.sshArgs('convocate-agent-rpc'), `${JSON.stringify({ op, params })}\n`);
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout.trim()) as { ok: boolean; result?: T; error?: string };
}

async function rpcOk<T>(agent: AgentProcess, op: string, params: unknown = null): Promise<T> {
  const r = await rpc<T>(agent, op, params);
  if (!r.ok) throw new Error(`${op} failed: ${r.error}`);
  return r.result as T;
}

/** One `dig` at a port, failing when nothing answers there. */
async function runDig(port: number, name: string): Promise<string> {
  const { stdout } = await run('dig', ['@127.0.0.1', '-p', String(port), '+short', '+time=1', '+tries=1', name], { timeout: 5_000 });
  if (/connection timed out|no servers could be reached/.test(stdout)) throw new Error(stdout.trim());
  return stdout.trim();
}

const resolvesTo = (name: string, want: string, timeoutMs = 15_000) =>
  waitFor(`${name} → ${JSON.stringify(want)}`, async () => ((await dnsmasq.dig(name)) === want ? true : undefined), timeoutMs);

const eventSeen = (what: string, match: (ev: StatusEvent) => boolean, timeoutMs = 15_000) =>
  waitFor(what, async () => events.find(match), timeoutMs);

/** An agent on its own loopback address whose status events go to our status-serve. */
async function startAgent(name: string, host: string): Promise<AgentProcess> {
  const key = generateEd25519(`agent-${name}`);
  const keyPath = join(root, `agent_to_shell_${name}`);
  await writeFile(keyPath, key.private, { mode: 0o600 });
  // status-serve reads its authorized keys on every connection, so appending is enough.
  const authPath = join(shellConfig, 'status_authorized_keys');
  const before = await readFile(authPath, 'utf8').catch(() => '');
  await writeFile(authPath, `${before}${key.public}\n`);
  const agent = await startAgentProcess(name, {
    host,
    extraArgs: [
      '--shell-host', '127.0.0.1', '--shell-port', String(statusPort), '--shell-key', keyPath,
      '--shell-known-host', join(shellConfig, 'status_host_key.pub'), '--heartbeat', '500',
    ],
  });
  await agent.registerIn(shellConfig);
  // As provisioning does: the status key is bound to its agent, so its link may speak for it.
  await writeFile(join(shellConfig, 'agent-keys', agent.agentId, 'agent_to_shell_ed25519_key.pub'), `${key.public}\n`);
  return agent;
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'convocate-status-dns-'));
  shellConfig = join(root, 'shell');
  stateDir = join(root, 'state');
  await mkdir(shellConfig, { recursive: true });
  await mkdir(stateDir, { recursive: true });
  await writeFile(join(stateDir, 'dnsmasq-hosts'), '');
  dnsmasq = await startDnsmasq({ hostsFile: join(stateDir, 'dnsmasq-hosts'), pidFile: join(root, 'dnsmasq.pid'), domain: DOMAIN });
  statusPort = await freePort();
  await startStatusServe();
  sub = subscribeStatus(stateDir, (ev) => events.push(ev), { retryInitialMs: 50, retryMaxMs: 200, onConnect: () => subConnects++ });
  agentA = await startAgent('a', '127.0.0.2');
  agentB = await startAgent('b', '127.0.0.3');
  await eventSeen('agent a to connect', (ev) => ev.agent_id === agentA.agentId);
}, 120_000);

afterEach((ctx) => {
  if (ctx.task.result?.state === 'fail') {
    console.error(`status-serve log:\n${statusServe?.log()}\nagent a log:\n${agentA?.log()}\nagent b log:\n${agentB?.log()}`);
  }
});

afterAll(async () => {
  sub?.close();
  await stopStatusServe();
  await agentA?.cleanup();
  await agentB?.cleanup();
  await dnsmasq?.stop();
  if (root) await rm(root, { recursive: true, force: true });
});

describe('status-serve, agents and dnsmasq as processes', () => {
  it('a DNS name resolves to its agent address, follows an edit and goes with a delete', async () => {
    const s = await rpcOk<Session>(agentA, 'create', { name: 'dns-a', port: 0, protocol: 'tcp', dns_name: 'web-a' });
    await resolvesTo(`web-a.${DOMAIN}`, '127.0.0.2');
    await rpcOk(agentA, 'edit', { id: s.uuid, dns_name: 'www-a' });
    await resolvesTo(`www-a.${DOMAIN}`, '127.0.0.2');
    await resolvesTo(`web-a.${DOMAIN}`, '');
    await rpcOk(agentA, 'delete', { id: s.uuid });
    await resolvesTo(`www-a.${DOMAIN}`, '');
  });

  it('events reach a local subscriber in order per session', async () => {
    const s = await rpcOk<Session>(agentA, 'create', { name: 'order' });
    await rpcOk(agentA, 'restart', { id: s.uuid });
    await rpcOk(agentA, 'kill', { id: s.uuid });
    await rpcOk(agentA, 'delete', { id: s.uuid });
    await eventSeen('container.deleted', (ev) => ev.type === 'container.deleted' && ev.session_id === s.uuid, 30_000);
    const types = events.filter((ev) => ev.session_id === s.uuid).map((ev) => ev.type);
    expect(types).toEqual(['container.created', 'container.started', 'container.stopped', 'container.deleted']);
  });

  it("the agent's heartbeat arrives", async () => {
    const from = events.length;
    await waitFor('a heartbeat', async () =>
      events.slice(from).find((ev) => ev.type === 'agent.heartbeat' && ev.agent_id === agentA.agentId), 5_000);
  });

  it('a status-serve restart on the same port: the agent answers RPCs meanwhile and reconnects', async () => {
    const connectsBefore = subConnects;
    await stopStatusServe();
    expect(await rpcOk(agentA, 'ping')).toMatchObject({ agent_id: agentA.agentId });
    const whileDown = await rpcOk<Session>(agentA, 'create', { name: 'while-down', dns_name: 'down-a' });

    await startStatusServe();
    await waitFor('the subscriber to reconnect', async () => (subConnects > connectsBefore ? true : undefined), 10_000);
    // The agent reconnects on its own backoff (1 s, doubling); a fresh event proves the path end to end.
    const from = events.length;
    await waitFor('a heartbeat after the restart', async () =>
      events.slice(from).find((ev) => ev.type === 'agent.heartbeat' && ev.agent_id === agentA.agentId), 20_000);
    const after = await rpcOk<Session>(agentA, 'create', { name: 'after-restart' });
    await eventSeen('created after the restart', (ev) => ev.type === 'container.created' && ev.session_id === after.uuid);
    await resolvesTo(`down-a.${DOMAIN}`, '127.0.0.2');
    await rpcOk(agentA, 'delete', { id: whileDown.uuid });
    await rpcOk(agentA, 'delete', { id: after.uuid });
    await resolvesTo(`down-a.${DOMAIN}`, '');
  });

  it('the shell host restarts (status-serve and dnsmasq, its hosts file gone as with a tmpfs): every record comes back', async () => {
    const named = await rpcOk<Session>(agentA, 'create', { name: 'survivor', dns_name: 'survivor-a' });
    const other = await rpcOk<Session>(agentB, 'create', { name: 'survivor-b', dns_name: 'survivor-b' });
    await resolvesTo(`survivor-a.${DOMAIN}`, '127.0.0.2');
    await resolvesTo(`survivor-b.${DOMAIN}`, '127.0.0.3');

    await stopStatusServe();
    const port = dnsmasq.port;
    await dnsmasq.stop();
    await rm(join(stateDir, 'dnsmasq-hosts'), { force: true });
    await rm(join(root, 'dnsmasq.pid'), { force: true });
    // Nothing answers for the names now.
    await expect(runDig(port, `survivor-a.${DOMAIN}`)).rejects.toThrow();

    // Boot order on a real host: dnsmasq may come up first, on an empty file.
    await writeFile(join(stateDir, 'dnsmasq-hosts'), '');
    dnsmasq = await startDnsmasq({ hostsFile: join(stateDir, 'dnsmasq-hosts'), pidFile: join(root, 'dnsmasq.pid'), domain: DOMAIN, port });
    expect(await dnsmasq.dig(`survivor-a.${DOMAIN}`)).toBe('');
    await startStatusServe();
    // The agents' sessions are the truth: the resync (and the agents reconnecting) write them back.
    await resolvesTo(`survivor-a.${DOMAIN}`, '127.0.0.2', 30_000);
    await resolvesTo(`survivor-b.${DOMAIN}`, '127.0.0.3', 30_000);
    await rpcOk(agentA, 'delete', { id: named.uuid });
    await rpcOk(agentB, 'delete', { id: other.uuid });
    await resolvesTo(`survivor-a.${DOMAIN}`, '');
    await resolvesTo(`survivor-b.${DOMAIN}`, '');
  });

  it('DNS names are unique across agents: the built CLI refuses a name held on the other agent', async () => {
    const held = await rpcOk<Session>(agentA, 'create', { name: 'holder', dns_name: 'held' });
    const refused = await runCli(['new', 'x', '--agent', agentB.agentId, '--dns', 'held'], shellEnv());
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain('dns name "held" already in use');

    const made = await runCli(['new', 'y', '--agent', agentB.agentId, '--dns', 'free-b', '--json'], shellEnv());
    expect(made.code, made.stderr).toBe(0);
    expect(JSON.parse(made.stdout)).toMatchObject({ name: 'y', dns_name: 'free-b', agent_id: agentB.agentId });
    await resolvesTo(`free-b.${DOMAIN}`, '127.0.0.3');
    await resolvesTo(`held.${DOMAIN}`, '127.0.0.2');
    await rpcOk(agentA, 'delete', { id: held.uuid });
    await resolvesTo(`held.${DOMAIN}`, '');
  });

  it('the full resync repairs a hand-corrupted hosts file within the resync period', async () => {
    const hostsFile = join(stateDir, 'dnsmasq-hosts');
    // The one named session left is free-b on agent b.
    const good = `127.0.0.3 free-b free-b.${DOMAIN}\n`;
    expect(await readFile(hostsFile, 'utf8')).toBe(good);
    await writeFile(hostsFile, `127.0.0.9 evil evil.${DOMAIN}\n`);
    const t0 = Date.now();
    await waitFor('the hosts file to be repaired', async () =>
      ((await readFile(hostsFile, 'utf8')) === good ? true : undefined), RESYNC_SECONDS * 1000 + 2_000);
    expect(Date.now() - t0).toBeLessThanOrEqual(RESYNC_SECONDS * 1000 + 2_000);
    await resolvesTo(`free-b.${DOMAIN}`, '127.0.0.3');
    expect(await dnsmasq.dig(`evil.${DOMAIN}`)).toBe('');
  });
});
