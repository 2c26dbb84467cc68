// The built `convocate-agent serve` on loopback, driven by OpenSSH's `ssh -s`
// and by the shell's SshAgentClient: every op on real Docker, attach through
// tmux, restart rediscovery, and a kill -9 during 100 concurrent mutating ops.
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Session } from '../../src/protocol/session.js';
import { SshAgentClient } from '../../src/shell/client/ssh-agent-client.js';
import { startAgentProcess, type AgentProcess } from '../helpers/agent-process.js';
import { dockerClient, waitFor } from '../helpers/docker.js';
import { runSsh } from '../helpers/ssh.js';

let agent: AgentProcess;

async function rpc<T = unknown>(op: string, params: unknown = null): Promise<{ ok: boolean; result?: T; error?: string }> {
  const r = await runSsh(agent.sshArgs('convocate-agent-rpc'), `${JSON.stringify({ op, params })}\n`);
  expect(r.code, r.stderr).toBe(0);
  const lines = r.stdout.trim().split('\n');
  expect(lines).toHaveLength(1);
  return JSON.parse(lines[0]!);
}

async function rpcOk<T>(op: string, params: unknown = null): Promise<T> {
  const r = await rpc<T>(op, params);
  if (!r.ok) throw new Error(`${op} failed: ${r.error}`);
  return r.result as T;
}

function sshClient(): SshAgentClient {
  return new SshAgentClient({
    info: { id: agent.agentId, host: `${agent.host}:${agent.port}` },
    host: agent.host,
    port: agent.port,
    privateKey: agent.clientKey,
    hostKeyPub: agent.hostKeyPub,
  });
}

beforeAll(async () => {
  agent = await startAgentProcess('serve');
});
afterEach((ctx) => {
  if (ctx.task.result?.state === 'fail') console.error(`agent log:\n${agent.log()}`);
});
afterAll(async () => {
  await agent?.cleanup();
});

describe('convocate-agent serve over OpenSSH', () => {
  it('answers every op through `ssh -s convocate-agent-rpc`', async () => {
    expect(await rpcOk('ping')).toMatchObject({ agent_id: agent.agentId, version: expect.any(String) });
    const s = await rpcOk<Session>('create', { name: 'ssh-made', port: -1, protocol: 'udp', dns_name: 'ssh-made.test' });
    expect(s).toMatchObject({ name: 'ssh-made', protocol: 'udp', state: '-' });
    expect((await rpcOk<{ sessions: Session[] }>('list')).sessions.map((x) => x.uuid)).toContain(s.uuid);
    expect(await rpcOk<Session>('get', { id: s.uuid })).toMatchObject({ uuid: s.uuid });
    expect(await rpcOk<Session>('edit', { id: s.uuid, name: 'renamed' })).toMatchObject({ name: 'renamed', dns_name: 'ssh-made.test' });
    const c = await rpcOk<Session>('clone', { source_id: s.uuid, name: 'copy' });
    expect(c).toMatchObject({ port: 0, dns_name: '' });
    expect(await rpcOk<Session>('restart', { id: s.uuid })).toMatchObject({ state: 'R' });
    expect(await rpc('restart', { id: s.uuid })).toEqual({ ok: false, error: 'session is already running', code: 'already_running' });
    expect(await rpcOk<Session>('background', { id: s.uuid })).toMatchObject({ running: true });
    expect(await rpcOk<Session>('kill', { id: s.uuid })).toMatchObject({ state: '-' });
    expect(await rpcOk<Session>('override', { id: s.uuid })).toMatchObject({ state: '-' });
    expect(await rpcOk('settings-get')).toMatchObject({ agent_id: agent.agentId, sessions_dir: agent.sessionsDir });
    expect(await rpcOk('delete', { id: c.uuid })).toEqual({ uuid: c.uuid });
    expect(await rpc('get', { id: c.uuid })).toMatchObject({ ok: false, error: `session "${c.uuid}" not found` });
    expect(await rpc('get', { id: '../../etc' })).toMatchObject({ ok: false, error: expect.stringMatching(/^invalid session id/) });
    expect(await rpc('frobnicate')).toMatchObject({ ok: false, error: 'unknown op "frobnicate"' });
  });

  it('attach through `ssh -T -s convocate-agent-attach` echoes a command from tmux', async () => {
    const s = await rpcOk<Session>('create', { name: 'attach-ssh' });
    // The header, a command, then tmux's detach chord so that ssh exits by itself.
    const input = `${JSON.stringify({ id: s.uuid, cols: 100, rows: 30 })}\n`;
    const { spawn } = await import('node:child_process');
    const child = spawn('ssh', agent.sshArgs('convocate-agent-attach', ['-T']), { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString()));
    child.stdin.write(input);
    await waitFor('tmux to draw', async () => (out.length > 0 ? true : undefined), 30_000);
    child.stdin.write('echo via-openssh-$((6*7))\r');
    await waitFor('echo output', async () => (out.includes('via-openssh-42') ? true : undefined), 15_000);
    expect((await rpcOk<Session>('get', { id: s.uuid })).state).toBe('C');
    child.stdin.write('\x02d');
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    expect(code).toBe(0);
    await waitFor('R after detach', async () => ((await rpcOk<Session>('get', { id: s.uuid })).state === 'R' ? true : undefined));
  });

  it('the shell SshAgentClient does RPC and attach with resize over one connection', async () => {
    const client = sshClient();
    try {
      const s = await client.call('create', { name: 'via-client' });
      const handle = await client.attach(s.uuid, 90, 20);
      let out = '';
      handle.stream.on('data', (b: Buffer) => (out += b.toString()));
      handle.stream.write('tmux list-clients -F "size=#{client_width}x#{client_height}"\r');
      await waitFor('size 90x20', async () => (out.includes('size=90x20') ? true : undefined), 15_000);
      await handle.resize(120, 33);
      // The window-change reaches Docker asynchronously while typed bytes go straight
      // to the PTY, so the size is asked again until it shows (bounded by waitFor).
      let asked = 0;
      await waitFor('size 120x33', async () => {
        if (out.includes('size=120x33')) return true;
        if (asked++ % 10 === 0) handle.stream.write('clear; tmux list-clients -F "size=#{client_width}x#{client_height}"\r');
        return undefined;
      }, 15_000);
      handle.close();
      await handle.done;
      expect((await client.call('list', null)).sessions.find((x) => x.uuid === s.uuid)?.running).toBe(true);
      const err = await client.attach('6b1c3f7e-0000-4000-8000-000000000000', 80, 24).catch((e: Error) => e);
      expect((err as Error).message).toBe('session "6b1c3f7e-0000-4000-8000-000000000000" not found');
    } finally {
      await client.close();
    }
  });

  it('a changed agent host key is refused loudly', async () => {
    const other = (await import('../../src/lib/keys.js')).generateEd25519('impostor');
    const client = new SshAgentClient({
      info: { id: agent.agentId, host: 'x' },
      host: agent.host,
      port: agent.port,
      privateKey: agent.clientKey,
      hostKeyPub: other.public,
    });
    await expect(client.call('ping', null)).rejects.toThrow(/DIFFERENT host key/);
    await client.close();
  });

  it('containers keep running across an agent stop and are rediscovered on restart', async () => {
    const s = await rpcOk<Session>('create', { name: 'survivor' });
    await rpcOk('restart', { id: s.uuid });
    expect(await agent.kill('SIGTERM')).toBe(0);
    expect(agent.log()).toMatch(/stopped: received SIGTERM/);
    const [row] = await dockerClient().listContainers({ filters: { label: [`convocate.session=${s.uuid}`] } });
    expect(row?.State).toBe('running');
    await agent.start();
    expect((await rpcOk<Session>('get', { id: s.uuid })).state).toBe('R');
  });

  it('kill -9 during 100 concurrent mutating ops: nothing torn or lost, stale locks cleared, every op done or not done', async () => {
    const running = await rpcOk<Session>('create', { name: 'crash-running' });
    await rpcOk('restart', { id: running.uuid });
    const make = (prefix: string) => Promise.all(Array.from({ length: 25 }, (_, i) => rpcOk<Session>('create', { name: `${prefix}-${i}` })));
    const editTargets = await make('edit');
    const cloneSources = await make('src');
    const doomed = await make('doomed');
    // A few MB per home, so that clones are still copying when the kill lands.
    const payload = Buffer.alloc(4 * 1024 * 1024, 7);
    await Promise.all(cloneSources.map((s) => writeFile(join(agent.sessionsDir, s.uuid, 'home', 'payload.bin'), payload)));

    const client = sshClient();
    type Outcome = { answered: boolean; ok: boolean };
    const track = (p: Promise<unknown>): Promise<Outcome> =>
      p.then(
        () => ({ answered: true, ok: true }),
        (err: Error) => ({ answered: !/closed without an answer|unreachable|did not answer|ECONNRESET|Not connected|No response/i.test(err.message), ok: false }),
      );
    let clonesDone = 0;
    const cloneOps = cloneSources.map((t, i) =>
      track(client.call('clone', { source_id: t.uuid, name: `clone-${i}` })).then((o) => {
        if (o.ok) clonesDone++;
        return o;
      }),
    );
    const ops = [
      ...editTargets.map((t, i) => track(client.call('edit', { id: t.uuid, name: `edited-${i}`, port: -1 }))),
      ...cloneOps,
      ...doomed.map((t) => track(client.call('delete', { id: t.uuid }))),
      ...Array.from({ length: 25 }, (_, i) => track(client.call('create', { name: `late-${i}`, port: -1 }))),
    ];
    expect(ops).toHaveLength(100);
    // Kill the moment the agent is visibly mid-flight: a clone staging dir or a session lock on disk.
    const inFlight = async () => (await readdir(agent.sessionsDir)).some((n) => n.startsWith('.clone-') || n.endsWith('.lock'));
    // At least one clone has finished first, so that the clone check below always has one to look at.
    await waitFor('a clone done and the agent still mid-flight', async () => (clonesDone > 0 && (await inFlight()) ? true : undefined), 60_000);
    await agent.kill('SIGKILL');
    const outcomes = await Promise.all(ops);
    await client.close();

    // The kill landed mid-flight: some ops were never answered and some temp files remain.
    expect(outcomes.filter((o) => !o.answered).length).toBeGreaterThan(0);
    const leftovers = (await readdir(agent.sessionsDir)).filter((n) => n.startsWith('.') && n !== '.layout' && n !== '.alloc.lock');
    const lockFiles = (await readdir(agent.sessionsDir)).filter((n) => n.endsWith('.lock') && !n.startsWith('.'));
    expect(leftovers.length + lockFiles.length).toBeGreaterThan(0);
    // No torn session.json, even before any repair.
    for (const name of await readdir(agent.sessionsDir)) {
      if (!/^[0-9a-f-]{36}$/.test(name)) continue;
      const text = await readFile(join(agent.sessionsDir, name, 'session.json'), 'utf8');
      expect(() => JSON.parse(text)).not.toThrow();
    }

    await agent.start();
    const { sessions, broken } = await rpcOk<{ sessions: Session[]; broken: unknown[] }>('list');
    expect(broken).toEqual([]);
    // Staging dirs of the dead process are swept; its locks are stale and dropped.
    expect((await readdir(agent.sessionsDir)).filter((n) => n.startsWith('.') && n !== '.layout')).toEqual([]);
    expect(sessions.find((x) => x.uuid === running.uuid)?.state).toBe('R');
    const byUuid = new Map(sessions.map((x) => [x.uuid, x]));
    editTargets.forEach((t, i) => {
      const now = byUuid.get(t.uuid);
      expect(now?.state).toBe('-');
      // Done (new name and an auto port) or not done (as created): never half.
      if (now?.name === `edited-${i}`) expect(now.port).toBeGreaterThanOrEqual(1001);
      else expect(now).toMatchObject({ name: t.name, port: 0 });
    });
    for (const d of doomed) {
      const now = byUuid.get(d.uuid);
      if (now) expect(now).toMatchObject({ name: d.name, state: '-' });
    }
    const clones = sessions.filter((x) => x.name.startsWith('clone-'));
    expect(clones.length).toBeGreaterThanOrEqual(clonesDone);
    expect(clones.length).toBeGreaterThan(0);
    for (const c of clones) {
      // A clone that exists is whole: its copied home is complete.
      expect((await readFile(join(agent.sessionsDir, c.uuid, 'home', 'payload.bin'))).length).toBe(payload.length);
    }
    expect(new Set(sessions.map((x) => x.name)).size).toBe(sessions.length);
    for (const t of editTargets.slice(0, 3)) {
      expect(await rpcOk<Session>('edit', { id: t.uuid, name: `after-${t.name}` })).toMatchObject({ name: `after-${t.name}` });
    }
  });
});
