// Session image build with Claude Code: cold (Claude fetched into an empty npm
// cache, image built on the cached debootstrap base; with BENCH_IMAGE_FULL=1
// the base is debootstrapped again too) and cached (the tag is current: a
// no-op). Each on its own throwaway tag, removed afterwards.
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { docker, fmt, pct, row } from './lib.mjs';

const run = promisify(execFile);
const AGENT = new URL('../dist/bin/convocate-agent.js', import.meta.url).pathname;
const tag = `convocate-session:bench-${process.pid}`;

async function build(env, ...extra) {
  const t0 = performance.now();
  await run(process.execPath, [AGENT, 'image', 'build', '--offline', '--tag', tag, ...extra], { env: { ...process.env, ...env }, maxBuffer: 64 * 1024 * 1024 });
  return performance.now() - t0;
}

const npmCache = await mkdtemp(join(tmpdir(), 'convocate-bench-npm-'));
try {
  if (process.env.BENCH_IMAGE_FULL === '1') {
    const full = await build({ npm_config_cache: npmCache }, '--force');
    row('image build, fully cold (debootstrap + npm + build)', fmt(full));
    await docker.getImage(tag).remove({ force: true });
    await rm(npmCache, { recursive: true, force: true });
  }
  const cold = await build({ npm_config_cache: npmCache });
  row('image build, cold Claude (empty npm cache, cached base)', fmt(cold));
  await docker.getImage(tag).remove({ force: true });
  const warmNpm = await build({ npm_config_cache: npmCache });
  row('image build, new tag, Claude in the npm cache', fmt(warmNpm));
  const cached = [];
  for (let i = 0; i < 5; i++) cached.push(await build({ npm_config_cache: npmCache }));
  row('image build, tag current (no-op)', `p50 ${fmt(pct(cached, 50))}`);
} finally {
  await docker.getImage(tag).remove({ force: true }).catch(() => undefined);
  await rm(npmCache, { recursive: true, force: true });
}
