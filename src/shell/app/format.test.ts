import { describe, expect, it } from 'vitest';
import {
  COLUMNS,
  fitColumns,
  formatClock,
  formatLoad,
  formatRow,
  menuLines,
  sessionCells,
  titleText,
  truncate,
  windowStart,
  type Cells,
} from './format.js';
import { MAIN_MENU } from './actions.js';
import { makeSession } from './testing.js';

describe('sessionCells', () => {
  it('gives status, short uuid, name, agent, port/proto and dns', () => {
    const s = makeSession({ uuid: '12345678-aaaa-4bbb-8ccc-dddddddddddd', name: 'web', port: 8080, protocol: 'udp', dns_name: 'web.dev', state: 'R' });
    expect(sessionCells(s, false)).toEqual(['R', '12345678', 'web', 'a1', '8080/udp', 'web.dev', '-', '-', '-', '-', '-']);
    const busy = makeSession({ state: 'R', activity: 'waiting', cpu_percent: 1.25, mem_bytes: 512 * 1024, changes_files: 3, changes_added: 120, changes_removed: 8 });
    expect(sessionCells(busy, false).slice(6)).toEqual(['waiting', '1.3%', '512K', '+120 -8', '-']);
    expect(sessionCells(makeSession({ cost_usd: 0.0421 }), false)[10]).toBe('$0.042');
    expect(sessionCells(makeSession({ cost_usd: 12.345 }), false)[10]).toBe('$12.35');
  });
  it('leaves the port blank when none and marks an unreachable agent with ?', () => {
    const cells = sessionCells(makeSession({ port: 0 }), true);
    expect(cells[0]).toBe('?');
    expect(cells[4]).toBe('');
  });
});

describe('fitColumns and formatRow', () => {
  const long: Cells = ['R', '12345678', 'n'.repeat(60), 'agent-with-long-id', '65535/udp', 'd'.repeat(50), 'working', '100%', '1.5G', '+1200 -34', '$12.34'];
  it('never exceeds the width: long columns are truncated, not wrapped', () => {
    for (const width of [40, 60, 79, 119]) {
      const widths = fitColumns([long], width);
      const line = formatRow(long, widths, width, true);
      expect(line.length).toBeLessThanOrEqual(width);
      expect(line).toContain('…');
      expect(line.startsWith('> R  12345678')).toBe(true);
      expect(formatRow(COLUMNS, widths, width).length).toBeLessThanOrEqual(width);
    }
  });
  it('leaves out COST, then CHANGES, MEM and CPU whole before it cuts a name or DNS name', () => {
    const row: Cells = ['R', '12345678', 'alpha-service', 'agent-1', '1001/tcp', 'alpha.dev', 'working', '12%', '150M', '+120 -8', '$0.042'];
    const widths = fitColumns([row], 80);
    expect(widths[10]).toBe(0);
    expect(widths.slice(2, 6)).toEqual([13, 7, 8, 9]);
    const line = formatRow(row, widths, 80);
    expect(line).toContain('alpha-service');
    expect(line).toContain('alpha.dev');
    expect(line).not.toContain('$0.042');
    expect(line.length).toBeLessThanOrEqual(80);
    expect(formatRow(COLUMNS, widths, 80)).not.toMatch(/COST/);
    // Wide enough, everything shows.
    expect(fitColumns([row], 120).every((w) => w > 0)).toBe(true);
  });
  it('keeps natural widths when they fit', () => {
    const cells: Cells = ['-', 'abcdef01', 'web', 'a1', '', '', '-', '-', '-', '-', '-'];
    const widths = fitColumns([cells], 100);
    expect(widths).toEqual([1, 8, 4, 5, 4, 3, 8, 3, 3, 7, 4]);
    expect(formatRow(cells, widths, 100)).toBe('  -  abcdef01  web   a1                -         -    -    -        -');
  });
  it('truncates with an ellipsis', () => {
    expect(truncate('abcdef', 4)).toBe('abc…');
    expect(truncate('abc', 4)).toBe('abc');
    expect(truncate('abc', 0)).toBe('');
  });
});

describe('title bar', () => {
  const input = { sessions: 3, unreachableAgents: 1, broken: 0, load: [0.123, 0.34, 0.5], now: new Date(2025, 0, 1, 9, 5, 7).getTime() };
  it('formats load and clock', () => {
    expect(formatLoad([0.123, 0.34, 0.5])).toBe('load 0.12 0.34 0.50');
    expect(formatClock(input.now)).toBe('09:05');
  });
  it('is exactly the width, name left and clock right', () => {
    const t = titleText(input, 80);
    expect(t).toHaveLength(80);
    expect(t.startsWith('convocate')).toBe(true);
    expect(t.endsWith('load 0.12 0.34 0.50  09:05')).toBe(true);
    expect(t).toContain('3 sessions · 1 agent unreachable');
  });
  it('drops the summary, then the load, when narrow', () => {
    expect(titleText(input, 45)).not.toContain('sessions');
    expect(titleText(input, 45)).toContain('09:05');
    expect(titleText(input, 20)).toBe('convocate'.padEnd(20));
  });
});

describe('menuLines', () => {
  it('fits the whole menu on one line when wide and wraps between items when not', () => {
    expect(menuLines(MAIN_MENU, 160)).toHaveLength(1);
    const lines = menuLines(MAIN_MENU, 79);
    expect(lines.length).toBe(2);
    for (const line of lines) {
      const text = line.map((i) => `${i.key} ${i.label}`).join('  ');
      expect(text.length).toBeLessThanOrEqual(79);
    }
    expect(lines.flat()).toEqual(MAIN_MENU);
  });
});

describe('windowStart', () => {
  it('keeps the selected row visible', () => {
    expect(windowStart(5, 4, 10)).toBe(0);
    expect(windowStart(100, 0, 10)).toBe(0);
    expect(windowStart(100, 50, 10)).toBe(45);
    expect(windowStart(100, 99, 10)).toBe(90);
  });
});

describe('relativeAge of an agent-sent timestamp', () => {
  it('never echoes what is not a timestamp (an OSC 52 sequence stays out of the terminal)', async () => {
    const { relativeAge } = await import('./format.js');
    expect(relativeAge('2026-01-01T00:00:00Z\u001b]52;c;cm0gLXJmIH4=\u0007', Date.parse('2026-01-01T00:01:00Z'))).toBe('unknown');
    expect(relativeAge('2026-01-01T00:00:00Z', Date.parse('2026-01-01T00:01:00Z'))).toBe('1m ago');
  });
});
