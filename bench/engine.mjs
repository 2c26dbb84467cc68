// Session engine figures, side by side with the raw Docker Engine API on the
// same image in the same run: cold start, list with 200 sessions, agent memory.
import { mkdtemp, rm, chown } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { benchAgent, docker, fmt, image, mib, pct, rawStart, removeByLabel, row, timed } from './lib.mjs';

const ROUNDS = Number(process.env.BENCH_ROUNDS || 8);
const LIST_SESSIONS = Number(process.env.BENCH_LIST_SESSIONS || 200);

async function coldStart() {
  const agent = await benchAgent('cold');
  const rawLabel = `convocate.bench=${process.pid}`;
  const ours = [];
  const raw = [];
  try {
    for (let i = 0; i < ROUNDS; i++) {
      // Alternate so that both see the same machine conditions.
      const t = await timed(async () => {
        const s = await agent.api.call('create', { name: `cold-${i}` });
        await agent.api.call('restart', { id: s.uuid });
      });
      ours.push(t.ms);
      const home = await mkdtemp(join(tmpdir(), 'convocate-raw-'));
      if (process.getuid?.() === 0) await chown(home, 1337, 1337);
      const r = await timed(() => rawStart(rawLabel, home));
      raw.push(r.ms);
      await r.value.remove({ force: true });
      await rm(home, { recursive: true, force: true });
    }
  } finally {
    await agent.cleanup();
    await removeByLabel(rawLabel);
  }
  const ratio = pct(ours, 50) / pct(raw, 50);
  row('cold start: create -> tmux ready (p50/p95)', fmt(pct(ours, 50)), fmt(pct(ours, 95)));
  row('raw docker run -d + wait for tmux (p50/p95)', fmt(pct(raw, 50)), fmt(pct(raw, 95)));
  row('ratio convocate / raw (target <= 1.15)', ratio.toFixed(3));
}

async function listing() {
  let dockerCalls = 0;
  const agent = await benchAgent('list', (runtime) => {
    const list = runtime.list.bind(runtime);
    runtime.list = () => {
      dockerCalls++;
      return list();
    };
    return runtime;
  });
  try {
    for (let i = 0; i < LIST_SESSIONS; i++) await agent.store.create({ name: `s${i}`, port: 0 });
    // A few running sessions so that the live fields are really computed.
    const { sessions } = await agent.api.call('list', null);
    for (const s of sessions.slice(0, 5)) await agent.api.call('restart', { id: s.uuid });
    const times = [];
    for (let i = 0; i < 40; i++) {
      dockerCalls = 0;
      const t = await timed(() => agent.api.call('list', null));
      times.push(t.ms);
      if (t.value.sessions.length !== LIST_SESSIONS) throw new Error('list lost sessions');
    }
    const raw = [];
    for (let i = 0; i < 40; i++) {
      raw.push((await timed(() => docker.listContainers({ all: true, filters: { label: ['convocate.session'] } }))).ms);
    }
    row(`list with ${LIST_SESSIONS} sessions (p50/p95, target <= 50 ms)`, fmt(pct(times, 50)), fmt(pct(times, 95)), `docker calls per list: ${dockerCalls}`);
    row('raw labelled container list (p50/p95)', fmt(pct(raw, 50)), fmt(pct(raw, 95)));
    row(`agent RSS with ${LIST_SESSIONS} sessions`, mib(process.memoryUsage().rss));
  } finally {
    await agent.cleanup();
  }
}

console.log(`# engine benchmark (image ${image}, ${ROUNDS} rounds)`);
row('agent RSS at start', mib(process.memoryUsage().rss));
await coldStart();
await listing();
