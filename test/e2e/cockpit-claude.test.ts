// The cockpit with the real Claude Code: two sessions on the embedded agent,
// Claude talking to a Messages API stand-in on an internal network this test
// creates. What one session's Claude writes shows in the TUI's preview without
// attaching; a tool prompt in the other makes the title say `1 waiting`, rings
// the bell with an OSC 9 notification once, and `Tab` lands on it; `Enter`
// shows Claude's permission prompt.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type Docker from 'dockerode';
import { cliEnv, cliOk, type CliEnv } from '../helpers/cli.js';
import { prompt, useClaudeSessions, waitActivity } from '../helpers/claude-sessions.js';
import { dockerClient, requireDocker, sessionImage, waitFor } from '../helpers/docker.js';
import { startMessagesApi, type MessagesApiStandIn } from '../helpers/messages-api.js';
import { ptyEnv, rowOf, select, sessionNamed, tuiCommand } from '../helpers/tui-e2e.js';
import { TuiPty } from '../helpers/tui-pty.js';

let api: MessagesApiStandIn;
let ctx: CliEnv;
let docker: Docker;
let pty: TuiPty | undefined;

beforeAll(async () => {
  docker = dockerClient();
  await requireDocker(docker);
  api = await startMessagesApi(sessionImage());
  ctx = await cliEnv('cockpit-claude', sessionImage());
  // cliEnv gives sessions a shell; these run the image's default, Claude.
  await useClaudeSessions(ctx.env, api);
  for (const name of ['talk', 'ask']) {
    await cliOk(ctx.env, 'new', name);
    await cliOk(ctx.env, 'restart', name);
  }
  await waitActivity(ctx.env, 'talk', 'idle');
  await waitActivity(ctx.env, 'ask', 'idle');
}, 300_000);

afterEach(async (t) => {
  if (t.task.result?.state === 'fail') console.error(`screen at failure:\n${await pty?.screen().catch(() => '')}`);
});

afterAll(async () => {
  await pty?.close();
  await ctx?.cleanup();
  await api?.stop();
});

describe('the cockpit with the real Claude Code', () => {
  it('shows what Claude writes in the preview, then counts, rings for and jumps to the session that waits', async () => {
    const out = join(ctx.root, 'tui-output');
    pty = await TuiPty.start(tuiCommand(), { cols: 160, rows: 40, env: ptyEnv(ctx.env) });
    await pty.pipeOutput(out);
    await pty.waitFor((s) => rowOf(s, 'talk') !== undefined && rowOf(s, 'ask') !== undefined, 'both rows', 30_000);

    // Claude's answer in `talk` appears in the preview; nobody attached.
    await select(pty, 'talk');
    await prompt(ctx.env, 'talk', 'say hello');
    await pty.waitForText(/│.*Hello from the stand-in/, 90_000);
    expect((await sessionNamed(ctx.env, 'talk')).attached).toBe(false);
    await waitActivity(ctx.env, 'talk', 'idle');

    // A Bash tool use in `ask` (its second turn, as in the activity walk) waits for the
    // operator: the title counts it, the bell and OSC 9 go out.
    await prompt(ctx.env, 'ask', 'say hello');
    await waitFor('the answer in ask', async () => ((await cliOk(ctx.env, 'peek', 'ask')).includes('Hello from the stand-in') ? true : undefined), 60_000);
    await waitActivity(ctx.env, 'ask', 'idle');
    await prompt(ctx.env, 'ask', 'please RUN_BASH: touch /home/convocate/tool-ran');
    const screen = await pty.waitForText(/1 waiting/, 90_000).catch(async (err: Error) => {
      throw new Error(`${err.message}\nask's pane:\n${await cliOk(ctx.env, 'peek', 'ask').catch(() => '')}`);
    });
    expect(rowOf(screen, 'ask')?.line).toMatch(/waiting/);
    const notify = '\x07\x1b]9;convocate: ask is waiting';
    const rang = await waitFor('the bell and OSC 9 for ask', async () => {
      const text = await readFile(out, 'utf8').catch(() => '');
      return text.includes(notify) ? text : undefined;
    }, 15_000);
    expect(rang.split(notify)).toHaveLength(2);

    // Tab lands on it from the other row; Enter shows Claude's permission prompt.
    await select(pty, 'talk');
    await pty.keys('Tab');
    await pty.waitFor((s) => rowOf(s, 'ask')?.selected === true, 'the highlight on ask');
    await pty.keys('Enter');
    // The preview shows the same prompt: attached means the menu is gone too.
    await pty.waitFor((s) => /Do you want to proceed\?|touch \/home\/convocate\/tool-ran/.test(s) && !s.includes('Enter attach'), 'attached to ask', 30_000);
    await pty.keys('C-b', 'd');
    await pty.waitForText('Enter attach', 15_000);
    // Reloads after the attach and the detach saw the same waiting change: it still rang once.
    await pty.type('/no-such-row');
    await pty.waitForText('0 of 2');
    await pty.keys('Escape');
    expect((await readFile(out, 'utf8')).split(notify)).toHaveLength(2);
  });
});
