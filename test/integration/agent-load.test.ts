// The agent's SSH server under load and abuse, with its default limits: 300
// unauthenticated connections held open plus 50 channels on one authenticated
// connection, while an authorized client still gets `ping`; and the
// shell's attach giving up with a clear error on an agent that never answers.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Client, ClientChannel } from 'ssh2';
import { startAgentServer, type AgentServer } from '../../src/agent/ssh/server.js';
import { generateEd25519 } from '../../src/lib/keys.js';
import type { AgentApi } from '../../src/protocol/agent-api.js';
import { RPC_SUBSYSTEM } from '../../src/protocol/subsystems.js';
import { SshAgentClient } from '../../src/shell/client/ssh-agent-client.js';
import { FakeAgentApi } from '../helpers/fake-agent-api.js';
import { connect, roundTrip, subsys, waitFor } from '../helpers/ssh.js';
import { holdConnection } from '../helpers/stalled-connection.mjs';

const host = generateEd25519('load-host');
const key = generateEd25519('load-client');
let dir: string;
let server: AgentServer;
const fake = new FakeAgentApi('10ad0001');
// attach never answers: a stuck agent as the shell sees it.
const api: AgentApi = { call: (op, params) => fake.call(op, params), attach: () => new Promise(() => undefined) };

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'agent-load-'));
  await writeFile(join(dir, 'authorized_keys'), `${key.public}\n`);
  server = await startAgentServer({
    api,
    hostKey: host.private,
    authorizedKeysPath: join(dir, 'authorized_keys'),
    listen: { host: '127.0.0.1', port: 0 },
    log: () => undefined,
  });
});
afterAll(async () => {
  await server?.close();
  await rm(dir, { recursive: true, force: true });
});

describe('held connections', () => {
  it('300 unauthenticated connections and 50 channels on one connection: ping still answers, pending connections stay capped', async () => {
    const held: Socket[] = [];
    const busy: Client[] = [];
    try {
      // Ten sources, 30 connections each.
      const socks = await Promise.all(Array.from({ length: 300 }, (_, i) => holdConnection(server.port, `127.0.0.${2 + (i % 10)}`)));
      for (const s of socks) if (s) held.push(s);
      await waitFor(() => server.counts().preAuth >= 250, 'the unauthenticated connections admitted');
      const hog = await connect(server.port, { privateKey: key.private });
      busy.push(hog);
      const channels: ClientChannel[] = [];
      for (let i = 0; i < 50; i++) channels.push(await subsys(hog, RPC_SUBSYSTEM));
      expect(channels).toHaveLength(50);

      // How fast it answers under this load is a figure for bench/abuse.mjs; here, that it answers.
      const c = await connect(server.port, { privateKey: key.private });
      busy.push(c);
      const { out } = await roundTrip(c, RPC_SUBSYSTEM, '{"op":"ping","params":null}\n');
      expect(JSON.parse(out)).toMatchObject({ ok: true, result: { agent_id: '10ad0001' } });
      // The caps held: no more pending than the total allows.
      expect(server.counts().preAuth).toBeLessThanOrEqual(256);
    } finally {
      for (const s of held) s.destroy();
      for (const c of busy) c.end();
    }
  });
});

describe('attach deadline on the shell', () => {
  it('an agent that never opens the session fails the attach with a clear error, and the connection stays usable', async () => {
    const client = new SshAgentClient({
      info: { id: '10ad0001', host: `127.0.0.1:${server.port}` },
      host: '127.0.0.1',
      port: server.port,
      privateKey: key.private,
      hostKeyPub: host.public,
    });
    try {
      await expect(client.attach('0f8fad5b-d9cb-469f-a165-70867728950e', 80, 24, { timeoutMs: 300 })).rejects.toThrow(
        'agent 10ad0001 did not open session 0f8fad5b-d9cb-469f-a165-70867728950e within 300 ms',
      );
      expect((await client.call('ping', null)).agent_id).toBe('10ad0001');
    } finally {
      await client.close();
    }
  });
});

describe('server-side op deadline', () => {
  it('answers an op that outlives its deadline with unavailable, and keeps serving', async () => {
    const slow: AgentApi = {
      call: (op, params) => (op === 'list' ? new Promise(() => undefined) : fake.call(op, params)),
      attach: () => new Promise(() => undefined),
    };
    const srv = await startAgentServer({
      api: slow,
      hostKey: host.private,
      authorizedKeysPath: join(dir, 'authorized_keys'),
      listen: { host: '127.0.0.1', port: 0 },
      log: () => undefined,
      opDeadlines: { defaultMs: 200 },
    });
    const c = await connect(srv.port, { privateKey: key.private });
    try {
      const { out } = await roundTrip(c, RPC_SUBSYSTEM, '{"op":"list","params":null}\n', { timeoutMs: 5_000 });
      expect(JSON.parse(out)).toEqual({ ok: false, code: 'unavailable', error: 'list did not finish within 200 ms on the agent' });
      const ping = await roundTrip(c, RPC_SUBSYSTEM, '{"op":"ping","params":null}\n');
      expect(JSON.parse(ping.out)).toMatchObject({ ok: true });
    } finally {
      c.end();
      await srv.close();
    }
  });
});
