// A hung Docker daemon: the test starts its OWN dockerd (own socket, data root,
// exec root, containerd namespace, no bridge, no iptables) in its own network
// namespace — a dockerd with `--bridge=none` deletes the host's docker0, which
// the shared daemon needs — then SIGSTOPs it, and
// checks that ops fail `unavailable` within their deadline, that no session
// lock outlives them, and that everything works again after SIGCONT.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SessionEngine } from '../../src/agent/engine/engine.js';
import { Dispatcher } from '../../src/agent/ssh/dispatcher.js';
import { DockerRuntime } from '../../src/agent/runtime/docker-runtime.js';
import { SessionStore } from '../../src/agent/sessions/store.js';
import { MemorySettingsStore } from '../../src/agent/config/settings.js';
import { waitFor } from '../helpers/docker.js';
import { caught } from '../integration/store-helpers.js';

let root: string;
let dockerd: ChildProcess | undefined;
let docker: Docker;
let log = '';
const hostInterfaces = () => Object.keys(networkInterfaces()).sort();
const interfacesBefore = hostInterfaces();

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'convocate-hung-'));
  const sock = join(root, 'docker.sock');
  const ns = `convocate-hung-${process.pid}`;
  // `unshare --net` execs dockerd in place: the PID we signal is dockerd's.
  dockerd = spawn(
    'unshare',
    [
      '--net',
      'dockerd',
      `--host=unix://${sock}`,
      `--data-root=${join(root, 'data')}`,
      `--exec-root=${join(root, 'exec')}`,
      `--pidfile=${join(root, 'docker.pid')}`,
      `--containerd-namespace=${ns}`,
      `--containerd-plugins-namespace=${ns}-plugins`,
      '--bridge=none',
      '--iptables=false',
      '--ip6tables=false',
      '--storage-driver=vfs',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  dockerd.stdout?.on('data', (b: Buffer) => (log += b.toString()));
  dockerd.stderr?.on('data', (b: Buffer) => (log = (log + b.toString()).slice(-20_000)));
  docker = new Docker({ socketPath: sock });
  await waitFor('our own dockerd to answer', () => docker.ping().then(() => true, () => undefined), 60_000).catch((err: unknown) => {
    throw new Error(`${(err as Error).message}\n${log.slice(-3000)}`);
  });
}, 90_000);

afterAll(async () => {
  if (dockerd && dockerd.exitCode === null) {
    dockerd.kill('SIGCONT');
    dockerd.kill('SIGTERM');
    const exited = once(dockerd, 'exit');
    const timer = setTimeout(() => dockerd?.kill('SIGKILL'), 15_000);
    await exited;
    clearTimeout(timer);
  }
  await rm(root, { recursive: true, force: true });
  // Our daemon lived in its own network namespace: the host's interfaces (docker0 above all) are untouched.
  expect(hostInterfaces()).toEqual(expect.arrayContaining(interfacesBefore.filter((n) => n === 'docker0' || n === 'lo')));
}, 60_000);

describe('a hung Docker daemon', () => {
  it('fails ops unavailable within the deadline, leaves no lock behind, and recovers after SIGCONT', async () => {
    const callTimeoutMs = 800;
    const store = new SessionStore({ dir: join(root, 'sessions') });
    await store.init();
    const engine = new SessionEngine({
      store,
      runtime: new DockerRuntime(docker, { callTimeoutMs, execTimeoutMs: callTimeoutMs }),
      agentId: 'hung0001',
      settings: { image: 'convocate-session:none', dnsServer: '', cgroupParent: '' },
      settingsStore: new MemorySettingsStore(),
    });
    const api = new Dispatcher(engine);
    const s = await api.call('create', { name: 'stuck' });
    expect((await api.call('list', null)).sessions).toHaveLength(1);

    dockerd!.kill('SIGSTOP');
    try {
      const ops: Array<[string, () => Promise<unknown>]> = [
        ['list', () => api.call('list', null)],
        ['restart', () => api.call('restart', { id: s.uuid })],
        ['delete', () => api.call('delete', { id: s.uuid })],
        ['background', () => api.call('background', { id: s.uuid })],
      ];
      const results = await Promise.all(
        ops.map(async ([name, run]) => {
          const started = Date.now();
          const err = await caught(run());
          return { name, err, ms: Date.now() - started };
        }),
      );
      for (const r of results) {
        expect(r.err.code, `${r.name}: ${r.err.message}`).toBe('unavailable');
        expect(r.err.message).toMatch(/^Docker at .* did not answer .* within [0-9]+ ms$/);
        // Well inside the op deadline (30 s): bounded by the Docker call timeouts, not by the daemon.
        expect(r.ms).toBeLessThan(30_000);
      }
      // No lock outlives the ops, and the session is intact.
      expect((await readdir(join(root, 'sessions'))).filter((n) => n.endsWith('.lock'))).toEqual([]);
      expect(await store.locks.holder(s.uuid)).toBeUndefined();
      expect(await store.get(s.uuid)).toMatchObject({ name: 'stuck' });
    } finally {
      dockerd!.kill('SIGCONT');
    }

    await waitFor('the daemon back', () => docker.ping().then(() => true, () => undefined), 30_000);
    expect((await api.call('list', null)).sessions.map((x) => x.uuid)).toEqual([s.uuid]);
    // A restart now reaches Docker again and fails for the real reason: this daemon has no image.
    const err = await caught(api.call('restart', { id: s.uuid }));
    expect(err.message).toMatch(/convocate-session:none/);
    await api.call('delete', { id: s.uuid });
  }, 120_000);
});
