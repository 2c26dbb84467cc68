// The agent dying under an operator who is attached over SSH: `convocate
// attach` returns to the shell prompt with one line saying why and the
// terminal out of raw mode; the TUI returns to its menu with the reason on the
// dialog and keeps answering keys.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startAgentProcess, type AgentProcess } from '../helpers/agent-process.js';
import { cliEnv, cliOk, type CliEnv } from '../helpers/cli.js';
import { requireDocker, sessionImage } from '../helpers/docker.js';
import { SHELL_PROMPT } from '../helpers/shell-sessions.js';
import { fits, ptyEnv, rowOf, select, tuiCommand } from '../helpers/tui-e2e.js';
import { TuiPty } from '../helpers/tui-pty.js';

let ctx: CliEnv;
let agent: AgentProcess;
let pty: TuiPty | undefined;

/** After `command`, the terminal's line discipline as the next program sees it, then the command's own status. */
const thenTerminalState = (command: string) =>
  `${command}; rc=$?; echo "[tty $(stty -a | tr ' ;' '\\n\\n' | grep -E '^-?(icanon|echo)$' | tr '\\n' ' ')]"; (exit $rc)`;

beforeAll(async () => {
  await requireDocker();
  ctx = await cliEnv('link-lost', sessionImage());
  agent = await startAgentProcess('link-lost');
  await agent.registerIn(ctx.env.CONVOCATE_CONFIG_DIR!);
  await cliOk(ctx.env, 'new', 'doomed');
});
afterEach(async (t) => {
  if (t.task.result?.state === 'fail') {
    if (pty) console.error(`screen at failure:\n${await pty.screen().catch(() => '')}`);
    console.error(`agent log:\n${agent?.log()}`);
  }
  await pty?.close();
  pty = undefined;
});
afterAll(async () => {
  await agent?.cleanup();
  await ctx?.cleanup();
});

describe('the agent dies while an operator is attached', () => {
  it('convocate attach: back at the prompt, one line saying why, status 1, the terminal cooked again', async () => {
    if (!agent.log().includes('listening on')) await agent.start();
    pty = await TuiPty.start(thenTerminalState(tuiCommand(['attach', 'doomed'])), { cols: 100, rows: 30, env: ptyEnv(ctx.env) });
    await pty.waitForText(SHELL_PROMPT, 60_000);
    await agent.kill('SIGKILL');

    const screen = await pty.waitForText('[exit 1]', 30_000);
    const reasons = screen.split('\n').filter((l) => l.startsWith('convocate: '));
    expect(reasons).toHaveLength(1);
    expect(reasons[0]).toBe(`convocate: agent ${agent.agentId} went away while attached: the SSH link closed without a detach`);
    // Raw mode off: canonical input and echo are back for the shell.
    expect(screen).toMatch(/\[tty (icanon echo|echo icanon) \]/);
  });

  it('the TUI: back at the menu with the reason, the agent marked, keys still answered, and q leaves the terminal cooked', async () => {
    await agent.start();
    pty = await TuiPty.start(thenTerminalState(tuiCommand()), { cols: 120, rows: 40, env: ptyEnv(ctx.env) });
    const p = pty;
    await select(p, 'doomed');
    await p.keys('Enter');
    await p.waitForText(SHELL_PROMPT, 60_000);
    await agent.kill('SIGKILL');

    // The reason as every failed action shows it: a dialog over the list, closed with Esc.
    const dialog = await p.waitForText(`agent ${agent.agentId} went away while attached`, 30_000);
    expect(dialog).toContain('Error (unavailable)');
    await p.keys('Escape');
    await p.waitFor((s) => fits(s, 120) && !s.includes('Error (unavailable)'), 'the menu again', 15_000);
    await p.waitFor((s) => rowOf(s, 'doomed')?.state === '?', 'the session marked unreachable', 30_000);

    await p.type('S');
    await p.waitForText('│ Settings', 5_000);
    await p.keys('Escape');
    // Esc and the next key in one read would be Alt+key: wait for the dialog to go first.
    await p.waitFor((s) => fits(s, 120) && !s.includes('│ Settings'), 'the menu after Settings', 15_000);
    await p.type('q');
    const end = await p.waitForText('[exit 0]', 15_000);
    expect(end).toMatch(/\[tty (icanon echo|echo icanon) \]/);
  });
});
