// The agent's SSH server under abuse, each figure beside the same call on an
// unloaded agent in the same run: a fresh client's `ping` while 300
// unauthenticated connections are held (10 sources, half stalled after the
// banner) and 50 channels are open on one connection, what holding them costs
// in memory, and 10 000 malformed request lines against 10 000 good pings.
// The tests assert that the agent keeps answering; these are the figures.
import { randomBytes } from 'node:crypto';
import ssh2 from 'ssh2';
import { RPC_SUBSYSTEM } from '../dist/protocol/subsystems.js';
import { startAgent } from './agents.mjs';
import { fmt, mib, pct, row } from './lib.mjs';
import { timed, vmRss } from '../test/helpers/measure.mjs';
import { holdConnection } from '../test/helpers/stalled-connection.mjs';

const HELD = 300;
const CHANNELS = 50;
const FRESH = Number(process.env.BENCH_FRESH_PINGS || 20);
const LINES = Number(process.env.BENCH_FLOOD_LINES || 10_000);
const PING = '{"op":"ping","params":null}\n';

function connect(agent) {
  return new Promise((resolve, reject) => {
    const c = new ssh2.Client();
    c.once('ready', () => resolve(c));
    c.on('error', reject);
    c.connect({ host: '127.0.0.1', port: agent.port, username: 'bench', privateKey: agent.privateKey, readyTimeout: 30_000 });
  });
}

function subsys(client) {
  return new Promise((resolve, reject) => client.subsys(RPC_SUBSYSTEM, (err, ch) => (err ? reject(err) : resolve(ch))));
}

/** One request line on its own channel, answered and closed. */
async function roundTrip(client, line) {
  const ch = await subsys(client);
  return new Promise((resolve, reject) => {
    const parts = [];
    const timer = setTimeout(() => reject(new Error('no answer within 30 s')), 30_000);
    ch.on('data', (b) => parts.push(b));
    ch.on('close', () => {
      clearTimeout(timer);
      resolve(Buffer.concat(parts).toString('utf8'));
    });
    ch.end(line);
  });
}

/** A fresh client: connect, authenticate, ping, disconnect. */
async function freshPings(agent, n) {
  const out = [];
  for (let i = 0; i < n; i++) {
    const { ms } = await timed(async () => {
      const c = await connect(agent);
      await roundTrip(c, PING);
      c.end();
    });
    out.push(ms);
  }
  return out;
}

/** Malformed lines: random bytes, and a create request with characters knocked out. */
function badLine(i) {
  if (i % 3 === 0) return randomBytes(1 + (i % 200));
  const chars = JSON.stringify({ op: 'create', params: { name: 'fuzz', port: 80, protocol: 'tcp', dns_name: 'a.b' } }).split('');
  for (let k = 0; k < 1 + (i % 5); k++) chars[(i * 7 + k * 13) % chars.length] = String.fromCharCode(32 + ((i * k + 11) % 95));
  return Buffer.from(`${chars.join('')}\n`);
}

/** `n` lines over 4 connections x 4 concurrent channels; the wall time. */
async function flood(agent, n, line) {
  const clients = await Promise.all([0, 1, 2, 3].map(() => connect(agent)));
  let next = 0;
  const worker = async (c) => {
    while (next < n) await roundTrip(c, line(next++));
  };
  try {
    return (await timed(() => Promise.all(clients.flatMap((c) => [worker(c), worker(c), worker(c), worker(c)])))).ms;
  } finally {
    for (const c of clients) c.end();
  }
}

const agent = await startAgent('abuse');
const held = [];
const busy = [];
try {
  await freshPings(agent, 3);
  const quiet = await freshPings(agent, FRESH);
  const rssQuiet = await vmRss(agent.pid);

  for (const s of await Promise.all(Array.from({ length: HELD }, (_, i) => holdConnection(agent.port, `127.0.0.${2 + (i % 10)}`)))) if (s) held.push(s);
  const hog = await connect(agent);
  busy.push(hog);
  for (let i = 0; i < CHANNELS; i++) await subsys(hog);
  await new Promise((r) => setTimeout(r, 500));
  const loaded = await freshPings(agent, FRESH);
  const rssLoaded = await vmRss(agent.pid);
  for (const s of held) s.destroy();
  for (const c of busy) c.end();

  row(`fresh client ping, agent quiet (p50/p95, n=${FRESH})`, fmt(pct(quiet, 50)), fmt(pct(quiet, 95)));
  row(`  with ${HELD} held + ${CHANNELS} channels (target p95 <= 1 s)`, fmt(pct(loaded, 50)), fmt(pct(loaded, 95)));
  row('agent RSS quiet / holding them', mib(rssQuiet), mib(rssLoaded));
  row('  RSS held connections cost (target <= 150 MiB)', mib(rssLoaded - rssQuiet));

  const good = await flood(agent, LINES, () => Buffer.from(PING));
  const bad = await flood(agent, LINES, badLine);
  row(`${LINES} good pings, 16 channels at a time`, `${(good / 1000).toFixed(1)} s`, `${Math.round(LINES / (good / 1000))}/s`);
  row(`${LINES} malformed lines (target <= 120 s)`, `${(bad / 1000).toFixed(1)} s`, `${Math.round(LINES / (bad / 1000))}/s`);
} finally {
  for (const s of held) s.destroy();
  for (const c of busy) c.end();
  await agent.stop();
}
