import { mkdir, mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ActivityMonitor } from './monitor.js';
import { ACTIVITY_FILE, type StateRead } from './state-file.js';

let root = '';
let monitor: ActivityMonitor | undefined;
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'convocate-monitor-'));
});
afterEach(async () => {
  monitor?.close();
  await rm(root, { recursive: true, force: true });
});

async function hookWrites(uuid: string, activity: string): Promise<void> {
  const tmp = join(root, uuid, `${ACTIVITY_FILE}.tmp`);
  await writeFile(tmp, `${activity}\n${new Date().toISOString()}\n\n`);
  await rename(tmp, join(root, uuid, ACTIVITY_FILE));
}

async function until(what: string, check: () => boolean): Promise<void> {
  const deadline = Date.now() + 5_000;
  for (let i = 0; i < 1_000 && !check(); i++) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('ActivityMonitor: fs.watch on the homes', () => {
  it('reports each atomic write, and serves the last one from memory', async () => {
    await mkdir(join(root, 'a'));
    const seen: string[] = [];
    monitor = new ActivityMonitor({
      homeDir: (uuid) => join(root, uuid),
      onChange: (_uuid, read: StateRead) => {
        if (read.kind === 'ok') seen.push(read.state.activity);
      },
    });
    expect(await monitor.read('a')).toEqual({ kind: 'absent' });
    await hookWrites('a', 'working');
    await until('working', () => seen.includes('working'));
    await hookWrites('a', 'idle');
    await until('idle', () => seen.at(-1) === 'idle');
    expect(await monitor.read('a')).toMatchObject({ kind: 'ok', state: { activity: 'idle' } });
    expect(monitor.watching).toBe(1);
  });

  it('a burst of writes costs a few reads and ends on the last one', async () => {
    await mkdir(join(root, 'b'));
    let reads = 0;
    let last = '';
    monitor = new ActivityMonitor({
      homeDir: (uuid) => join(root, uuid),
      minGapMs: 50,
      onChange: (_uuid, read) => {
        reads++;
        if (read.kind === 'ok') last = read.state.activity;
      },
    });
    monitor.track('b');
    for (let i = 0; i < 200; i++) await hookWrites('b', i % 2 ? 'working' : 'idle');
    await hookWrites('b', 'waiting');
    await until('the last write', () => last === 'waiting');
    expect(reads).toBeLessThan(100);
  });

  it('caches another file of the home until it changes', async () => {
    await mkdir(join(root, 'e'));
    await writeFile(join(root, 'e', 'clients'), '0');
    monitor = new ActivityMonitor({ homeDir: (uuid) => join(root, uuid), onChange: () => undefined });
    let loads = 0;
    const load = async () => {
      loads++;
      return Number(await readFile(join(root, 'e', 'clients'), 'utf8'));
    };
    expect(await monitor.cached('e', 'clients', load)).toBe(0);
    expect(await monitor.cached('e', 'clients', load)).toBe(0);
    expect(loads).toBe(1);
    await writeFile(join(root, 'e', 'clients'), '2');
    let seen = 0;
    await until('the new count', () => {
      void monitor!.cached('e', 'clients', load).then((n) => (seen = n));
      return seen === 2;
    });
    expect(loads).toBeGreaterThanOrEqual(2);
  });

  it('forgets sessions that are gone', async () => {
    await mkdir(join(root, 'c'));
    await mkdir(join(root, 'd'));
    monitor = new ActivityMonitor({ homeDir: (uuid) => join(root, uuid), onChange: () => undefined });
    monitor.sync(['c', 'd']);
    expect(monitor.watching).toBe(2);
    monitor.sync(['d']);
    expect(monitor.watching).toBe(1);
  });
});
