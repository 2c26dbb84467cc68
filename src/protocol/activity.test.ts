import { describe, expect, it } from 'vitest';
import { parseActivityView } from './activity.js';

const good = { activity: 'waiting', activity_since: '2026-11-26T10:00:00.123Z', activity_detail: 'Claude needs your permission' };

describe('parseActivityView', () => {
  it('accepts a well-formed view, and an empty one', () => {
    expect(parseActivityView(good)).toEqual(good);
    expect(parseActivityView({ activity: 'none', activity_since: '', activity_detail: '' })).toEqual({ activity: 'none', activity_since: '', activity_detail: '' });
  });

  it.each([
    null,
    'waiting',
    { ...good, activity: 'sleeping' },
    { ...good, activity_since: 'yesterday' },
    { ...good, activity_detail: 'x'.repeat(201) },
    { ...good, activity_detail: 'red \u001b[31m' },
    { ...good, activity_detail: 'two\nlines' },
    { ...good, activity_detail: 42 },
  ])('refuses %j', (data) => {
    expect(parseActivityView(data)).toBeUndefined();
  });
});
