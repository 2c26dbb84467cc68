// Agent status emitter → shell status-serve over real SSH on loopback, and the
// unix socket fan-out to local subscribers.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { StatusEmitter, type StatusEmitterOptions } from '../../src/agent/status/emitter.js';
import { generateEd25519, type KeyPair } from '../../src/lib/keys.js';
import { DEFAULT_LIMITS, NO_WORKSPACE, type SessionMeta } from '../../src/protocol/session.js';
import { makeEvent, type StatusEvent } from '../../src/protocol/status.js';
import { STATUS_SUBSYSTEM } from '../../src/protocol/subsystems.js';
import { startStatusServer, type StatusServer } from '../../src/shell/status/status-serve.js';
import { subscribeStatus } from '../../src/shell/status/subscribe.js';
import { connect, subsys, waitFor } from '../helpers/ssh.js';

let dir: string;
let shellHost: KeyPair;
let agentKey: KeyPair;
const cleanups: (() => unknown)[] = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'status-'));
  shellHost = generateEd25519('shell-host');
  agentKey = generateEd25519('agent');
  await writeFile(join(dir, 'status_authorized_keys'), `${agentKey.public}\n`);
});
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});
afterAll(() => rm(dir, { recursive: true, force: true }));

async function startServer(port = 0, received: StatusEvent[] = []): Promise<{ server: StatusServer; received: StatusEvent[] }> {
  const server = await startStatusServer({
    listen: { host: '127.0.0.1', port },
    hostKey: shellHost.private,
    authorizedKeysPath: join(dir, 'status_authorized_keys'),
    stateDir: dir,
    log: () => undefined,
    onEvent: (ev) => received.push(ev),
  });
  cleanups.push(() => server.close());
  return { server, received };
}

function startEmitter(port: number, logs: string[], extra: Partial<StatusEmitterOptions> = {}): StatusEmitter {
  const emitter = new StatusEmitter({
    agentId: 'a9e00001',
    host: '127.0.0.1',
    port,
    privateKey: agentKey.private,
    knownHostKey: shellHost.public,
    log: (m) => logs.push(m),
    backoffInitialMs: 20,
    backoffMaxMs: 200,
    ...extra,
  });
  emitter.start();
  cleanups.push(() => emitter.close('test over'));
  return emitter;
}

const meta = (uuid: string, name: string): SessionMeta => ({
  uuid, name, port: 0, protocol: 'tcp', dns_name: '', created_at: '2026-01-01T00:00:00Z', last_accessed: '2026-01-01T00:00:00Z', ...DEFAULT_LIMITS, ...NO_WORKSPACE,
});
const edited = (session: string, n: number) => makeEvent('container.edited', 'a9e00001', meta(session, `n${n}`), session);
const names = (evs: StatusEvent[], session: string) =>
  evs.filter((e) => e.session_id === session).map((e) => (e.data as SessionMeta).name);

describe('status link', () => {
  it('delivers events in order per session, to onEvent and to socket subscribers', async () => {
    const { server, received } = await startServer();
    const viaSocket: StatusEvent[] = [];
    let subscribed = false;
    const sub = subscribeStatus(dir, (ev) => viaSocket.push(ev), { retryInitialMs: 20, onConnect: () => (subscribed = true) });
    cleanups.push(() => sub.close());
    await waitFor(() => subscribed, 'subscriber connected');
    const emitter = startEmitter(server.port, []);
    const want = Array.from({ length: 100 }, (_, i) => `n${i}`);
    for (let i = 0; i < 100; i++) emitter.emit(edited(i % 2 ? 's-odd' : 's-even', i));
    await waitFor(() => received.length >= 100 && viaSocket.length >= 100, 'all events');
    for (const evs of [received, viaSocket]) {
      expect(names(evs, 's-even')).toEqual(want.filter((_, i) => i % 2 === 0));
      expect(names(evs, 's-odd')).toEqual(want.filter((_, i) => i % 2 === 1));
    }
    expect(server.agents()).toMatchObject([{ agentId: 'a9e00001', remoteAddress: '127.0.0.1', connected: true }]);
  });

  it('ignores lines it cannot parse and keeps reading', async () => {
    const { server, received } = await startServer();
    const client = await connect(server.port, { privateKey: agentKey.private });
    cleanups.push(() => client.end());
    const ch = await subsys(client, STATUS_SUBSYSTEM);
    ch.write('not json\n{}\n{"type":"nope","agent_id":"x","timestamp":"t"}\n');
    ch.write(Buffer.alloc(200 * 1024, 'x'));
    ch.write('\n');
    ch.write(`${JSON.stringify(edited('s1', 1))}\n`);
    await waitFor(() => received.length === 1, 'the one good event');
    expect(names(received, 's1')).toEqual(['n1']);
    // Another subsystem or an exec are refused on the status listener.
    await expect(subsys(client, 'convocate-agent-rpc')).rejects.toThrow(/Unable to start subsystem/);
  });

  it('keeps accepting while the shell is down, drops the oldest beyond 256, and catches up on reconnect', async () => {
    const probe = await startServer();
    const port = probe.server.port;
    await probe.server.close();
    const logs: string[] = [];
    const emitter = startEmitter(port, logs);
    // emit() is synchronous: all 300 are queued or dropped before any I/O could happen.
    for (let i = 0; i < 300; i++) emitter.emit(edited('s-queue', i));
    expect(emitter.dropped).toBe(44);
    expect(emitter.queued).toBe(256);
    expect(logs.filter((l) => l.includes('status queue full (256 events)'))).toHaveLength(1);
    const { received } = await startServer(port);
    await waitFor(() => received.length >= 256, 'queued events after the listener came back');
    expect(names(received, 's-queue')).toEqual(Array.from({ length: 256 }, (_, i) => `n${i + 44}`));
    expect(logs.some((l) => l.includes('44 events were dropped while it was down'))).toBe(true);
  });

  it('comes back after the listener restarts', async () => {
    const first = await startServer();
    const logs: string[] = [];
    const emitter = startEmitter(first.server.port, logs);
    emitter.emit(edited('s-r', 1));
    await waitFor(() => first.received.length === 1, 'first event');
    await first.server.close();
    await waitFor(() => !emitter.connected, 'link noticed down');
    const second = await startServer(first.server.port);
    emitter.emit(edited('s-r', 2));
    await waitFor(() => second.received.length === 1, 'event after restart');
    expect(names(second.received, 's-r')).toEqual(['n2']);
  });

  it('sends heartbeats and a shutdown event', async () => {
    const { server, received } = await startServer();
    const emitter = startEmitter(server.port, [], { heartbeatMs: 100 });
    await waitFor(() => received.filter((e) => e.type === 'agent.heartbeat').length >= 2, 'two heartbeats');
    expect(server.agents()[0]?.lastHeartbeat).toBeInstanceOf(Date);
    await emitter.close('stopping for test');
    await waitFor(() => received.some((e) => e.type === 'agent.shutdown'), 'shutdown event');
    expect(received.find((e) => e.type === 'agent.shutdown')?.data).toEqual({ reason: 'stopping for test' });
    await waitFor(() => server.agents()[0]?.connected === false, 'agent marked gone');
  });

  it('refuses a shell whose host key is not the pinned one', async () => {
    const { server, received } = await startServer();
    const logs: string[] = [];
    const emitter = startEmitter(server.port, logs, { knownHostKey: generateEd25519('impostor').public });
    emitter.emit(edited('s-x', 1));
    await waitFor(() => logs.some((l) => l.startsWith('REFUSING status link')), 'loud refusal');
    expect(emitter.connected).toBe(false);
    expect(received).toHaveLength(0);
  });

  it('refuses an agent key that is not authorized', async () => {
    const { server } = await startServer();
    await expect(connect(server.port, { privateKey: generateEd25519().private })).rejects.toThrow(/authentication methods failed/);
  });
});
