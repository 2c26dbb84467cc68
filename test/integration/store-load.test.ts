// The store under concurrent load on real files with the real host-port probe:
// 50 creates with port -1 at once get 50 distinct free ports.
import { describe, expect, it } from 'vitest';
import { ctx, useTempDir } from './store-helpers.js';
import { SessionStore } from '../../src/agent/sessions/store.js';

useTempDir();

describe('concurrent creates', () => {
  it('50 creates with port -1 at once: 50 distinct ports, each >= 1001, all listed', async () => {
    const store = new SessionStore({ dir: ctx.dir });
    await store.init();
    const made = await Promise.all(Array.from({ length: 50 }, (_, i) => store.create({ name: `auto-${i}`, port: -1 })));
    const ports = made.map((s) => s.port);
    expect(new Set(ports).size).toBe(50);
    expect(Math.min(...ports)).toBeGreaterThanOrEqual(1001);
    const { sessions, broken } = await store.list();
    expect(broken).toEqual([]);
    expect(new Set(sessions.map((s) => s.port))).toEqual(new Set(ports));
  });
});
