// A hostile session container on real Docker: as root inside, it rewrites
// everything it can reach in its home (the first layout's metadata path, the
// clients file, an activity file), plants symlinks to /etc/shadow, FIFOs and a
// 1 GB file. The agent's view of its port, protocol, DNS name and timestamps
// does not move, a restart publishes the same port, and nothing outside the
// home is read or written on the host.
import { lstat, mkdtemp, readdir, readFile, readlink, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Session } from '../../src/protocol/session.js';
import { containerName } from '../../src/agent/runtime/container-runtime.js';
import { DockerRuntime } from '../../src/agent/runtime/docker-runtime.js';
import { makeTestAgent, type TestAgent } from '../helpers/agent.js';
import { dockerClient, waitFor } from '../helpers/docker.js';

let agent: TestAgent;

beforeAll(async () => {
  agent = await makeTestAgent('hostile');
});
afterAll(async () => {
  await agent?.cleanup();
});

const HOSTILE = [
  'set -e',
  'cd /home/convocate',
  `printf '%s' '{"uuid":"x","name":"\\033]0;pwned\\007","port":22,"protocol":"udp","dns_name":"github.com","created_at":"Jan 1 2020 (\\033[31mred)","last_accessed":"x"}' > session.json`,
  'printf "garbage\\n\\033[2J999999999\\n" > .convocate-clients',
  `printf '{"activity":"\\033[31mworking","since":"never"}' > .convocate-activity`,
  'ln -sf /etc/shadow shadow-link',
  'mkfifo fifo-trap',
  'truncate -s 1G big.bin',
].join('\n');

describe('a hostile container', () => {
  it('cannot move its port, protocol, DNS name or timestamps, nor reach a host file outside its home', async () => {
    const created = await agent.api.call('create', { name: 'hostile', port: -1, protocol: 'tcp', dns_name: 'hostile.test' });
    await agent.api.call('restart', { id: created.uuid });
    const before = await agent.api.call('get', { id: created.uuid });
    const metaPath = join(agent.sessionsDir, created.uuid, 'session.json');
    const metaBefore = await readFile(metaPath, 'utf8');
    const shadowBefore = await stat('/etc/shadow');

    const r = await agent.runtime.exec(created.uuid, ['sh', '-c', HOSTILE], { user: 'root' });
    expect(r.exitCode, r.output).toBe(0);
    const home = agent.store.homeDir(created.uuid);
    expect((await lstat(join(home, 'shadow-link'))).isSymbolicLink()).toBe(true);
    expect((await lstat(join(home, 'fifo-trap'))).isFIFO()).toBe(true);

    const pick = (s: Session) => ({ port: s.port, protocol: s.protocol, dns_name: s.dns_name, created_at: s.created_at, name: s.name });
    const after = await agent.api.call('get', { id: created.uuid });
    expect(pick(after)).toEqual(pick(before));
    const listed = await agent.api.call('list', null);
    expect(listed.broken).toEqual([]);
    expect(pick(listed.sessions.find((s) => s.uuid === created.uuid)!)).toEqual(pick(before));

    // A kill and a restart start from the agent's metadata: the same port is published.
    await agent.api.call('kill', { id: created.uuid });
    await agent.api.call('restart', { id: created.uuid });
    const info = await dockerClient().getContainer(containerName(created.uuid)).inspect();
    expect(Object.keys(info.HostConfig.PortBindings ?? {})).toEqual([`${before.port}/tcp`]);
    expect(pick(await agent.api.call('get', { id: created.uuid }))).toEqual(pick(before));
    const started = agent.events.filter((e) => e.type === 'container.started' && e.session_id === created.uuid);
    for (const e of started) expect(e.data).toMatchObject({ port: before.port, dns_name: 'hostile.test' });

    // Nothing outside the home was written: the session dir holds what the agent put there.
    expect((await readdir(join(agent.sessionsDir, created.uuid))).sort()).toEqual(['home', 'session.json']);
    expect(JSON.parse(await readFile(metaPath, 'utf8'))).toMatchObject({ port: before.port, dns_name: 'hostile.test' });
    expect(JSON.parse(await readFile(metaPath, 'utf8')).created_at).toBe(JSON.parse(metaBefore).created_at);
    expect((await stat('/etc/shadow')).mtimeMs).toBe(shadowBefore.mtimeMs);

    // A clone copies links as links and the FIFO as a FIFO: it never opens them.
    const clone = await agent.api.call('clone', { source_id: created.uuid, name: 'hostile-copy' });
    const cloneHome = agent.store.homeDir(clone.uuid);
    expect(await readlink(join(cloneHome, 'shadow-link'))).toBe('/etc/shadow');
    expect((await lstat(join(cloneHome, 'fifo-trap'))).isFIFO()).toBe(true);
    expect(clone).toMatchObject({ port: 0, dns_name: '' });
  });

  // The agent's own files in the home (activity, clients) turned into links to host files whose
  // content would show if read: what the agent reports proves it did not read them.
  it('never reads a host file through a link at a name the agent reads', async () => {
    const secrets = await mkdtemp(join(tmpdir(), 'hostile-secrets-'));
    try {
      await writeFile(join(secrets, 'activity'), `working\n${new Date().toISOString()}\nHOST-SECRET-DETAIL\n`);
      await writeFile(join(secrets, 'clients'), '5\n');
      const s = await agent.api.call('create', { name: 'linker' });
      await agent.api.call('restart', { id: s.uuid });
      const detailOf = async () => (await agent.api.call('list', null)).sessions.find((x) => x.uuid === s.uuid);
      const sh = async (script: string) => {
        const r = await agent.runtime.exec(s.uuid, ['sh', '-c', `set -e; cd /home/convocate; ${script}`], { user: 'root' });
        expect(r.exitCode, r.output).toBe(0);
      };
      // Control: a regular activity file at the same name is read.
      await sh(`printf 'working\\n%s\\nCONTROL-DETAIL\\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" > .convocate-activity.new && mv .convocate-activity.new .convocate-activity`);
      await waitFor('the control detail', async () => ((await detailOf())?.activity_detail === 'CONTROL-DETAIL' ? true : undefined), 30_000);
      await sh(`ln -sfn ${join(secrets, 'activity')} .convocate-activity; ln -sfn ${join(secrets, 'clients')} .convocate-clients`);
      const seen = await waitFor('the agent to read the linked files', async () => {
        const now = await detailOf();
        return now && now.activity_detail !== 'CONTROL-DETAIL' ? now : undefined;
      }, 30_000);
      expect(seen.activity_detail).not.toContain('HOST-SECRET');
      expect(seen.activity).not.toBe('working');
      expect(seen.attached).toBe(false);
    } finally {
      await rm(secrets, { recursive: true, force: true });
    }
  });

  it('cannot flood the agent through an exec: output is capped and a stuck exec times out', async () => {
    const s = await agent.api.call('create', { name: 'flood' });
    await agent.api.call('restart', { id: s.uuid });
    const runtime = new DockerRuntime(undefined, { execOutputMaxBytes: 64 * 1024, execTimeoutMs: 1_000 });
    const flood = await runtime.exec(s.uuid, ['sh', '-c', 'yes flood | head -c 50000000'], { user: 'convocate' });
    expect(flood.output.length).toBe(64 * 1024);
    await expect(runtime.exec(s.uuid, ['sleep', '600'], { user: 'convocate' })).rejects.toThrow(/did not finish within 1000 ms/);
  });
});
