// status-serve trusts no agent (SPEC §8): a DNS name belongs to the first agent
// holding it, one agent's records are capped and its flood is held at its own
// connection without starving another agent, and a heartbeat whose timestamp
// carries a terminal escape (OSC 52) is never delivered. Real SSH on loopback.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ClientChannel } from 'ssh2';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { generateEd25519, type KeyPair } from '../../src/lib/keys.js';
import { DEFAULT_LIMITS, NO_WORKSPACE, type SessionMeta } from '../../src/protocol/session.js';
import { makeEvent, type StatusEvent } from '../../src/protocol/status.js';
import { STATUS_SUBSYSTEM } from '../../src/protocol/subsystems.js';
import { rateLimiter, startStatusServer, type StatusServer } from '../../src/shell/status/status-serve.js';
import { connect, subsys, waitFor } from '../helpers/ssh.js';

const IPS: Record<string, string> = { 'agent-a': '10.0.0.1', 'agent-b': '10.0.0.2' };
let dir: string;
let shellHost: KeyPair;
const keys: Record<string, KeyPair> = {};
const cleanups: (() => unknown)[] = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'status-trust-'));
  shellHost = generateEd25519('shell-host');
  for (const id of Object.keys(IPS)) keys[id] = generateEd25519(id);
  await writeFile(join(dir, 'status_authorized_keys'), Object.values(keys).map((k) => `${k.public}\n`).join(''));
});
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
  await rm(join(dir, 'hosts'), { force: true });
});
afterAll(() => rm(dir, { recursive: true, force: true }));

async function startServer(maxRecordsPerAgent?: number): Promise<{ server: StatusServer; received: StatusEvent[]; logs: string[] }> {
  const received: StatusEvent[] = [];
  const logs: string[] = [];
  const server = await startStatusServer({
    listen: { host: '127.0.0.1', port: 0 },
    hostKey: shellHost.private,
    authorizedKeysPath: join(dir, 'status_authorized_keys'),
    stateDir: dir,
    log: (m) => logs.push(m),
    onEvent: (ev) => received.push(ev),
    dns: { hostsFile: join(dir, 'hosts'), signal: false, resolveIp: (id) => IPS[id], maxRecordsPerAgent },
  });
  cleanups.push(() => server.close());
  return { server, received, logs };
}

async function channelFor(server: StatusServer, agentId: string): Promise<ClientChannel> {
  const client = await connect(server.port, { privateKey: keys[agentId]!.private });
  cleanups.push(() => client.end());
  return subsys(client, STATUS_SUBSYSTEM);
}

const meta = (uuid: string, dns_name: string): SessionMeta => ({
  uuid, name: 'n', port: 0, protocol: 'tcp', dns_name, created_at: '2026-01-01T00:00:00Z', last_accessed: '2026-01-01T00:00:00Z', ...DEFAULT_LIMITS, ...NO_WORKSPACE,
});
const created = (agent: string, uuid: string, name: string) => `${JSON.stringify(makeEvent('container.created', agent, meta(uuid, name), uuid))}\n`;
const hosts = () => readFile(join(dir, 'hosts'), 'utf8').catch(() => '');

describe('status-serve and untrusted agents', () => {
  it('gives a name to the first agent holding it; a second claim is refused and logged', async () => {
    const { server, logs } = await startServer();
    const a = await channelFor(server, 'agent-a');
    a.write(created('agent-a', 'u-a1', 'web.team'));
    await waitFor(async () => (await hosts()).includes('web.team'), 'a holds web.team');
    const b = await channelFor(server, 'agent-b');
    b.write(created('agent-b', 'u-b1', 'web.team') + created('agent-b', 'u-b2', 'api.team'));
    await waitFor(async () => (await hosts()).includes('api.team'), 'b publishes its own name');
    expect(await hosts()).toBe('10.0.0.2 api.team\n10.0.0.1 web.team\n');
    expect(logs).toContain('dns: refusing "web.team" from agent agent-b: agent agent-a holds it');
  });

  it('two agents claiming the same names at the same moment: each name goes to exactly one of them, and stays there', async () => {
    const { server, logs } = await startServer();
    const [a, b] = await Promise.all([channelFor(server, 'agent-a'), channelFor(server, 'agent-b')]);
    const names = Array.from({ length: 20 }, (_, i) => `race${i}.team`);
    // Both agents send each claim in the same tick, in alternating order.
    for (const [i, name] of names.entries()) {
      const claims = [() => a.write(created('agent-a', `u-a-${i}`, name)), () => b.write(created('agent-b', `u-b-${i}`, name))];
      for (const claim of i % 2 ? claims.reverse() : claims) claim();
    }
    await waitFor(async () => (await hosts()).split('\n').filter((l) => l.includes('race')).length === names.length, 'one record per name');
    const lines = (await hosts()).split('\n').filter((l) => l.includes('race'));
    for (const name of names) {
      const holders = lines.filter((l) => l.endsWith(` ${name}`));
      expect(holders, name).toHaveLength(1);
      const winner = holders[0]!.startsWith('10.0.0.1 ') ? 'agent-a' : 'agent-b';
      const loser = winner === 'agent-a' ? 'agent-b' : 'agent-a';
      expect(logs).toContain(`dns: refusing "${name}" from agent ${loser}: agent ${winner} holds it`);
    }
    // A later resync or repeat claim by the loser changes nothing.
    // Each agent's stream is handled in order, so its own new name showing up means its repeats were handled too.
    a.write(names.map((n, i) => created('agent-a', `u-a-${i}`, n)).join('') + created('agent-a', 'u-a-end', 'end-a.team'));
    b.write(names.map((n, i) => created('agent-b', `u-b-${i}`, n)).join('') + created('agent-b', 'u-b-end', 'end-b.team'));
    await waitFor(async () => (await hosts()).includes('end-a.team') && (await hosts()).includes('end-b.team'), 'both repeats handled');
    expect((await hosts()).split('\n').filter((l) => l.includes('race'))).toEqual(lines);
  });

  it('10 000 events from one agent stay under its cap and do not starve another agent', async () => {
    const { server, logs } = await startServer(100);
    const a = await channelFor(server, 'agent-a');
    const b = await channelFor(server, 'agent-b');
    let flood = '';
    for (let i = 0; i < 10_000; i++) flood += created('agent-a', `u-a${i}`, `n${i}.flood`);
    a.write(flood);
    b.write(created('agent-b', 'u-b1', 'ok.team'));
    await waitFor(async () => (await hosts()).includes('10.0.0.2 ok.team'), 'the other agent is heard', 15_000);
    await waitFor(() => logs.some((l) => /over 100 events\/s: \d+ dropped/.test(l)), 'the flood is held', 15_000);
    const lines = (await hosts()).split('\n').filter((l) => l.startsWith('10.0.0.1 '));
    expect(lines.length).toBe(100);
    expect(logs.filter((l) => l.includes('the agent already has 100 records')).length).toBeGreaterThan(0);
  });

  it('a heartbeat with an OSC 52 sequence in its timestamp never gets through; a clean one does', async () => {
    const { server, received } = await startServer();
    const a = await channelFor(server, 'agent-a');
    const bad = { type: 'agent.heartbeat', agent_id: 'agent-a', timestamp: '2026-01-01T00:00:00Z\u001b]52;c;cm0gLXJmIH4=\u0007', data: null };
    const badId = { type: 'agent.heartbeat', agent_id: '../../etc', timestamp: '2026-01-01T00:00:00Z', data: null };
    a.write(`${JSON.stringify(bad)}\n${JSON.stringify(badId)}\n`);
    a.write(`${JSON.stringify(makeEvent('agent.heartbeat', 'agent-a', null))}\n`);
    await waitFor(() => received.length >= 1, 'the clean heartbeat');
    expect(received).toHaveLength(1);
    expect(JSON.stringify(received)).not.toContain('\u001b');
    expect(server.agents().map((s) => s.agentId)).toEqual(['agent-a']);
  });

  it('the rate limiter allows a burst, then the steady rate', () => {
    let t = 0;
    const drops: number[] = [];
    const admit = rateLimiter({ burst: 3, perSecond: 2 }, (n) => drops.push(n), () => t);
    expect([admit(), admit(), admit(), admit()]).toEqual([true, true, true, false]);
    t += 500;
    expect([admit(), admit()]).toEqual([true, false]);
    expect(drops).toEqual([1]);
  });
});
