// What the preview costs: a capture only for the shown, running, highlighted
// session on the list screen with room for the pane; never otherwise.
import { describe, expect, it } from 'vitest';
import { FakeSessionDirectory } from '../../../test/helpers/fake-directory.js';
import { AppStore } from '../app/store.js';
import { initialState } from '../app/state.js';
import { PreviewPoller } from './preview-poller.js';

async function setup(size = { cols: 120, rows: 40 }, intervalMs?: number) {
  const dir = await FakeSessionDirectory.create({ agents: [{ id: 'a1' }] });
  await dir.add('a1', { name: 'stopped' });
  const live = await dir.add('a1', { name: 'live' }, { running: true, screen: 'hello \x1b[31mworld\x1b[0m' });
  const store = new AppStore(initialState({ version: 't', build: { node: 'v20', platform: 'linux' }, now: 0 }));
  store.dispatch({ type: 'loaded', list: await dir.listAll(), agents: dir.agents(), health: dir.health() });
  const poller = new PreviewPoller(store, dir, () => size, intervalMs);
  const peeks = () => dir.calls.filter((c) => c.op === 'peek').length;
  return { dir, store, poller, live, peeks };
}

describe('PreviewPoller', () => {
  it('captures the highlighted running session and keeps the text sanitised', async () => {
    const { store, poller, live, peeks } = await setup();
    expect(store.getState().selected).toBe(live.uuid);
    await poller.capture();
    expect(peeks()).toBe(1);
    expect(store.getState().preview).toMatchObject({ uuid: live.uuid, text: 'hello world' });
  });

  it('captures nothing when the preview is hidden, there is no room, another screen is open, or the session is stopped', async () => {
    const hidden = await setup();
    hidden.store.dispatch({ type: 'key', key: { name: 'char', text: 'p', shift: false, ctrl: false } });
    await hidden.poller.capture();
    expect(hidden.peeks()).toBe(0);

    const cramped = await setup({ cols: 80, rows: 24 });
    await cramped.poller.capture();
    expect(cramped.peeks()).toBe(0);

    const attaching = await setup();
    attaching.store.dispatch({ type: 'busy', label: 'Attaching…' });
    await attaching.poller.capture();
    expect(attaching.peeks()).toBe(0);

    const onStopped = await setup();
    onStopped.store.dispatch({ type: 'key', key: { name: 'down', text: '', shift: false, ctrl: false } });
    await onStopped.poller.capture();
    expect(onStopped.peeks()).toBe(0);
  });

  it('shows why a capture failed', async () => {
    const { dir, store, poller, live } = await setup();
    dir.setReachable('a1', false);
    await poller.capture();
    expect(store.getState().preview).toMatchObject({ uuid: live.uuid, error: 'agent a1 is unreachable' });
  });

  it('captures again at once when the highlight moves to another running session', async () => {
    // The periodic poll is an hour away: only the capture on a new highlight can show the other screen in time.
    const { dir, store, poller, peeks } = await setup(undefined, 3_600_000);
    const other = await dir.add('a1', { name: 'other' }, { running: true, screen: 'other screen' });
    store.dispatch({ type: 'loaded', list: await dir.listAll(), agents: dir.agents(), health: dir.health() });
    poller.start();
    try {
      store.dispatch({ type: 'key', key: { name: 'home', text: '', shift: false, ctrl: false } });
      const deadline = Date.now() + 2_000;
      while (store.getState().preview.uuid !== other.uuid && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
      expect(store.getState().preview).toMatchObject({ uuid: other.uuid, text: 'other screen' });
      expect(peeks()).toBeGreaterThanOrEqual(1);
    } finally {
      poller.stop();
    }
  });
});
