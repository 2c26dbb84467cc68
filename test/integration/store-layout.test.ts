// The session layout on real files: metadata beside the home, out of the
// container's reach, and the move from the first layout (home = session dir,
// session.json inside it), killed with SIGKILL after every step and resumed.
import { lstat, mkdir, readdir, readFile, readlink, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_LIMITS, NO_WORKSPACE, type SessionMeta } from '../../src/protocol/session.js';
import { childScript, ctx, exists, exitOf, newStore, startChild, useTempDir } from './store-helpers.js';

useTempDir();

const A = '0f8fad5b-d9cb-469f-a165-70867728950e';
const B = '7c9e6679-7425-40de-944b-e07fc1f90ae7';

function meta(uuid: string, name: string, port: number): SessionMeta {
  return { uuid, name, port, protocol: 'tcp', dns_name: `${name}.dev`, created_at: '2025-01-01T00:00:00.000Z', last_accessed: '2025-01-02T00:00:00.000Z', ...DEFAULT_LIMITS, ...NO_WORKSPACE };
}

/** A sessions dir as the first layout left it: the home is `<dir>/<uuid>` and holds session.json. */
async function oldLayout(): Promise<void> {
  await mkdir(ctx.dir, { recursive: true });
  for (const [uuid, name, port] of [[A, 'alpha', 4001], [B, 'beta', 4002]] as const) {
    const home = join(ctx.dir, uuid);
    await mkdir(join(home, '.claude', 'projects'), { recursive: true });
    await writeFile(join(home, 'session.json'), JSON.stringify(meta(uuid, name, port)));
    await writeFile(join(home, '.claude', 'projects', 'notes.md'), `notes of ${name}`);
    await writeFile(join(home, '.bash_history'), 'ls\n');
    await mkdir(join(home, 'home')); // a user dir that happens to share the new layout's name
    await writeFile(join(home, 'home', 'x'), 'user file');
    await symlink('.claude/projects/notes.md', join(home, 'notes'));
  }
}

async function expectMigrated(): Promise<void> {
  const store = await newStore();
  const { sessions, broken } = await store.list();
  expect(broken).toEqual([]);
  expect(sessions.map((s) => s.uuid).sort()).toEqual([A, B]);
  for (const [uuid, name, port] of [[A, 'alpha', 4001], [B, 'beta', 4002]] as const) {
    expect(await store.get(uuid)).toEqual(meta(uuid, name, port));
    const home = store.homeDir(uuid);
    expect(home).toBe(join(ctx.dir, uuid, 'home'));
    // Every user file keeps its path relative to the home: the container sees the same /home/convocate.
    expect(await readFile(join(home, '.claude', 'projects', 'notes.md'), 'utf8')).toBe(`notes of ${name}`);
    expect(await readFile(join(home, '.bash_history'), 'utf8')).toBe('ls\n');
    expect(await readFile(join(home, 'home', 'x'), 'utf8')).toBe('user file');
    expect(await readlink(join(home, 'notes'))).toBe('.claude/projects/notes.md');
    // The metadata is no longer in the home.
    expect(await exists(join(home, 'session.json'))).toBe(false);
    expect((await readdir(join(ctx.dir, uuid))).sort()).toEqual(['home', 'session.json']);
  }
  expect((await readdir(ctx.dir)).filter((n) => n.startsWith('.')).sort()).toEqual(['.layout']);
}

describe('session layout', () => {
  it('keeps session.json beside the home: what the container writes in its home changes no metadata', async () => {
    const store = await newStore();
    const s = await store.create({ name: 'mine', port: 4100, dns_name: 'mine' });
    const home = store.homeDir(s.uuid);
    expect((await lstat(home)).isDirectory()).toBe(true);
    await writeFile(join(home, 'session.json'), JSON.stringify({ ...s, port: 22, dns_name: 'github.com' }));
    expect(await store.get(s.uuid)).toEqual(s);
    // A second start (agent restart) does not take the home's file for metadata either.
    const again = await newStore();
    expect(await again.get(s.uuid)).toEqual(s);
    expect((await again.list()).sessions).toEqual([s]);
  });

  it('moves first-layout sessions on the next start without losing or moving a user file', async () => {
    await oldLayout();
    await expectMigrated();
    // A second start finds nothing to do.
    await expectMigrated();
  });

  it.each([1, 2, 3, 4, 5])('resumes after a SIGKILL right after step %i', async (killAfter) => {
    await oldLayout();
    const script = await childScript(
      'migrate-and-die',
      `import { SessionStore } from './src/agent/sessions/store.ts';
       const [dir, step] = [process.argv[2], Number(process.argv[3])];
       const store = new SessionStore({ dir, afterMigrationStep: (n) => {
         if (n === step) { process.stdout.write('dying after ' + n + '\\n'); process.kill(process.pid, 'SIGKILL'); }
       } });
       await store.init();
       process.stdout.write('finished\\n');`,
    );
    const child = startChild(script, [ctx.dir, String(killAfter)]);
    let out = '';
    child.stdout?.on('data', (b: Buffer) => (out += b.toString()));
    await exitOf(child);
    // The kill landed mid-migration: the child never finished and no layout marker was written.
    expect(child.signalCode).toBe('SIGKILL');
    expect(out).toBe(`dying after ${killAfter}\n`);
    expect(await exists(join(ctx.dir, '.layout'))).toBe(false);
    await expectMigrated();
  });

  it('a first-layout session whose session.json the container broke is reported, never dropped', async () => {
    await oldLayout();
    await writeFile(join(ctx.dir, B, 'session.json'), JSON.stringify({ ...meta(B, 'beta', 4002), created_at: 'Jan 1 2020 (\x1b[31mred)' }));
    const store = await newStore();
    const { sessions, broken } = await store.list();
    expect(sessions.map((s) => s.uuid)).toEqual([A]);
    expect(broken).toEqual([{ uuid: B, error: 'session.json: field "created_at" must be an RFC 3339 timestamp' }]);
    expect(await readFile(join(store.homeDir(B), 'home', 'x'), 'utf8')).toBe('user file');
  });
});

describe('uniqueness at start', () => {
  it('refuses a start whose port or DNS name another session holds (e.g. after a first-layout rewrite)', async () => {
    await oldLayout();
    // The container of B rewrote its session.json (first layout) to take A's port and name.
    await writeFile(join(ctx.dir, B, 'session.json'), JSON.stringify({ ...meta(B, 'beta', 4001), dns_name: 'alpha.dev' }));
    const store = await newStore();
    const b = await store.get(B);
    await expect(store.assertUniqueAtStart(b)).rejects.toThrow('port 4001/tcp already in use');
    await expect(store.assertUniqueAtStart({ ...b, port: 0 })).rejects.toThrow('dns name "alpha.dev" already in use');
    await expect(store.assertUniqueAtStart({ ...b, port: 4003, dns_name: 'beta.dev' })).resolves.toBeUndefined();
  });
});
