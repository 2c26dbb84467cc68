// TUI figures on the real main loop (Ink) over a real agent: key press to
// redrawn frame with 500 sessions, idle CPU over 60 s, RSS, and a full refresh
// across 10 agents x 100 sessions over SSH.
// React's production build, as the `convocate` binary uses (imports below are dynamic so this comes first).
process.env.NODE_ENV ??= 'production';
import { EventEmitter } from 'node:events';
import { PassThrough, Writable } from 'node:stream';
import { performance } from 'node:perf_hooks';
import { benchAgent, fmt, mib, pct, removeByLabel, row } from './lib.mjs';
const { MultiAgentDirectory } = await import('../dist/shell/client/directory.js');
const { LocalAgentClient } = await import('../dist/shell/client/local-agent-client.js');
const { runTui } = await import('../dist/shell/tui/run.js');
import { startAgent, startAgents } from './agents.mjs';
import { cpuSeconds } from '../test/helpers/measure.mjs';

const SESSIONS = Number(process.env.BENCH_TUI_SESSIONS || 500);
const IDLE_SECONDS = Number(process.env.BENCH_IDLE_SECONDS || 60);

/** A terminal the TUI can drive: raw-mode capable stdin, a sized stdout that records writes. */
function fakeTerminal(cols = 120, rows = 40) {
  const stdin = Object.assign(new PassThrough(), { isTTY: true, isRaw: false, setRawMode() { return this; }, ref() {}, unref() {} });
  const frames = new EventEmitter();
  const stdout = Object.assign(
    new Writable({
      write(chunk, _enc, cb) {
        frames.emit('write', chunk);
        cb();
      },
    }),
    { isTTY: true, columns: cols, rows },
  );
  return { stdin, stdout, frames };
}

/** Runs the TUI on a fake terminal until its first full frame shows every session. */
async function startTui(directory) {
  const term = fakeTerminal();
  const done = runTui({ directory, stdin: term.stdin, stdout: term.stdout, version: 'bench' });
  await new Promise((resolve) => {
    const onWrite = (c) => {
      if (String(c).includes(`${SESSIONS} sessions`)) {
        term.frames.off('write', onWrite);
        resolve();
      }
    };
    term.frames.on('write', onWrite);
  });
  return { term, quit: () => (term.stdin.write('q'), done) };
}

async function keyToFrame(term) {
  const samples = [];
  const cpu0 = process.cpuUsage();
  for (let i = 0; i < 200; i++) {
    const key = i % 2 ? '\u001b[A' : '\u001b[B'; // up, down
    const t0 = performance.now();
    const framed = new Promise((resolve) => term.frames.once('write', resolve));
    term.stdin.write(key);
    await framed;
    samples.push(performance.now() - t0);
    // Ink throttles redraws; leave room so that every key gets its own frame.
    await new Promise((r) => setTimeout(r, 40));
  }
  const cpu = process.cpuUsage(cpu0);
  // CPU time per key press (this process: the TUI and, in the embedded case, its agent); other load does not inflate it.
  samples.cpuPerKeyMs = (cpu.user + cpu.system) / 1000 / samples.length;
  return samples;
}

async function idleShare() {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await new Promise((r) => setTimeout(r, IDLE_SECONDS * 1000));
  const used = process.cpuUsage(cpu0);
  return ((used.user + used.system) / 1000 / (performance.now() - t0)) * 100;
}

/**
 * The operator's TUI with its sessions on an agent over SSH: the TUI process
 * alone is measured, and the agent's CPU beside it. The newest session runs,
 * so the preview (below the table at 120x40) shows it and refreshes every second.
 */
async function overSsh() {
  const agent = await startAgent('tui', SESSIONS - 1);
  const client = agent.client();
  const dir = new MultiAgentDirectory([client]);
  try {
    const live = await client.call('create', { name: 'live' });
    await client.call('restart', { id: live.uuid });
    const tui = await startTui(dir);
    const samples = await keyToFrame(tui.term);
    row(`key press -> redrawn frame, ${SESSIONS} sessions, 120x40, preview shown (p50/p95, target p95 <= 10 ms)`, fmt(pct(samples, 50)), fmt(pct(samples, 95)));
    row('  CPU time per key press, TUI process', fmt(samples.cpuPerKeyMs));
    const agentCpu0 = await cpuSeconds(agent.pid);
    const t0 = performance.now();
    row(`TUI idle CPU over ${IDLE_SECONDS} s, ${SESSIONS} sessions on an SSH agent, preview of a running one (target <= 1.5 %)`, `${(await idleShare()).toFixed(2)} % of a core`);
    const agentShare = (((await cpuSeconds(agent.pid)) - agentCpu0) / ((performance.now() - t0) / 1000)) * 100;
    row(`  agent CPU meanwhile (list every 15 s, peek every 1 s; target <= 3 %)`, `${agentShare.toFixed(2)} % of a core`);
    tui.term.stdin.write('p');
    row(`TUI idle CPU over ${IDLE_SECONDS} s, same, preview hidden (P) (target <= 1 %)`, `${(await idleShare()).toFixed(2)} % of a core`);
    row(`TUI RSS, ${SESSIONS} sessions on an SSH agent`, mib(process.memoryUsage().rss));
    await tui.quit();
  } finally {
    await dir.close();
    await removeByLabel(`convocate.agent=${agent.agentId}`);
    await agent.stop();
  }
}

/** The newcomer's setup: the same TUI with the embedded local agent in its process. */
async function embedded() {
  const agent = await benchAgent('tui');
  for (let i = 0; i < SESSIONS; i++) await agent.store.create({ name: `s${i}`, port: 0 });
  const dir = new MultiAgentDirectory([new LocalAgentClient(agent.api)]);
  try {
    const tui = await startTui(dir);
    row(`TUI + embedded agent idle CPU over ${IDLE_SECONDS} s, ${SESSIONS} sessions`, `${(await idleShare()).toFixed(2)} % of a core`);
    await tui.quit();
  } finally {
    await dir.close();
    await agent.cleanup();
  }
}

async function fullRefresh() {
  const fleet = await startAgents(10, 100);
  try {
    const dir = new MultiAgentDirectory(fleet.clients());
    await dir.listAll(); // connect once, as a running TUI would be
    const samples = [];
    for (let i = 0; i < 30; i++) {
      const t0 = performance.now();
      const { sessions } = await dir.listAll();
      samples.push(performance.now() - t0);
      if (sessions.length !== 1000) throw new Error(`expected 1000 sessions, got ${sessions.length}`);
    }
    row('full refresh, 10 agents x 100 sessions over SSH (p50/p95, target <= 150 ms)', fmt(pct(samples, 50)), fmt(pct(samples, 95)));
    await dir.close();
  } finally {
    await fleet.stop();
  }
}

console.log('# TUI benchmark');
await overSsh();
await embedded();
if (!process.env.BENCH_SKIP_FLEET) await fullRefresh();
