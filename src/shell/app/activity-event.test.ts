import { describe, expect, it } from 'vitest';
import { reduce } from './reducer.js';
import { baseState, makeList, makeSession } from './testing.js';

const agents = [{ id: 'a1', host: 'a1.example' }];
const a = makeSession({ name: 'a', agent_id: 'a1', running: true, state: 'R', activity: 'idle' });
const b = makeSession({ name: 'b', agent_id: 'a1', running: true, state: 'R', activity: 'idle' });
const loaded = reduce(baseState(), { type: 'loaded', list: makeList([a, b]), agents, health: [] }).state;
const view = { activity: 'waiting' as const, activity_since: '2026-11-26T10:00:00.000Z', activity_detail: 'Claude needs your permission' };

describe('a pushed session.activity event', () => {
  it('updates that one session in place, and notifies its turn to waiting once', () => {
    const { state, intent } = reduce(loaded, { type: 'activity', agentId: 'a1', uuid: b.uuid, view });
    expect(intent).toEqual({ kind: 'notify', text: 'b is waiting: Claude needs your permission' });
    expect(reduce(state, { type: 'activity', agentId: 'a1', uuid: b.uuid, view }).intent).toBeUndefined();
    expect(state.sessions.find((s) => s.uuid === b.uuid)).toMatchObject(view);
    expect(state.sessions.find((s) => s.uuid === a.uuid)?.activity).toBe('idle');
    expect(state.selected).toBe(loaded.selected);
  });

  it('changes nothing for a session it does not know, or another agent claiming it', () => {
    expect(reduce(loaded, { type: 'activity', agentId: 'a1', uuid: 'nope', view }).state).toBe(loaded);
    expect(reduce(loaded, { type: 'activity', agentId: 'other', uuid: a.uuid, view }).state).toBe(loaded);
  });
});
