// The session store's harder paths on real files: cloning a home dir with cp -a,
// a writer killed between temp file and rename, and session locks held by
// this process, by another live process and by a dead one.
import { once } from 'node:events';
import { chmod, lstat, mkdir, readFile, readdir, readlink, stat, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { caught, childScript, ctx, deadPid, exists, exitOf, newStore, startChild, useTempDir, waitForLine } from './store-helpers.js';

useTempDir();

describe('SessionStore.cloneFrom', () => {
  it('copies nested files, symlinks and modes to a fresh session', async () => {
    let now = new Date('2025-01-01T00:00:00.000Z');
    const store = await newStore({ now: () => now });
    const src = await store.create({ name: 'src', port: 4000, protocol: 'udp', dns_name: 'src' });
    const home = store.homeDir(src.uuid);
    await mkdir(join(home, 'a', 'b'), { recursive: true });
    await writeFile(join(home, 'a', 'b', 'note.txt'), 'hello');
    await writeFile(join(home, 'secret'), 's');
    await chmod(join(home, 'secret'), 0o600);
    await writeFile(join(home, 'run.sh'), '#!/bin/sh\n');
    await chmod(join(home, 'run.sh'), 0o755);
    await chmod(join(home, 'a'), 0o700);
    await symlink('a/b/note.txt', join(home, 'link'));
    await symlink('/nonexistent/target', join(home, 'dangling'));

    now = new Date('2025-02-01T00:00:00.000Z');
    const copy = await store.cloneFrom(src.uuid, 'copy');
    expect(copy).toEqual({
      uuid: copy.uuid, name: 'copy', port: 0, protocol: 'udp', dns_name: '',
      created_at: '2025-02-01T00:00:00.000Z', last_accessed: '2025-02-01T00:00:00.000Z',
      cpus: null, memory_bytes: null, egress: 'open', egress_allow: [],
      repo: null, branch: null, workspace: true, resume_fork: true,
    });
    expect(copy.uuid).not.toBe(src.uuid);
    const dst = store.homeDir(copy.uuid);
    expect(await readFile(join(dst, 'a', 'b', 'note.txt'), 'utf8')).toBe('hello');
    expect((await lstat(join(dst, 'link'))).isSymbolicLink()).toBe(true);
    expect(await readlink(join(dst, 'link'))).toBe('a/b/note.txt');
    expect(await readlink(join(dst, 'dangling'))).toBe('/nonexistent/target');
    expect((await stat(join(dst, 'secret'))).mode & 0o777).toBe(0o600);
    expect((await stat(join(dst, 'run.sh'))).mode & 0o777).toBe(0o755);
    expect((await stat(join(dst, 'a'))).mode & 0o777).toBe(0o700);
    expect((await stat(dst)).mode & 0o777).toBe((await stat(home)).mode & 0o777);
    expect(await store.get(copy.uuid)).toEqual(copy);
    expect(await store.get(src.uuid)).toEqual(src);
    // No staging dir is left behind.
    expect((await readdir(ctx.dir)).filter((n) => n.startsWith('.')).sort()).toEqual(['.layout']);
  });

  it('copies a 300-level deep directory', async () => {
    const store = await newStore();
    const src = await store.create({ name: 'deep' });
    const levels = Array.from({ length: 300 }, () => 'd');
    await mkdir(join(store.homeDir(src.uuid), ...levels), { recursive: true });
    await writeFile(join(store.homeDir(src.uuid), ...levels, 'bottom'), 'x');
    const copy = await store.cloneFrom(src.uuid, 'deep2');
    expect(await readFile(join(store.homeDir(copy.uuid), ...levels, 'bottom'), 'utf8')).toBe('x');
  });

  it('validates the name and the source first', async () => {
    const store = await newStore();
    const src = await store.create({ name: 'a' });
    expect((await caught(store.cloneFrom(src.uuid, 'bad name'))).code).toBe('invalid_argument');
    expect((await caught(store.cloneFrom('11111111-2222-4333-8444-555555555555', 'x'))).code).toBe('not_found');
    expect((await store.list()).sessions).toHaveLength(1);
  });
});

describe('crash mid-write', () => {
  it('a writer killed before rename leaves the old session.json intact', async () => {
    const store = await newStore();
    const s = await store.create({ name: 'keep', port: 1234 });
    const path = join(store.sessionDir(s.uuid), 'session.json');
    const before = await readFile(path, 'utf8');
    const script = await childScript(
      'torn-writer',
      `import { writeFileAtomic } from './src/lib/atomic-write.ts';
       await writeFileAtomic(process.argv[2], '{"uuid": "torn', 0o644, {
         beforeRename: (tmp) => new Promise(() => {
           process.stdout.write('paused ' + tmp + '\\n');
           setInterval(() => undefined, 60_000);
         }),
       });`,
    );
    const child = startChild(script, [path]);
    const line = await waitForLine(child, /^paused /);
    const tmp = line.slice('paused '.length);
    expect(await readFile(tmp, 'utf8')).toBe('{"uuid": "torn');
    child.kill('SIGKILL');
    await exitOf(child);
    expect(child.signalCode).toBe('SIGKILL');

    expect(await readFile(path, 'utf8')).toBe(before);
    expect(JSON.parse(before)).toEqual(s);
    expect(await store.get(s.uuid)).toEqual(s);
    // The orphaned temp file is a dotfile in the session dir: list() is not confused by it.
    expect(await exists(tmp)).toBe(true);
    expect(await store.list()).toEqual({ sessions: [s], broken: [], lockFiles: new Set() });
  });
});

describe('session locks', () => {
  it('two concurrent withLock calls: one runs, the other fails at once naming our PID', async () => {
    const store = await newStore();
    const s = await store.create({ name: 'a' });
    let open = () => undefined as void;
    const gate = new Promise<void>((resolve) => {
      open = resolve;
    });
    let ran = 0;
    const work = () => {
      ran++;
      return gate;
    };
    const settle = (p: Promise<void>) =>
      p.then(
        () => 'ran' as const,
        (e: unknown) => e as Error,
      );
    const calls = [settle(store.locks.withLock(s.uuid, work)), settle(store.locks.withLock(s.uuid, work))];
    // The winner is parked on the gate, so whatever settles first is the loser, and it did not wait.
    const loser = await Promise.race(calls);
    expect(loser).toBeInstanceOf(Error);
    expect((loser as Error).message).toBe(`session "${s.uuid}" is locked by pid ${process.pid}`);
    expect(await store.locks.holder(s.uuid)).toBe(process.pid);
    open();
    const outcomes = await Promise.all(calls);
    expect(outcomes.filter((o) => o === 'ran')).toHaveLength(1);
    expect(ran).toBe(1);
    expect(await store.locks.holder(s.uuid)).toBeUndefined();
  });

  it('a lock left by a dead process is cleared', async () => {
    const store = await newStore();
    const s = await store.create({ name: 'a' });
    const pid = await deadPid();
    await writeFile(join(ctx.dir, `${s.uuid}.lock`), `${pid}\n`);
    expect(await store.locks.withLock(s.uuid, () => Promise.resolve('ran'))).toBe('ran');
    expect(await exists(join(ctx.dir, `${s.uuid}.lock`))).toBe(false);
  });

  it('a lock held by another live process refuses us with its PID until it dies', async () => {
    const store = await newStore();
    const s = await store.create({ name: 'a' });
    const script = await childScript(
      'holder',
      `import { LockManager } from './src/agent/sessions/locks.ts';
       const locks = new LockManager({ dir: process.argv[2] });
       await locks.acquire(process.argv[3]);
       process.stdout.write('locked\\n');
       setInterval(() => undefined, 60_000);`,
    );
    const child = startChild(script, [ctx.dir, s.uuid]);
    await waitForLine(child, /^locked$/);
    const err = await caught(store.locks.withLock(s.uuid, () => Promise.resolve()));
    expect(err.code).toBe('locked');
    expect(err.message).toBe(`session "${s.uuid}" is locked by pid ${child.pid}`);
    expect(await store.locks.holder(s.uuid)).toBe(child.pid);

    child.kill('SIGKILL');
    await once(child, 'exit');
    expect(await store.locks.withLock(s.uuid, () => Promise.resolve(1))).toBe(1);
  });

  it('override drops a lock held by a live process', async () => {
    const store = await newStore();
    const s = await store.create({ name: 'a' });
    await writeFile(join(ctx.dir, `${s.uuid}.lock`), `${process.pid}\n`);
    await store.locks.override(s.uuid);
    expect(await store.locks.holder(s.uuid)).toBeUndefined();
  });
});
