import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readSmallRegularFile, readSmallRegularFileSync, UnsafeFileError } from './small-file.js';

const dir = mkdtempSync(join(tmpdir(), 'small-file-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const file = (name: string, text: string) => {
  writeFileSync(join(dir, name), text);
  return join(dir, name);
};

describe.each([
  ['async', (p: string, max: number) => readSmallRegularFile(p, max)],
  ['sync', async (p: string, max: number) => readSmallRegularFileSync(p, max)],
])('readSmallRegularFile (%s)', (_, read) => {
  it('reads a regular file within the cap, with its stat', async () => {
    const p = file('ok', 'hello');
    const r = await read(p, 5);
    expect(r.bytes.toString()).toBe('hello');
    expect(r.stat.isFile()).toBe(true);
  });

  it('refuses a file over the cap, naming the file and the cap', async () => {
    const p = file('big', 'x'.repeat(6));
    await expect(read(p, 5)).rejects.toThrow('big is larger than 5 bytes');
    await expect(read(p, 5)).rejects.toBeInstanceOf(UnsafeFileError);
  });

  it('never follows a link, even to a readable file', async () => {
    const target = file('target', 'secret');
    const link = join(dir, `link-${_}`);
    symlinkSync(target, link);
    await expect(read(link, 100)).rejects.toThrow(`link-${_} is a symlink`);
  });

  it('refuses a FIFO without blocking, and a directory', async () => {
    const fifo = join(dir, `fifo-${_}`);
    execFileSync('mkfifo', [fifo]);
    await expect(read(fifo, 100)).rejects.toThrow(/is not a regular file/);
    const sub = join(dir, `sub-${_}`);
    mkdirSync(sub);
    await expect(read(sub, 100)).rejects.toThrow(/is not a regular file/);
  });

  it('passes ENOENT through for a missing file', async () => {
    await expect(read(join(dir, 'absent'), 100)).rejects.toMatchObject({ code: 'ENOENT' });
  });
});
