// `list` of many sessions over SSH against a real `convocate-agent serve`,
// side by side with the raw floor in the same run: reading and parsing every
// session.json in this process, and the one labelled Docker call a list makes.
// Also the agent's RSS: just started, idle (before any session exists), and with them listed.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startAgent } from './agents.mjs';
import { docker, fmt, mib, pct, row, timed } from './lib.mjs';
import { cpuSeconds, vmRss } from '../test/helpers/measure.mjs';

const SESSIONS = Number(process.env.BENCH_LIST_SESSIONS || 500);
const LISTS = Number(process.env.BENCH_LISTS || 60);
const IDLE_SECONDS = 20;

const bare = await startAgent('rss');
const bareClient = bare.client();
for (let i = 0; i < 20; i++) await bareClient.call('ping', null);
const rssIdle = await vmRss(bare.pid);
// V8 shrinks the young generation that start-up grew once the agent has been
// quiet for some seconds: what an idle agent holds is the figure after that.
for (let i = 0; i < IDLE_SECONDS; i++) await new Promise((r) => setTimeout(r, 1000));
const rssSettled = await vmRss(bare.pid);
await bareClient.close();
await bare.stop();

const agent = await startAgent('list', SESSIONS);
const client = agent.client();
try {
  for (let i = 0; i < 5; i++) await client.call('list', null);
  const ids = readdirSync(agent.sessionsDir).filter((n) => /^[0-9a-f-]{36}$/.test(n));
  const ours = [];
  let agentCpu = 0;
  const rawFiles = [];
  const rawDocker = [];
  // Interleaved, so that all three see the same machine conditions.
  for (let i = 0; i < LISTS; i++) {
    const cpu0 = await cpuSeconds(agent.pid);
    const t = await timed(() => client.call('list', null));
    agentCpu += (await cpuSeconds(agent.pid)) - cpu0;
    if (t.value.sessions.length !== SESSIONS) throw new Error(`list returned ${t.value.sessions.length} sessions`);
    ours.push(t.ms);
    rawFiles.push((await timed(async () => ids.map((id) => JSON.parse(readFileSync(join(agent.sessionsDir, id, 'session.json'), 'utf8'))))).ms);
    rawDocker.push((await timed(() => docker.listContainers({ all: true, filters: { label: ['convocate.session'] } }))).ms);
  }
  const rssListed = await vmRss(agent.pid);
  console.log(`convocate list, ${SESSIONS} sessions, ${LISTS} rounds`);
  row(`list over SSH (p50/p95; p50 <= 10 ms)`, fmt(pct(ours, 50)), fmt(pct(ours, 95)));
  // CPU the agent spent per list: robust to other load on the machine, unlike wall time.
  row('  agent CPU per list (mean)', fmt((agentCpu * 1000) / LISTS));
  row(`  raw: read + parse ${SESSIONS} session.json in-process (p50)`, fmt(pct(rawFiles, 50)));
  row('  raw: the labelled Docker container list (p50)', fmt(pct(rawDocker, 50)));
  row('agent RSS just started, after 20 pings', mib(rssIdle));
  row(`agent RSS idle, ${IDLE_SECONDS} s later (<= 60 MiB)`, mib(rssSettled));
  row(`agent RSS, ${SESSIONS} sessions listed`, mib(rssListed));
} finally {
  await client.close();
  await agent.stop();
}
