// Activity figures (issue 9): a hook firing → the session.activity event at a
// TUI's status socket (through the real emitter, SSH link, status-serve and
// fan-out); the agent's CPU with N running, idle sessions; `list` of 500
// sessions with activity. Sessions run a shell on their own internal network
// (no Claude, no traffic out); the hook is the image's own script, run in the
// container exactly as Claude runs it.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { benchAgent, docker, fmt, pct, row } from './lib.mjs';
import { StatusEmitter } from '../dist/agent/status/emitter.js';
import { generateEd25519 } from '../dist/lib/keys.js';
import { startStatusServer } from '../dist/shell/status/status-serve.js';
import { subscribeStatus } from '../dist/shell/status/subscribe.js';

const HOOK_ROUNDS = Number(process.env.BENCH_HOOK_ROUNDS || 40);
const IDLE_SESSIONS = Number(process.env.BENCH_IDLE_SESSIONS || 200);
const IDLE_SECONDS = Number(process.env.BENCH_IDLE_SECONDS || 60);
const LIST_SESSIONS = Number(process.env.BENCH_LIST_SESSIONS || 500);
const ACTIVITY_FILE = '.convocate-activity';

async function withNetwork(fn) {
  const name = `convocate-bench-${process.pid}`;
  // Labelled as convocate's: the agent refuses any other network for its sessions.
  const net = await docker.createNetwork({ Name: name, Internal: true, Labels: { 'convocate.bench': String(process.pid) } });
  try {
    return await fn(name);
  } finally {
    await net.remove().catch(() => undefined);
  }
}

/** status-serve + the agent's emitter over real SSH on loopback, and a subscriber where the TUI sits. */
async function statusPath(onEvent) {
  const dir = await mkdtemp(join(tmpdir(), 'convocate-bench-status-'));
  const shellHost = generateEd25519('bench-shell');
  const agentKey = generateEd25519('bench-agent');
  await writeFile(join(dir, 'status_authorized_keys'), `${agentKey.public}\n`);
  const server = await startStatusServer({
    listen: { host: '127.0.0.1', port: 0 },
    hostKey: shellHost.private,
    authorizedKeysPath: join(dir, 'status_authorized_keys'),
    stateDir: dir,
    log: () => undefined,
  });
  const emitter = new StatusEmitter({
    agentId: 'b0000001', host: '127.0.0.1', port: server.port, privateKey: agentKey.private,
    knownHostKey: shellHost.public, log: () => undefined, backoffInitialMs: 20, backoffMaxMs: 200,
  });
  emitter.start();
  const sub = subscribeStatus(dir, onEvent, { retryInitialMs: 20, retryMaxMs: 200 });
  return {
    emit: (ev) => emitter.emit(ev),
    close: async () => {
      sub.close();
      await emitter.close('bench over');
      await server.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

async function hookToEvent(network) {
  const arrivals = [];
  let waiter;
  const status = await statusPath((ev) => {
    if (ev.type !== 'session.activity') return;
    arrivals.push({ ev, at: Date.now() });
    waiter?.();
  });
  const agent = await benchAgent('hook', (r) => r, (engine) => status.emit);
  try {
    await agent.engine.setSettings({ network });
    const s = await agent.api.call('create', { name: 'hook' });
    await agent.api.call('restart', { id: s.uuid });
    const home = agent.store.homeDir(s.uuid);
    const ms = [];
    for (let i = 0; i < HOOK_ROUNDS; i++) {
      const state = i % 2 ? 'idle' : 'working';
      const before = arrivals.length;
      const got = new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no event for round ${i}`)), 10_000);
        waiter = () => {
          if (arrivals.length > before) {
            clearTimeout(timer);
            resolve();
          }
        };
      });
      await agent.runtime.exec(s.uuid, ['convocate-activity', state, `round ${i}`], { user: 'convocate' });
      await got;
      const since = (await readFile(join(home, ACTIVITY_FILE), 'utf8')).split('\n')[1];
      ms.push(arrivals[arrivals.length - 1].at - Date.parse(since));
    }
    row('hook write → session.activity at the TUI socket', `p50 ${fmt(pct(ms, 50))}`, `p95 ${fmt(pct(ms, 95))}`, `(${HOOK_ROUNDS} hooks)`);
  } finally {
    await agent.cleanup();
    await status.close();
  }
}

async function idleCpu(network) {
  const agent = await benchAgent('idle');
  try {
    await agent.engine.setSettings({ network });
    const ids = [];
    for (let i = 0; i < IDLE_SESSIONS; i++) ids.push((await agent.api.call('create', { name: `idle-${i}` })).uuid);
    // On a loaded machine a start may miss its ready deadline; the container still comes up.
    for (let i = 0; i < ids.length; i += 2) {
      await Promise.all(ids.slice(i, i + 2).map((id) => agent.api.call('restart', { id }).catch(() => undefined)));
    }
    let running = 0;
    for (let i = 0; i < 120 && running < IDLE_SESSIONS; i++) {
      running = (await agent.api.call('list', null)).sessions.filter((s) => s.running).length;
      if (running < IDLE_SESSIONS) await new Promise((resolve) => setTimeout(resolve, 1000));
    }
    // Let the last starts' hooks and events settle before measuring.
    await new Promise((resolve) => setTimeout(resolve, 5000));
    const cpu0 = process.cpuUsage();
    const t0 = process.hrtime.bigint();
    await new Promise((resolve) => setTimeout(resolve, IDLE_SECONDS * 1000));
    const cpu = process.cpuUsage(cpu0);
    const wallUs = Number(process.hrtime.bigint() - t0) / 1000;
    const percent = ((cpu.user + cpu.system) / wallUs) * 100;
    row(`agent CPU, ${running} running idle sessions, ${IDLE_SECONDS} s`, `${percent.toFixed(2)} % of a core`, `(${agent.engine.homesWatched} homes watched)`);
  } finally {
    await agent.cleanup();
  }
}

async function listWithActivity() {
  // Every session reported running, so that each one's activity is computed.
  const agent = await benchAgent('list500', (runtime) => ({
    ...Object.fromEntries(Object.getOwnPropertyNames(Object.getPrototypeOf(runtime)).map((k) => [k, runtime[k]?.bind?.(runtime)])),
    list: async () => fake,
  }));
  const fake = [];
  try {
    const now = new Date().toISOString();
    for (let i = 0; i < LIST_SESSIONS; i++) {
      const s = await agent.api.call('create', { name: `l-${i}` });
      await writeFile(join(agent.store.homeDir(s.uuid), ACTIVITY_FILE), `${i % 3 ? 'idle' : 'waiting'}\n${now}\nClaude needs your permission\n`);
      fake.push({ uuid: s.uuid, containerId: s.uuid, running: true, image: 'bench', createdAt: Date.now() - 60_000 });
    }
    const first = await agent.api.call('list', null);
    if (first.sessions.filter((s) => s.activity === 'waiting').length === 0) throw new Error('activity missing from list');
    const ms = [];
    for (let i = 0; i < 40; i++) {
      const t0 = performance.now();
      await agent.api.call('list', null);
      ms.push(performance.now() - t0);
    }
    row(`engine list, ${LIST_SESSIONS} running sessions with activity`, `p50 ${fmt(pct(ms, 50))}`, `p95 ${fmt(pct(ms, 95))}`);
  } finally {
    await agent.cleanup();
  }
}

const only = process.argv[2];
if (!only || only === 'list') await listWithActivity();
if (!only || only === 'hook') await withNetwork(hookToEvent);
if (!only || only === 'idle') await withNetwork(idleCpu);
