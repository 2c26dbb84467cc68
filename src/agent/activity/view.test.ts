import { describe, expect, it } from 'vitest';
import { activityView } from './view.js';
import type { StateRead } from './state-file.js';

const ok = (activity: 'working' | 'idle', mtimeMs: number): StateRead => ({
  kind: 'ok',
  state: { activity, since: new Date(mtimeMs).toISOString(), detail: 'd', mtimeMs },
});

describe('activityView: liveness first, then what the hooks said', () => {
  const created = Date.parse('2026-11-26T10:00:00.000Z');

  it('a stopped session is none, whatever its file says', () => {
    expect(activityView({ running: false, read: ok('working', created + 5000) }).activity).toBe('none');
  });

  it('a file from before the container was created is stale: never working', () => {
    const v = activityView({ running: true, containerCreatedMs: created, read: ok('working', created - 60_000) });
    expect(v).toEqual({ activity: 'unknown', activity_since: '', activity_detail: '' });
  });

  it('a running session without a readable file is unknown', () => {
    expect(activityView({ running: true, read: { kind: 'absent' } }).activity).toBe('unknown');
    expect(activityView({ running: true, read: { kind: 'invalid', reason: 'x' } }).activity).toBe('unknown');
  });

  it('a fresh file gives the view', () => {
    const v = activityView({ running: true, containerCreatedMs: created + 400, read: ok('idle', created + 100) });
    expect(v).toEqual({ activity: 'idle', activity_since: new Date(created + 100).toISOString(), activity_detail: 'd' });
  });
});
