// The cockpit on real Docker: the built TUI in a real pty (tmux) on the
// embedded agent, with running session containers. Text produced in one
// session shows in the preview without attaching; W watches another and what
// is typed never reaches its pane (checked with capture-pane through Docker);
// `/` leaves only the matching row; CPU and MEM show numbers for running
// sessions and `-` for a stopped one. The Claude-driven steps (a tool prompt
// → `1 waiting`, Tab, the bell) run on the fake rig in
// test/integration/tui-cockpit.test.ts until the session image carries Claude
// and its hooks; they slot in here as one more `it` using the same helpers.
import { SHELL_PROMPT } from '../helpers/shell-sessions.js';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type Docker from 'dockerode';
import { cliEnv, cliFails, cliOk, type CliEnv } from '../helpers/cli.js';
import { dockerClient, requireDocker, sessionImage } from '../helpers/docker.js';
import { ptyEnv, rowOf, select, sessionNamed, tuiCommand } from '../helpers/tui-e2e.js';
import { TuiPty } from '../helpers/tui-pty.js';

const PROMPT = SHELL_PROMPT;

let ctx: CliEnv;
let pty: TuiPty | undefined;
let docker: Docker;

/** Runs a command in the session's container as its user, the way an operator's script would. */
async function inSession(name: string, cmd: string[]): Promise<string> {
  const s = await sessionNamed(ctx.env, name);
  const exec = await docker.getContainer(`convocate-session-${s.uuid}`).exec({ Cmd: cmd, User: 'convocate', AttachStdout: true, AttachStderr: true, Tty: true });
  const stream = await exec.start({ hijack: true, stdin: false, Tty: true });
  const chunks: Buffer[] = [];
  stream.on('data', (c: Buffer) => chunks.push(c));
  await new Promise<void>((resolve, reject) => {
    stream.once('end', resolve);
    stream.once('close', resolve);
    stream.once('error', reject);
  });
  return Buffer.concat(chunks).toString('utf8');
}

const capturePane = (name: string) => inSession(name, ['tmux', 'capture-pane', '-p', '-t', 'claude']);

async function waitForPane(name: string, pattern: RegExp, timeoutMs = 15_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const text = await capturePane(name);
    if (pattern.test(text)) return text;
    if (Date.now() > deadline) throw new Error(`pane of ${name} never matched ${String(pattern)}:\n${text}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

beforeAll(async () => {
  docker = dockerClient();
  await requireDocker(docker);
  ctx = await cliEnv('cockpit', sessionImage());
  for (const name of ['one', 'two', 'three']) await cliOk(ctx.env, 'new', name);
  await cliOk(ctx.env, 'restart', 'one');
  await cliOk(ctx.env, 'restart', 'two');
  await waitForPane('one', PROMPT);
  await waitForPane('two', PROMPT);
});
afterEach(async (t) => {
  if (t.task.result?.state === 'fail') console.error(`screen at failure:\n${await pty?.screen().catch(() => '')}`);
  await pty?.close();
  pty = undefined;
});
afterAll(async () => {
  await ctx?.cleanup();
});

describe('the cockpit on real Docker', () => {
  it('previews a running session without attaching, and peek prints the same text', async () => {
    await inSession('one', ['tmux', 'send-keys', '-t', 'claude', 'echo preview-$((6*7))', 'Enter']);
    await waitForPane('one', /^preview-42$/m);
    expect(await cliOk(ctx.env, 'peek', 'one', '--lines', '5')).toMatch(/^preview-42$/m);
    await cliFails(ctx.env, ['peek', 'three'], /^convocate: session is not running: nothing to peek at/);
    await cliFails(ctx.env, ['peek', 'one', '--lines', '501'], /^convocate: --lines "501" is invalid: use a whole number from 1 to 500$/);

    pty = await TuiPty.start(tuiCommand(), { cols: 160, rows: 40, env: ptyEnv(ctx.env) });
    await select(pty, 'one');
    const screen = await pty.waitForText(/│preview-42\s*│/, 20_000);
    // Previewing is not attaching: the session stays R.
    expect(rowOf(screen, 'one')?.state).toBe('R');
    expect((await sessionNamed(ctx.env, 'one')).attached).toBe(false);
  });

  it('W watches read-only: typed text never reaches the pane, Ctrl-B D returns', async () => {
    pty = await TuiPty.start(tuiCommand(), { cols: 160, rows: 40, env: ptyEnv(ctx.env) });
    await select(pty, 'two');
    await pty.type('w');
    await pty.waitForText(PROMPT, 30_000);
    await pty.type('echo typed-by-watcher');
    await pty.keys('Enter');
    await pty.keys('C-b', 'd');
    await pty.waitForText('Enter attach', 15_000);
    const pane = await capturePane('two');
    expect(pane).toMatch(PROMPT);
    expect(pane).not.toContain('typed-by-watcher');
  });

  it('convocate attach --read-only: the same watch from the scripting CLI', async () => {
    pty = await TuiPty.start(tuiCommand(['attach', 'two', '--read-only']), { cols: 100, rows: 30, env: ptyEnv(ctx.env) });
    await pty.waitForText(PROMPT, 30_000);
    await pty.type('echo typed-by-cli-watcher');
    // In one burst: the relay passes only Ctrl-B D, so tmux -r cannot drop the detach.
    await pty.keys('Enter', 'C-b', 'd');
    await pty.waitForText('[exit 0]', 15_000);
    expect(await capturePane('two')).not.toContain('typed-by-cli-watcher');
  });

  it('/ leaves only the matching row; CPU and MEM are numbers when running and - when stopped', async () => {
    pty = await TuiPty.start(tuiCommand(), { cols: 160, rows: 40, env: ptyEnv(ctx.env) });
    let screen = await pty.waitFor((s) => ['one', 'two', 'three'].every((n) => rowOf(s, n)), 'every row', 30_000);
    expect(rowOf(screen, 'one')?.line).toMatch(/\s\d+(\.\d)?%\s+\d+(\.\d)?[KMG]\s/);
    expect(rowOf(screen, 'two')?.line).toMatch(/\s\d+(\.\d)?%\s+\d+(\.\d)?[KMG]\s/);
    expect(rowOf(screen, 'three')?.line).toMatch(/ {2}-\s+-\s+-\s+│/);
    const json = JSON.parse(await cliOk(ctx.env, 'ls', '--json')) as Array<{ name: string; cpu_percent: number | null; mem_bytes: number | null }>;
    expect(json.find((s) => s.name === 'one')?.mem_bytes).toBeGreaterThan(0);
    expect(json.find((s) => s.name === 'three')).toMatchObject({ cpu_percent: null, mem_bytes: null });

    await pty.type('/thr');
    screen = await pty.waitForText('1 of 3');
    expect(rowOf(screen, 'three')).toBeDefined();
    expect(rowOf(screen, 'one')).toBeUndefined();
    expect(rowOf(screen, 'two')).toBeUndefined();
    await pty.keys('Escape');
    await pty.waitFor((s) => ['one', 'two', 'three'].every((n) => rowOf(s, n)), 'every row back');
  });
});
