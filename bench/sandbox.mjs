// Sandbox figures, side by side in the same run: a clone of a running session
// with a 1 GiB home (frozen for the copy) against raw `cp -a` of the same tree,
// and a session start with all confinement on (capabilities dropped, pids,
// CPU and memory limits, the agent network, firewall rules with egress none)
// against the same start with the confinement stripped from the container spec.
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { randomBytes } from 'node:crypto';
import { IptablesFirewall } from '../dist/agent/host/firewall.js';
import { benchAgent, fmt, pct, row, timed } from './lib.mjs';

const execFileP = promisify(execFile);
const ROUNDS = Number(process.env.BENCH_ROUNDS || 5);
const HOME_MIB = Number(process.env.BENCH_CLONE_MIB || 1024);

/** `HOME_MIB` MiB in 1 MiB files over 16 directories, plus a few thousand small ones (a real home's shape). */
async function fillHome(home) {
  const chunk = randomBytes(1024 * 1024);
  for (let d = 0; d < 16; d++) {
    await mkdir(join(home, 'data', `d${d}`), { recursive: true });
    for (let i = d; i < HOME_MIB; i += 16) await writeFile(join(home, 'data', `d${d}`, `f${i}`), chunk);
  }
  await mkdir(join(home, 'small'), { recursive: true });
  for (let i = 0; i < 2000; i++) await writeFile(join(home, 'small', `s${i}.txt`), `line ${i}\n`);
}

async function cloneBench() {
  const agent = await benchAgent('clone', (r) => r, () => undefined);
  const ours = [];
  const raw = [];
  try {
    const src = await agent.api.call('create', { name: 'big' });
    await fillHome(agent.store.homeDir(src.uuid));
    await agent.api.call('restart', { id: src.uuid });
    for (let i = 0; i < ROUNDS; i++) {
      const t = await timed(() => agent.api.call('clone', { source_id: src.uuid, name: `big-clone-${i}` }));
      ours.push(t.ms);
      await agent.api.call('delete', { id: t.value.uuid });
      const dst = await mkdtemp(join(tmpdir(), 'convocate-bench-cp-'));
      const r = await timed(() => execFileP('cp', ['-a', '--', `${agent.store.homeDir(src.uuid)}/.`, dst]));
      raw.push(r.ms);
      await rm(dst, { recursive: true, force: true });
    }
  } finally {
    await agent.cleanup();
  }
  const p50 = pct(ours, 50);
  const r50 = pct(raw, 50);
  row(`clone of a running session, ${HOME_MIB} MiB home`, `p50 ${fmt(p50)}`, `raw cp -a p50 ${fmt(r50)}`, `ratio ${(p50 / r50).toFixed(2)}x`);
}

/** The same container start with the confinement taken out of the spec. */
const unconfined = (runtime) =>
  new Proxy(runtime, {
    get(target, prop) {
      if (prop !== 'run') return Reflect.get(target, prop);
      return (spec) =>
        target.run({ ...spec, network: undefined, pidsLimit: undefined, cpus: undefined, memoryBytes: undefined, macAddress: undefined, beforeStart: undefined });
    },
  });

async function startBench() {
  const confined = await benchAgent('confined', (r) => r, () => undefined, { firewall: new IptablesFirewall() });
  const plain = await benchAgent('plain', unconfined, () => undefined);
  const on = [];
  const off = [];
  try {
    await confined.api.call('settings-set', { cpus: 1, memory_bytes: 1024 ** 3 });
    for (let i = 0; i < ROUNDS; i++) {
      const a = await confined.api.call('create', { name: `on-${i}`, egress: 'none' });
      on.push((await timed(() => confined.api.call('restart', { id: a.uuid }))).ms);
      const b = await plain.api.call('create', { name: `off-${i}` });
      off.push((await timed(() => plain.api.call('restart', { id: b.uuid }))).ms);
      await confined.api.call('delete', { id: a.uuid });
      await plain.api.call('delete', { id: b.uuid });
    }
  } finally {
    await confined.cleanup();
    await plain.cleanup();
  }
  const p50 = pct(on, 50);
  const o50 = pct(off, 50);
  row('session start, all confinement on', `p50 ${fmt(p50)}`, `confinement off p50 ${fmt(o50)}`, `ratio ${(p50 / o50).toFixed(2)}x`);
}

// BENCH_SANDBOX=start or =clone runs one half.
if (process.env.BENCH_SANDBOX !== 'clone') await startBench();
if (process.env.BENCH_SANDBOX !== 'start') await cloneBench();
