// Live fields over real files: the clients file sits in the home dir the
// container writes, so whatever it planted there must not hang or fool the agent.
import { execFileSync } from 'node:child_process';
import { constants } from 'node:fs';
import { open, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CLIENTS_FILE, LiveState } from '../../src/agent/engine/live-state.js';
import { FakeRuntime } from '../../src/agent/runtime/fake-runtime.js';
import type { ListResult } from '../../src/protocol/ops.js';
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
