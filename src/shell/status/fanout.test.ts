import { mkdtemp, rm } from 'node:fs/promises';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeEvent, type StatusEvent } from '../../protocol/status.js';
import { StatusFanout } from './fanout.js';
import { subscribeStatus } from './subscribe.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'fanout-'));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

async function until(check: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 5_000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('status fan-out', () => {
  it('drops a subscriber that stops reading and keeps serving the others', async () => {
    const logs: string[] = [];
    const fanout = new StatusFanout(join(dir, 'status.sock'), (m) => logs.push(m), 64 * 1024);
    await fanout.listen();
    try {
      const got: StatusEvent[] = [];
      const sub = subscribeStatus(dir, (ev) => got.push(ev));
      const stuck = createConnection(join(dir, 'status.sock'));
      stuck.pause();
      await until(() => fanout.count === 2, 'two subscribers');
      const big = makeEvent('agent.shutdown', 'a', { reason: 'x'.repeat(16 * 1024) });
      for (let i = 0; i < 2_000 && fanout.count === 2; i++) {
        fanout.publish(big);
        await new Promise((r) => setImmediate(r));
      }
      await until(() => fanout.count === 1, 'slow subscriber dropped');
      expect(logs).toContain('status subscriber too slow: dropped');
      fanout.publish(makeEvent('agent.heartbeat', 'a', null));
      await until(() => got.at(-1)?.type === 'agent.heartbeat', 'the reader still served');
      sub.close();
      stuck.destroy();
    } finally {
      await fanout.close();
    }
  });

  it('subscribes quietly when there is no socket yet, and connects once there is', async () => {
    const got: StatusEvent[] = [];
    const sub = subscribeStatus(dir, (ev) => got.push(ev), { retryInitialMs: 10, retryMaxMs: 50 });
    const fanout = new StatusFanout(join(dir, 'status.sock'), () => undefined);
    await fanout.listen();
    try {
      await until(() => fanout.count === 1, 'late connect');
      fanout.publish(makeEvent('agent.heartbeat', 'a', null));
      await until(() => got.length === 1, 'event');
    } finally {
      sub.close();
      await fanout.close();
    }
  });
});
