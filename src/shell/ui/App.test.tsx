// App flows end to end inside the process: the Ink tree, the store and the
// controller over an in-memory directory, keys typed into a fake stdin.
import { render } from 'ink-testing-library';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { FakeSessionDirectory, type FakeAgentSpec } from '../../../test/helpers/fake-directory.js';
import type { Session } from '../../protocol/session.js';
import { AppStore } from '../app/store.js';
import { initialState } from '../app/state.js';
import { TuiController } from '../tui/controller.js';
import { App } from './App.js';

const ENTER = '\r';
const ESC = '\x1b';
const TAB = '\t';
const BACKSPACE = '\x7f';

let cleanups: Array<() => void> = [];
afterEach(() => {
  for (const c of cleanups) c();
  cleanups = [];
});

async function mount(agents?: FakeAgentSpec[], seed?: (dir: FakeSessionDirectory) => Promise<unknown>) {
  const dir = await FakeSessionDirectory.create({ agents: agents ?? [{ id: 'a1' }] });
  cleanups.push(() => void dir.close());
  await seed?.(dir);
  const store = new AppStore(initialState({ version: '9.9.9', build: { node: 'v20', platform: 'linux/x64' }, now: 0, load: [0.1, 0.2, 0.3] }));
  const attached: Session[] = [];
  const quit = vi.fn();
  const controller = new TuiController(store, dir, {
    attach: async (s) => {
      attached.push(s);
    },
    quit,
  });
  const ink = render(<App store={store} />);
  cleanups.push(() => ink.unmount());
  await controller.reload();
  const frame = () => ink.lastFrame() ?? '';
  const see = (text: string | RegExp) =>
    vi.waitFor(() => {
      if (typeof text === 'string') expect(frame()).toContain(text);
      else expect(frame()).toMatch(text);
    });
  // Keys go one write at a time, as a person types them.
  const type = async (...keys: string[]) => {
    for (const k of keys) {
      ink.stdin.write(k);
      await new Promise((r) => setImmediate(r));
    }
  };
  return { dir, store, controller, ink, frame, see, type, attached, quit };
}

describe('App', () => {
  it('renders the title, the sessions and the menu', async () => {
    const t = await mount(undefined, async (d) => {
      await d.add('a1', { name: 'alpha', port: 8080 });
    });
    await t.see('alpha');
    expect(t.frame()).toMatch(/^convocate\s+1 session\s+load 0\.10 0\.20 0\.30/);
    expect(t.frame()).toContain('8080/tcp');
    expect(t.frame()).toContain('Q quit');
  });

  it('creates a session from the form and selects it', async () => {
    const t = await mount(undefined, async (d) => {
      await d.add('a1', { name: 'alpha' });
    });
    await t.see('alpha');
    await t.type('n');
    await t.see('New session on agent a1');
    await t.type('w', 'e', 'b', TAB, ' ', TAB, '5', '3', TAB, 'w', 'e', 'b', ENTER);
    await t.see('created web');
    expect(t.dir.calls.find((c) => c.op === 'create')?.params).toEqual({ name: 'web', protocol: 'udp', port: 53, dns_name: 'web' });
    await t.see(/> -\s+\w{8}\s+web\s+a1\s+53\/udp\s+web/);
  });

  it('shows a client-side error in the form and fixes it with Backspace', async () => {
    const t = await mount();
    await t.type('n', 'a', '!', ENTER);
    await t.see('name "a!" is invalid: use letters');
    await t.type(BACKSPACE, ENTER);
    await t.see('created a (');
  });

  it('shows an agent error in a dialog, then returns to the form as typed', async () => {
    const t = await mount(undefined, async (d) => {
      await d.add('a1', { name: 'alpha', port: 8080 });
    });
    await t.see('alpha');
    await t.type('N', 'b', TAB, TAB, '8', '0', '8', '0', ENTER);
    await t.see('Error (conflict)');
    expect(t.frame()).toContain('port 8080/tcp already in use');
    await t.type(ENTER);
    await t.see(/Port\s+8080/);
    await t.type(ESC);
    await t.see('Enter attach');
  });

  it('deletes after Y, and N cancels', async () => {
    const t = await mount(undefined, async (d) => {
      await d.add('a1', { name: 'doomed' });
    });
    await t.see('doomed');
    await t.type('d');
    await t.see('Y yes');
    await t.type('n');
    await t.see('Enter attach');
    expect(await t.dir.sessionCount()).toBe(1);
    await t.type('D', 'Y');
    await t.see('deleted doomed');
    expect(await t.dir.sessionCount()).toBe(0);
    await t.see('No sessions yet');
  });

  it('says why a key does not apply', async () => {
    const t = await mount(undefined, async (d) => {
      await d.add('a1', { name: 'busy' }, { running: true });
    });
    await t.see('busy');
    await t.type('r');
    await t.see('session is already running');
    await t.type('o');
    await t.see('only a locked (L) session has a lock to override');
    // Nothing was asked of the agent but reads.
    expect(t.dir.calls.filter((c) => !['list', 'ping', 'env-list'].includes(c.op))).toEqual([]);
  });

  it('keeps an unreachable agent’s sessions, greyed with ?, and Enter says why', async () => {
    const t = await mount([{ id: 'a1' }, { id: 'a2', reachable: false }], async (d) => {
      await d.add('a2', { name: 'faraway' });
    });
    await t.see('faraway');
    expect(t.frame()).toMatch(/\?\s+\w{8}\s+faraway\s+a2/);
    expect(t.frame()).toContain('1 agent unreachable');
    await t.type(ENTER);
    await t.see('agent a2 is unreachable');
    expect(t.attached).toEqual([]);
  });

  it('Enter hands the chosen session to the attach hook, then returns to the list', async () => {
    const t = await mount(undefined, async (d) => {
      await d.add('a1', { name: 'alpha' });
    });
    await t.see('alpha');
    await t.type(ENTER);
    await vi.waitFor(() => expect(t.attached.map((s) => s.name)).toEqual(['alpha']));
    await t.see('Enter attach');
  });

  it('asks for the agent when there are several, and explains when there are none', async () => {
    const several = await mount([{ id: 'a1' }, { id: 'a2' }]);
    await several.type('n');
    await several.see('New session on which agent?');
    await several.type('\x1b[B', ENTER);
    await several.see('New session on agent a2');

    const none = await mount([]);
    await none.type('n');
    await none.see('No agents registered');
    await none.see('convocate-host init-agent');
  });

  it('opens settings with the version and agents', async () => {
    const t = await mount([{ id: 'a1', host: 'h1:222' }]);
    await t.type('S');
    await t.see('convocate 9.9.9');
    await t.see(/a1\s+h1:222\s+v0\.1\.0/);
    await t.type(ESC);
    await t.see('Enter attach');
  });

  it('Q quits through the main loop', async () => {
    const t = await mount();
    await t.type('Q');
    await vi.waitFor(() => expect(t.quit).toHaveBeenCalled());
  });

  it('re-lays out when the terminal is resized', async () => {
    const t = await mount(undefined, async (d) => {
      await d.add('a1', { name: 'alpha' });
    });
    await t.see('alpha');
    const menuLineCount = () => t.frame().split('\n').filter((l) => /attach|quit/.test(l)).length;
    const resize = (cols: number) => {
      Object.defineProperty(t.ink.stdout, 'columns', { value: cols, configurable: true });
      t.ink.stdout.emit('resize');
    };
    resize(200);
    await vi.waitFor(() => expect(menuLineCount()).toBe(1));
    resize(60);
    await vi.waitFor(() => expect(menuLineCount()).toBe(2));
    for (const l of t.frame().split('\n')) expect(l.length).toBeLessThanOrEqual(60);
  });

  it('reloads on demand and keeps the selection on the same session', async () => {
    const t = await mount(undefined, async (d) => {
      await d.add('a1', { name: 'older' });
      await d.add('a1', { name: 'newer' });
    });
    await t.see(/> -\s+\w{8}\s+newer/);
    await t.type('\x1b[B');
    await t.see(/> -\s+\w{8}\s+older/);
    await t.dir.add('a1', { name: 'newest' });
    await t.controller.reload();
    await t.see('newest');
    expect(t.frame()).toMatch(/> -\s+\w{8}\s+older/);
  });
});
