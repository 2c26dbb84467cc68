// The cockpit's rules through the reducer: Tab's jump order, the `/` filter,
// W and P, and notifications that never repeat for the same change.
import { describe, expect, it } from 'vitest';
import type { Activity, Session } from '../../protocol/session.js';
import { activityCounts, activityNews, needingOrder } from './cockpit.js';
import { activitySummary } from './format.js';
import { charKey, namedKey } from './keys.js';
import { reduce } from './reducer.js';
import type { AppEvent } from './transition.js';
import { baseState, key, letter, makeList, makeSession, run } from './testing.js';

const tab = key(namedKey('tab'));
const esc = key(namedKey('escape'));
const enter = key(namedKey('return'));
const loaded = (sessions: Session[]): AppEvent => ({ type: 'loaded', list: makeList(sessions), agents: [{ id: 'a1', host: 'h' }], health: [] });

function live(name: string, activity: Activity, since: string, over: Partial<Session> = {}): Session {
  return makeSession({ name, activity, activity_since: since, running: true, state: 'R', ...over });
}

const day = (h: number) => `2025-01-01T${String(h).padStart(2, '0')}:00:00Z`;
const workA = live('work-a', 'working', day(1), { last_accessed: day(9) });
const idleOld = live('idle-old', 'idle', day(2), { last_accessed: day(8) });
const waitNew = live('wait-new', 'waiting', day(6), { last_accessed: day(7), dns_name: 'api.dev' });
const idleNew = live('idle-new', 'idle', day(5), { last_accessed: day(6) });
const waitOld = live('wait-old', 'waiting', day(3), { last_accessed: day(5), agent_id: 'far' });
const stopped = makeSession({ name: 'stopped', last_accessed: day(4) });
const all = [workA, idleOld, waitNew, idleNew, waitOld, stopped];

describe('Tab: the next session that needs the operator', () => {
  it('orders waiting first (oldest first), then idle (longest idle first)', () => {
    expect(needingOrder(all).map((s) => s.name)).toEqual(['wait-old', 'wait-new', 'idle-old', 'idle-new']);
  });

  it('walks that order from the highlight and wraps around', () => {
    let s = run(baseState(), loaded(all)).state;
    expect(s.selected).toBe(workA.uuid);
    const names: string[] = [];
    for (let i = 0; i < 5; i++) {
      s = run(s, tab).state;
      names.push(s.visible.find((x) => x.uuid === s.selected)!.name);
    }
    expect(names).toEqual(['wait-old', 'wait-new', 'idle-old', 'idle-new', 'wait-old']);
    // Enter then attaches the session Tab landed on.
    expect(run(s, enter).intent).toMatchObject({ kind: 'attach', session: { name: 'wait-old' } });
  });

  it('says so when nobody needs the operator', () => {
    const s = run(baseState(), loaded([workA, stopped]), tab).state;
    expect(s.selected).toBe(workA.uuid);
    expect(s.message).toMatch(/no session is waiting or idle/);
  });
});

describe('/ filter', () => {
  it('narrows by name, agent, DNS name or activity as you type, and counts what is left', () => {
    let s = run(baseState(), loaded(all), letter('/')).state;
    expect(s.filter).toEqual({ text: '', editing: true });
    s = run(s, key(charKey('wait'))).state;
    expect(s.visible.map((x) => x.name)).toEqual(['wait-new', 'wait-old']);
    expect(run(s, key(namedKey('backspace')), key(namedKey('backspace')), key(namedKey('backspace')), key(namedKey('backspace')), key(charKey('far'))).state.visible.map((x) => x.name)).toEqual(['wait-old']);
    expect(run(s, esc).state.visible).toHaveLength(all.length);
    const byDns = run(baseState(), loaded(all), letter('/'), key(charKey('API.DEV'))).state;
    expect(byDns.visible.map((x) => x.name)).toEqual(['wait-new']);
    const byActivity = run(baseState(), loaded(all), letter('/'), key(charKey('idle'))).state;
    expect(byActivity.visible.map((x) => x.name)).toEqual(['idle-old', 'idle-new']);
  });

  it('keeps the selection on a visible row, and letters typed in the line are not commands', () => {
    const s = run(baseState(), loaded(all), letter('/'), key(charKey('qkd'))).state;
    expect(s.mode.screen).toBe('list');
    expect(s.visible).toHaveLength(0);
    expect(s.selected).toBeUndefined();
    const t = run(baseState(), loaded(all), letter('/'), key(charKey('idle-new')));
    expect(t.state.selected).toBe(idleNew.uuid);
    expect(t.intent).toBeUndefined();
  });

  it('Enter keeps the filter and gives the keys back to the list; Esc in the list clears it', () => {
    const kept = run(baseState(), loaded(all), letter('/'), key(charKey('wait')), enter).state;
    expect(kept.filter).toEqual({ text: 'wait', editing: false });
    // Keys act on the filtered rows now: End goes to the last match, Enter attaches it.
    const last = run(kept, key(namedKey('end')));
    expect(last.state.selected).toBe(waitOld.uuid);
    expect(run(last.state, enter).intent).toMatchObject({ kind: 'attach', session: { uuid: waitOld.uuid } });
    expect(run(kept, letter('w')).intent).toMatchObject({ kind: 'attach', readOnly: true });
    const cleared = run(kept, esc).state;
    expect(cleared.filter).toBeUndefined();
    expect(cleared.visible).toHaveLength(all.length);
  });

  it('a reload keeps applying the filter', () => {
    const kept = run(baseState(), loaded(all), letter('/'), key(charKey('idle')), enter).state;
    const fresh = live('idle-fresh', 'idle', day(7), { last_accessed: day(10) });
    expect(run(kept, loaded([...all, fresh])).state.visible.map((x) => x.name)).toEqual(['idle-fresh', 'idle-old', 'idle-new']);
  });
});

describe('W and P', () => {
  it('W watches a running session read-only and refuses a stopped one with a reason', () => {
    const s = run(baseState(), loaded(all)).state;
    const t = run(s, letter('W'));
    expect(t.intent).toEqual({ kind: 'attach', session: workA, readOnly: true });
    expect(t.state.mode).toMatchObject({ screen: 'busy', label: expect.stringMatching(/read-only/) });
    const onStopped = run(s, key(namedKey('end')), letter('w'));
    expect(onStopped.intent).toBeUndefined();
    expect(onStopped.state.message).toMatch(/not running/);
  });

  it('P toggles the preview, and an identical capture changes nothing (no redraw)', () => {
    const s = run(baseState(), loaded(all)).state;
    expect(s.preview.shown).toBe(true);
    expect(run(s, letter('p')).state.preview.shown).toBe(false);
    const captured = run(s, { type: 'preview', uuid: workA.uuid, text: 'hello' }).state;
    expect(captured.preview).toMatchObject({ uuid: workA.uuid, text: 'hello' });
    expect(reduce(captured, { type: 'preview', uuid: workA.uuid, text: 'hello' }).state).toBe(captured);
    expect(run(captured, { type: 'preview', uuid: workA.uuid, error: 'boom' }).state.preview).toMatchObject({ error: 'boom', text: undefined });
  });
});

describe('notifications', () => {
  const start = run(baseState(), loaded(all)).state;

  it('the first list rings nothing, whatever it shows', () => {
    expect(run(baseState(), loaded(all)).intent).toBeUndefined();
  });

  it('rings when a session turns waiting or finishes a turn, once per change', () => {
    const asks = { ...workA, activity: 'waiting' as const, activity_since: day(10), activity_detail: 'Claude needs your permission' };
    const t1 = run(start, loaded([asks, ...all.slice(1)]));
    expect(t1.intent).toEqual({ kind: 'notify', text: 'work-a is waiting: Claude needs your permission' });
    // The same change in the next reload, or ten: silence.
    expect(run(t1.state, loaded([asks, ...all.slice(1)])).intent).toBeUndefined();
    const done = { ...workA, activity: 'idle' as const, activity_since: day(11) };
    expect(run(start, loaded([done, ...all.slice(1)])).intent).toEqual({ kind: 'notify', text: 'work-a finished its turn' });
  });

  it('says nothing for other changes: idle → working, waiting → working, a new session', () => {
    const busy = { ...idleOld, activity: 'working' as const, activity_since: day(12) };
    const resumed = { ...waitNew, activity: 'working' as const, activity_since: day(12) };
    const fresh = live('fresh', 'waiting', day(12));
    expect(run(start, loaded([workA, busy, resumed, idleNew, waitOld, stopped, fresh])).intent).toBeUndefined();
  });

  it('folds several changes into one notification, and --no-notify silences them but still records them', () => {
    const two = [{ ...workA, activity: 'idle' as const, activity_since: day(13) }, { ...idleOld, activity: 'waiting' as const, activity_since: day(13) }];
    expect(run(start, loaded([...two, ...all.slice(2)])).intent).toEqual({ kind: 'notify', text: 'work-a finished its turn · idle-old is waiting' });
    const quiet = run({ ...start, notify: false }, loaded([...two, ...all.slice(2)]));
    expect(quiet.intent).toBeUndefined();
    expect(run({ ...quiet.state, notify: true }, loaded([...two, ...all.slice(2)])).intent).toBeUndefined();
  });

  it('activityNews reports a second, new wait of the same session', () => {
    const seen = activityNews({}, [waitNew], true).seen;
    expect(activityNews(seen, [{ ...waitNew, activity_since: day(20) }], false).news).toEqual(['wait-new is waiting']);
  });
});

describe('counts', () => {
  it('counts waiting, working and idle sessions for the title', () => {
    expect(activityCounts(all)).toEqual({ waiting: 2, working: 1, idle: 2 });
    expect(activitySummary(activityCounts(all))).toBe('2 waiting · 1 working · 2 idle');
    expect(activitySummary(activityCounts([stopped]))).toBe('');
  });
});
