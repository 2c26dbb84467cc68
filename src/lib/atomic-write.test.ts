import { mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { writeFileAtomic } from './atomic-write.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'convocate-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('writeFileAtomic', () => {
  it('creates and replaces a file with the given mode', async () => {
    const path = join(dir, 'f.json');
    await writeFileAtomic(path, 'one');
    await writeFileAtomic(path, new TextEncoder().encode('two'), 0o600);
    expect(await readFile(path, 'utf8')).toBe('two');
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    expect(await readdir(dir)).toEqual(['f.json']);
  });

  it('writes through a dot-named temp file in the same directory', async () => {
    const path = join(dir, 'f.json');
    await writeFile(path, 'old');
    let seen = '';
    await writeFileAtomic(path, 'new', 0o644, {
      beforeRename: async (tmp) => {
        seen = tmp;
        expect(await readFile(path, 'utf8')).toBe('old');
        expect(await readFile(tmp, 'utf8')).toBe('new');
      },
    });
    expect(seen).toMatch(new RegExp(`^${dir}/\\.f\\.json\\.${process.pid}\\.[0-9a-f]+\\.tmp$`));
  });

  it('removes the temp file and keeps the old content when a step fails', async () => {
    const path = join(dir, 'f.json');
    await writeFile(path, 'old');
    await expect(
      writeFileAtomic(path, 'new', 0o644, {
        beforeRename: () => {
          throw new Error('interrupted');
        },
      }),
    ).rejects.toThrow('interrupted');
    expect(await readFile(path, 'utf8')).toBe('old');
    expect(await readdir(dir)).toEqual(['f.json']);
  });

  it('fails when the directory does not exist', async () => {
    await expect(writeFileAtomic(join(dir, 'nope', 'f'), 'x')).rejects.toMatchObject({ code: 'ENOENT' });
  });
});
