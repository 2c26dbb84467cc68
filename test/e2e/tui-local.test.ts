// The built `convocate` TUI in a real pty against the embedded local agent on
// real Docker: every menu action the seed describes, a second operator sharing
// a session, a stale lock, a port clash, settings, resize, and quitting while
// the sessions keep running.
import { SHELL_PROMPT } from '../helpers/shell-sessions.js';
import { access, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { VERSION } from '../../src/protocol/version.js';
import { freePort } from '../helpers/measure.mjs';
import { cliEnv, runCli, type CliEnv } from '../helpers/cli.js';
import { dockerClient, requireDocker, sessionImage } from '../helpers/docker.js';
import { erase, fits, ptyEnv, rowOf, select, sessionNamed, tuiCommand, waitForState } from '../helpers/tui-e2e.js';
import { TuiPty } from '../helpers/tui-pty.js';

// The session's login shell prompt: the container is up and tmux is attached.
const PROMPT = SHELL_PROMPT;

let ctx: CliEnv;
let pty: TuiPty;
let second: TuiPty | undefined;

function start(cols = 120, rows = 40): Promise<TuiPty> {
  return TuiPty.start(tuiCommand(), { cols, rows, env: ptyEnv(ctx.env) });
}

async function attachTo(p: TuiPty, name: string): Promise<void> {
  await select(p, name);
  await p.keys('Enter');
  // A stopped session first gets its container started.
  await p.waitForText(PROMPT, 60_000);
}

async function detach(p: TuiPty, cols: number): Promise<void> {
  await p.keys('C-b', 'd');
  await p.waitFor((s) => fits(s, cols), `the menu redrawn at ${cols} columns`, 15_000);
}

beforeAll(async () => {
  await requireDocker();
  ctx = await cliEnv('tui', sessionImage());
  pty = await start();
  await pty.waitForText('No sessions yet', 30_000);
});
afterEach(async (t) => {
  if (t.task.result?.state === 'fail') console.error(`screen at failure:\n${await pty?.screen().catch(() => '')}`);
  await second?.close();
  second = undefined;
});
afterAll(async () => {
  await second?.close();
  await pty?.close();
  if (!ctx) return;
  await ctx.cleanup();
});

describe('convocate TUI on the embedded local agent', () => {
  it('N opens the form; the new session is listed stopped with an auto-picked port', async () => {
    await pty.type('N');
    await pty.waitForText('New session on agent local');
    await pty.type('alpha');
    await pty.keys('Tab', 'Tab');
    await pty.type('-1');
    await pty.keys('Enter');
    const screen = await waitForState(pty, 'alpha', '-', 15_000);
    const s = await sessionNamed(ctx.env, 'alpha');
    expect(s.port).toBeGreaterThanOrEqual(1001);
    expect(rowOf(screen, 'alpha')!.line).toContain(`${s.uuid.slice(0, 8)}  alpha  local  ${s.port}/tcp`);
  });

  it('Enter attaches; a command runs in tmux; Ctrl-B D returns to the menu with the session running', async () => {
    await attachTo(pty, 'alpha');
    await pty.type('echo hello-$((6*7))');
    await pty.keys('Enter');
    await pty.waitForText(/^hello-42$/m, 15_000);
    await detach(pty, 120);
    await waitForState(pty, 'alpha', 'R');
    expect((await sessionNamed(ctx.env, 'alpha')).state).toBe('R');
  });

  it('a second operator attaching shows C in the first TUI, and R once they detach', async () => {
    second = await start();
    await attachTo(second, 'alpha');
    // The first TUI learns it on its next reload (every 15 s).
    await waitForState(pty, 'alpha', 'C', 25_000);
    await detach(second, 120);
    await waitForState(second, 'alpha', 'R', 15_000);
    await waitForState(pty, 'alpha', 'R', 25_000);
    await second.type('q');
    await second.waitForText('[exit 0]', 15_000);
  });

  it('K + Y stops the container; R + Y starts it again', async () => {
    await select(pty, 'alpha');
    await pty.type('K');
    await pty.waitForText('Kill alpha');
    await pty.type('Y');
    // docker stop waits up to 10 s for the session to exit.
    await waitForState(pty, 'alpha', '-', 40_000);
    await pty.type('R');
    await pty.waitForText('Restart alpha');
    await pty.type('Y');
    await waitForState(pty, 'alpha', 'R', 60_000);
  });

  it('C clones under a new name, E renames and changes the port, D + Y deletes', async () => {
    await select(pty, 'alpha');
    await pty.type('C');
    await pty.waitForText('Clone alpha');
    await pty.waitForText('alpha-clone_');
    await erase(pty, 'alpha-clone'.length);
    await pty.type('beta');
    await pty.keys('Enter');
    await waitForState(pty, 'beta', '-', 15_000);
    const clone = await sessionNamed(ctx.env, 'beta');
    expect(clone.port).toBe(0);

    const port = await freePort();
    await select(pty, 'beta');
    await pty.type('E');
    await pty.waitForText('Edit beta');
    await erase(pty, 'beta'.length);
    await pty.type('gamma');
    await pty.keys('Tab', 'Tab');
    await pty.type(String(port));
    await pty.keys('Enter');
    const edited = await pty.waitFor(
      (s) => rowOf(s, 'gamma')?.line.includes(`${port}/tcp`) === true && rowOf(s, 'beta') === undefined,
      'the edited row',
      15_000,
    );
    expect(rowOf(edited, 'gamma')!.short).toBe(clone.uuid.slice(0, 8));
    expect(await sessionNamed(ctx.env, 'gamma')).toMatchObject({ uuid: clone.uuid, port, protocol: 'tcp' });

    await select(pty, 'gamma');
    await pty.type('D');
    await pty.waitForText('Delete gamma');
    await pty.type('Y');
    await pty.waitFor((s) => rowOf(s, 'gamma') === undefined && rowOf(s, 'alpha') !== undefined, 'gamma gone', 15_000);
    const r = await runCli(['ls', '--json'], ctx.env);
    expect(r.stdout).not.toContain(clone.uuid);
  });

  it('a lock held by a live pid shows L; O + Y removes it', async () => {
    const r = await runCli(['new', 'locked', '--json'], ctx.env);
    expect(r.code, r.stderr).toBe(0);
    const { uuid } = JSON.parse(r.stdout) as { uuid: string };
    const lock = join(ctx.env.CONVOCATE_SESSIONS_DIR!, `${uuid}.lock`);
    // pid 1 is always alive, so the agent cannot call this lock stale on its own.
    await writeFile(lock, '1');
    await waitForState(pty, 'locked', 'L', 25_000);
    await select(pty, 'locked');
    await pty.type('O');
    await pty.waitForText('Override the lock of locked');
    await pty.type('Y');
    await waitForState(pty, 'locked', '-', 15_000);
    await expect(access(lock)).rejects.toThrow();
  });

  it('a port already used by another session gets an error dialog, and the app carries on', async () => {
    const port = await freePort();
    const r = await runCli(['new', 'fixed', '--port', String(port)], ctx.env);
    expect(r.code, r.stderr).toBe(0);
    await pty.type('n');
    await pty.waitForText('New session on agent local');
    await pty.type('clash');
    await pty.keys('Tab', 'Tab');
    await pty.type(String(port));
    await pty.keys('Enter');
    const dialog = await pty.waitForText(`port ${port}/tcp already in use`, 15_000);
    expect(dialog).toMatch(/Error/);
    // Closing the error goes back to the form with what was typed; Esc leaves it.
    await pty.keys('Enter');
    await pty.waitFor((s) => s.includes('New session on agent local') && /Name\s+clash/.test(s), 'the form again, as typed');
    await pty.keys('Escape');
    const screen = await pty.waitFor((s) => fits(s, 120) && rowOf(s, 'fixed') !== undefined, 'the list with fixed', 25_000);
    expect(rowOf(screen, 'clash')).toBeUndefined();
    await pty.type('z');
    await pty.waitForText('"z" is not a command');
  });

  it('S shows the version and the local agent as reachable', async () => {
    await pty.type('S');
    const screen = await pty.waitForText('│ Settings');
    expect(screen).toContain(`convocate ${VERSION}`);
    expect(screen).toMatch(new RegExp(`local\\s+local\\s+v${VERSION.replace(/\./g, '\\.')}.*reachable`));
    expect(screen).not.toContain('unreachable');
    await pty.keys('Escape');
    await pty.waitForNoText('│ Settings');
  });

  it('at 80x24 the layout stays clean, and a re-attach runs at the new full size', async () => {
    await pty.resize(80, 24);
    const screen = await pty.waitFor(
      (s) => fits(s, 80) && /^\s+S\s+UUID\s+NAME\s+AGENT\s+PORT/m.test(s) && /Enter attach.*\n.*Q quit/.test(s),
      'a clean 80x24 frame',
    );
    expect(screen.split('\n')[0]).toMatch(/^convocate\s.*\d\d:\d\d\s*$/);
    expect(rowOf(screen, 'alpha')).toBeDefined();

    await attachTo(pty, 'alpha');
    await pty.type('stty size; tmux list-clients -F "#{client_width}x#{client_height}"');
    await pty.keys('Enter');
    // tmux keeps one row for its status line.
    await pty.waitForText(/^23 80$/m, 15_000);
    await pty.waitForText(/^80x24$/m, 15_000);
    await detach(pty, 80);
  });

  it('Q quits with status 0 and the session keeps running', async () => {
    await pty.type('Q');
    await pty.waitForText('[exit 0]', 15_000);
    const alpha = await sessionNamed(ctx.env, 'alpha');
    expect(alpha.state).toBe('R');
    const info = await dockerClient().getContainer(`convocate-session-${alpha.uuid}`).inspect();
    expect(info.State.Running).toBe(true);
  });
});
