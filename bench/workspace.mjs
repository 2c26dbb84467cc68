// Workspace figures, side by side with the raw tools in the same run:
// `new --repo` + first start until the clone is in place, against a plain
// `docker run` + `git clone` of the same repository in it; the same until the
// real Claude (against the stand-in) is idle, against a plain start until idle
// plus a raw `git clone` in that container; `diff --stat` of a
// running session with 1 000 changed files, against raw `git diff --stat`.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chown, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { benchAgent, docker, fmt, image, pct, rawStart, removeByLabel, row, timed } from './lib.mjs';
import { startStandInAndGit } from './stand-in.mjs';
import { freePort } from '../test/helpers/measure.mjs';

const ROUNDS = Number(process.env.BENCH_ROUNDS || 6);
const FILES = Number(process.env.BENCH_DIFF_FILES || 1000);
const CLAUDE_ROUNDS = Number(process.env.BENCH_CLAUDE_ROUNDS || 5);

const gitEnv = { ...process.env, GIT_AUTHOR_NAME: 'b', GIT_AUTHOR_EMAIL: 'b@b', GIT_COMMITTER_NAME: 'b', GIT_COMMITTER_EMAIL: 'b@b' };
const git = (cwd, ...args) => execFileSync('git', args, { cwd, env: gitEnv, stdio: ['ignore', 'pipe', 'pipe'] }).toString().trim();

/** A directory holding `repo.git`, a bare repository of `files` small files. */
async function bareRepo(files) {
  const base = await mkdtemp(join(tmpdir(), 'convocate-bench-git-'));
  const work = join(base, 'work');
  git(base, 'init', '--quiet', '--initial-branch=main', work);
  for (let i = 0; i < files; i++) await writeFile(join(work, `f${i}.txt`), `line one of ${i}\nline two\n`);
  git(work, 'add', '-A');
  git(work, 'commit', '--quiet', '-m', 'files');
  git(base, 'clone', '--quiet', '--bare', work, join(base, 'repo.git'));
  return base;
}

/** `bareRepo(files)` served by git daemon on `address`. */
async function gitServer(address, files) {
  const base = await bareRepo(files);
  const port = await freePort(address);
  const daemon = spawn('git', ['daemon', '--reuseaddr', '--export-all', `--base-path=${base}`, `--listen=${address}`, `--port=${port}`, base], { stdio: 'ignore' });
  for (let i = 0; i < 100; i++) {
    const up = await new Promise((resolve) => {
      const s = createServer();
      s.once('error', () => resolve(true));
      s.listen(port, address, () => s.close(() => resolve(false)));
    });
    if (up) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  return { url: `git://${address}:${port}/repo.git`, stop: async () => { daemon.kill(); await rm(base, { recursive: true, force: true }); } };
}

async function gateway(networkId) {
  const info = await docker.getNetwork(networkId).inspect();
  return info.IPAM.Config.find((c) => c.Gateway).Gateway;
}

async function execIn(container, cmd) {
  const exec = await container.exec({ Cmd: cmd, User: 'convocate', AttachStdout: true, AttachStderr: true });
  const stream = await exec.start({ hijack: true, stdin: false });
  const out = new PassThrough();
  let text = '';
  out.on('data', (b) => (text += b.toString()));
  docker.modem.demuxStream(stream, out, out);
  await new Promise((resolve) => stream.on('end', resolve));
  const { ExitCode } = await exec.inspect();
  if (ExitCode !== 0) throw new Error(`${cmd.join(' ')} exited ${ExitCode}: ${text}`);
  return text;
}

/** Raw: `docker run -d` on the same network, wait for tmux, then `git clone` in it as the session user. */
async function rawStartAndClone(label, network, url) {
  const home = await mkdtemp(join(tmpdir(), 'convocate-raw-'));
  await chown(home, 1337, 1337);
  const c = await rawStart(label, home, network);
  await execIn(c, ['git', 'clone', '--quiet', url, '/home/convocate/work']);
  return { c, home };
}

async function cloneAtStart() {
  const agent = await benchAgent('ws-clone');
  const network = await agent.runtime.ensureSessionsNetwork();
  const server = await gitServer(await gateway(network), 2000);
  const rawLabel = `convocate.bench=${process.pid}`;
  const ours = [];
  const raw = [];
  try {
    for (let i = 0; i < ROUNDS; i++) {
      const t = await timed(async () => {
        const s = await agent.api.call('create', { name: `ws-${i}`, repo: server.url });
        await agent.api.call('restart', { id: s.uuid });
        const marker = join(agent.store.homeDir(s.uuid), 'work', '.git', 'convocate-base');
        for (let n = 0; !existsSync(marker); n++) {
          if (n > 6000) throw new Error('clone did not finish');
          await new Promise((r) => setTimeout(r, 5));
        }
      });
      ours.push(t.ms);
      const r = await timed(() => rawStartAndClone(rawLabel, network, server.url));
      raw.push(r.ms);
      await r.value.c.remove({ force: true });
      await rm(r.value.home, { recursive: true, force: true });
    }
  } finally {
    await agent.cleanup();
    await removeByLabel(rawLabel);
    await server.stop();
  }
  row('new --repo + first start until cloned (p50/p95)', fmt(pct(ours, 50)), fmt(pct(ours, 95)));
  row('raw docker run + git clone in it (p50/p95)', fmt(pct(raw, 50)), fmt(pct(raw, 95)));
  row('ratio convocate / raw (target <= 1.2)', (pct(ours, 50) / pct(raw, 50)).toFixed(3));
}

/** Polls (bounded) until the session's activity file says `idle`: Claude is up and waits for a prompt. */
async function claudeIdle(agent, s) {
  const file = join(agent.store.homeDir(s.uuid), '.convocate-activity');
  for (let n = 0; n < 12000; n++) {
    if (existsSync(file) && (await readFile(file, 'utf8').catch(() => '')).startsWith('idle\n')) return;
    await new Promise((r) => setTimeout(r, 5));
  }
  throw new Error(`Claude in ${s.name} did not become idle`);
}

/**
 * The real Claude against the stand-in: `new --repo` + first start until Claude
 * is idle in the cloned workspace, against a plain start until idle plus a raw
 * `git clone` of the same repository from inside that session's container.
 */
async function cloneAtStartWithClaude() {
  const base = await bareRepo(2000);
  const env = await startStandInAndGit(base);
  const agent = await benchAgent('ws-claude', undefined, undefined, undefined, env);
  const url = env.gitUrl('repo.git');
  const ours = [];
  const raw = [];
  try {
    for (let i = 0; i < CLAUDE_ROUNDS; i++) {
      const t = await timed(async () => {
        const s = await agent.api.call('create', { name: `wsc-${i}`, repo: url });
        await agent.api.call('restart', { id: s.uuid });
        await claudeIdle(agent, s);
        if (!existsSync(join(agent.store.homeDir(s.uuid), 'work', '.git', 'convocate-base'))) throw new Error('idle before the clone');
        return s;
      });
      ours.push(t.ms);
      await agent.api.call('kill', { id: t.value.uuid });
      const plain = await timed(async () => {
        const s = await agent.api.call('create', { name: `plain-${i}` });
        await agent.api.call('restart', { id: s.uuid });
        await claudeIdle(agent, s);
        return s;
      });
      const c = docker.getContainer(`convocate-session-${plain.value.uuid}`);
      const clone = await timed(() => execIn(c, ['git', 'clone', '--quiet', url, `/tmp/raw-${i}`]));
      raw.push(plain.ms + clone.ms);
      await agent.api.call('kill', { id: plain.value.uuid });
    }
  } finally {
    await agent.cleanup();
    await env.stop();
    await rm(base, { recursive: true, force: true });
  }
  row('new --repo + first start until Claude idle (p50/p95)', fmt(pct(ours, 50)), fmt(pct(ours, 95)));
  row('raw plain start until idle + git clone (p50/p95)', fmt(pct(raw, 50)), fmt(pct(raw, 95)));
  row('ratio convocate / raw (target <= 1.2)', (pct(ours, 50) / pct(raw, 50)).toFixed(3));
}

async function diffStat() {
  const agent = await benchAgent('ws-diff');
  const network = await agent.runtime.ensureSessionsNetwork();
  const server = await gitServer(await gateway(network), FILES);
  try {
    const s = await agent.api.call('create', { name: 'ws-diff', repo: server.url });
    await agent.api.call('restart', { id: s.uuid });
    const c = docker.getContainer(`convocate-session-${s.uuid}`);
    for (let n = 0; !existsSync(join(agent.store.homeDir(s.uuid), 'work', '.git', 'convocate-base')); n++) {
      if (n > 6000) throw new Error('clone did not finish');
      await new Promise((r) => setTimeout(r, 5));
    }
    await execIn(c, ['bash', '-c', 'cd /home/convocate/work && for f in f*.txt; do echo changed >> "$f"; done']);
    const ours = [];
    const raw = [];
    for (let i = 0; i < 15; i++) {
      const t = await timed(() => agent.api.call('diff', { id: s.uuid, stat: true }));
      if (!t.value.text.includes(`${FILES} files changed`)) throw new Error(`unexpected diff: ${t.value.text.slice(-200)}`);
      ours.push(t.ms);
      raw.push((await timed(() => execIn(c, ['git', '-C', '/home/convocate/work', 'diff', '--stat']))).ms);
    }
    row(`diff --stat, ${FILES} changed files (p50/p95, target <= 300 ms)`, fmt(pct(ours, 50)), fmt(pct(ours, 95)));
    row('raw docker exec git diff --stat (p50/p95)', fmt(pct(raw, 50)), fmt(pct(raw, 95)));
  } finally {
    await agent.cleanup();
    await server.stop();
  }
}

console.log(`# workspace benchmark (image ${image}, ${ROUNDS} rounds)`);
const only = process.argv[2];
if (!only || only === 'clone') await cloneAtStart();
if (!only || only === 'claude') await cloneAtStartWithClaude();
if (!only || only === 'diff') await diffStat();
