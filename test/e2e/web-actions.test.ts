// The cockpit's actions in a real Chromium, with the TUI's words: a new session
// from the page (a bad name shows the form's error and creates nothing), edit
// and clone through the same form, bg, override, kill, restart and delete asked
// first (No does nothing, Yes does it and says so), an action that does not
// apply says why, Settings shows this build and the agent; and the phone's
// Ctrl key interrupts a command in the terminal.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Browser, Page } from 'puppeteer-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { cliEnv, cliOk, type CliEnv } from '../helpers/cli.js';
import { sessionImage } from '../helpers/docker.js';
import { lsJson, sessionNamed } from '../helpers/tui-e2e.js';
import { launchChromium, rowSelector as row, startWeb, waitForTerminal, type WebServer } from '../helpers/web.js';
import { VERSION } from '../../src/protocol/version.js';

const SHOTS = join(process.cwd(), 'test-results', 'web');

let ctx: CliEnv;
let web: WebServer;
let browser: Browser;
let page: Page;

beforeAll(async () => {
  await mkdir(SHOTS, { recursive: true });
  ctx = await cliEnv('web-actions', sessionImage());
  await cliOk(ctx.env, 'new', 'act-on-me');
  web = await startWeb(ctx.env);
  browser = await launchChromium();
  page = await browser.newPage();
  await page.setViewport({ width: 1440, height: 900 });
  await page.goto(web.loginUrl);
  await page.waitForSelector(row('act-on-me'), { timeout: 15_000 });
}, 120_000);
afterEach(async (t) => {
  if (t.task.result?.state === 'fail') await page?.screenshot({ path: `test-results/web/failed-${t.task.name.slice(0, 20).replace(/\W+/g, '-')}.png` }).catch(() => undefined);
});
afterAll(async () => {
  await browser?.close();
  await web?.stop();
  await ctx?.cleanup();
});

const stateOf = (name: string) => `xpath///tr[td[@data-label="NAME" and text()="${name}"]]/td[@data-label="S"]`;
const text = (p: Page, selector: string) => p.$eval(selector, (el) => el.textContent ?? '');
const noteIs = (p: Page, want: string) =>
  p.waitForFunction(`document.querySelector('[data-testid="note"]')?.textContent === ${JSON.stringify(want)}`, { timeout: 90_000 });

async function answer(p: Page, button: 'Yes' | 'No'): Promise<string> {
  await p.waitForSelector('[data-testid="confirm"]');
  const question = await text(p, '[data-testid="confirm"] h2');
  await p.click(`xpath///div[@data-testid="confirm"]//button[text()="${button}"]`);
  await p.waitForSelector('[data-testid="confirm"]', { hidden: true });
  return question;
}

describe('the cockpit acts on sessions as the TUI does', () => {
  it('a bad name shows the form error and creates nothing; a good one creates the session', async () => {
    await page.click('[data-testid="new"]');
    await page.waitForSelector('[data-testid="form"] input[name="name"]');
    await page.type('[data-testid="form"] input[name="name"]', 'bad name!');
    await page.click('xpath///form//button[text()="Save"]');
    await page.waitForSelector('[data-testid="form-error"]');
    expect(await text(page, '[data-testid="form-error"]')).toMatch(/name/i);
    expect(await page.$eval('[data-testid="form"] input[name="name"]', (el) => el.className)).toContain('bad');
    await page.screenshot({ path: join(SHOTS, 'form-error-1440.png') });
    expect((await lsJson(ctx.env)).map((s) => s.name)).toEqual(['act-on-me']);

    await page.$eval('[data-testid="form"] input[name="name"]', (el) => ((el as unknown as { value: string }).value = ''));
    await page.type('[data-testid="form"] input[name="name"]', 'from-page');
    await page.type('[data-testid="form"] input[name="dns"]', 'from-page');
    await page.click('xpath///form//button[text()="Save"]');
    await page.waitForSelector('[data-testid="form"]', { hidden: true });
    await page.waitForSelector(row('from-page'), { timeout: 15_000 });
    const made = await sessionNamed(ctx.env, 'from-page');
    expect(made).toMatchObject({ name: 'from-page', dns_name: 'from-page', state: '-' });
    expect(await text(page, '[data-testid="note"]')).toMatch(/^created from-page \([0-9a-f]{8}\)$/);
  });

  it('restart, kill and delete ask first: No changes nothing, Yes does it and says so in the TUI words', async () => {
    const s = await sessionNamed(ctx.env, 'from-page');
    const who = `from-page (${s.uuid.slice(0, 8)})`;
    await page.click(row('from-page'));
    // Kill does not apply to a stopped session: it says why and runs nothing.
    await page.click('[data-action="kill"]');
    await noteIs(page, 'session is not running');

    await page.click('[data-action="restart"]');
    await page.waitForSelector('[data-testid="confirm"]');
    await page.screenshot({ path: join(SHOTS, 'confirm-1440.png') });
    expect(await answer(page, 'No')).toBe(`Restart ${who}?`);
    expect((await sessionNamed(ctx.env, 'from-page')).running).toBe(false);
    await page.click('[data-action="restart"]');
    await answer(page, 'Yes');
    await noteIs(page, `started ${who}`);
    expect((await sessionNamed(ctx.env, 'from-page')).running).toBe(true);
    await page.waitForFunction(`document.evaluate('${stateOf('from-page').slice('xpath/'.length)}', document, null, 9, null).singleNodeValue?.textContent === 'R'`, { timeout: 20_000 });

    await page.click('[data-action="kill"]');
    expect(await answer(page, 'No')).toBe(`Kill ${who}?`);
    expect((await sessionNamed(ctx.env, 'from-page')).running).toBe(true);
    await page.click('[data-action="kill"]');
    await answer(page, 'Yes');
    await noteIs(page, `killed ${who}`);
    expect((await sessionNamed(ctx.env, 'from-page')).running).toBe(false);

    await page.click('[data-action="delete"]');
    expect(await answer(page, 'No')).toBe(`Delete ${who}?`);
    expect((await lsJson(ctx.env)).map((x) => x.name)).toContain('from-page');
    await page.click('[data-action="delete"]');
    await answer(page, 'Yes');
    await noteIs(page, `deleted ${who}`);
    expect((await lsJson(ctx.env)).map((x) => x.name)).not.toContain('from-page');
    await page.waitForSelector(row('from-page'), { hidden: true, timeout: 15_000 });
  });

  it('edit and clone open the TUI form filled in; bg asks first; override clears a live foreign lock', async () => {
    await page.click(row('act-on-me'));
    await page.click('[data-action="edit"]');
    const dns = '[data-testid="form"] input[name="dns"]';
    await page.waitForSelector(dns);
    expect(await page.$eval('[data-testid="form"] input[name="name"]', (el) => (el as unknown as { value: string }).value)).toBe('act-on-me');
    await page.type(dns, 'bad dns!');
    await page.click('xpath///form//button[text()="Save"]');
    await page.waitForSelector('[data-testid="form-error"]');
    expect(await page.$eval(dns, (el) => el.className)).toContain('bad');
    await page.$eval(dns, (el) => ((el as unknown as { value: string }).value = ''));
    await page.type(dns, 'edited');
    await page.click('xpath///form//button[text()="Save"]');
    await page.waitForSelector('[data-testid="form"]', { hidden: true });
    expect((await sessionNamed(ctx.env, 'act-on-me')).dns_name).toBe('edited');

    await page.click('[data-action="clone"]');
    await page.waitForSelector('[data-testid="form"] input[name="name"]');
    expect(await page.$eval('[data-testid="form"] input[name="name"]', (el) => (el as unknown as { value: string }).value)).toBe('act-on-me-clone');
    await page.click('xpath///form//button[text()="Save"]');
    await page.waitForSelector(row('act-on-me-clone'), { timeout: 15_000 });
    expect(await text(page, '[data-testid="note"]')).toMatch(/^cloned act-on-me as act-on-me-clone \([0-9a-f]{8}\)$/);

    // bg applies to a running session only; after a restart it asks, then detaches everyone.
    await page.click(row('act-on-me'));
    await page.click('[data-action="background"]');
    await noteIs(page, 'session is not running, nothing to background');
    const s = await sessionNamed(ctx.env, 'act-on-me');
    const who = `act-on-me (${s.uuid.slice(0, 8)})`;
    await page.click('[data-action="restart"]');
    await answer(page, 'Yes');
    await noteIs(page, `started ${who}`);
    await page.click('[data-action="background"]');
    expect(await answer(page, 'Yes')).toBe(`Background ${who}?`);
    await noteIs(page, `detached everyone from ${who}`);
    expect((await sessionNamed(ctx.env, 'act-on-me')).running).toBe(true);

    // pid 1 is always alive, so the agent cannot call this lock stale on its own.
    const clone = await sessionNamed(ctx.env, 'act-on-me-clone');
    await writeFile(join(ctx.env.CONVOCATE_SESSIONS_DIR!, `${clone.uuid}.lock`), '1');
    await page.reload();
    await page.waitForSelector(row('act-on-me-clone'));
    await page.click(row('act-on-me-clone'));
    await page.click('[data-action="override"]');
    expect(await answer(page, 'Yes')).toBe(`Override the lock of act-on-me-clone (${clone.uuid.slice(0, 8)})?`);
    await noteIs(page, `removed the lock of act-on-me-clone (${clone.uuid.slice(0, 8)})`);
    expect((await sessionNamed(ctx.env, 'act-on-me-clone')).state).toBe('-');
  });

  it('Settings shows the version and the agent, reachable', async () => {
    await page.click('[data-testid="open-settings"]');
    await page.waitForSelector('[data-testid="settings"] [data-agent]');
    const body = await text(page, '[data-testid="settings"]');
    expect(body).toContain(`convocate ${VERSION}`);
    expect(body).toMatch(/local .*reachable/);
    expect(body).toContain('environment:');
    await page.screenshot({ path: join(SHOTS, 'settings-1440.png') });
    await page.click('xpath///div[@data-testid="settings"]//button[text()="Close"]');
    await page.waitForSelector('[data-testid="settings"]', { hidden: true });
  });

  it('on a phone, Ctrl then c in the key bar interrupts a command in the terminal', async () => {
    const phone = await browser.newPage();
    try {
      await phone.setViewport({ width: 390, height: 844, isMobile: true, hasTouch: true });
      await phone.goto(web.base);
      await phone.waitForSelector(row('act-on-me'), { timeout: 15_000 });
      await phone.click(row('act-on-me'));
      await phone.waitForSelector('[data-action="attach"]');
      await phone.screenshot({ path: join(SHOTS, 'preview-390.png') });
      await phone.click('[data-action="attach"]');
      await waitForTerminal(phone, /convocate@convocate-[0-9a-f]{8}/, 60_000);
      // The pane is the page's terminal less tmux's status line, whenever the page's size reached the agent.
      const [cols, rows] = ((await phone.evaluate(`document.querySelector('[data-testid="terminal"]').dataset.size`)) as string).split('x').map(Number);
      await phone.keyboard.type('stty size\n');
      await waitForTerminal(phone, new RegExp(`^${rows! - 1} ${cols}\\s*$`, 'm'));
      await phone.keyboard.type('sleep 300; echo slept\n');
      // Keys reach the shell in order, so the ^C below lands after the line was entered, on the running sleep.
      await waitForTerminal(phone, /echo slept/);
      await phone.click('xpath///div[@class="phone-keys"]/button[text()="Ctrl"]');
      await phone.click('.xterm-helper-textarea').catch(() => undefined);
      await phone.keyboard.type('c');
      // ^C ends the sleep: a fresh prompt follows, and `slept` never prints.
      const screen = await waitForTerminal(phone, /\^C\s*\n\s*convocate@convocate-[0-9a-f]{8}:~\/work\$/);
      expect(screen).not.toMatch(/^slept$/m);
      const [termH, viewH] = (await phone.evaluate("[document.querySelector('.attach').getBoundingClientRect().height, window.innerHeight]")) as [number, number];
      expect(termH).toBeGreaterThanOrEqual(viewH - 1);
      await phone.click('xpath///button[text()="Detach"]');
      await phone.waitForSelector(row('act-on-me'));
    } finally {
      await phone.close();
    }
  });
});
