// The session engine over the production wiring (buildAgent) with a FakeRuntime:
// every op, lock contention, start races and the events each op emits.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { StatusEvent } from '../../protocol/status.js';
import { buildAgent, type BuiltAgent } from '../build-agent.js';
import { resolveAgentConfig } from '../config/config.js';
import { FakeRuntime } from '../runtime/fake-runtime.js';
import { LockManager } from '../sessions/locks.js';
import { MemorySettingsStore } from '../config/settings.js';

const IMAGE = 'convocate-session:test';
const PANE = 'line 1\n\x1b[31mred\x1b[0m line 2\n';
let root: string;
let runtime: FakeRuntime;
let agent: BuiltAgent;
let events: StatusEvent[];

async function build(rt: FakeRuntime): Promise<BuiltAgent> {
  const config = resolveAgentConfig({ configDir: join(root, 'agent'), sessionsDir: join(root, 'sessions'), image: IMAGE }, {});
  return buildAgent(config, {
    runtime: rt,
    agentId: 'unit',
    emit: (e) => events.push(e),
    settingsStore: new MemorySettingsStore(),
  });
}

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'convocate-engine-'));
  runtime = new FakeRuntime({
    images: [IMAGE],
    onExec: (_uuid, cmd) => (cmd.includes('capture-pane') ? { exitCode: 0, output: PANE } : { exitCode: 0, output: '' }),
  });
  events = [];
  agent = await build(runtime);
});

afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

const types = () => events.map((e) => e.type);

describe('SessionEngine on a FakeRuntime', () => {
  it('refuses to build when the session image is missing, saying how to build it', async () => {
    await expect(build(new FakeRuntime())).rejects.toThrow(/session image "convocate-session:test" not found: build it/);
  });

  it('create validates, stores, starts nothing and emits container.created', async () => {
    const s = await agent.engine.create({ name: 'web', port: 0, protocol: 'udp', dns_name: 'web.dev' });
    expect(s).toMatchObject({ name: 'web', protocol: 'udp', dns_name: 'web.dev', running: false, state: '-', activity: 'none' });
    expect(runtime.runs).toBe(0);
    expect(events).toMatchObject([{ type: 'container.created', agent_id: 'unit', session_id: s.uuid, data: { name: 'web' } }]);
    await expect(agent.engine.create({ name: 'bad name' })).rejects.toMatchObject({ code: 'invalid_argument' });
    await expect(agent.engine.create({ name: 'x', dns_name: 'web.dev' })).rejects.toThrow('dns name "web.dev" already in use');
    expect((await agent.engine.list()).sessions).toHaveLength(1);
  });

  it('get: a bad id is invalid, an unknown one not found', async () => {
    await expect(agent.engine.get('../etc')).rejects.toMatchObject({ code: 'invalid_argument' });
    await expect(agent.engine.get('00000000-0000-4000-8000-000000000000')).rejects.toThrow(/not found/);
  });

  it('restart starts with the persisted flags, emits container.started, and refuses a running session', async () => {
    const s = await agent.engine.create({ name: 'web', port: 4100, protocol: 'tcp' });
    const r = await agent.engine.restart(s.uuid);
    expect(r.state).toBe('R');
    expect(runtime.containers.get(s.uuid)?.spec).toMatchObject({ image: IMAGE, port: 4100, protocol: 'tcp', agentId: 'unit' });
    expect(types()).toEqual(['container.created', 'container.started']);
    await expect(agent.engine.restart(s.uuid)).rejects.toThrow('session is already running');
  });

  it('edit changes the stored fields; a running container keeps its flags until restart', async () => {
    const s = await agent.engine.create({ name: 'web', port: 4100 });
    await agent.engine.restart(s.uuid);
    const e = await agent.engine.edit({ id: s.uuid, name: 'api', port: 4200 });
    expect(e).toMatchObject({ name: 'api', port: 4200, running: true });
    expect(runtime.containers.get(s.uuid)?.spec.port).toBe(4100);
    expect(events.at(-1)).toMatchObject({ type: 'container.edited', data: { name: 'api', port: 4200 } });
  });

  it('kill stops a running session (container.stopped) and is quiet for a stopped one', async () => {
    const s = await agent.engine.create({ name: 'web' });
    await agent.engine.kill(s.uuid);
    expect(types()).toEqual(['container.created']);
    await agent.engine.restart(s.uuid);
    const k = await agent.engine.kill(s.uuid);
    expect(k.state).toBe('-');
    expect(runtime.containers.has(s.uuid)).toBe(false);
    expect(types()).toEqual(['container.created', 'container.started', 'container.stopped']);
  });

  it('clone copies the home with port 0 and no DNS name; delete removes everything', async () => {
    const s = await agent.engine.create({ name: 'web', port: 4100, dns_name: 'web.dev' });
    await writeFile(join(agent.store.homeDir(s.uuid), 'notes.txt'), 'precious\n');
    const c = await agent.engine.clone({ source_id: s.uuid, name: 'copy' });
    expect(c).toMatchObject({ name: 'copy', port: 0, dns_name: '', protocol: 'tcp' });
    expect(await readFile(join(agent.store.homeDir(c.uuid), 'notes.txt'), 'utf8')).toBe('precious\n');
    await agent.engine.restart(s.uuid);
    await agent.engine.delete(s.uuid);
    expect(runtime.containers.has(s.uuid)).toBe(false);
    expect((await agent.engine.list()).sessions.map((x) => x.name)).toEqual(['copy']);
    expect(events.at(-1)).toMatchObject({ type: 'container.deleted', session_id: s.uuid, data: null });
    await expect(agent.engine.delete(s.uuid)).rejects.toThrow(/not found/);
  });

  it('background detaches every attached operator and refuses a stopped session', async () => {
    const s = await agent.engine.create({ name: 'web' });
    await expect(agent.engine.background(s.uuid)).rejects.toThrow('session is not running: nothing to background');
    const h = await agent.api.attach({ id: s.uuid, cols: 80, rows: 24 });
    expect((await agent.engine.get(s.uuid)).state).toBe('C');
    await agent.engine.background(s.uuid);
    await h.done;
    expect((await agent.engine.get(s.uuid)).state).toBe('R');
  });

  it('a mutating op on a session locked by a live process fails at once naming the pid; override frees it', async () => {
    const s = await agent.engine.create({ name: 'web' });
    const other = new LockManager({ dir: agent.store.dir, pid: process.ppid });
    await other.acquire(s.uuid);
    expect((await agent.engine.get(s.uuid)).state).toBe('L');
    await expect(agent.engine.restart(s.uuid)).rejects.toThrow(`is locked by pid ${process.ppid}`);
    await expect(agent.engine.kill(s.uuid)).rejects.toMatchObject({ code: 'locked' });
    await agent.engine.override(s.uuid);
    expect((await agent.engine.get(s.uuid)).state).toBe('-');
    await agent.engine.restart(s.uuid);
  });

  it('two attaches on a stopped session share one start, and both get a relay', async () => {
    const s = await agent.engine.create({ name: 'pair' });
    const release = runtime.holdRuns();
    const first = agent.api.attach({ id: s.uuid, cols: 80, rows: 24 });
    const second = agent.api.attach({ id: s.uuid, cols: 100, rows: 30 });
    for (let i = 0; i < 1000 && runtime.runs === 0; i++) await new Promise((r) => setImmediate(r));
    release();
    const handles = await Promise.all([first, second]);
    expect(runtime.runs).toBe(1);
    expect(runtime.ptys.map((p) => `${p.cols}x${p.rows}`).sort()).toEqual(['100x30', '80x24']);
    expect(runtime.ptys.every((p) => p.user === 'convocate' && p.cmd.includes('attach-session'))).toBe(true);
    expect((await agent.engine.get(s.uuid)).state).toBe('C');
    for (const h of handles) h.close();
    expect((await agent.engine.get(s.uuid)).state).toBe('R');
  });

  it('attach moves last_accessed and relays bytes both ways; resize reaches the PTY', async () => {
    const s = await agent.engine.create({ name: 'web' });
    const h = await agent.api.attach({ id: s.uuid, cols: 80, rows: 24 });
    const seen: string[] = [];
    h.stream.on('data', (b: Buffer) => seen.push(b.toString()));
    h.stream.write('hello\r');
    await h.resize(120, 40);
    const pty = runtime.ptys[0]!;
    expect(pty.input()).toBe('hello\r');
    expect([pty.cols, pty.rows]).toEqual([120, 40]);
    const ended = new Promise((resolve) => h.stream.once('end', resolve));
    h.stream.write('\x02d');
    await Promise.all([h.done, ended]);
    expect(seen.join('')).toContain('hello');
    expect((await agent.engine.get(s.uuid)).last_accessed > s.last_accessed).toBe(true);
  });

  it('a crashed container shows stopped and starts again on attach', async () => {
    const s = await agent.engine.create({ name: 'web' });
    await agent.engine.restart(s.uuid);
    runtime.crash(s.uuid);
    expect((await agent.engine.get(s.uuid)).state).toBe('-');
    const h = await agent.api.attach({ id: s.uuid, cols: 80, rows: 24 });
    expect(runtime.runs).toBe(2);
    h.close();
  });

  it('settings-set persists through its store; an empty image is refused', async () => {
    const next = await agent.engine.setSettings({ image: 'convocate-session:other', dns_server: '10.0.0.53' });
    expect(next).toMatchObject({ image: 'convocate-session:other', dns_server: '10.0.0.53', agent_id: 'unit' });
    await expect(agent.engine.setSettings({ image: ' ' })).rejects.toThrow('image " " is not an image reference');
    expect(agent.engine.settingsView().image).toBe('convocate-session:other');
  });

  it('Docker going away turns every op into unavailable, and nothing stays locked', async () => {
    const s = await agent.engine.create({ name: 'web' });
    runtime.reachable = false;
    await expect(agent.engine.list()).rejects.toMatchObject({ code: 'unavailable' });
    await expect(agent.engine.restart(s.uuid)).rejects.toMatchObject({ code: 'unavailable' });
    runtime.reachable = true;
    expect(await agent.store.locks.holder(s.uuid)).toBeUndefined();
    await agent.engine.restart(s.uuid);
  });

  it('session env: values go to every container started, names alone come back, bad input changes nothing', async () => {
    expect(await agent.api.call('env-set', { name: 'ANTHROPIC_API_KEY', value: 'sk-secret' })).toEqual({ names: ['ANTHROPIC_API_KEY'] });
    await expect(agent.api.call('env-set', { name: 'bad-name', value: 'x' })).rejects.toMatchObject({ code: 'invalid_argument' });
    await expect(agent.api.call('env-set', { name: 'OK', value: 'a\nb' })).rejects.toMatchObject({ code: 'invalid_argument' });
    expect(await agent.api.call('env-list', null)).toEqual({ names: ['ANTHROPIC_API_KEY'] });
    const s = await agent.engine.create({ name: 'web' });
    await agent.engine.restart(s.uuid);
    expect(runtime.containers.get(s.uuid)?.spec.env).toContain('ANTHROPIC_API_KEY=sk-secret');
    expect(JSON.stringify(events)).not.toContain('sk-secret');
    expect(await agent.api.call('env-unset', { name: 'ANTHROPIC_API_KEY' })).toEqual({ names: [] });
  });

  it('peek answers the pane without control sequences, and says so for a stopped session', async () => {
    const s = await agent.engine.create({ name: 'web' });
    await expect(agent.api.call('peek', { id: s.uuid })).rejects.toThrow('session is not running: nothing to peek at');
    await agent.engine.restart(s.uuid);
    expect(await agent.api.call('peek', { id: s.uuid, lines: 1 })).toEqual({ text: 'red line 2' });
    expect(runtime.execs.at(-1)?.cmd).toEqual(expect.arrayContaining(['tmux', 'capture-pane', '-p']));
  });
});
