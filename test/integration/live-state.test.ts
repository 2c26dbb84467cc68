// Live fields over real files: the clients file sits in the home dir the
// container writes, so whatever it planted there must not hang or fool the agent.
import { execFileSync } from 'node:child_process';
import { constants } from 'node:fs';
import { open, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ACTIVITY_FILE } from '../../src/agent/activity/state-file.js';
import { CLIENTS_FILE, LiveState } from '../../src/agent/engine/live-state.js';
import { LockManager } from '../../src/agent/sessions/locks.js';
import { FakeRuntime } from '../../src/agent/runtime/fake-runtime.js';
import type { ListResult } from '../../src/protocol/ops.js';
import type { Session } from '../../src/protocol/session.js';
import { ctx, newStore, useTempDir } from './store-helpers.js';

useTempDir();

/** The complete fake runtime, with every session given started (so running). */
async function fakeRuntime(running: string[], homeOf: (uuid: string) => string): Promise<FakeRuntime> {
  const runtime = new FakeRuntime({ images: ['test'] });
  for (const uuid of running) {
    await runtime.run({ uuid, agentId: 'f1ee0001', image: 'test', homeDir: homeOf(uuid), port: 0, protocol: 'tcp' });
  }
  return runtime;
}

const fifos: string[] = [];
afterEach(async () => {
  // Lets a reader stuck opening a FIFO (the bug under test) finish, so the worker can exit.
  for (const path of fifos.splice(0)) {
    const fh = await open(path, constants.O_RDWR | constants.O_NONBLOCK).catch(() => undefined);
    await fh?.close();
  }
});

function within<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([p, late]).finally(() => clearTimeout(timer));
}

function byUuid(list: ListResult, uuid: string): Session | undefined {
  return list.sessions.find((s) => s.uuid === uuid);
}

/** Lists until `ok` holds, for changes that reach the agent through its watch of the home. */
async function listUntil(live: LiveState, ok: (list: ListResult) => boolean, what: string): Promise<ListResult> {
  const deadline = Date.now() + 5_000;
  for (let i = 0; i < 500; i++) {
    const list = await live.list();
    if (ok(list)) return list;
    if (Date.now() > deadline) break;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`no list showed ${what} within 5 s`);
}

function attachedOf(list: ListResult, uuid: string): boolean | undefined {
  return list.sessions.find((s) => s.uuid === uuid)?.attached;
}

describe('LiveState: the clients file from the container', () => {
  it('counts a regular file', async () => {
    const store = await newStore();
    const s = await store.create({ name: 'a' });
    await writeFile(join(store.homeDir(s.uuid), CLIENTS_FILE), '2\n');
    const live = new LiveState(store, await fakeRuntime([s.uuid], (u) => store.homeDir(u)));
    expect(attachedOf(await live.list(), s.uuid)).toBe(true);
  });

  it('does not follow a symlink out of the home dir', async () => {
    const store = await newStore();
    const s = await store.create({ name: 'a' });
    await writeFile(join(ctx.work, 'outside'), '3\n');
    await symlink(join(ctx.work, 'outside'), join(store.homeDir(s.uuid), CLIENTS_FILE));
    const live = new LiveState(store, await fakeRuntime([s.uuid], (u) => store.homeDir(u)));
    expect(attachedOf(await live.list(), s.uuid)).toBe(false);
  });

  it('answers at once when the file is a FIFO nobody writes', async () => {
    const store = await newStore();
    const s = await store.create({ name: 'a' });
    const path = join(store.homeDir(s.uuid), CLIENTS_FILE);
    execFileSync('mkfifo', [path]);
    fifos.push(path);
    const live = new LiveState(store, await fakeRuntime([s.uuid], (u) => store.homeDir(u)));
    expect(attachedOf(await within(live.list(), 5_000), s.uuid)).toBe(false);
  });
});

describe('LiveState: records kept between lists', () => {
  it('hands back the same frozen record while nothing changed, and shows every change at the next list', async () => {
    const store = await newStore();
    const a = await store.create({ name: 'a' });
    const b = await store.create({ name: 'b' });
    const runtime = await fakeRuntime([], (u) => store.homeDir(u));
    const live = new LiveState(store, runtime);
    const first = await live.list();
    const second = await live.list();
    expect(second.sessions).toHaveLength(2);
    second.sessions.forEach((s, i) => expect(s).toBe(first.sessions[i]));
    expect(Object.isFrozen(first.sessions[0])).toBe(true);

    // Its session.json changed: that record is built again, the other one is kept.
    await store.update(a.uuid, { name: 'a2' });
    const renamed = await live.list();
    expect(byUuid(renamed, a.uuid)).toMatchObject({ name: 'a2', state: '-' });
    expect(byUuid(renamed, b.uuid)).toBe(byUuid(second, b.uuid));

    const release = await new LockManager({ dir: store.dir, pid: process.ppid }).acquire(b.uuid);
    expect(byUuid(await live.list(), b.uuid)?.state).toBe('L');
    await release();
    expect(byUuid(await live.list(), b.uuid)?.state).toBe('-');

    await runtime.run({ uuid: a.uuid, agentId: 'f1ee0001', image: 'test', homeDir: store.homeDir(a.uuid), port: 0, protocol: 'tcp' });
    expect(byUuid(await live.list(), a.uuid)).toMatchObject({ state: 'R', activity: 'unknown' });
    await writeFile(join(store.homeDir(a.uuid), CLIENTS_FILE), '1\n');
    await listUntil(live, (l) => byUuid(l, a.uuid)?.state === 'C', 'the clients file counted');
    await writeFile(join(store.homeDir(a.uuid), ACTIVITY_FILE), `waiting\n${new Date().toISOString()}\nClaude needs your permission\n`);
    await listUntil(live, (l) => byUuid(l, a.uuid)?.activity === 'waiting', 'the hook\'s report');
    expect(byUuid(await live.list(), a.uuid)).toMatchObject({ state: 'C', activity_detail: 'Claude needs your permission' });

    runtime.crash(a.uuid);
    expect(byUuid(await live.list(), a.uuid)).toMatchObject({ state: '-', activity: 'none', attached: false });
  });
});
