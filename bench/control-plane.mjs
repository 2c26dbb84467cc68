// Control-plane figures for a real `convocate-agent serve` child process, side by
// side with raw `docker exec` where there is one: RPC latency over one SSH
// connection, `list` with many sessions, attach time to first frame, keystroke
// echo through the relay, and the agent's memory.
import { spawn } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { CONTAINER_USER, containerName, TMUX_SESSION } from '../dist/agent/runtime/container-runtime.js';
import { sanitisePaneText } from '../dist/protocol/sanitise.js';
import { startAgent } from './agents.mjs';
import { randomUUID } from 'node:crypto';
import { docker, fmt, image, mib, pct, removeByLabel, row, timed } from './lib.mjs';
import { DockerRuntime } from '../dist/agent/runtime/docker-runtime.js';
import { ResourceSampler } from '../dist/agent/host/resources.js';
import { cpuSeconds, vmRss } from '../test/helpers/measure.mjs';

const PINGS = Number(process.env.BENCH_PINGS || 300);
const LIST_SESSIONS = Number(process.env.BENCH_LIST_SESSIONS || 500);
const LISTS = Number(process.env.BENCH_LISTS || 40);
const RSS_SESSIONS = 200;
const ATTACHES = Number(process.env.BENCH_ATTACHES || 10);
const KEYS = Number(process.env.BENCH_KEYS || 200);
const DETACH = '\x02d';
const PEEKS = Number(process.env.BENCH_PEEKS || 100);
const PREVIEW_SECONDS = Number(process.env.BENCH_PREVIEW_SECONDS || 60);
const RUNNING = Number(process.env.BENCH_RUNNING || 200);

/** Resolve when `check(text)` holds on what `stream` sent since the call, or fail after `ms`. */
function until(stream, check, ms, what) {
  return new Promise((resolve, reject) => {
    let seen = '';
    const timer = setTimeout(() => done(new Error(`no ${what} within ${ms} ms`)), ms);
    const onData = (b) => {
      seen += b.toString('utf8');
      if (check(seen)) done();
    };
    const onClose = () => done(new Error(`stream closed before ${what}`));
    function done(err) {
      clearTimeout(timer);
      stream.removeListener('data', onData);
      stream.removeListener('close', onClose);
      if (err) reject(err);
      else resolve(performance.now());
    }
    stream.on('data', onData);
    stream.once('close', onClose);
  });
}

/** Resolve once `stream` has been silent for `quietMs` (a redraw has finished), bounded by `ms`. */
function quiet(stream, quietMs = 200, ms = 5_000) {
  return new Promise((resolve) => {
    let timer = setTimeout(finish, quietMs);
    const cap = setTimeout(finish, ms);
    const onData = () => {
      clearTimeout(timer);
      timer = setTimeout(finish, quietMs);
    };
    function finish() {
      clearTimeout(timer);
      clearTimeout(cap);
      stream.removeListener('data', onData);
      resolve();
    }
    stream.on('data', onData);
  });
}

/** Raw baseline: the docker CLI under script(1), so that it has the TTY it insists on. */
function rawAttach(container) {
  const child = spawn('script', ['-qfec', `docker exec -it -u ${CONTAINER_USER} ${container} tmux -u attach-session -t ${TMUX_SESSION}`, '/dev/null'], {
    stdio: ['pipe', 'pipe', 'ignore'],
    env: { ...process.env, TERM: 'xterm-256color' },
  });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  return {
    input: child.stdin,
    output: child.stdout,
    async detach() {
      child.stdin.write(DETACH);
      const hard = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(hard);
    },
  };
}

async function relayAttach(client, id) {
  const handle = await client.attach(id, 80, 24);
  return {
    input: handle.stream,
    output: handle.stream,
    async detach() {
      handle.stream.write(DETACH);
      const hard = setTimeout(() => handle.close(), 5_000);
      await handle.done;
      clearTimeout(hard);
    },
  };
}

/** Time from asking to attach to the first byte tmux draws. */
async function attachToFirstByte(open) {
  const t0 = performance.now();
  const session = await open();
  const t1 = await until(session.output, (s) => s.length > 0, 15_000, 'first frame');
  await session.detach();
  return t1 - t0;
}

/** Type letters at the shell prompt and time each echo; Ctrl-U now and then keeps the line short. */
async function echoSamples(session, n) {
  const out = [];
  session.output.on('data', () => undefined); // keep the stream flowing between samples
  session.input.write('\x15');
  await quiet(session.output);
  for (let i = 0; i < n; i++) {
    const ch = String.fromCharCode(97 + (i % 26));
    const echoed = until(session.output, (s) => sanitisePaneText(s).includes(ch), 2_000, `echo of ${ch}`);
    const t0 = performance.now();
    session.input.write(ch);
    out.push((await echoed) - t0);
    if (i % 26 === 25) {
      session.input.write('\x15');
      await quiet(session.output, 100);
    }
  }
  session.input.write('\x15');
  await quiet(session.output, 100);
  return out;
}

async function main() {
  let agent;
  let client;
  try {
    agent = await startAgent('cp');
    client = agent.client();
    const child = { pid: agent.pid };

    for (let i = 0; i < 20; i++) await client.call('ping', null);
    const pings = [];
    for (let i = 0; i < PINGS; i++) pings.push((await timed(() => client.call('ping', null))).ms);
    const rssIdle = await vmRss(child.pid);

    for (let i = 0; i < RSS_SESSIONS; i++) await client.call('create', { name: `s${i}` });
    await client.call('list', null);
    const rss200 = await vmRss(child.pid);
    for (let i = RSS_SESSIONS; i < LIST_SESSIONS; i++) await client.call('create', { name: `s${i}` });
    for (let i = 0; i < 3; i++) await client.call('list', null);
    const lists = [];
    for (let i = 0; i < LISTS; i++) {
      const t = await timed(() => client.call('list', null));
      if (t.value.sessions.length !== LIST_SESSIONS) throw new Error(`list returned ${t.value.sessions.length} sessions`);
      lists.push(t.ms);
    }

    const s = await client.call('create', { name: 'attach-bench' });
    await client.call('restart', { id: s.uuid });
    const container = containerName(s.uuid);
    const ours = [];
    const raw = [];
    // One warm-up of each, then alternate so that both see the same machine conditions.
    await attachToFirstByte(() => relayAttach(client, s.uuid));
    await attachToFirstByte(async () => rawAttach(container));
    for (let i = 0; i < ATTACHES; i++) {
      ours.push(await attachToFirstByte(() => relayAttach(client, s.uuid)));
      raw.push(await attachToFirstByte(async () => rawAttach(container)));
    }

    const echoOurs = [];
    const echoRaw = [];
    for (let round = 0; round < 2; round++) {
      const relay = await relayAttach(client, s.uuid);
      echoOurs.push(...(await echoSamples(relay, KEYS / 2)));
      await relay.detach();
      const direct = rawAttach(container);
      await until(direct.output, (x) => x.length > 0, 15_000, 'first frame');
      echoRaw.push(...(await echoSamples(direct, KEYS / 2)));
      await direct.detach();
    }

    console.log(`convocate control plane, image ${image}, agent pid ${child.pid}`);
    row(`ping, one SSH connection (p50/p95, n=${PINGS})`, fmt(pct(pings, 50)), fmt(pct(pings, 95)));
    row(`list, ${LIST_SESSIONS} sessions (p50/p95; p50 <= 50 ms)`, fmt(pct(lists, 50)), fmt(pct(lists, 95)));
    row(`attach -> 1st frame, relay (p50/p95, n=${ATTACHES})`, fmt(pct(ours, 50)), fmt(pct(ours, 95)));
    row('attach -> 1st frame, raw docker exec', fmt(pct(raw, 50)), fmt(pct(raw, 95)));
    row('attach ratio relay / raw (target <= 1.2)', (pct(ours, 50) / pct(raw, 50)).toFixed(3));
    row(`key echo, relay (p50/p95, n=${echoOurs.length})`, fmt(pct(echoOurs, 50)), fmt(pct(echoOurs, 95)));
    row('key echo, raw docker exec (p50/p95)', fmt(pct(echoRaw, 50)), fmt(pct(echoRaw, 95)));
    row('key echo added, median (target <= 1 ms)', fmt(pct(echoOurs, 50) - pct(echoRaw, 50)));
    row('agent RSS idle', mib(rssIdle));
    row(`agent RSS, ${RSS_SESSIONS} sessions (metadata only)`, mib(rss200));
  } finally {
    await client?.close();
    if (agent) await removeByLabel(`convocate.agent=${agent.agentId}`);
    await agent?.stop();
  }
}

/**
 * The cockpit's costs on the agent: `peek` latency over SSH, the agent's CPU
 * while one session is previewed (one peek a second, as the TUI does), and
 * resource sampling with many running sessions (cgroup files, in process).
 */
async function cockpit() {
  if (!process.env.BENCH_SKIP_PEEK) await preview();
  await sampling();
}

async function preview() {
  let agent;
  let client;
  try {
    agent = await startAgent('cockpit');
    client = agent.client();
    const s = await client.call('create', { name: 'peek-bench' });
    await client.call('restart', { id: s.uuid });
    for (let i = 0; i < 5; i++) await client.call('peek', { id: s.uuid, lines: 40 });
    const peeks = [];
    for (let i = 0; i < PEEKS; i++) peeks.push((await timed(() => client.call('peek', { id: s.uuid, lines: 40 }))).ms);
    row(`peek, 40 lines over SSH (p50/p95, n=${PEEKS}; p50 <= 40 ms)`, fmt(pct(peeks, 50)), fmt(pct(peeks, 95)));
    // The raw tool: one exec of capture-pane through the Engine API per capture, as peers do.
    const runtime = new DockerRuntime(docker);
    const raw = [];
    for (let i = 0; i < 30; i++) {
      raw.push((await timed(() => runtime.exec(s.uuid, ['tmux', 'capture-pane', '-p', '-t', TMUX_SESSION, '-S', '-40'], { user: CONTAINER_USER }))).ms);
    }
    row('  raw: docker exec tmux capture-pane via the Engine API (p50/p95)', fmt(pct(raw, 50)), fmt(pct(raw, 95)));

    const cpu0 = await cpuSeconds(agent.pid);
    const t0 = performance.now();
    for (let i = 0; i < PREVIEW_SECONDS; i++) {
      const next = t0 + (i + 1) * 1000;
      await client.call('peek', { id: s.uuid, lines: 40 });
      await new Promise((r) => setTimeout(r, Math.max(0, next - performance.now())));
    }
    const share = ((await cpuSeconds(agent.pid)) - cpu0) / ((performance.now() - t0) / 1000) * 100;
    row(`agent CPU, one session previewed (1 peek/s, ${PREVIEW_SECONDS} s; <= 3 %)`, `${share.toFixed(2)} % of a core`);
  } finally {
    await client?.close();
    if (agent) await removeByLabel(`convocate.agent=${agent.agentId}`);
    await agent?.stop();
  }
}

/**
 * Resource sampling cost with RUNNING real session containers: the CPU time
 * of one sample of all of them, as every `list` takes it. The containers run
 * the session image without a network (the figure is about cgroup files, and
 * that starts 200 of them quickly).
 */
async function sampling() {
  const agentId = `bench-sampling-${process.pid}`;
  const label = `convocate.agent=${agentId}`;
  try {
    const ids = [];
    for (let i = 0; i < RUNNING; i += 10) {
      await Promise.all(
        Array.from({ length: Math.min(10, RUNNING - i) }, async () => {
          const uuid = randomUUID();
          const c = await docker.createContainer({
            name: containerName(uuid),
            Image: image,
            Labels: { 'convocate.session': uuid, 'convocate.agent': agentId },
            HostConfig: { NetworkMode: 'none' },
          });
          await c.start();
          ids.push(uuid);
        }),
      );
    }
    const ours = new Set(ids);
    const running = (await new DockerRuntime(docker).list()).filter((c) => c.running && ours.has(c.uuid));
    if (running.length !== RUNNING) throw new Error(`expected ${RUNNING} running containers, found ${running.length}`);
    const sampler = new ResourceSampler();
    await sampler.sample(running);
    const cpu = [];
    const wall = [];
    let measured = 0;
    for (let i = 0; i < 30; i++) {
      const c0 = process.cpuUsage();
      const t = await timed(() => sampler.sample(running));
      const used = process.cpuUsage(c0);
      cpu.push((used.user + used.system) / 1000);
      wall.push(t.ms);
      measured = [...t.value.values()].filter((v) => v.cpu_percent !== null && v.mem_bytes !== null).length;
    }
    const perList = pct(cpu, 50);
    row(`resource sampling, ${RUNNING} running: CPU per list (p50), wall (p50)`, fmt(perList), fmt(pct(wall, 50)), `${measured}/${RUNNING} measured`);
    row(`  as agent CPU at one list per 15 s / per 1 s (<= 1 %)`, `${(perList / 150).toFixed(3)} %`, `${(perList / 10).toFixed(2)} %`);
  } finally {
    await removeByLabel(label);
  }
}

if (!process.env.BENCH_ONLY_COCKPIT) await main();
await cockpit();
