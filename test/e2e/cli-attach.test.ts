// `convocate attach ID` in a real pseudo-terminal on the embedded local agent:
// the session gets the terminal at its full size, follows a resize, and
// Ctrl-B D returns to the shell with exit status 0 while the container runs on.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { cliEnv, runCli, type CliEnv } from '../helpers/cli.js';
import { sessionImage } from '../helpers/docker.js';
import { ptyEnv, sessionNamed, tuiCommand } from '../helpers/tui-e2e.js';
import { TuiPty } from '../helpers/tui-pty.js';

let ctx: CliEnv;
let pty: TuiPty | undefined;

beforeAll(async () => {
  ctx = await cliEnv('attach', sessionImage());
  const r = await runCli(['new', 'pty-attach'], ctx.env);
  expect(r.code, r.stderr).toBe(0);
});
afterEach(async () => {
  await pty?.close();
  pty = undefined;
});
afterAll(async () => {
  if (!ctx) return;
  await ctx.cleanup();
});

describe('convocate attach in a real terminal', () => {
  it('starts the session, runs at full size, follows a resize, and detaches with status 0', async () => {
    pty = await TuiPty.start(tuiCommand(['attach', 'pty-attach']), { cols: 100, rows: 30, env: ptyEnv(ctx.env) });
    await pty.waitForText(/convocate@convocate-[0-9a-f]{8}/, 60_000);
    await pty.type('stty size\r');
    // tmux keeps one row for its status line.
    await pty.waitForText(/^29 100$/m, 15_000);
    expect((await sessionNamed(ctx.env, 'pty-attach')).state).toBe('C');

    await pty.resize(90, 25);
    // The resize travels pty -> CLI -> Docker while typed keys go straight through:
    // ask again until the new size has landed (bounded).
    let seen = false;
    for (let attempt = 0; attempt < 10 && !seen; attempt++) {
      await pty.type('clear; stty size\r');
      seen = await pty.waitForText(/^24 90$/m, 1_500).then(() => true, () => false);
    }
    expect(seen).toBe(true);

    await pty.keys('C-b', 'd');
    await pty.waitForText('[exit 0]', 15_000);
    const after = await sessionNamed(ctx.env, 'pty-attach');
    expect(after.running).toBe(true);
  });

  it('an unknown session fails with one clear line and status 1', async () => {
    pty = await TuiPty.start(tuiCommand(['attach', 'no-such-session']), { cols: 100, rows: 30, env: ptyEnv(ctx.env) });
    const screen = await pty.waitForText('[exit 1]', 30_000);
    expect(screen).toContain('convocate: session "no-such-session" not found');
  });
});
