import { EventEmitter } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeEvent, type StatusEvent } from '../../protocol/status.js';
import type { ActivityChange } from './activity-change.js';
import { tuiSubscription } from './tui-events.js';

describe('the TUI event routing', () => {
  it('keeps heartbeats for the directory and hands everything else on as a change', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tui-events-'));
    const beats: string[] = [];
    const changes: (ActivityChange | undefined)[] = [];
    const local = new EventEmitter<{ event: [StatusEvent] }>();
    const sub = tuiSubscription({ noteHeartbeat: (id) => beats.push(id) }, dir, local)((c) => changes.push(c));
    try {
      local.emit('event', makeEvent('agent.heartbeat', 'a1', {} as never));
      expect(beats).toEqual(['a1']);
      expect(changes).toEqual([]);
      local.emit('event', makeEvent('container.deleted', 'a1', {} as never, 'u1'));
      expect(changes).toEqual([undefined]);
    } finally {
      sub.close();
      rmSync(dir, { recursive: true, force: true });
    }
    local.emit('event', makeEvent('agent.heartbeat', 'a1', {} as never));
    expect(beats).toHaveLength(1);
  });
});
