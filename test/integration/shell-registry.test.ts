// The honest shell: registered agents that cannot be loaded or reached are
// listed with their reason (never swapped for the embedded agent), a bad key file
// costs only its own agent, and status-serve drops the DNS records of agents
// that left the registry.
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startAgentServer, type AgentServer } from '../../src/agent/ssh/server.js';
import { StatusEmitter } from '../../src/agent/status/emitter.js';
import { generateEd25519 } from '../../src/lib/keys.js';
import { DEFAULT_LIMITS, NO_WORKSPACE, type SessionMeta } from '../../src/protocol/session.js';
import { makeEvent } from '../../src/protocol/status.js';
import { loadRegistry } from '../../src/shell/client/registry.js';
import { openDirectory } from '../../src/shell/open-directory.js';
import { startStatusService } from '../../src/shell/status/run.js';
import { FakeAgentApi } from '../helpers/fake-agent-api.js';
import { waitFor } from '../helpers/ssh.js';
import { freePort } from '../helpers/measure.mjs';

let dir: string;
const cleanups: (() => unknown)[] = [];
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'shell-registry-'));
});
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
  await rm(dir, { recursive: true, force: true });
});

const shellKey = generateEd25519('shell');
const agentHost = generateEd25519('agent-host');
const statusKey = generateEd25519('agent-status');

async function register(id: string, host: string, files: Partial<Record<string, string>> = {}): Promise<void> {
  const d = join(dir, 'agent-keys', id);
  await mkdir(d, { recursive: true });
  await writeFile(join(d, 'agent-host'), files['agent-host'] ?? host);
  await writeFile(join(d, 'shell_to_agent_ed25519_key'), files.key ?? shellKey.private, { mode: 0o600 });
  await writeFile(join(d, 'host_key.pub'), files.hostKey ?? agentHost.public);
  await writeFile(join(d, 'agent_to_shell_ed25519_key.pub'), statusKey.public);
}

async function goodAgent(api = new FakeAgentApi('aaaa0001')): Promise<AgentServer> {
  await writeFile(join(dir, 'authorized_keys'), `${shellKey.public}\n`);
  const server = await startAgentServer({
    api,
    hostKey: agentHost.private,
    authorizedKeysPath: join(dir, 'authorized_keys'),
    listen: { host: '127.0.0.1', port: 0 },
    log: () => undefined,
  });
  cleanups.push(() => server.close());
  return server;
}

const noEmbedded = () => Promise.reject(new Error('the embedded agent must not be used'));

describe('registry and directory', () => {
  it('a malformed host_key.pub costs only its own agent, which is listed with the reason', async () => {
    const server = await goodAgent();
    await register('aaaa0001', `127.0.0.1:${server.port}`);
    await register('bbbb0002', '127.0.0.1:1', { hostKey: 'ssh-ed25519 not-base64!!' });
    const warnings: string[] = [];
    const stderr = { write: (s: string) => warnings.push(s) } as unknown as NodeJS.WritableStream;
    const directory = await openDirectory({ config: { configDir: dir, stateDir: dir }, embedded: noEmbedded, stderr });
    cleanups.push(() => directory.close());
    expect(directory.agents().map((a) => a.id).sort()).toEqual(['aaaa0001', 'bbbb0002']);
    const list = await directory.listAll();
    expect(list.unreachable.map((h) => h.info.id)).toEqual(['bbbb0002']);
    expect(list.unreachable[0]?.error).toMatch(/cannot load agent bbbb0002: .*host_key\.pub/);
    expect(warnings.join('')).toMatch(/warning: agent bbbb0002 cannot be loaded: .*host_key\.pub/);
    expect(directory.health().find((h) => h.info.id === 'aaaa0001')?.reachable).toBe(true);
  });

  it('never falls back to the embedded agent when every registered agent fails to load or answer', async () => {
    await register('cccc0003', 'bad host:port:x');
    await register('dddd0004', '127.0.0.1:1', { key: 'not a key' });
    await register('eeee0005', '127.0.0.1:1');
    const directory = await openDirectory({ config: { configDir: dir, stateDir: dir }, embedded: noEmbedded });
    cleanups.push(() => directory.close());
    const list = await directory.listAll();
    const reasons = new Map(list.unreachable.map((h) => [h.info.id, h.error ?? '']));
    expect([...reasons.keys()].sort()).toEqual(['cccc0003', 'dddd0004', 'eeee0005']);
    expect(reasons.get('cccc0003')).toMatch(/bad agent-host/);
    expect(reasons.get('dddd0004')).toMatch(/shell_to_agent_ed25519_key/);
    expect(reasons.get('eeee0005')).toMatch(/ECONNREFUSED/);
  });

  it('reads each agent\u2019s status key once, beside its other files', async () => {
    await register('aaaa0001', '127.0.0.1:1');
    const { agents } = await loadRegistry(dir);
    expect(agents[0]?.statusKey?.length).toBeGreaterThan(0);
  });
});

describe('status-serve and the registry', () => {
  it('removes the DNS records of an agent that left the registry at the next resync', async () => {
    await register('aaaa0001', '127.0.0.1:1');
    await writeFile(join(dir, 'status_authorized_keys'), `${statusKey.public}\n`);
    const logs: string[] = [];
    const server = await startStatusService(
      { listen: `127.0.0.1:${await freePort()}`, hostKey: join(dir, 'status_host_key'), resync: '1' },
      { configDir: dir, stateDir: dir },
      (m) => logs.push(m),
    );
    cleanups.push(() => server.close());
    const emitter = new StatusEmitter({
      agentId: 'aaaa0001',
      host: '127.0.0.1',
      port: server.port,
      privateKey: statusKey.private,
      knownHostKey: (await readFile(join(dir, 'status_host_key.pub'), 'utf8')).trim(),
      log: () => undefined,
      backoffInitialMs: 20,
      backoffMaxMs: 100,
    });
    cleanups.push(() => emitter.close('test over'));
    const meta: SessionMeta = {
      uuid: '0f8fad5b-d9cb-469f-a165-70867728950e', name: 'web', port: 0, protocol: 'tcp', dns_name: 'web.team',
      created_at: '2026-01-01T00:00:00Z', last_accessed: '2026-01-01T00:00:00Z', ...DEFAULT_LIMITS, ...NO_WORKSPACE,
    };
    emitter.emit(makeEvent('container.created', 'aaaa0001', meta, meta.uuid));
    emitter.start();
    const hosts = join(dir, 'dnsmasq-hosts');
    const content = () => readFile(hosts, 'utf8').catch(() => '');
    await waitFor(async () => (await content()).includes('web.team'), 'the record written');
    expect(await content()).toBe('127.0.0.1 web.team\n');
    await rm(join(dir, 'agent-keys', 'aaaa0001'), { recursive: true });
    await waitFor(async () => (await content()) === '', 'the record removed', 10_000);
    expect(logs).toContain('dns: removed the records of agent aaaa0001: no longer registered');
  });
});

describe('the status link cut and restored', () => {
  it('events queue while status-serve is down (none written to the dead link), resume on its return, and the resync heals what was dropped', async () => {
    const api = new FakeAgentApi('aaaa0001');
    const agent = await goodAgent(api);
    await register('aaaa0001', `127.0.0.1:${agent.port}`);
    await writeFile(join(dir, 'status_authorized_keys'), `${statusKey.public}\n`);
    const port = await freePort();
    const startShell = () =>
      startStatusService({ listen: `127.0.0.1:${port}`, hostKey: join(dir, 'status_host_key'), resync: '1' }, { configDir: dir, stateDir: dir }, () => undefined);
    let shell = await startShell();
    const emitterLogs: string[] = [];
    // The production backoff (1 s doubling); a queue of 2 so that the outage drops an event.
    const emitter = new StatusEmitter({
      agentId: 'aaaa0001',
      host: '127.0.0.1',
      port,
      privateKey: statusKey.private,
      knownHostKey: (await readFile(join(dir, 'status_host_key.pub'), 'utf8')).trim(),
      log: (m) => emitterLogs.push(m),
      queueMax: 2,
    });
    cleanups.push(() => emitter.close('test over'));
    const hosts = join(dir, 'dnsmasq-hosts');
    const content = () => readFile(hosts, 'utf8').catch(() => '');
    const create = async (name: string) => {
      const s = await api.call('create', { name, dns_name: `${name}.team` });
      emitter.emit(makeEvent('container.created', 'aaaa0001', s, s.uuid));
    };
    emitter.start();
    await waitFor(() => emitter.connected, 'the link up');
    await create('first');
    await waitFor(async () => (await content()).includes('first.team'), 'the first record');

    await shell.close();
    await waitFor(() => !emitter.connected, 'the link noticed down');
    await create('lost');
    await create('kept1');
    await create('kept2');
    // Queued, not written into the dead channel: the oldest was dropped to make room.
    expect(emitter.queued).toBe(2);
    expect(emitter.dropped).toBe(1);

    shell = await startShell();
    cleanups.push(() => shell.close());
    // The queue empties into the new link, and the shell writes what it held.
    await waitFor(() => emitter.queued === 0, 'the queue sent', 5_000);
    await waitFor(async () => /kept1\.team[\s\S]*kept2\.team/.test(await content()), 'the queued events delivered', 5_000);
    expect(emitter.dropped).toBe(1);
    // The event of `lost` never arrived; the periodic resync (`list` on the agent) heals the gap.
    await waitFor(async () => (await content()).includes('lost.team'), 'the resync to heal the gap', 5_000);
    expect(await content()).toBe(['first', 'kept1', 'kept2', 'lost'].map((n) => `127.0.0.1 ${n}.team\n`).join(''));
  });
});
