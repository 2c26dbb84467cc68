// The agent's SSH server on loopback with a fake API, driven by ssh2's client
// and by OpenSSH: round trips, every refusal SPEC §4 lists, and hostile input.
import { spawn } from 'node:child_process';
import { connect as netConnect } from 'node:net';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { utils, type Client } from 'ssh2';
import { startAgentServer, type AgentServer } from '../../src/agent/ssh/server.js';
import { generateEd25519, writeKeyPair, type KeyPair } from '../../src/lib/keys.js';
import { sendWindowChange } from '../../src/lib/ssh-window.js';
import { ATTACH_SUBSYSTEM, RPC_SUBSYSTEM } from '../../src/protocol/subsystems.js';
import { FakeAgentApi } from '../helpers/fake-agent-api.js';
import { connect, roundTrip, runSsh, subsys, waitFor } from '../helpers/ssh.js';

let dir: string;
let server: AgentServer;
let api: FakeAgentApi;
let good: KeyPair;
let client: Client;
const logs: string[] = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'agent-ssh-'));
  const host = generateEd25519('agent-host');
  good = generateEd25519('shell@test');
  await writeKeyPair(join(dir, 'id_good'), good);
  await writeFile(join(dir, 'authorized_keys'), `# shells allowed here\n\n${good.public}\n`);
  api = new FakeAgentApi();
  server = await startAgentServer({
    api,
    hostKey: host.private,
    authorizedKeysPath: join(dir, 'authorized_keys'),
    listen: { host: '127.0.0.1', port: 0 },
    log: (m) => logs.push(m),
    rpcTimeoutMs: 1_000,
    attachHeaderTimeoutMs: 1_000,
  });
  await writeFile(join(dir, 'known_hosts'), `[127.0.0.1]:${server.port} ${host.public}\n`);
  client = await connect(server.port, { privateKey: good.private });
});

afterAll(async () => {
  client?.end();
  await server?.close();
  await rm(dir, { recursive: true, force: true });
});

const rpc = async (line: string | Buffer, c: Client = client) => {
  const { out, exit } = await roundTrip(c, RPC_SUBSYSTEM, line);
  return { ...(JSON.parse(out) as { ok: boolean; result?: Record<string, unknown>; error?: string }), exit };
};

/** A fresh connection with the good key still gets answers: the server survived. */
async function stillServes(): Promise<void> {
  const c = await connect(server.port, { privateKey: good.private });
  try {
    expect((await rpc('{"op":"ping"}\n', c)).ok).toBe(true);
  } finally {
    c.end();
  }
}

function sshArgs(subsystem: string, extra: string[] = []): string[] {
  return [
    '-F', '/dev/null', '-i', join(dir, 'id_good'), '-o', 'IdentitiesOnly=yes',
    '-o', `UserKnownHostsFile=${join(dir, 'known_hosts')}`, '-o', 'StrictHostKeyChecking=yes',
    '-o', 'BatchMode=yes', '-o', 'ConnectTimeout=10', '-p', String(server.port), ...extra,
    'test@127.0.0.1', '-s', subsystem,
  ];
}

describe('rpc round trips', () => {
  it('answers ping/create/list/get over ssh2', async () => {
    const ping = await rpc('{"op":"ping","params":null}\n');
    expect(ping).toMatchObject({ ok: true, exit: 0, result: { agent_id: api.agentId } });
    const created = await rpc(JSON.stringify({ op: 'create', params: { name: 'alpha', port: 0 } }));
    expect(created.ok).toBe(true);
    const uuid = String(created.result?.uuid);
    const list = await rpc('{"op":"list"}\n');
    expect((list.result?.sessions as { uuid: string }[]).map((s) => s.uuid)).toContain(uuid);
    const got = await rpc(JSON.stringify({ op: 'get', params: { id: uuid } }) + '\r\n');
    expect(got.result).toMatchObject({ uuid, name: 'alpha' });
  });

  it('answers OpenSSH `ssh -s` fed one line on stdin', async () => {
    const ping = await runSsh(sshArgs(RPC_SUBSYSTEM), '{"op":"ping","params":null}\n');
    expect(ping.code, ping.stderr).toBe(0);
    expect(JSON.parse(ping.stdout)).toMatchObject({ ok: true, result: { agent_id: api.agentId } });
    const created = await runSsh(sshArgs(RPC_SUBSYSTEM), JSON.stringify({ op: 'create', params: { name: 'beta' } }));
    const uuid = (JSON.parse(created.stdout) as { result: { uuid: string } }).result.uuid;
    const got = await runSsh(sshArgs(RPC_SUBSYSTEM), JSON.stringify({ op: 'get', params: { id: uuid } }) + '\n');
    expect(JSON.parse(got.stdout)).toMatchObject({ ok: true, result: { uuid, name: 'beta' } });
    const list = await runSsh(sshArgs(RPC_SUBSYSTEM), '{"op":"list"}\n');
    expect(list.stdout).toContain(uuid);
    // An env request is refused (OpenSSH does not wait for the answer) and the rpc still works.
    const withEnv = await runSsh(sshArgs(RPC_SUBSYSTEM, ['-o', 'SetEnv=FOO=bar']), '{"op":"ping"}\n');
    expect(JSON.parse(withEnv.stdout)).toMatchObject({ ok: true });
    expect(logs).toContain('refused env request');
  });
});

describe('attach', () => {
  it('echoes bytes through OpenSSH and ends with status 0', async () => {
    const { result } = await rpc(JSON.stringify({ op: 'create', params: { name: 'att' } }));
    const id = String(result?.uuid);
    const child = spawn('ssh', ['-T', ...sshArgs(ATTACH_SUBSYSTEM)], { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    try {
      child.stdin.write(`${JSON.stringify({ id, cols: 100, rows: 30 })}\nfirst`);
      await waitFor(() => out.includes('first'), 'echo of bytes sent with the header');
      child.stdin.write('-second');
      await waitFor(() => out.includes('first-second'), 'echo of later bytes');
      child.stdin.end();
      expect(await exited).toBe(0);
    } finally {
      child.kill();
    }
    expect(api.attaches.at(-1)).toEqual({ id, cols: 100, rows: 30 });
  });

  it('forwards window-change to resize and closes the relay when the client goes', async () => {
    const { result } = await rpc(JSON.stringify({ op: 'create', params: { name: 'win' } }));
    const id = String(result?.uuid);
    const ch = await subsys(client, ATTACH_SUBSYSTEM);
    let out = '';
    ch.on('data', (b: Buffer) => (out += b.toString()));
    ch.write(`${JSON.stringify({ id })}\n`);
    ch.write('ping-bytes');
    await waitFor(() => out === 'ping-bytes', 'echo over ssh2');
    // Absurd sizes never reach the container runtime; a sane one after them does.
    expect(sendWindowChange(ch, 0, 43)).toBe(true);
    expect(sendWindowChange(ch, 132, 1_000_000)).toBe(true);
    expect(sendWindowChange(ch, 132, 43)).toBe(true);
    await waitFor(() => api.resizes.some((r) => r.id === id && r.cols === 132 && r.rows === 43), 'resize');
    expect(api.resizes.filter((r) => r.id === id)).toEqual([{ id, cols: 132, rows: 43 }]);
    const closedBefore = api.closedAttaches;
    ch.close();
    await waitFor(() => api.closedAttaches > closedBefore, 'handle.close() after the client left');
  });

  it('answers a bad header or an unknown session with one ok:false line', async () => {
    for (const header of ['garbage\n', '{"id":1}\n', '{"id":"x","cols":-1}\n', `{"id":"../x"}\n`, '\n']) {
      const { out, exit } = await roundTrip(client, ATTACH_SUBSYSTEM, header, { end: false });
      expect(JSON.parse(out), header).toMatchObject({ ok: false });
      expect(exit).toBe(1);
    }
    const unknown = await roundTrip(client, ATTACH_SUBSYSTEM, '{"id":"00000000-0000-4000-8000-000000000000"}\n', { end: false });
    expect(JSON.parse(unknown.out)).toMatchObject({ ok: false, code: 'not_found' });
    const silent = await roundTrip(client, ATTACH_SUBSYSTEM, '', { end: false });
    expect(JSON.parse(silent.out).error).toMatch(/no attach header within/);
  });
});

describe('authentication refusals', () => {
  const refused = async (config: Parameters<typeof connect>[1]) => {
    await expect(connect(server.port, config)).rejects.toThrow(/authentication methods failed/);
    await stillServes();
  };

  it('refuses password', () => refused({ password: 'hunter2' }));
  it('refuses keyboard-interactive', () => refused({ tryKeyboard: true, authHandler: ['keyboard-interactive'] }));
  it('refuses none', () => refused({ authHandler: ['none'] }));
  it('refuses an RSA key', () => refused({ privateKey: utils.generateKeyPairSync('rsa', { bits: 2048 }).private }));
  it('refuses an ECDSA key', () => refused({ privateKey: utils.generateKeyPairSync('ecdsa', { bits: 256 }).private }));
  it('refuses an unknown ed25519 key', () => refused({ privateKey: generateEd25519().private }));

  it('refuses an unknown key through OpenSSH too', async () => {
    await writeKeyPair(join(dir, 'id_other'), generateEd25519());
    const args = sshArgs(RPC_SUBSYSTEM).map((a) => (a === join(dir, 'id_good') ? join(dir, 'id_other') : a));
    const r = await runSsh(args, '{"op":"ping"}\n');
    expect(r.code).toBe(255);
    expect(r.stderr).toMatch(/Permission denied \(publickey\)/);
  });
});

describe('channel refusals', () => {
  const expectRefused = async (attempt: (done: (err?: Error) => void) => void, msg: RegExp) => {
    const err = await new Promise<Error | undefined>((resolve) => attempt(resolve));
    expect(err?.message).toMatch(msg);
    expect((await rpc('{"op":"ping"}\n')).ok).toBe(true);
  };

  it('refuses shell', () => expectRefused((d) => client.shell(false, (e) => d(e)), /Unable to open shell/));
  it('refuses exec', () => expectRefused((d) => client.exec('id', (e) => d(e)), /Unable to exec/));
  it('refuses pty-req', () => expectRefused((d) => client.exec('id', { pty: true }, (e) => d(e)), /pseudo-terminal/));
  it('refuses x11', () => expectRefused((d) => client.exec('id', { x11: true }, (e) => d(e)), /X11/i));
  it('refuses direct-tcpip', () => expectRefused((d) => client.forwardOut('127.0.0.1', 1, '127.0.0.1', 22, (e) => d(e)), /Channel open failure/));
  it('refuses tcpip-forward', () => expectRefused((d) => client.forwardIn('127.0.0.1', 0, (e) => d(e)), /Unable to bind/));
  it('refuses an unknown subsystem', () => expectRefused((d) => client.subsys('sftp', (e) => d(e)), /Unable to start subsystem/));

  it('refuses window-change and signal on an rpc channel, which still answers', async () => {
    const ch = await subsys(client, RPC_SUBSYSTEM);
    let out = '';
    ch.on('data', (b: Buffer) => (out += b.toString()));
    const closed = new Promise((resolve) => ch.once('close', resolve));
    expect(sendWindowChange(ch, 100, 30)).toBe(true);
    ch.signal('KILL');
    await waitFor(() => logs.includes('refused window-change outside an attach channel') && logs.includes('refused signal request'), 'refusals logged');
    ch.end('{"op":"ping"}\n');
    await closed;
    expect(JSON.parse(out)).toMatchObject({ ok: true });
  });

  it('refuses auth-agent forwarding', async () => {
    const c = await connect(server.port, { privateKey: good.private, agent: join(dir, 'no-agent.sock'), agentForward: true });
    try {
      const err = await new Promise<Error | undefined>((resolve) => c.exec('id', (e) => resolve(e)));
      expect(err?.message).toMatch(/agent forwarding/);
      expect((await rpc('{"op":"ping"}\n', c)).ok).toBe(true);
    } finally {
      c.end();
    }
  });
});

describe('auth grace time', () => {
  it('drops a peer that never authenticates, and keeps serving others', async () => {
    const graceLogs: string[] = [];
    const host = generateEd25519('grace-host');
    const strict = await startAgentServer({
      api,
      hostKey: host.private,
      authorizedKeysPath: join(dir, 'authorized_keys'),
      listen: { host: '127.0.0.1', port: 0 },
      log: (m) => graceLogs.push(m),
      authGraceMs: 500,
    });
    try {
      const openedAt = Date.now();
      const sock = netConnect(strict.port, '127.0.0.1');
      sock.on('data', () => undefined);
      sock.write('SSH-2.0-idle_peer\r\n');
      const closedAt = await new Promise<number>((resolve) => sock.once('close', () => resolve(Date.now())));
      // Closed by the grace timer, not refused at once (a slow machine only makes this longer).
      expect(closedAt - openedAt).toBeGreaterThanOrEqual(450);
      expect(graceLogs.some((l) => /auth grace time over/.test(l))).toBe(true);
      const c = await connect(strict.port, { privateKey: good.private });
      expect((await roundTrip(c, RPC_SUBSYSTEM, '{"op":"ping"}\n')).out).toMatch(/"ok":true/);
      c.end();
    } finally {
      await strict.close();
    }
  });
});

describe('authorized_keys options', () => {
  it('refuses a key whose options would restrict it, since they are not enforced', async () => {
    const restricted = generateEd25519('restricted');
    const host = generateEd25519('opts-host');
    await writeFile(join(dir, 'authorized_keys_opts'), `from="10.9.8.7" ${restricted.public}\n${good.public}\n`);
    const srv = await startAgentServer({
      api,
      hostKey: host.private,
      authorizedKeysPath: join(dir, 'authorized_keys_opts'),
      listen: { host: '127.0.0.1', port: 0 },
      log: (m) => logs.push(m),
    });
    try {
      await expect(connect(srv.port, { privateKey: restricted.private })).rejects.toThrow(/authentication methods failed/);
      expect(logs.some((l) => /has options \(from="10.9.8.7"\) that are not supported/.test(l))).toBe(true);
      const ok = await connect(srv.port, { privateKey: good.private });
      ok.end();
    } finally {
      await srv.close();
    }
  });
});

describe('bad input', () => {
  const expectError = async (input: string | Buffer, msg: RegExp) => {
    const r = await rpc(input);
    expect(r.ok).toBe(false);
    expect(r.error).toMatch(msg);
  };

  it('answers ok:false to malformed requests', async () => {
    await expectError('{not json\n', /^decode request/);
    await expectError('\n', /^decode request/);
    await expectError('', /^decode request/);
    await expectError('[1,2]\n', /must be a JSON object/);
    await expectError('{"op":42}\n', /"op" must be a non-empty string/);
    await expectError('{"op":"get","params":{"id":7}}\n', /^decode params: id/);
    await expectError('{"op":"create","params":{"name":"x","port":"80"}}\n', /^decode params: port/);
    await expectError('{"op":"rm -rf"}\n', /^unknown op "rm -rf"/);
    await expectError('{"op":"get","params":{"id":"../x"}}\n', /invalid session id/);
  });

  it('answers an oversized line with too_large and closes', async () => {
    const r = await rpc(Buffer.alloc(1024 * 1024 + 10, 'a'));
    expect(r).toMatchObject({ ok: false, code: 'too_large' });
  });

  it('times out an idle channel', async () => {
    const { out } = await roundTrip(client, RPC_SUBSYSTEM, '{"op":"pi', { end: false });
    expect(JSON.parse(out)).toMatchObject({ ok: false, error: 'no request line within 1000 ms' });
  });

  it('survives 10 000 random lines', async () => {
    const seed = JSON.stringify({ op: 'create', params: { name: 'fuzz', port: 80, protocol: 'tcp', dns_name: 'a.b' } });
    const line = (i: number): Buffer => {
      if (i % 3 === 0) return randomBytes(1 + (i % 200));
      const chars = seed.split('');
      for (let k = 0; k < 1 + (i % 5); k++) chars[(i * 7 + k * 13) % chars.length] = String.fromCharCode(32 + ((i * k + 11) % 95));
      return Buffer.from(`${chars.join('')}\n`);
    };
    const clients = await Promise.all([0, 1, 2, 3].map(() => connect(server.port, { privateKey: good.private })));
    // Bounded by count and by the test's timeout; the throughput is a figure for bench/abuse.mjs.
    let next = 0;
    let answered = 0;
    const worker = async (c: Client) => {
      while (next < 10_000) {
        const { out } = await roundTrip(c, RPC_SUBSYSTEM, line(next++));
        const parsed = JSON.parse(out) as { ok: boolean };
        expect(typeof parsed.ok).toBe('boolean');
        answered++;
      }
    };
    try {
      await Promise.all(clients.flatMap((c) => [worker(c), worker(c), worker(c), worker(c)]));
    } finally {
      for (const c of clients) c.end();
    }
    expect(answered).toBeGreaterThanOrEqual(10_000);
    await stillServes();
  }, 180_000);
});
