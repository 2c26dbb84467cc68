// The real TUI main loop in a real pseudo-terminal (tmux), against the
// in-memory directory: rendering at a real size, resize, attach hand-off and
// return, keys after a re-attach, and quitting cleanly.
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { TuiPty } from '../helpers/tui-pty.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const command = 'node_modules/.bin/vite-node test/integration/fixtures/tui-fake-main.ts';

let pty: TuiPty | undefined;
afterEach(async () => {
  await pty?.close();
  pty = undefined;
});

/** A clean frame: nothing wider than the terminal, and exactly one title and one menu (a stale frame would add copies). */
function fits(screen: string, cols: number): boolean {
  return (
    screen.split('\n').every((line) => line.length <= cols) &&
    screen.match(/^convocate /gm)?.length === 1 &&
    screen.match(/Enter attach/g)?.length === 1 &&
    /Q quit/.test(screen)
  );
}

describe('TUI in a real terminal', () => {
  it('attaches at full size, follows resizes, detaches back to a working menu, and quits', async () => {
    pty = await TuiPty.start(command, { cwd: root, cols: 120, rows: 40 });
    const screen = await pty.waitForText(/bravo/, 30_000);
    expect(screen).toMatch(/^convocate\s+2 sessions\s+load 0\.12 0\.34 0\.56\s+\d\d:\d\d$/m);
    await pty.waitFor((s) => fits(s, 120), 'a clean 120-column frame');

    // The newest session (bravo) is selected first.
    await pty.keys('Enter');
    await pty.waitForText('[fake session bravo] 120x40');
    // The size is sent again right after the relay starts.
    await pty.waitForText('[size 120x40]');
    await pty.type('hello');
    await pty.waitForText('hello');
    await pty.resize(100, 30);
    await pty.waitForText('[size 100x30]');

    await pty.keys('C-b', 'd');
    await pty.waitFor((s) => fits(s, 100), 'a clean 100-column frame');

    // Keys still reach the menu after the hand-off.
    await pty.type('n');
    await pty.waitForText('New session on agent local');
    await pty.type('fresh');
    await pty.keys('Tab', 'Space', 'Tab');
    await pty.type('-1');
    await pty.keys('Enter');
    await pty.waitForText('created fresh');
    await pty.waitForText(/> -\s+\w{8}\s+fresh\s+local\s+1001\/udp/);

    await pty.resize(80, 24);
    await pty.waitFor((s) => fits(s, 80) && /Enter attach.*\n.*Q quit/.test(s), 'a clean 80x24 frame');

    // A re-attach uses the new full size.
    await pty.keys('Enter');
    await pty.waitForText('[fake session fresh] 80x24');
    await pty.keys('C-b', 'd');
    await pty.waitForText('Enter attach');

    await pty.type('q');
    await pty.waitForText('[exit 0]');
    expect(await pty.screen()).toContain('tui exited');
  });

  it('keeps an unreachable agent’s sessions listed and says why Enter does nothing', async () => {
    pty = await TuiPty.start(command, { cwd: root, cols: 80, rows: 24, env: { CONVOCATE_FAKE_AGENTS: 'local,!far' } });
    await pty.waitForText('offline-one', 30_000);
    const screen = await pty.waitForText('1 agent unreachable');
    expect(screen).toMatch(/\?\s+\w{8}\s+offline-one\s+far/);
    // Added last, so newest: the first row.
    await pty.keys('Home', 'Enter');
    await pty.waitForText('agent far is unreachable');
    await pty.keys('C-c');
    await pty.waitForText('[exit 0]');
  });
});
