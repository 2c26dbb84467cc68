// The one SSH hardening (lib/ssh-guard.ts), tested once for both listeners that
// use it: the agent's control plane and status-serve. Caps on unauthenticated
// connections per source and in total, channels per connection, the subsystem
// deadline, and refusals. Extra sources are other loopback addresses (127.0.0.x).
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { connect as netConnect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Client, ClientChannel } from 'ssh2';
import { startAgentServer } from '../../src/agent/ssh/server.js';
import { generateEd25519, writeKeyPair, type KeyPair } from '../../src/lib/keys.js';
import type { SshLimits } from '../../src/lib/ssh-guard.js';
import { ATTACH_SUBSYSTEM, RPC_SUBSYSTEM, STATUS_SUBSYSTEM } from '../../src/protocol/subsystems.js';
import { startStatusServer } from '../../src/shell/status/status-serve.js';
import { FakeAgentApi } from '../helpers/fake-agent-api.js';
import { connect, subsys, waitFor } from '../helpers/ssh.js';

interface Listener {
  port: number;
  counts(): { preAuth: number; authenticated: number };
  close(): Promise<void>;
}

interface Kind {
  name: string;
  /** A subsystem whose channel stays open until the client closes it. */
  subsystem: string;
  start(dir: string, key: KeyPair, limits: Partial<SshLimits>, log: (m: string) => void): Promise<Listener>;
}

const host = generateEd25519('guard-host');

const KINDS: Kind[] = [
  {
    name: 'agent control plane',
    subsystem: RPC_SUBSYSTEM,
    start: (dir, _key, limits, log) =>
      startAgentServer({
        api: new FakeAgentApi(),
        hostKey: host.private,
        authorizedKeysPath: join(dir, 'authorized_keys'),
        listen: { host: '127.0.0.1', port: 0 },
        log,
        limits,
        maxAttachesPerConnection: 2,
        rpcTimeoutMs: 60_000,
        attachHeaderTimeoutMs: 60_000,
      }),
  },
  {
    name: 'status-serve',
    subsystem: STATUS_SUBSYSTEM,
    start: (dir, _key, limits, log) =>
      startStatusServer({
        listen: { host: '127.0.0.1', port: 0 },
        hostKey: host.private,
        authorizedKeysPath: join(dir, 'authorized_keys'),
        stateDir: dir,
        log,
        limits,
      }).then((s) => ({ port: s.port, counts: () => s.counts(), close: () => s.close() })),
  },
];

/** Raw TCP connections from `source` that send nothing: the cheapest flood there is. */
async function rawFlood(port: number, source: string, n: number): Promise<Socket[]> {
  return Promise.all(
    Array.from(
      { length: n },
      () =>
        new Promise<Socket>((resolve, reject) => {
          const s = netConnect({ host: '127.0.0.1', port, localAddress: source });
          s.once('connect', () => resolve(s));
          s.once('error', reject);
        }),
    ),
  );
}

const open = (socks: Socket[]) => socks.filter((s) => !s.destroyed && !s.readableEnded).length;

function watchClosed(socks: Socket[]): () => number {
  let closed = 0;
  for (const s of socks) {
    s.on('error', () => undefined);
    s.once('close', () => closed++);
    s.resume(); // read to the server's FIN
  }
  return () => closed;
}

/** Open a session channel that never asks for anything (ssh2 has no call for that: its exec request is held back). */
function bareSession(client: Client): void {
  const proto = (client as unknown as { _protocol: { exec: (...a: unknown[]) => void } })._protocol;
  const exec = proto.exec;
  proto.exec = () => {
    proto.exec = exec;
  };
  client.exec('never sent', () => undefined);
}

describe.each(KINDS)('ssh guard: $name', (kind) => {
  let dir: string;
  let key: KeyPair;
  let server: Listener;
  const logs: string[] = [];
  const sockets: Socket[] = [];
  const clients: Client[] = [];

  const start = async (limits: Partial<SshLimits>) => {
    server = await kind.start(dir, key, limits, (m) => logs.push(m));
  };
  const client = async (localAddress = '127.0.0.1') => {
    const c = await connect(server.port, { privateKey: key.private, localAddress });
    clients.push(c);
    return c;
  };

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ssh-guard-'));
    key = generateEd25519('guard-client');
    await writeKeyPair(join(dir, 'id'), key);
    await writeFile(join(dir, 'authorized_keys'), `${key.public}\n`);
    logs.length = 0;
  });
  afterEach(async () => {
    for (const s of sockets.splice(0)) s.destroy();
    for (const c of clients.splice(0)) c.end();
    await server?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('caps unauthenticated connections per source; other sources still get in', async () => {
    await start({ preAuthPerSource: 5, preAuthTotal: 50 });
    const flood = await rawFlood(server.port, '127.0.0.2', 12);
    sockets.push(...flood);
    const closed = watchClosed(flood);
    await waitFor(() => closed() === 7, '7 of 12 connections from one source refused');
    expect(server.counts().preAuth).toBe(5);
    expect(open(flood)).toBe(5);
    expect(logs.some((l) => l.includes('refused connection from 127.0.0.2: 5 unauthenticated connections from it already'))).toBe(true);
    const c = await client();
    const ch = await subsys(c, kind.subsystem);
    ch.close();
    await waitFor(() => server.counts().authenticated === 1, 'the good client counted as authenticated');
  });

  it('caps them in total by dropping the busiest source\u2019s oldest, so a flood cannot lock others out', async () => {
    await start({ preAuthPerSource: 6, preAuthTotal: 8 });
    const busy = await rawFlood(server.port, '127.0.0.2', 6);
    const other = await rawFlood(server.port, '127.0.0.3', 2);
    sockets.push(...busy, ...other);
    await waitFor(() => server.counts().preAuth === 8, 'eight pending');
    const busyClosed = watchClosed(busy);
    const otherClosed = watchClosed(other);
    const c = await client();
    await subsys(c, kind.subsystem);
    await waitFor(() => busyClosed() === 1, 'one of the busiest source\u2019s connections dropped');
    expect(otherClosed()).toBe(0);
    expect(server.counts().preAuth).toBeLessThanOrEqual(8);
  });

  it('drops a connection that has not authenticated within the grace time', async () => {
    await start({ authGraceMs: 300 });
    const [s] = await rawFlood(server.port, '127.0.0.2', 1);
    sockets.push(s!);
    const closed = watchClosed([s!]);
    await waitFor(() => closed() === 1, 'the idle connection dropped', 5_000);
    expect(server.counts().preAuth).toBe(0);
  });

  it('caps session channels per connection and frees the slot when one closes', async () => {
    await start({ channelsPerConnection: 3 });
    const c = await client();
    const chans: ClientChannel[] = [];
    for (let i = 0; i < 3; i++) chans.push(await subsys(c, kind.subsystem));
    await expect(subsys(c, kind.subsystem)).rejects.toThrow(/open failure|Channel open failure|failed/i);
    expect(logs.some((l) => l.includes('refused session channel: 3 already open'))).toBe(true);
    chans[0]!.close();
    await waitFor(async () => subsys(c, kind.subsystem).then(() => true, () => false), 'a channel opens again');
  });

  it('drops a connection whose session channel never asks for a subsystem', async () => {
    await start({ subsystemDeadlineMs: 300 });
    const c = await client();
    const ended = new Promise<void>((r) => c.once('close', () => r()));
    bareSession(c);
    await ended;
    expect(logs.some((l) => /asked for no subsystem within 300 ms: dropping the connection/.test(l))).toBe(true);
    // Others are served as before.
    await subsys(await client(), kind.subsystem);
  });

  it('refuses other subsystems, shell, exec and forwarding', async () => {
    await start({});
    const c = await client();
    await expect(subsys(c, 'sftp')).rejects.toThrow();
    await expect(new Promise((res, rej) => c.exec('id', (err) => (err ? rej(err) : res(undefined))))).rejects.toThrow();
    await expect(new Promise((res, rej) => c.shell((err) => (err ? rej(err) : res(undefined))))).rejects.toThrow();
    await expect(new Promise((res, rej) => c.forwardOut('127.0.0.1', 1, '127.0.0.1', 22, (err) => (err ? rej(err) : res(undefined))))).rejects.toThrow();
    await subsys(c, kind.subsystem);
  });
});

describe('ssh guard: attaches per connection (agent)', () => {
  it('refuses an attach channel past the cap while rpc channels still open', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ssh-guard-'));
    const key = generateEd25519('guard-client');
    await writeFile(join(dir, 'authorized_keys'), `${key.public}\n`);
    const logs: string[] = [];
    const server = await KINDS[0]!.start(dir, key, {}, (m) => logs.push(m));
    const c = await connect(server.port, { privateKey: key.private });
    try {
      await subsys(c, ATTACH_SUBSYSTEM);
      await subsys(c, ATTACH_SUBSYSTEM);
      await expect(subsys(c, ATTACH_SUBSYSTEM)).rejects.toThrow();
      expect(logs.some((l) => l.includes(`refused ${ATTACH_SUBSYSTEM}: 2 already open on this connection`))).toBe(true);
      await subsys(c, RPC_SUBSYSTEM);
    } finally {
      c.end();
      await server.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
