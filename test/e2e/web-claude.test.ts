// The web cockpit with the real Claude Code: a page open in Chromium, Claude in
// a session talking to the Messages API stand-in. When the session starts
// waiting on a tool prompt, the page's title counts it and one browser
// notification goes out, without a reload; a finished turn elsewhere adds its
// own, and the waiting one is never told twice.
import type Docker from 'dockerode';
import type { Browser, Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliEnv, cliOk, type CliEnv } from '../helpers/cli.js';
import { prompt, useClaudeSessions, waitActivity } from '../helpers/claude-sessions.js';
import { dockerClient, requireDocker, sessionImage, waitFor } from '../helpers/docker.js';
import { startMessagesApi, type MessagesApiStandIn } from '../helpers/messages-api.js';
import { launchChromium, startWeb, type WebServer } from '../helpers/web.js';

let api: MessagesApiStandIn;
let ctx: CliEnv;
let docker: Docker;
let web: WebServer;
let browser: Browser;
let page: Page;

/** Records every notification the page makes; permission is granted, as after "Notify me". */
const RECORD_NOTIFICATIONS = `
  window.__notes = [];
  window.Notification = class {
    static permission = 'granted';
    static requestPermission() { return Promise.resolve('granted'); }
    constructor(title, options) { window.__notes.push({ title, body: (options && options.body) || '' }); }
  };
`;

const notes = async () => (await page.evaluate('window.__notes')) as Array<{ title: string; body: string }>;

beforeAll(async () => {
  docker = dockerClient();
  await requireDocker(docker);
  api = await startMessagesApi(sessionImage());
  ctx = await cliEnv('web-claude', sessionImage());
  await useClaudeSessions(ctx.env, api);
  for (const name of ['ask', 'talk']) {
    await cliOk(ctx.env, 'new', name);
    await cliOk(ctx.env, 'restart', name);
  }
  await waitActivity(ctx.env, 'ask', 'idle', 90);
  await waitActivity(ctx.env, 'talk', 'idle', 90);
  web = await startWeb(ctx.env);
  browser = await launchChromium();
  page = await browser.newPage();
  await page.evaluateOnNewDocument(RECORD_NOTIFICATIONS);
  await page.goto(web.loginUrl);
  await page.waitForSelector('xpath///tr[td[@data-label="NAME" and text()="ask"]]', { timeout: 15_000 });
}, 300_000);

afterAll(async () => {
  await browser?.close();
  await web?.stop();
  await ctx?.cleanup();
  await api?.stop();
});

describe('the web cockpit with the real Claude Code', () => {
  it('a session that starts waiting is counted in the title and notified once; a finished turn is notified too', async () => {
    // The first turn answers with text; the second asks for a tool and waits for the operator.
    await prompt(ctx.env, 'ask', 'say hello');
    await waitActivity(ctx.env, 'ask', 'idle', 90);
    await waitFor('the finished turn notified', async () => ((await notes()).some((n) => n.title === 'convocate: ask finished its turn') ? true : undefined), 30_000);
    await prompt(ctx.env, 'ask', 'please RUN_BASH: touch /home/convocate/tool-ran');
    await waitFor('the waiting notification', async () => ((await notes()).some((n) => n.title === 'convocate: ask is waiting') ? true : undefined), 90_000);
    // A fresh list asked for before the wait may land after it; the one asked for after it sets the count right.
    await waitFor('the title counting the wait', async () => (/^\(2\) .*1 waiting/.test(await page.title()) ? true : undefined), 15_000);
    expect(await page.evaluate("document.querySelector('[data-testid=\"counts\"]').textContent")).toContain('1 waiting');

    // Another session's turn brings more events and fresh lists: ask's wait is not told again.
    await prompt(ctx.env, 'talk', 'say hello');
    await waitActivity(ctx.env, 'talk', 'idle', 90);
    await waitFor('talk notified', async () => ((await notes()).some((n) => n.title === 'convocate: talk finished its turn') ? true : undefined), 30_000);
    const told = (await notes()).map((n) => n.title);
    expect(told.filter((t) => t === 'convocate: ask is waiting')).toHaveLength(1);
    expect(told.filter((t) => t === 'convocate: ask finished its turn')).toHaveLength(1);
    await waitFor('the title counting three', async () => (/^\(3\) /.test(await page.title()) ? true : undefined), 15_000);
  });
});
