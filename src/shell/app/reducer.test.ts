import { describe, expect, it } from 'vitest';
import { charKey, namedKey } from './keys.js';
import { reduce } from './reducer.js';
import type { AppEvent } from './transition.js';
import { baseState, key, letter, makeList, makeSession, run } from './testing.js';

const agents = [{ id: 'a1', host: 'a1.example' }];
const loaded = (sessions = [a, b, c], unreachable: string[] = []): AppEvent => ({
  type: 'loaded',
  list: makeList(sessions, unreachable),
  agents,
  health: [],
});

const a = makeSession({ name: 'a', last_accessed: '2025-01-03T00:00:00Z', state: 'R', running: true });
const b = makeSession({ name: 'b', last_accessed: '2025-01-02T00:00:00Z' });
const c = makeSession({ name: 'c', last_accessed: '2025-01-01T00:00:00Z', state: 'L' });

describe('loading and selection', () => {
  it('sorts newest first and selects the first row', () => {
    const { state } = run(baseState(), loaded([c, a, b]));
    expect(state.sessions.map((s) => s.name)).toEqual(['a', 'b', 'c']);
    expect(state.selected).toBe(a.uuid);
  });

  it('keeps the selection on the same session when a reload reorders the list', () => {
    const s1 = run(baseState(), loaded(), key(namedKey('down'))).state;
    expect(s1.selected).toBe(b.uuid);
    const newer = makeSession({ name: 'new', last_accessed: '2025-02-01T00:00:00Z' });
    const s2 = run(s1, loaded([newer, a, b, c])).state;
    expect(s2.selected).toBe(b.uuid);
  });

  it('lands on the same row when the selected session disappears', () => {
    const s1 = run(baseState(), loaded(), key(namedKey('down'))).state;
    expect(run(s1, loaded([a, c])).state.selected).toBe(c.uuid);
    expect(run(s1, loaded([a])).state.selected).toBe(a.uuid);
    expect(run(s1, loaded([])).state.selected).toBeUndefined();
  });

  it('moves within bounds', () => {
    const s = run(baseState(), loaded(), key(namedKey('up'))).state;
    expect(s.selected).toBe(a.uuid);
    expect(run(s, key(namedKey('end'))).state.selected).toBe(c.uuid);
    expect(run(s, key(namedKey('pagedown')), key(namedKey('down'))).state.selected).toBe(c.uuid);
  });
});

describe('list keys', () => {
  const ready = run(baseState(), loaded()).state;

  it('are case-insensitive', () => {
    expect(run(ready, letter('S')).state.mode.screen).toBe('settings');
    expect(run(ready, letter('q')).intent).toEqual({ kind: 'quit' });
    expect(run(ready, letter('Q')).intent).toEqual({ kind: 'quit' });
  });

  it('Enter attaches the selected session and shows that it is busy', () => {
    const t = run(ready, key(namedKey('return')));
    expect(t.intent).toEqual({ kind: 'attach', session: a });
    expect(t.state.mode).toMatchObject({ screen: 'busy' });
  });

  it('a key that does not apply says why and yields nothing', () => {
    const t = run(ready, letter('o'));
    expect(t.intent).toBeUndefined();
    expect(t.state.mode.screen).toBe('list');
    expect(t.state.message).toMatch(/locked \(L\)/);
    expect(run(ready, letter('r')).state.message).toBe('session is already running');
    // The note goes away with the next key.
    expect(run(ready, letter('o'), key(namedKey('down'))).state.message).toBeUndefined();
  });

  it('an unknown letter says so', () => {
    expect(run(ready, letter('x')).state.message).toMatch(/not a command/);
  });

  it('actions with nothing selected say why', () => {
    const empty = run(baseState(), loaded([])).state;
    expect(run(empty, key(namedKey('return'))).state.message).toMatch(/no session selected/);
  });

  it('D, K, B, R, O ask for confirmation, then Y yields the intent and N / Esc go back', () => {
    const onC = run(ready, key(namedKey('end'))).state;
    const asked = run(onC, letter('d')).state;
    expect(asked.mode).toMatchObject({ screen: 'confirm', kind: 'delete' });
    expect(run(asked, letter('Y')).intent).toEqual({ kind: 'delete', session: c });
    expect(run(asked, letter('n')).state.mode.screen).toBe('list');
    expect(run(asked, key(namedKey('escape'))).state.mode.screen).toBe('list');
    expect(run(asked, letter('x')).state.mode.screen).toBe('confirm');
    expect(run(ready, letter('k')).state.mode).toMatchObject({ screen: 'confirm', kind: 'kill' });
    expect(run(ready, letter('b')).state.mode).toMatchObject({ screen: 'confirm', kind: 'background' });
    expect(run(onC, letter('o')).state.mode).toMatchObject({ screen: 'confirm', kind: 'override' });
  });

  it('Enter on an unreachable agent session says why', () => {
    const s = run(baseState(), loaded([a], ['a1'])).state;
    const t = run(s, key(namedKey('return')));
    expect(t.intent).toBeUndefined();
    expect(t.state.message).toMatch(/agent a1 is unreachable/);
    // Unreachable sessions are kept, never dropped.
    expect(s.sessions).toHaveLength(1);
  });

  it('Ctrl-C quits from anywhere', () => {
    const inForm = run(ready, letter('n')).state;
    expect(run(inForm, key(charKey('c', { ctrl: true }))).intent).toEqual({ kind: 'quit' });
  });
});

describe('new session', () => {
  it('with no agents shows the no-agents dialog', () => {
    const s = run(baseState({ agents: [] }), letter('n')).state;
    expect(s.mode.screen).toBe('no-agents');
    expect(run(s, key(namedKey('escape'))).state.mode.screen).toBe('list');
  });

  it('with one agent goes straight to the form, and a submit yields create', () => {
    const s = run(baseState(), loaded(), letter('N')).state;
    expect(s.mode).toMatchObject({ screen: 'form', form: { purpose: 'create', agentId: 'a1' } });
    const t = run(s, key(charKey('web')), key(namedKey('return')));
    expect(t.intent).toEqual({ kind: 'create', agentId: 'a1', fields: { name: 'web', protocol: 'tcp', port: 0, dns_name: '' } });
    expect(t.state.mode).toMatchObject({ screen: 'busy' });
  });

  it('with several agents picks one first; an unreachable one is refused with a reason', () => {
    const two = baseState({ agents: [...agents, { id: 'a2', host: 'a2.example' }], unreachable: ['a2'] });
    const picker = run(two, letter('n')).state;
    expect(picker.mode).toMatchObject({ screen: 'agent-picker', index: 0 });
    const refused = run(picker, key(namedKey('down')), key(namedKey('return'))).state;
    expect(refused.mode.screen).toBe('agent-picker');
    expect(refused.message).toMatch(/a2 is unreachable/);
    const picked = run(picker, key(namedKey('return'))).state;
    expect(picked.mode).toMatchObject({ screen: 'form', form: { agentId: 'a1' } });
  });

  it('a failed create shows the error, then returns to the form as typed', () => {
    const s = run(baseState(), loaded(), letter('n'), key(charKey('web')), key(namedKey('return'))).state;
    const failed = run(s, { type: 'failed', message: 'port 80/tcp already in use', code: 'conflict' }).state;
    expect(failed.mode).toMatchObject({ screen: 'error', message: 'port 80/tcp already in use', code: 'conflict' });
    const back = run(failed, key(namedKey('return'))).state;
    expect(back.mode).toMatchObject({ screen: 'form', form: { name: 'web' } });
  });

  it('done returns to the list, selects the new session and notes what happened', () => {
    const s = run(baseState(), loaded(), letter('n'), key(charKey('web')), key(namedKey('return'))).state;
    const done = run(s, { type: 'done', message: 'created web', select: 'u-new' }).state;
    expect(done).toMatchObject({ mode: { screen: 'list' }, message: 'created web', selected: 'u-new' });
  });
});

describe('edit and clone', () => {
  const ready = run(baseState(), loaded()).state;
  it('E opens the edit form for the selected session and yields edit', () => {
    const t = run(ready, letter('e'), key(charKey('2')), key(namedKey('return')));
    expect(t.intent).toMatchObject({ kind: 'edit', session: a, fields: { name: 'a2' } });
  });
  it('C opens the clone form and yields clone', () => {
    const t = run(ready, letter('c'), key(namedKey('return')));
    expect(t.intent).toEqual({ kind: 'clone', session: a, name: 'a-clone' });
  });
});

describe('ticks and dialogs', () => {
  it('a tick only moves the clock and load', () => {
    const s = run(baseState(), { type: 'tick', now: 5000, load: [1, 2, 3] }).state;
    expect(s).toMatchObject({ now: 5000, load: [1, 2, 3] });
  });
  it('busy ignores keys other than Ctrl-C', () => {
    const s = run(baseState(), { type: 'busy', label: 'x' }).state;
    expect(run(s, letter('q')).intent).toBeUndefined();
  });
  it('settings closes with Esc, Enter, S or Q (Q does not quit from here)', () => {
    const s = run(baseState(), letter('s')).state;
    for (const k of [key(namedKey('escape')), key(namedKey('return')), letter('S'), letter('q')]) {
      const t = run(s, k);
      expect(t.state.mode.screen).toBe('list');
      expect(t.intent).toBeUndefined();
    }
  });
});

describe('idle ticks', () => {
  it('keep the same state object when neither the minute nor the load text changes', () => {
    const base = reduce(baseState(), { type: 'tick', now: Date.UTC(2026, 0, 1, 9, 5, 1), load: [0.1, 0.2, 0.3] }).state;
    const same = reduce(base, { type: 'tick', now: Date.UTC(2026, 0, 1, 9, 5, 59), load: [0.101, 0.2, 0.3] }).state;
    expect(same).toBe(base);
    const later = reduce(base, { type: 'tick', now: Date.UTC(2026, 0, 1, 9, 6, 0), load: [0.1, 0.2, 0.3] }).state;
    expect(later).not.toBe(base);
    const busier = reduce(base, { type: 'tick', now: Date.UTC(2026, 0, 1, 9, 5, 2), load: [0.5, 0.2, 0.3] }).state;
    expect(busier).not.toBe(base);
  });
});

describe('C to another agent', () => {
  it('the clone intent names the agent picked in the form', () => {
    const two = [{ id: 'a1', host: 'a1.example' }, { id: 'a2', host: 'a2.example' }];
    const s = makeSession({ name: 'web', agent_id: 'a1', last_accessed: '2031-01-01T00:00:00Z' });
    const t = run(baseState({ agents: two }), { type: 'loaded', list: makeList([s]), agents: two, health: [] }, letter('c'), key(namedKey('tab')), key(charKey(' ')), key(namedKey('return')));
    expect(t.intent).toEqual({ kind: 'clone', session: s, name: 'web-clone', to: 'a2' });
    expect(t.state.mode).toMatchObject({ screen: 'busy', label: 'Cloning web as web-clone to agent a2…' });
  });
});
