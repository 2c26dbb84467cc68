// The cockpit in a real terminal (tmux pty) on the in-memory directory: an
// agent reports a session turning `waiting` and the title counts it, the bell
// and OSC 9 bytes reach the terminal once, Tab lands on it and Enter attaches;
// the preview shows a session's screen (sanitised) without attaching; `/`
// narrows the rows; W watches read-only; CPU/MEM show numbers or `-`.
// The same steps against real Claude belong in test/e2e (see tui-cockpit there).
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { rowOf } from '../helpers/tui-e2e.js';
import { TuiPty } from '../helpers/tui-pty.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const command = 'node_modules/.bin/vite-node test/integration/fixtures/tui-fake-main.ts';
const NOTIFY = '\x07\x1b]9;convocate: bravo is waiting: Claude needs your permission\x07';

let pty: TuiPty | undefined;
let dir: string | undefined;
afterEach(async () => {
  await pty?.close();
  pty = undefined;
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

async function start(env: Record<string, string> = {}) {
  dir = mkdtempSync(join(tmpdir(), 'cockpit-'));
  const pidFile = join(dir, 'pid');
  const out = join(dir, 'out');
  pty = await TuiPty.start(command, {
    cwd: root,
    cols: 160,
    rows: 40,
    env: { CONVOCATE_FAKE_SCENARIO: 'cockpit', CONVOCATE_FAKE_PID_FILE: pidFile, ...env },
  });
  await pty.pipeOutput(out);
  await pty.waitForText('2 working · 1 idle', 30_000);
  const signal = (sig: NodeJS.Signals) => process.kill(Number(readFileSync(pidFile, 'utf8')), sig);
  const output = () => readFileSync(out, 'latin1');
  return { pty, signal, output };
}

const selectedName = (screen: string) => /^> [-LRC?] {2}[0-9a-f]{8} {2}(\S+)/m.exec(screen)?.[1];

describe('the cockpit in a real terminal', () => {
  it('previews, filters, counts a waiting session, rings once, jumps to it with Tab and watches read-only', async () => {
    const { pty, signal, output } = await start();

    // The newest session is highlighted and its screen shows beside the table, escapes removed.
    let screen = await pty.waitForText('delta 日本語 wide');
    expect(screen).toContain('red and safe');
    expect(screen).not.toContain('\x1b');
    expect(screen).not.toContain('title');
    expect(rowOf(screen, 'delta')?.line).toMatch(/working\s+13%\s+200M/);
    expect(rowOf(screen, 'alpha')?.line).toMatch(/ {2}-\s+-\s+-\s+(│|$)/);
    await pty.keys('Down');
    await pty.waitForText('charlie: all tests pass');

    // `/` narrows the rows as you type; Enter keeps it; Esc clears it.
    await pty.type('/bra');
    screen = await pty.waitForText('1 of 4');
    expect(rowOf(screen, 'bravo')).toBeDefined();
    for (const other of ['alpha', 'charlie', 'delta']) expect(rowOf(screen, other)).toBeUndefined();
    await pty.keys('Enter');
    await pty.waitForText(/1 of 4\s+Esc clears/);
    await pty.keys('Escape');
    await pty.waitFor((s) => ['alpha', 'bravo', 'charlie', 'delta'].every((n) => rowOf(s, n)), 'every row back');

    // The agent reports bravo waiting: the title counts it, the bell and OSC 9 go out once.
    signal('SIGUSR1');
    screen = await pty.waitForText('1 waiting · 1 working · 1 idle');
    expect(rowOf(screen, 'bravo')?.line).toMatch(/waiting/);
    await pty.waitFor(() => output().includes(NOTIFY), 'the bell and OSC 9 bytes');

    // Tab lands on it from anywhere; Enter attaches as usual.
    await pty.keys('Home');
    await pty.waitFor((s) => selectedName(s) === 'delta', 'the highlight on delta');
    await pty.keys('Tab');
    await pty.waitFor((s) => selectedName(s) === 'bravo', 'the highlight on bravo');
    await pty.keys('Enter');
    await pty.waitForText('[fake session bravo] 160x40');
    // An operator's keys do reach the session (the control for the watcher below).
    await pty.type('typed-by-operator');
    await pty.waitFor(() => output().includes('typed-by-operator'), 'the operator\'s keys echoed');
    await pty.keys('C-b', 'd');
    await pty.waitForText('Enter attach');

    // W watches: the watcher's keys never reach the session; Ctrl-B D returns.
    await pty.waitFor((s) => selectedName(s) === 'bravo', 'the highlight still on bravo');
    await pty.type('w');
    await pty.waitForText('[fake session bravo] 160x40 read-only');
    await pty.type('typed-by-watcher');
    await pty.keys('C-b', 'd');
    screen = await pty.waitForText('Enter attach');
    // The session handles keys in order, so Ctrl-B D ending the watch means the text before it was
    // handled too; every byte the terminal got is in the log, not only what is on screen now.
    expect(output()).not.toContain('typed-by-watcher');

    // More status events and reloads: the same change never rings again.
    signal('SIGUSR2');
    screen = await pty.waitFor((s) => rowOf(s, 'reloaded') !== undefined, 'the reload that SIGUSR2 caused');
    expect(screen).toContain('1 waiting');
    expect(output().split(NOTIFY)).toHaveLength(2);

    await pty.type('q');
    await pty.waitForText('[exit 0]');
  });

  it('rings nothing with CONVOCATE_NO_NOTIFY=1, and P hides the preview', async () => {
    const { pty, signal, output } = await start({ CONVOCATE_NO_NOTIFY: '1' });
    await pty.waitForText('delta 日本語 wide');
    signal('SIGUSR1');
    await pty.waitForText('1 waiting');
    await pty.type('p');
    await pty.waitForNoText('delta 日本語 wide');
    // A key handled after the waiting change: any bell for that change went out before it.
    expect(output()).not.toContain('\x1b]9;');
    await pty.keys('C-c');
    await pty.waitForText('[exit 0]');
  });
});
