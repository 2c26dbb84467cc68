// Web cockpit figures against ten real `convocate-agent serve` processes with
// 50 sessions each, a real `convocate web` and Debian's Chromium, each beside
// its raw floor in the same run:
//   page load → all 500 rows drawn         vs  GET /api/sessions from Node
//   status event → the row changed on page  vs  the same event at a plain status-socket subscriber
//   keystroke echo over the page's socket   vs  the agent's attach relay (the TUI's path), same session
//   `convocate web` CPU, idle, one page open
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import puppeteer from 'puppeteer-core';
import { sanitisePaneText } from '../dist/protocol/sanitise.js';
import { makeEvent } from '../dist/protocol/status.js';
import { StatusFanout } from '../dist/shell/status/fanout.js';
import { STATUS_SOCKET, subscribeStatus } from '../dist/shell/status/subscribe.js';
import { startAgents } from './agents.mjs';
import { fmt, pct, removeByLabel, row, timed } from './lib.mjs';
import { cpuSeconds } from '../test/helpers/measure.mjs';

const AGENTS = 10;
const PER_AGENT = Number(process.env.BENCH_WEB_PER_AGENT || 50);
const LOADS = Number(process.env.BENCH_WEB_LOADS || 5);
const EVENTS = Number(process.env.BENCH_WEB_EVENTS || 40);
const KEYS = Number(process.env.BENCH_WEB_KEYS || 100);
const IDLE_SECONDS = Number(process.env.BENCH_IDLE_SECONDS || 30);
const CONVOCATE = fileURLToPath(new URL('../dist/bin/convocate.js', import.meta.url));
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Registers each bench agent in a shell config dir, as init-agent would. */
async function register(configDir, agents) {
  for (const a of agents) {
    const dir = join(configDir, 'agent-keys', a.agentId);
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'agent-host'), `127.0.0.1:${a.port}\n`);
    await writeFile(join(dir, 'shell_to_agent_ed25519_key'), a.privateKey, { mode: 0o600 });
    await writeFile(join(dir, 'host_key.pub'), `${a.hostKeyPub.trim()}\n`);
  }
}

async function startWeb(env) {
  const child = spawn(process.execPath, [CONVOCATE, 'web', '--listen', '127.0.0.1:0'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (b) => (out += b));
  child.stderr.on('data', (b) => (out += b));
  const deadline = Date.now() + 30_000;
  let m;
  while (!(m = /log in with: (http:\/\/127\.0\.0\.1:(\d+)\/#token=([0-9a-f]{64}))/.exec(out)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  if (!m) throw new Error(`convocate web did not start: ${out}`);
  return { child, loginUrl: m[1], base: `http://127.0.0.1:${m[2]}`, token: m[3] };
}

async function cookieFor(web) {
  const res = await fetch(`${web.base}/api/login`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ token: web.token }) });
  return res.headers.get('set-cookie').split(';')[0];
}

/** Page load: from navigation start to every row drawn, as the page itself clocks it. */
async function pageLoads(browser, base, total) {
  const out = [];
  for (let i = 0; i < LOADS; i++) {
    const page = await browser.newPage();
    await page.setViewport({ width: 1440, height: 900 });
    await page.goto(base, { waitUntil: 'domcontentloaded' });
    const handle = await page.waitForFunction(`document.querySelectorAll('tbody tr').length === ${total} && performance.now()`, { polling: 'mutation', timeout: 30_000 });
    out.push(await handle.jsonValue());
    await page.close();
  }
  return out;
}

/** A session.activity event for `s`, alternating so each one is a change. */
function activityEvent(s, i) {
  const activity = i % 2 ? 'waiting' : 'working';
  return makeEvent('session.activity', s.agent_id, { activity, activity_since: new Date(Date.UTC(2026, 0, 1, 0, 0, i)).toISOString(), activity_detail: `bench ${i}` }, s.uuid);
}

async function main() {
  const root = await mkdtemp(join(tmpdir(), 'convocate-bench-web-'));
  const env = { ...process.env, CONVOCATE_CONFIG_DIR: join(root, 'shell'), CONVOCATE_STATE_DIR: join(root, 'state') };
  await mkdir(env.CONVOCATE_STATE_DIR, { recursive: true });
  const fleet = await startAgents(AGENTS, PER_AGENT);
  const fanout = new StatusFanout(join(env.CONVOCATE_STATE_DIR, STATUS_SOCKET), () => undefined);
  await fanout.listen();
  let web;
  let browser;
  let client;
  try {
    await register(env.CONVOCATE_CONFIG_DIR, fleet.agents);
    web = await startWeb(env);
    const total = AGENTS * PER_AGENT;
    browser = await puppeteer.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
    const page = await browser.newPage();
    await page.setViewport({ width: 1440, height: 900 });
    await page.goto(web.loginUrl);
    await page.waitForFunction(`document.querySelectorAll('tbody tr').length === ${total}`, { timeout: 60_000 });

    const loads = await pageLoads(browser, web.base, total);
    const cookie = await cookieFor(web);
    const raw = [];
    for (let i = 0; i < LOADS; i++) raw.push((await timed(() => fetch(`${web.base}/api/sessions`, { headers: { cookie } }).then((r) => r.json()))).ms);
    row(`page load -> ${total} rows on ${AGENTS} agents (p50/max, target <= 1 s)`, fmt(pct(loads, 50)), fmt(Math.max(...loads)));
    row('  raw: GET /api/sessions from Node (p50)', fmt(pct(raw, 50)));

    // Event -> page: the row's activity cell changes; the raw floor is a plain subscriber of the same socket.
    const sessions = await (await fetch(`${web.base}/api/sessions`, { headers: { cookie } })).json();
    const target = sessions[0];
    client = fleet.agents.find((a) => a.agentId === target.agent_id).client();
    const heard = [];
    const sub = subscribeStatus(env.CONVOCATE_STATE_DIR, (ev) => heard.push({ at: performance.now(), ev }));
    await new Promise((r) => setTimeout(r, 500));
    const toPage = [];
    const toSubscriber = [];
    for (let i = 0; i < EVENTS; i++) {
      const ev = activityEvent(target, i + 1);
      // Watch from before the event: the next fresh list (the agent's own truth) may put the row back.
      await page.evaluate(watchCell, target.uuid, ev.data.activity);
      const sent = Date.now();
      const t0 = performance.now();
      fanout.publish(ev);
      toPage.push((await page.evaluate('window.__changed')) - sent);
      const got = heard.find((h) => h.ev.data?.activity_since === ev.data.activity_since);
      if (got) toSubscriber.push(got.at - t0);
      await new Promise((r) => setTimeout(r, 50));
    }
    sub.close();
    row(`status event -> row updated on the page (p50/p95, n=${EVENTS}, target p95 <= 300 ms)`, fmt(pct(toPage, 50)), fmt(pct(toPage, 95)));
    row('  raw: the same event at a plain status-socket subscriber (p50/p95)', fmt(pct(toSubscriber, 50)), fmt(pct(toSubscriber, 95)));

    // Keystroke echo: a running shell session, over the page's own attach socket and over the relay.
    await client.call('restart', { id: target.uuid });
    const relayEcho = await relaySamples(client, target.uuid);
    const pageEcho = await page.evaluate(pageEchoSamples, target.uuid, KEYS);
    row(`key echo, browser's attach socket (p50/p95, n=${KEYS})`, fmt(pct(pageEcho, 50)), fmt(pct(pageEcho, 95)));
    row('  raw: the agent attach relay from Node, the TUI path (p50/p95)', fmt(pct(relayEcho, 50)), fmt(pct(relayEcho, 95)));
    row('  added by the web path, median (target <= 5 ms)', fmt(pct(pageEcho, 50) - pct(relayEcho, 50)));

    // Idle: the list page open, nothing happening.
    for (const p of await browser.pages()) if (p !== page) await p.close();
    await page.goto(web.base);
    await page.waitForFunction(`document.querySelectorAll('tbody tr').length === ${total}`, { timeout: 30_000 });
    await new Promise((r) => setTimeout(r, 2_000));
    const cpu0 = await cpuSeconds(web.child.pid);
    const t0 = performance.now();
    await new Promise((r) => setTimeout(r, IDLE_SECONDS * 1000));
    const share = (((await cpuSeconds(web.child.pid)) - cpu0) / ((performance.now() - t0) / 1000)) * 100;
    row(`convocate web CPU idle, 1 page, ${total} sessions, ${IDLE_SECONDS} s (target <= 1 %)`, `${share.toFixed(2)} %`);
  } finally {
    await browser?.close();
    web?.child.kill('SIGTERM');
    await client?.close();
    await fanout.close();
    for (const a of fleet.agents) await removeByLabel(`convocate.agent=${a.agentId}`);
    await fleet.stop();
    await rm(root, { recursive: true, force: true });
  }
}

/** Runs in the page: `window.__changed` resolves to the time the session's ACTIVITY cell first reads `want`. */
function watchCell(uuid, want) {
  const read = () => document.querySelector(`tr[data-uuid="${uuid}"] td[data-label="ACTIVITY"]`)?.textContent;
  window.__changed = new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the row never read ${want}`)), 10_000);
    const observer = new MutationObserver(() => {
      if (read() !== want) return;
      observer.disconnect();
      clearTimeout(timer);
      resolve(Date.now());
    });
    observer.observe(document.querySelector('tbody'), { subtree: true, childList: true, characterData: true });
  });
}

/** Echo through the relay, as control-plane.mjs measures it: one letter at a time at the prompt. */
async function relaySamples(client, uuid) {
  const handle = await client.attach(uuid, 80, 24);
  let seen = '';
  handle.stream.on('data', (b) => (seen += b.toString('utf8')));
  try {
    // Attached once tmux has drawn the screen and gone quiet.
    let last = performance.now();
    handle.stream.on('data', () => (last = performance.now()));
    await waitUntil(() => seen.length > 0 && performance.now() - last > 300, 60_000, 'the first frame');
    const out = [];
    for (let i = 0; i < KEYS; i++) {
      const ch = String.fromCharCode(97 + (i % 26));
      const from = seen.length;
      const t0 = performance.now();
      handle.stream.write(ch);
      await waitUntil(() => sanitisePaneText(seen.slice(from)).includes(ch), 2_000, `echo of ${ch}`);
      out.push(performance.now() - t0);
      if (i % 26 === 25) handle.stream.write('\x15');
    }
    handle.stream.write('\x15\x02d');
    return out;
  } finally {
    setTimeout(() => handle.close(), 500);
  }
}

function waitUntil(check, ms, what) {
  return new Promise((resolve, reject) => {
    const deadline = Date.now() + ms;
    const poll = () => (check() ? resolve() : Date.now() > deadline ? reject(new Error(`no ${what} within ${ms} ms`)) : setImmediate(poll));
    poll();
  });
}

/** Runs in the page: its own attach WebSocket (the terminal's path, minus drawing), one letter at a time. */
async function pageEchoSamples(uuid, keys) {
  const ws = new WebSocket(`ws://${location.host}/api/attach?id=${encodeURIComponent(uuid)}`);
  ws.binaryType = 'arraybuffer';
  const dec = new TextDecoder();
  let seen = '';
  let last = performance.now();
  let wake = () => undefined;
  ws.onmessage = (e) => {
    if (typeof e.data !== 'string') seen += dec.decode(e.data);
    last = performance.now();
    wake();
  };
  const until = (check, ms) =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no echo')), ms);
      const test = () => {
        if (check()) {
          clearTimeout(timer);
          resolve();
        } else wake = test;
      };
      test();
    });
  await new Promise((resolve) => (ws.onopen = resolve));
  ws.send(JSON.stringify({ resize: [80, 24] }));
  for (let i = 0; i < 200 && !(seen.length > 0 && performance.now() - last > 300); i++) await new Promise((r) => setTimeout(r, 50));
  // Screen text without escape sequences, so a letter inside one never counts as the echo (sanitisePaneText's
  // job in Node; this function runs in the page, so it carries its own).
  const visible = (t) => t.replace(/\x1b\[[0-9;?<=>]*[ -/]*[@-~]/g, '').replace(/\x1b\][^\x07\x1b]*(\x07|\x1b\\)/g, '').replace(/\x1b[()][0-9A-Za-z]|\x1b[=>78DEHMc]/g, '');
  const enc = new TextEncoder();
  const out = [];
  for (let i = 0; i < keys; i++) {
    const ch = String.fromCharCode(97 + (i % 26));
    const from = seen.length;
    const t0 = performance.now();
    ws.send(enc.encode(ch));
    await until(() => visible(seen.slice(from)).includes(ch), 2_000);
    out.push(performance.now() - t0);
    if (i % 26 === 25) ws.send(enc.encode('\x15'));
  }
  ws.send(enc.encode('\x15'));
  ws.close();
  return out;
}

await main();
