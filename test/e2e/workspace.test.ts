// Workspaces on real Docker and real git: a session clones its repository
// inside its container as the session user, on its branch; a bad URL leaves
// the session up with the error in its activity; `diff` is computed in the
// running container or a throwaway one with the home read-only and no
// network, so a repository's core.fsmonitor never runs on the agent host.
import { existsSync } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONTAINER_USER } from '../../src/agent/runtime/container-runtime.js';
import { ConvocateError } from '../../src/protocol/errors.js';
import type { Session } from '../../src/protocol/session.js';
import { makeTestAgent, type TestAgent } from '../helpers/agent.js';
import { waitFor } from '../helpers/docker.js';
import { networkGateway, startGitServer, type GitServer } from '../helpers/git-server.js';

let agent: TestAgent;
let server: GitServer;
let hostDir: string;

beforeAll(async () => {
  agent = await makeTestAgent('workspace');
  const network = await agent.runtime.ensureSessionsNetwork!();
  server = await startGitServer(await networkGateway(network));
  await server.makeRepo('app.git', { 'README.md': 'hello\n', 'a.txt': 'one\ntwo\nthree\n' });
  hostDir = await mkdtemp(join(tmpdir(), 'convocate-host-side-'));
}, 120_000);

afterAll(async () => {
  await agent?.cleanup();
  await server?.stop();
  if (hostDir) await rm(hostDir, { recursive: true, force: true });
});

/** A command in the session's container, as the session user, in its workspace. */
async function sh(uuid: string, script: string): Promise<string> {
  const r = await agent.runtime.exec(uuid, ['bash', '-c', `cd /home/convocate/work && ${script}`], { user: CONTAINER_USER });
  if (r.exitCode !== 0) throw new Error(`exit ${r.exitCode}: ${r.output}`);
  return r.output.trim();
}

async function get(uuid: string): Promise<Session> {
  return agent.api.call('get', { id: uuid });
}

async function cloned(uuid: string): Promise<void> {
  await waitFor('the clone', async () => (existsSync(join(agent.store.homeDir(uuid), 'work', '.git', 'convocate-base')) ? true : undefined), 60_000);
}

describe('a session with a repository', () => {
  let uuid = '';

  it('clones it at the first start, inside the container as the session user, on convocate/<name> made from main', async () => {
    const created = await agent.api.call('create', { name: 'ws-app', repo: server.url('app.git') });
    uuid = created.uuid;
    expect(created).toMatchObject({ repo: server.url('app.git'), branch: 'convocate/ws-app', changes_files: null });
    await agent.api.call('restart', { id: uuid });
    await cloned(uuid);
    expect(await sh(uuid, 'git branch --show-current')).toBe('convocate/ws-app');
    expect(await sh(uuid, 'cat README.md')).toBe('hello');
    expect(await sh(uuid, 'git config --get remote.origin.url')).toBe(server.url('app.git'));
    // Written by the container's convocate user (uid 1337), not by the agent (root) on the host.
    const owner = (await stat(join(agent.store.homeDir(uuid), 'work', 'README.md'))).uid;
    expect(owner).toBe(1337);
    // No credential of any kind was written into the repository's config.
    expect(await sh(uuid, 'git config --local --list')).not.toMatch(/credential|token|sshcommand/i);
  });

  it('checks out a branch the remote has when asked', async () => {
    const s = await agent.api.call('create', { name: 'ws-feature', repo: server.url('app.git'), branch: 'feature' });
    await agent.api.call('restart', { id: s.uuid });
    await cloned(s.uuid);
    expect(await sh(s.uuid, 'git branch --show-current')).toBe('feature');
    expect(await sh(s.uuid, 'cat feature.txt')).toBe('on the feature branch');
    // Its base is the branch it was made from: nothing changed yet.
    expect((await agent.api.call('diff', { id: s.uuid, stat: true })).text.trim()).toBe('');
    await agent.api.call('delete', { id: s.uuid });
  });

  it('diff --stat lists a changed, an added and a committed file, running or stopped', async () => {
    await sh(uuid, "printf 'one\\n2\\nthree\\n' > a.txt && printf 'new\\nfile\\n' > added.txt");
    await sh(uuid, "printf 'more\\n' >> README.md && git commit -qam 'readme'");
    const running = await agent.api.call('diff', { id: uuid, stat: true });
    expect(running.truncated).toBe(false);
    expect(running.text).toMatch(/a\.txt/);
    expect(running.text).toMatch(/added\.txt/);
    expect(running.text).toMatch(/README\.md/);
    expect(running.text).toMatch(/3 files changed, 4 insertions\(\+\), 1 deletion\(-\)/);
    const patch = await agent.api.call('diff', { id: uuid });
    expect(patch.text).toMatch(/^\+2$/m);
    expect(patch.text).toMatch(/^\+new$/m);
    // Nothing in the repository was changed by looking: the untracked file is still untracked.
    expect(await sh(uuid, 'git status --porcelain')).toMatch(/^\?\? added\.txt$/m);
    await agent.api.call('kill', { id: uuid });
    const stopped = await agent.api.call('diff', { id: uuid, stat: true });
    expect(stopped.text).toBe(running.text);
  });

  it("the Stop hook's counts become the CHANGES fields, read by list without running git", async () => {
    await agent.api.call('restart', { id: uuid });
    // The image's own hook, run as Claude runs it at the end of a turn.
    await agent.runtime.exec(uuid, ['bash', '-c', `printf '{"hook_event_name":"Stop"}' | convocate-activity --hook`], { user: CONTAINER_USER });
    const s = await waitFor('changes recorded', async () => {
      const row = (await agent.api.call('list', null)).sessions.find((x) => x.uuid === uuid);
      return row?.changes_files !== null ? row : undefined;
    }, 15_000);
    expect(s).toMatchObject({ changes_files: 3, changes_added: 4, changes_removed: 1 });
  });

  it("a repository's core.fsmonitor never runs on the agent host, with the session stopped", async () => {
    const marker = join(hostDir, 'fsmonitor-ran');
    await sh(uuid, `git config core.fsmonitor 'touch ${marker}; false'`);
    await agent.api.call('kill', { id: uuid });
    const d = await agent.api.call('diff', { id: uuid, stat: true });
    expect(d.text).toMatch(/3 files changed/);
    expect(existsSync(marker)).toBe(false);
  });

  it('refuses a bad base, and a session without a repository says so', async () => {
    await expect(agent.api.call('diff', { id: uuid, base: '--output=/etc/x' })).rejects.toThrow(/base .* is invalid/);
    const plain = await agent.api.call('create', { name: 'ws-plain' });
    const err = await agent.api.call('diff', { id: plain.uuid }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConvocateError);
    expect((err as ConvocateError).message).toMatch(/has no repository/);
    expect((await get(plain.uuid)).changes_files).toBeNull();
    await agent.api.call('delete', { id: plain.uuid });
  });
});

describe('a repository that cannot be cloned', () => {
  it('leaves the session up with a shell and the git error in activity_detail; a restart tries again', async () => {
    const s = await agent.api.call('create', { name: 'ws-bad', repo: server.url('missing.git') });
    await agent.api.call('restart', { id: s.uuid });
    const failed = await waitFor('the clone to fail', async () => {
      const row = await get(s.uuid);
      return row.activity === 'exited' ? row : undefined;
    }, 60_000);
    expect(failed.running).toBe(true);
    expect(failed.activity_detail).toMatch(/^clone failed: .*(not found|does not appear|repository|remote)/i);
    expect(await agent.runtime.exec(s.uuid, ['ls', '-A', '/home/convocate/work'], { user: CONTAINER_USER })).toMatchObject({ output: '' });
    // The operator fixes the remote; a restart clones.
    await server.makeRepo('missing.git', { 'fixed.txt': 'here now\n' });
    await agent.api.call('kill', { id: s.uuid });
    await agent.api.call('restart', { id: s.uuid });
    await cloned(s.uuid);
    expect(existsSync(join(agent.store.homeDir(s.uuid), 'work', 'fixed.txt'))).toBe(true);
  });

  it('refuses URLs and branches that could be read as options or carry secrets, and changes nothing', async () => {
    const before = (await agent.api.call('list', null)).sessions.length;
    for (const repo of ['--upload-pack=touch /tmp/x', 'ext::sh -c touch% /tmp/x', 'https://user:secret@example.invalid/r.git', 'file:///etc']) {
      await expect(agent.api.call('create', { name: 'ws-evil', repo })).rejects.toThrow(/repo .* is invalid/);
    }
    await expect(agent.api.call('create', { name: 'ws-evil', repo: server.url('app.git'), branch: '-b' })).rejects.toThrow(/branch .* is invalid/);
    await expect(agent.api.call('create', { name: 'ws-evil', branch: 'main' })).rejects.toThrow(/needs a repo/);
    expect((await agent.api.call('list', null)).sessions.length).toBe(before);
  });
});
