import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import { processStartTime } from './process-start.js';

describe('processStartTime', () => {
  it('is stable for one process and differs for a later one', async () => {
    const mine = processStartTime(process.pid);
    expect(mine).toMatch(/^[0-9]+$/);
    expect(processStartTime(process.pid)).toBe(mine);
    const child = spawn('sleep', ['5']);
    try {
      await once(child, 'spawn');
      const theirs = processStartTime(child.pid ?? -1);
      expect(theirs).toMatch(/^[0-9]+$/);
      // The runner started long before the child (clock ticks are 10 ms): a later process has a larger start time.
      expect(Number(theirs)).toBeGreaterThan(Number(mine));
    } finally {
      child.kill('SIGKILL');
      await once(child, 'exit');
    }
    expect(processStartTime(child.pid ?? -1)).toBeUndefined();
  });

  it('is undefined for PIDs that cannot be ours', () => {
    expect(processStartTime(0)).toBeUndefined();
    expect(processStartTime(-1)).toBeUndefined();
    expect(processStartTime(2 ** 40)).toBeUndefined();
  });
});
