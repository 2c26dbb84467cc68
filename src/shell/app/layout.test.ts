import { describe, expect, it } from 'vitest';
import { titleText } from './format.js';
import { screenLayout } from './layout.js';

describe('screenLayout', () => {
  it('puts the preview beside the table on a wide terminal, below on a tall one, nowhere when cramped', () => {
    const wide = screenLayout(200, 50, { preview: true, filterLine: false });
    expect(wide.preview?.side).toBe('right');
    expect(wide.table.width + 1 + wide.preview!.width).toBe(wide.width);
    const tall = screenLayout(100, 60, { preview: true, filterLine: false });
    expect(tall.preview?.side).toBe('below');
    expect(tall.table.height + tall.preview!.height).toBe(tall.body.height);
    expect(screenLayout(80, 24, { preview: true, filterLine: false }).preview).toBeUndefined();
    expect(screenLayout(200, 50, { preview: false, filterLine: false }).preview).toBeUndefined();
  });

  it('gives the filter line one row of the body', () => {
    const a = screenLayout(100, 30, { preview: false, filterLine: false });
    const b = screenLayout(100, 30, { preview: false, filterLine: true });
    expect(b.table.height).toBe(a.table.height - 1);
  });
});

describe('title counts', () => {
  const base = { sessions: 40, unreachableAgents: 0, broken: 0, load: [0, 0, 0], now: 0 };
  it('leads with the activity counts and says how many waiting sessions are off-screen', () => {
    const t = titleText({ ...base, activity: { waiting: 2, working: 5, idle: 0 }, waitingHidden: 1 }, 120);
    expect(t).toMatch(/^convocate\s+2 waiting \(1 off-screen\) · 5 working · 40 sessions\s+load/);
    expect(t).toHaveLength(120);
  });
  it('keeps the waiting count when the terminal is too narrow for the rest', () => {
    const t = titleText({ ...base, activity: { waiting: 2, working: 5, idle: 0 }, waitingHidden: 2 }, 50);
    expect(t).toMatch(/^convocate\s+2 waiting \(2 off-screen\)/);
    expect(t.length).toBeLessThanOrEqual(50);
  });
});
