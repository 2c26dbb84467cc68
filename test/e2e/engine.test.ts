// Every engine op against a real dockerd, through the same Dispatcher the SSH
// server and the embedded local agent use.
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AttachHandle } from '../../src/protocol/agent-api.js';
import { ConvocateError } from '../../src/protocol/errors.js';
import { makeTestAgent, type TestAgent } from '../helpers/agent.js';
import { containerName } from '../../src/agent/runtime/container-runtime.js';
import { dieExitCode, dockerClient, waitFor } from '../helpers/docker.js';

let agent: TestAgent;

beforeAll(async () => {
  agent = await makeTestAgent('engine');
});
afterAll(async () => {
  await agent?.cleanup();
});

async function expectError(p: Promise<unknown>, code: string, message: RegExp | string): Promise<void> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ConvocateError);
  expect((err as ConvocateError).code).toBe(code);
  if (typeof message === 'string') expect((err as ConvocateError).message).toBe(message);
  else expect((err as ConvocateError).message).toMatch(message);
}

function collect(handle: AttachHandle): { text: () => string } {
  let out = '';
  handle.stream.on('data', (d: Buffer) => {
    out += d.toString('utf8');
  });
  return { text: () => out };
}

/** tmux in the session as its user; a failing tmux command fails the test (exec itself never throws on one). */
async function tmux(uuid: string, ...args: string[]): Promise<string> {
  const r = await agent.runtime.exec(uuid, ['tmux', ...args], { user: 'convocate' });
  if (r.exitCode !== 0) throw new Error(`tmux ${args.join(' ')} exited ${r.exitCode}: ${r.output.trim()}`);
  return r.output.trim();
}

describe('session engine on real Docker', () => {
  it('create makes dir and metadata but no container; list shows it stopped', async () => {
    const s = await agent.api.call('create', { name: 'alpha', port: 0, protocol: 'tcp', dns_name: 'alpha.dev' });
    expect(s.state).toBe('-');
    expect(existsSync(join(agent.sessionsDir, s.uuid, 'session.json'))).toBe(true);
    const { sessions } = await agent.api.call('list', null);
    expect(sessions.map((x) => x.uuid)).toContain(s.uuid);
    expect((await agent.runtime.list()).filter((c) => c.uuid === s.uuid)).toEqual([]);
    expect(agent.events.at(-1)).toMatchObject({ type: 'container.created', session_id: s.uuid });
  });

  it('attach starts a stopped session, relays bytes both ways, resizes, and detaching keeps it running', async () => {
    const s = await agent.api.call('create', { name: 'attach-me' });
    const before = s.last_accessed;
    const handle = await agent.api.attach({ id: s.uuid, cols: 100, rows: 30 });
    const out = collect(handle);
    expect(await tmux(s.uuid, 'has-session', '-t', 'claude').then(() => 'ok')).toBe('ok');

    handle.stream.write('echo conv-$((40+2))-ok\r');
    await waitFor('echo output from tmux', async () => (out.text().includes('conv-42-ok') ? true : undefined));

    expect(await tmux(s.uuid, 'list-clients', '-F', '#{client_width}x#{client_height}')).toBe('100x30');
    await handle.resize(132, 43);
    await waitFor('tmux client resized', async () =>
      (await tmux(s.uuid, 'list-clients', '-F', '#{client_width}x#{client_height}')) === '132x43' ? true : undefined,
    );

    const during = await agent.api.call('get', { id: s.uuid });
    expect(during.state).toBe('C');
    expect(during.last_accessed > before).toBe(true);

    handle.stream.write('\x02d'); // Ctrl-B D
    await handle.done;
    await waitFor('state R after detach', async () => ((await agent.api.call('get', { id: s.uuid })).state === 'R' ? true : undefined));
    expect(agent.events.some((e) => e.type === 'container.started' && e.session_id === s.uuid)).toBe(true);
  });

  it('a file in the home dir survives kill + restart, and clone copies it', async () => {
    const s = await agent.api.call('create', { name: 'keeper' });
    await agent.api.call('restart', { id: s.uuid });
    expect((await agent.api.call('get', { id: s.uuid })).state).toBe('R');
    await expectError(agent.api.call('restart', { id: s.uuid }), 'already_running', 'session is already running');
    await agent.runtime.exec(s.uuid, ['sh', '-c', 'echo precious > ~/notes.txt && ln -s notes.txt ~/link'], { user: 'convocate' });

    const since = Math.floor(Date.now() / 1000) - 1;
    const killed = await agent.api.call('kill', { id: s.uuid });
    // The session ends on SIGTERM; Docker's 137 would mean it was killed when the grace ran out.
    expect(await dieExitCode(containerName(s.uuid), since)).not.toBe('137');
    expect(killed.state).toBe('-');
    expect(agent.events.at(-1)).toMatchObject({ type: 'container.stopped', session_id: s.uuid });
    const before = agent.events.length;
    await agent.api.call('kill', { id: s.uuid });
    expect(agent.events.length).toBe(before);
    expect(await readFile(join(agent.sessionsDir, s.uuid, 'home', 'notes.txt'), 'utf8')).toBe('precious\n');

    await agent.api.call('restart', { id: s.uuid });
    const r = await agent.runtime.exec(s.uuid, ['cat', '/home/convocate/notes.txt'], { user: 'convocate' });
    expect(r.output.trim()).toBe('precious');

    const clone = await agent.api.call('clone', { source_id: s.uuid, name: 'keeper-copy' });
    expect(clone).toMatchObject({ name: 'keeper-copy', port: 0, dns_name: '', state: '-' });
    expect(await readFile(join(agent.sessionsDir, clone.uuid, 'home', 'notes.txt'), 'utf8')).toBe('precious\n');
  });

  it('edit validates like create and a running container keeps its flags', async () => {
    const s = await agent.api.call('create', { name: 'editable', port: -1 });
    expect(s.port).toBeGreaterThanOrEqual(1001);
    const e = await agent.api.call('edit', { id: s.uuid, name: '', port: 0, dns_name: 'edited.dev' });
    expect(e).toMatchObject({ name: 'editable', port: 0, dns_name: 'edited.dev' });
    await expectError(agent.api.call('edit', { id: s.uuid, name: 'bad name!' }), 'invalid_argument', /^name "bad name!" is invalid/);
    await expectError(agent.api.call('edit', { id: s.uuid, dns_name: 'alpha.dev' }), 'conflict', 'dns name "alpha.dev" already in use');
  });

  it('background detaches every client without stopping the container', async () => {
    const s = await agent.api.call('create', { name: 'bg' });
    const h1 = await agent.api.attach({ id: s.uuid, cols: 80, rows: 24 });
    const h2 = await agent.api.attach({ id: s.uuid, cols: 80, rows: 24 });
    // A relay always reads its stream; an unread stream would never see its end.
    h1.stream.resume();
    h2.stream.resume();
    await waitFor('two clients', async () => ((await tmux(s.uuid, 'list-clients')).split('\n').length === 2 ? true : undefined));
    const after = await agent.api.call('background', { id: s.uuid });
    expect(after.running).toBe(true);
    await Promise.all([h1.done, h2.done]);
    await waitFor('state R', async () => ((await agent.api.call('get', { id: s.uuid })).state === 'R' ? true : undefined));
  });

  it('two concurrent mutations of one session: exactly one wins, the other names the lock holder', async () => {
    const s = await agent.api.call('create', { name: 'contended' });
    const restart = agent.api.call('restart', { id: s.uuid });
    // The edit lands while the restart holds the lock (it does for the whole container start).
    const lock = join(agent.sessionsDir, `${s.uuid}.lock`);
    await waitFor('the restart to hold the lock', async () => (existsSync(lock) ? true : undefined), 10_000);
    const results = await Promise.allSettled([restart, agent.api.call('edit', { id: s.uuid, name: 'contended2' })]);
    const failed = results.filter((r) => r.status === 'rejected');
    expect(failed).toHaveLength(1);
    expect(results[0]?.status).toBe('fulfilled');
    expect(String((failed[0] as PromiseRejectedResult).reason.message)).toBe(`session "${s.uuid}" is locked by pid ${process.pid}`);
  });

  it('a live foreign lock shows L, blocks mutations, and override clears it', async () => {
    const s = await agent.api.call('create', { name: 'locked' });
    await writeFile(join(agent.sessionsDir, `${s.uuid}.lock`), '1\n'); // pid 1 is alive and not us
    expect((await agent.api.call('get', { id: s.uuid })).state).toBe('L');
    await expectError(agent.api.call('kill', { id: s.uuid }), 'locked', `session "${s.uuid}" is locked by pid 1`);
    expect((await agent.api.call('override', { id: s.uuid })).state).toBe('-');
    expect(existsSync(join(agent.sessionsDir, `${s.uuid}.lock`))).toBe(false);
  });

  it('delete removes container, dir, lock and metadata', async () => {
    const s = await agent.api.call('create', { name: 'doomed' });
    await agent.api.call('restart', { id: s.uuid });
    await agent.api.call('delete', { id: s.uuid });
    expect(existsSync(join(agent.sessionsDir, s.uuid))).toBe(false);
    expect(existsSync(join(agent.sessionsDir, `${s.uuid}.lock`))).toBe(false);
    const containers = await dockerClient().listContainers({ all: true, filters: { label: [`convocate.session=${s.uuid}`] } });
    expect(containers).toEqual([]);
    await expectError(agent.api.call('get', { id: s.uuid }), 'not_found', `session "${s.uuid}" not found`);
    expect(agent.events.at(-1)).toMatchObject({ type: 'container.deleted', session_id: s.uuid });
  });

  it('refuses bad ids before building any path, and reports corrupt metadata without deleting it', async () => {
    for (const id of ['../x', 'a\0b', 'x'.repeat(10_000)]) {
      await expectError(agent.api.call('get', { id }), 'invalid_argument', /^invalid session id/);
      await expectError(agent.api.call('delete', { id }), 'invalid_argument', /^invalid session id/);
      await expectError(agent.api.attach({ id, cols: 80, rows: 24 }), 'invalid_argument', /^invalid session id/);
    }
    const s = await agent.api.call('create', { name: 'corrupt' });
    const file = join(agent.sessionsDir, s.uuid, 'session.json');
    await writeFile(file, '{"uuid": "half');
    const { sessions, broken } = await agent.api.call('list', null);
    expect(sessions.map((x) => x.uuid)).not.toContain(s.uuid);
    expect(broken.map((b) => b.uuid)).toContain(s.uuid);
    expect(await readFile(file, 'utf8')).toBe('{"uuid": "half');
  });

  it('the ping and settings ops describe the agent', async () => {
    expect(await agent.api.call('ping', null)).toMatchObject({ agent_id: agent.agentId });
    const set = await agent.api.call('settings-set', { cgroup_parent: '' });
    expect(set).toMatchObject({ agent_id: agent.agentId, sessions_dir: agent.sessionsDir });
  });
});
