import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import { isPidAlive, isRoot } from './process.js';

describe('isPidAlive', () => {
  it('sees this process', () => {
    expect(isPidAlive(process.pid)).toBe(true);
  });

  it('does not see a child that has exited', async () => {
    const child = spawn(process.execPath, ['-e', '0']);
    const pid = child.pid;
    await once(child, 'exit');
    expect(pid).toBeTypeOf('number');
    expect(isPidAlive(pid ?? 0)).toBe(false);
  });

  it('never treats 0, negatives or non-integers as a process', () => {
    for (const pid of [0, -1, 1.5, Number.NaN]) expect(isPidAlive(pid)).toBe(false);
  });
});

describe('isRoot', () => {
  it('is true for uid 0 only', () => {
    expect(isRoot(() => 0)).toBe(true);
    expect(isRoot(() => 1000)).toBe(false);
  });
});
