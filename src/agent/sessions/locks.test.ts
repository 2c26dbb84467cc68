import { mkdtemp, readFile, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConvocateError } from '../../protocol/errors.js';
import { LOCK_MAX_AGE_MS, LockManager, parseLock, parsePid } from './locks.js';

const UUID = '0f8fad5b-d9cb-469f-a165-70867728950e';
const OTHER = 4242;

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'convocate-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Start times of the live PIDs the tests pretend exist. */
const STARTS = new Map([
  [100, '5000'],
  [OTHER, '7000'],
]);

function manager(opts: { alive?: Set<number>; now?: () => Date; pid?: number } = {}): LockManager {
  const alive = opts.alive ?? new Set([OTHER, 100]);
  return new LockManager({
    dir,
    pid: opts.pid ?? 100,
    isPidAlive: (p) => alive.has(p),
    startTimeOf: (p) => (alive.has(p) ? STARTS.get(p) : undefined),
    now: opts.now,
  });
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

async function caught(p: Promise<unknown>): Promise<ConvocateError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ConvocateError);
  return err as ConvocateError;
}

describe('LockManager', () => {
  it('writes our PID and start time into <uuid>.lock and removes it on release', async () => {
    const locks = manager();
    const release = await locks.acquire(UUID);
    expect(await readFile(join(dir, `${UUID}.lock`), 'utf8')).toBe('100 5000\n');
    expect(await locks.holder(UUID)).toBe(100);
    await release();
    expect(await exists(join(dir, `${UUID}.lock`))).toBe(false);
    expect(await locks.holder(UUID)).toBeUndefined();
  });

  it('fails at once, naming the PID, when a live process holds the lock', async () => {
    await writeFile(join(dir, `${UUID}.lock`), `${OTHER}\n`);
    const err = await caught(manager().acquire(UUID));
    expect(err.code).toBe('locked');
    expect(err.message).toBe(`session "${UUID}" is locked by pid ${OTHER}`);
    expect(await readFile(join(dir, `${UUID}.lock`), 'utf8')).toBe(`${OTHER}\n`);
  });

  it('treats a lock held by a dead PID as stale', async () => {
    await writeFile(join(dir, `${UUID}.lock`), '999999\n');
    const locks = manager();
    expect(await locks.holder(UUID)).toBeUndefined();
    expect(await exists(join(dir, `${UUID}.lock`))).toBe(false);
    await writeFile(join(dir, `${UUID}.lock`), '999999\n');
    const release = await locks.acquire(UUID);
    expect(await readFile(join(dir, `${UUID}.lock`), 'utf8')).toBe('100 5000\n');
    await release();
  });

  it('treats a lock whose PID now belongs to a later process as stale (PID reuse)', async () => {
    await writeFile(join(dir, `${UUID}.lock`), `${OTHER} 6999\n`);
    expect(await manager().holder(UUID)).toBeUndefined();
    expect(await exists(join(dir, `${UUID}.lock`))).toBe(false);
  });

  it('keeps a lock whose PID and start time still match, and an older PID-only lock of a live PID', async () => {
    await writeFile(join(dir, `${UUID}.lock`), `${OTHER} 7000\n`);
    expect((await caught(manager().acquire(UUID))).message).toBe(`session "${UUID}" is locked by pid ${OTHER}`);
    await writeFile(join(dir, `${UUID}.lock`), `${OTHER}\n`);
    expect(await manager().holder(UUID)).toBe(OTHER);
  });

  it.each(['garbage', '-5', '0', '12abc', '1.5'])('treats content %j as stale', async (content) => {
    await writeFile(join(dir, `${UUID}.lock`), content);
    const release = await manager().acquire(UUID);
    expect(await readFile(join(dir, `${UUID}.lock`), 'utf8')).toBe('100 5000\n');
    await release();
  });

  it('treats an empty lock file as stale once the writer grace period is over (on the injected clock)', async () => {
    await writeFile(join(dir, `${UUID}.lock`), '');
    let t = Date.now();
    let reads = 0;
    const clock = () => {
      reads++;
      return new Date((t += 1_000));
    };
    expect(await manager({ now: clock }).holder(UUID)).toBeUndefined();
    // The grace period passed on the injected clock: no polling round on the wall clock.
    expect(reads).toBeLessThanOrEqual(3);
  });

  it('treats a live lock older than 24 h as stale (mtime via utimes)', async () => {
    const path = join(dir, `${UUID}.lock`);
    await writeFile(path, `${OTHER}\n`);
    const old = new Date(Date.now() - LOCK_MAX_AGE_MS - 60_000);
    await utimes(path, old, old);
    expect(await manager().holder(UUID)).toBeUndefined();
    expect(await exists(path)).toBe(false);
  });

  it('judges age against the injected clock', async () => {
    await writeFile(join(dir, `${UUID}.lock`), `${OTHER}\n`);
    const young = manager({ now: () => new Date(Date.now() + LOCK_MAX_AGE_MS - 60_000) });
    expect(await young.holder(UUID)).toBe(OTHER);
    const later = manager({ now: () => new Date(Date.now() + LOCK_MAX_AGE_MS + 60_000) });
    const release = await later.acquire(UUID);
    await release();
  });

  it('withLock releases after success and after failure', async () => {
    const locks = manager();
    expect(await locks.withLock(UUID, () => Promise.resolve(7))).toBe(7);
    expect(await exists(join(dir, `${UUID}.lock`))).toBe(false);
    await expect(locks.withLock(UUID, () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(await exists(join(dir, `${UUID}.lock`))).toBe(false);
  });

  it('release after an override leaves the new holder alone', async () => {
    const locks = manager();
    const first = await locks.acquire(UUID);
    await locks.override(UUID);
    const second = await locks.acquire(UUID);
    await first();
    expect(await locks.holder(UUID)).toBe(100);
    await second();
    expect(await locks.holder(UUID)).toBeUndefined();
  });

  it('override removes the lock and is quiet when there is none', async () => {
    await writeFile(join(dir, `${UUID}.lock`), `${OTHER}\n`);
    const locks = manager();
    await locks.override(UUID);
    expect(await exists(join(dir, `${UUID}.lock`))).toBe(false);
    await locks.override(UUID);
  });

  it('refuses a non-UUID before building a path', async () => {
    const locks = manager();
    expect((await caught(locks.acquire('../x'))).code).toBe('invalid_argument');
    expect(() => locks.lockPath('a\0b')).toThrow(ConvocateError);
  });
});

describe('allocation mutex', () => {
  it('runs sections one at a time in this process', async () => {
    const locks = manager();
    let inside = 0;
    let most = 0;
    const section = async () => {
      inside++;
      most = Math.max(most, inside);
      await new Promise((r) => setImmediate(r));
      inside--;
    };
    await Promise.all(Array.from({ length: 20 }, () => locks.withAllocation(section)));
    expect(most).toBe(1);
    expect(await exists(join(dir, '.alloc.lock'))).toBe(false);
  });

  it('keeps going after a section fails', async () => {
    const locks = manager();
    await expect(locks.withAllocation(() => Promise.reject(new Error('x')))).rejects.toThrow('x');
    expect(await locks.withAllocation(() => Promise.resolve('ok'))).toBe('ok');
  });

  it('breaks an allocation lock left by a dead PID', async () => {
    await writeFile(join(dir, '.alloc.lock'), '999999\n');
    expect(await manager().withAllocation(() => Promise.resolve(1))).toBe(1);
  });

  it('gives up with a clear error when a live PID keeps it', async () => {
    await writeFile(join(dir, '.alloc.lock'), `${OTHER}\n`);
    const locks = new LockManager({ dir, pid: 100, isPidAlive: () => true, allocTimeoutMs: 100 });
    const err = await caught(locks.withAllocation(() => Promise.resolve(1)));
    expect(err.code).toBe('unavailable');
    expect(err.message).toContain(`held by pid ${OTHER}`);
  });
});

describe('parseLock', () => {
  it('reads "PID START" and older "PID" files; anything else names no holder', () => {
    expect(parseLock('12 345\n')).toEqual({ pid: 12, start: '345' });
    expect(parseLock('12\n')).toEqual({ pid: 12, start: undefined });
    expect(parseLock('12 x')).toEqual({ pid: undefined, start: undefined });
    expect(parseLock('')).toEqual({ pid: undefined, start: undefined });
  });
});

describe('parsePid', () => {
  it('reads a positive decimal PID with surrounding whitespace', () => {
    expect(parsePid(' 123\n')).toBe(123);
    expect(parsePid('')).toBeUndefined();
    expect(parsePid('99999999999')).toBeUndefined();
  });
});

describe('clearStaleAllocation', () => {
  it('drops an allocation lock of a dead holder and keeps a live one', async () => {
    await writeFile(join(dir, '.alloc.lock'), '999999\n');
    await manager().clearStaleAllocation();
    expect(await exists(join(dir, '.alloc.lock'))).toBe(false);
    await writeFile(join(dir, '.alloc.lock'), `${OTHER} 7000\n`);
    await manager().clearStaleAllocation();
    expect(await exists(join(dir, '.alloc.lock'))).toBe(true);
  });
});
