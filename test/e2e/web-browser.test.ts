// The cockpit in a real headless Chromium: log in with the printed URL, see the
// sessions made with the CLI, attach and type into a shell session, follow a
// resize (`tput cols`), detach with the container running on, watch read-only
// (typed keys never reach the pane), and no page overflow at 1440×900 or 390×844.
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Browser, Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliEnv, cliOk, type CliEnv } from '../helpers/cli.js';
import { sessionImage } from '../helpers/docker.js';
import { lsJson } from '../helpers/tui-e2e.js';
import { launchChromium, rowSelector as row, startWeb, waitForTerminal, type WebServer } from '../helpers/web.js';

const SHOTS = join(process.cwd(), 'test-results', 'web');
let ctx: CliEnv;
let web: WebServer;
let browser: Browser;
let page: Page;

beforeAll(async () => {
  ctx = await cliEnv('web-browser', sessionImage());
  await cliOk(ctx.env, 'new', 'web-shell');
  await cliOk(ctx.env, 'new', 'web-other');
  web = await startWeb(ctx.env);
  browser = await launchChromium();
  page = await browser.newPage();
  await page.setViewport({ width: 1440, height: 900 });
  await mkdir(SHOTS, { recursive: true });
}, 120_000);
afterAll(async () => {
  await browser?.close();
  await web?.stop();
  await ctx?.cleanup();
});


async function noOverflow(p: Page): Promise<void> {
  // Page-side expressions are strings: this file is compiled for Node, without the DOM's types.
  const [scroll, inner] = (await p.evaluate('[document.documentElement.scrollWidth, window.innerWidth]')) as [number, number];
  expect(scroll).toBeLessThanOrEqual(inner!);
}

describe('the web cockpit in Chromium', () => {
  it('logs in with the printed URL and lists the sessions made with the CLI, without the token in the address', async () => {
    await page.goto(web.loginUrl);
    await page.waitForSelector(row('web-shell'), { timeout: 15_000 });
    await page.waitForSelector(row('web-other'));
    expect(page.url()).not.toContain('token');
    await noOverflow(page);
    await page.screenshot({ path: join(SHOTS, 'list-1440.png') });
    // The filter narrows the list as the TUI's `/` does.
    await page.type('.filter', 'other');
    await page.waitForFunction("document.querySelectorAll('tbody tr').length === 1");
    await page.evaluate("document.querySelector('.filter').value = ''");
    await page.type('.filter', ' ');
  });

  it('attaches, runs a command, follows a resize, and detaches leaving the container running', async () => {
    await page.click(row('web-shell'));
    await page.waitForSelector('[data-action="attach"]');
    await page.click('[data-action="attach"]');
    await waitForTerminal(page, /convocate@convocate-[0-9a-f]{8}/, 60_000);
    await page.keyboard.type('echo hello-$((6*7))\n');
    await waitForTerminal(page, /hello-42/);
    const before = Number(/^(\d+)$/m.exec(await typeCols(page, 'A'))?.[1]);
    await page.setViewport({ width: 900, height: 700 });
    let after = before;
    for (let attempt = 0; attempt < 10 && after === before; attempt++) {
      after = Number(/^(\d+)$/m.exec(await typeCols(page, `B${attempt}`))?.[1]);
    }
    expect(after).toBeLessThan(before);
    await page.click('xpath///button[text()="Detach"]');
    await page.waitForSelector('[data-testid="note"]', { timeout: 15_000 });
    expect(await page.evaluate("document.querySelector('[data-testid=\"note\"]').textContent")).toBe('detached from web-shell');
    const s = (await lsJson(ctx.env)).find((x) => x.name === 'web-shell')!;
    expect(s.running).toBe(true);
    await page.setViewport({ width: 1440, height: 900 });
  });

  it('watches read-only: what is typed never reaches the pane', async () => {
    await page.waitForSelector(row('web-shell'));
    await page.click(row('web-shell'));
    await page.click('[data-action="watch"]');
    await waitForTerminal(page, /convocate@convocate-[0-9a-f]{8}/, 30_000);
    await page.keyboard.type('echo watcher-typed\n');
    await page.click('xpath///button[text()="Detach"]');
    await page.waitForSelector('[data-testid="note"]', { timeout: 15_000 });
    const pane = await cliOk(ctx.env, 'peek', 'web-shell');
    expect(pane).toMatch(/convocate@convocate-/);
    expect(pane).not.toContain('watcher-typed');
  });

  it('fits a phone: cards, no horizontal scroll, a full-screen terminal with the keys a phone lacks', async () => {
    await page.setViewport({ width: 390, height: 844, isMobile: true, hasTouch: true });
    await page.waitForSelector(row('web-shell'));
    await noOverflow(page);
    // A card opens with one line: state, name and activity, whatever the activity's width.
    const tops = (await page.evaluate(
      `[...document.querySelectorAll('.sessions tbody tr')].map((tr) => ['.col-S', '.col-NAME', '.activity'].map((c) => Math.round(tr.querySelector(c).getBoundingClientRect().top)))`,
    )) as number[][];
    expect(tops.length).toBeGreaterThan(1);
    for (const line of tops) expect(new Set(line).size, String(line)).toBe(1);
    await page.screenshot({ path: join(SHOTS, 'list-390.png') });
    await page.click(row('web-shell'));
    await page.click('[data-action="attach"]');
    await waitForTerminal(page, /convocate@convocate-[0-9a-f]{8}/, 30_000);
    const box = (await page.evaluate("document.querySelector('.term').getBoundingClientRect().toJSON()")) as { width: number; height: number };
    expect(box.width).toBeGreaterThan(370);
    expect(box.height).toBeGreaterThan(600);
    await page.click('xpath///button[text()="Tab"]');
    await noOverflow(page);
    await page.screenshot({ path: join(SHOTS, 'attach-390.png') });
    await page.click('xpath///button[text()="Detach"]');
    await page.waitForSelector('[data-testid="note"]', { timeout: 15_000 });
  });
});

/** Asks the shell for its width, tagged so each answer is told apart from the last. */
async function typeCols(p: Page, tag: string): Promise<string> {
  await p.keyboard.type(`clear; echo cols-${tag}; tput cols\n`);
  const text = await waitForTerminal(p, new RegExp(`^cols-${tag}\\s*\\n\\s*\\d+`, 'm'));
  return text.slice(text.lastIndexOf(`cols-${tag}`) + `cols-${tag}`.length).replace(/^\s+/, '').split('\n')[0]!.trim() + '\n';
}
