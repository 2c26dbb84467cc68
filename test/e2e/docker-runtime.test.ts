// DockerRuntime against the real daemon and the real session image: the
// container contract of SPEC §3, tmux attach through a PTY exec, and timings.
import { randomUUID } from 'node:crypto';
import { chown, mkdir, readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { buildSessionImage } from '../../src/agent/image/build.js';
import { DockerRuntime } from '../../src/agent/runtime/docker-runtime.js';
import { containerName, type RunSpec } from '../../src/agent/runtime/container-runtime.js';
import { ConvocateError } from '../../src/protocol/errors.js';
import {
  dieExitCode,
  dockerClient,
  removeAgentContainers,
  sessionImage,
  tempSessionsDir,
  testAgentId,
  waitFor,
  type TempDir,
} from '../helpers/docker.js';
import { SHELL_SESSION_ENV } from '../helpers/shell-sessions.js';
import { freePort } from '../helpers/measure.mjs';

const docker = dockerClient();
const runtime = new DockerRuntime(docker);
const agentId = testAgentId('runtime');
let sessions: TempDir;

beforeAll(async () => {
  sessions = await tempSessionsDir();
});

afterAll(async () => {
  await removeAgentContainers(agentId, docker);
  await sessions.cleanup();
});

async function newSpec(overrides: Partial<RunSpec> = {}): Promise<RunSpec> {
  const uuid = randomUUID();
  const homeDir = join(sessions.dir, uuid);
  await mkdir(homeDir);
  return { uuid, agentId, image: sessionImage(), homeDir, port: 0, protocol: 'tcp', env: [SHELL_SESSION_ENV], ...overrides };
}

async function startReady(spec: RunSpec): Promise<number> {
  const t0 = performance.now();
  await runtime.run(spec);
  await runtime.waitReady(spec.uuid);
  return performance.now() - t0;
}

async function sh(uuid: string, script: string, user = 'convocate'): Promise<string> {
  const r = await runtime.exec(uuid, ['sh', '-c', script], { user });
  expect(r.exitCode, r.output).toBe(0);
  return r.output.trim();
}

function listen(port = 0): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(port, '0.0.0.0', () => resolve(server));
  });
}

describe('DockerRuntime', () => {
  it('runs a container with the SPEC §3 name, hostname, labels, bind, port and DNS', async () => {
    const port = await freePort();
    const spec = await newSpec({ port, protocol: 'tcp', dnsServer: '10.11.12.13' });
    const ms = await startReady(spec);
    console.log(`run → ready: ${ms.toFixed(0)} ms`);
    const info = await docker.getContainer(containerName(spec.uuid)).inspect();
    expect(info.Name).toBe(`/convocate-session-${spec.uuid}`);
    expect(info.Config.Hostname).toBe(`convocate-${spec.uuid.slice(0, 8)}`);
    expect(info.Config.Labels).toMatchObject({ 'convocate.session': spec.uuid, 'convocate.agent': agentId });
    expect(info.HostConfig.CapDrop).toEqual(['ALL']);
    expect(info.HostConfig.CapAdd).not.toContain('MKNOD');
    expect(info.HostConfig.CapAdd).not.toContain('NET_RAW');
    expect(info.Mounts).toContainEqual(expect.objectContaining({ Source: spec.homeDir, Destination: '/home/convocate', RW: true }));
    expect(info.HostConfig.PortBindings).toEqual({ [`${port}/tcp`]: [{ HostIp: '', HostPort: String(port) }] });
    expect(info.HostConfig.Dns).toEqual(['10.11.12.13']);
    expect(await sh(spec.uuid, 'tmux has-session -t claude && echo yes')).toBe('yes');
    expect(await sh(spec.uuid, 'id -u; id -g; echo $HOME; sudo -n id -u')).toBe('1337\n1337\n/home/convocate\n0');
    await runtime.stop(spec.uuid);
  });

  it('attaches to tmux through a PTY: keys in, output back, resize, clients file', async () => {
    const spec = await newSpec();
    await startReady(spec);
    const clientsFile = join(spec.homeDir, '.convocate-clients');
    expect((await readFile(clientsFile, 'utf8')).trim()).toBe('0');

    const pty = await runtime.execPty(spec.uuid, ['tmux', 'attach-session', '-t', 'claude'], {
      user: 'convocate', cols: 120, rows: 40, env: ['TERM=xterm-256color'],
    });
    let screen = '';
    pty.stream.on('data', (b: Buffer) => (screen += b.toString('utf8')));
    const sizes = (): Promise<string> => sh(spec.uuid, "tmux list-clients -F '#{client_width}x#{client_height}'");
    await waitFor('first resize', async () => ((await sizes()) === '120x40' ? true : undefined));
    await waitFor('clients file = 1', async () => ((await readFile(clientsFile, 'utf8')).trim() === '1' ? true : undefined));

    const marker = `marker-${randomUUID().slice(0, 8)}`;
    // The shell expands $((6*7)), so the echoed result proves the keys ran, not just echoed.
    pty.stream.write(`echo hello-$((6*7))-${marker}\r`);
    await waitFor('marker output', async () => (screen.includes(`hello-42-${marker}`) ? true : undefined));
    // Ctrl-P alone must reach bash at once (Docker's default detach keys would hold it back).
    const typed = `echo hello-$((6*7))-${marker}`;
    const before = screen.split(typed).length;
    pty.stream.write('\x10');
    await waitFor('history recall', async () => (screen.split(typed).length > before ? true : undefined), 3_000);
    pty.stream.write('\x03'); // drop the recalled line

    await pty.resize(90, 30);
    await waitFor('resized client', async () => ((await sizes()) === '90x30' ? true : undefined));

    pty.stream.end();
    const code = await pty.exit;
    expect(typeof code).toBe('number');
    await waitFor('clients file = 0', async () => ((await readFile(clientsFile, 'utf8')).trim() === '0' ? true : undefined));
    expect(await sh(spec.uuid, 'tmux list-clients | wc -l')).toBe('0');
    await runtime.stop(spec.uuid);
  });

  it('a resize sent as soon as the exec starts is not undone by the initial size', async () => {
    const spec = await newSpec();
    await startReady(spec);
    const sizes = (): Promise<string> => sh(spec.uuid, "tmux list-clients -F '#{client_width}x#{client_height}'");
    for (let round = 0; round < 3; round++) {
      const pty = await runtime.execPty(spec.uuid, ['tmux', 'attach-session', '-t', 'claude'], { user: 'convocate', cols: 80, rows: 24 });
      pty.stream.resume();
      await pty.resize(44, 45 + round);
      await waitFor(`round ${round}: client at 44x${45 + round}`, async () => ((await sizes()) === `44x${45 + round}` ? true : undefined));
      pty.stream.write('\x02d');
      await pty.exit;
    }
    await runtime.stop(spec.uuid);
  });

  it('ends the exec when the attached program exits (detach)', async () => {
    const spec = await newSpec();
    await startReady(spec);
    const pty = await runtime.execPty(spec.uuid, ['tmux', 'attach-session', '-t', 'claude'], { user: 'convocate', cols: 80, rows: 24 });
    pty.stream.resume();
    await waitFor('attached', async () => ((await sh(spec.uuid, 'tmux list-clients | wc -l')) === '1' ? true : undefined));
    pty.stream.write('\x02d'); // Ctrl-B d
    expect(await pty.exit).toBe(0);
    await runtime.stop(spec.uuid);
  });

  it('keeps the home dir across stop and run, and the container ends on SIGTERM, not killed when the grace runs out', async () => {
    const spec = await newSpec();
    await startReady(spec);
    await sh(spec.uuid, 'echo kept > ~/note.txt');
    const since = Math.floor(Date.now() / 1000) - 1;
    await runtime.stop(spec.uuid);
    // Docker's exit code tells a container that ended on SIGTERM from one it had
    // to SIGKILL when the grace ran out (137), whatever the machine's load.
    expect(await dieExitCode(containerName(spec.uuid), since)).not.toBe('137');
    expect(await runtime.list()).not.toContainEqual(expect.objectContaining({ uuid: spec.uuid }));
    await startReady(spec);
    expect(await sh(spec.uuid, 'cat ~/note.txt')).toBe('kept');
    await runtime.stop(spec.uuid);
  });

  it('follows a home dir owned by a non-root uid', async () => {
    const spec = await newSpec();
    await chown(spec.homeDir, 4242, 4242);
    await startReady(spec);
    expect(await sh(spec.uuid, 'id -u; touch ~/mine && stat -c %u ~/mine')).toBe('4242\n4242');
    await runtime.stop(spec.uuid);
  });

  it('lists exactly the session containers with one labelled call', async () => {
    const a = await newSpec();
    const b = await newSpec();
    await Promise.all([startReady(a), startReady(b)]);
    await runtime.stop(b.uuid);
    await runtime.run(b); // leftover-free re-run, then stop without removing via the API
    await docker.getContainer(containerName(b.uuid)).stop({ t: 0 });

    // A container of this test's agent that is not a session: it must not be listed.
    const foreign = await docker.createContainer({
      Image: sessionImage(), name: `convocate-test-foreign-${a.uuid.slice(0, 8)}`, Cmd: ['true'], Labels: { 'convocate.agent': agentId },
    });
    const spy = vi.spyOn(docker, 'listContainers');
    const all = await runtime.list().finally(() => foreign.remove({ force: true }));
    expect(spy).toHaveBeenCalledTimes(1);
    spy.mockRestore();
    const ours = all.filter((c) => c.uuid === a.uuid || c.uuid === b.uuid).sort((x, y) => Number(y.running) - Number(x.running));
    expect(ours).toMatchObject([
      { uuid: a.uuid, running: true, image: sessionImage() },
      { uuid: b.uuid, running: false, image: sessionImage() },
    ]);
    // Checked against each container itself, not the query list() wraps (other sessions may share the daemon).
    expect(all.map((c) => c.containerId)).not.toContain(foreign.id);
    for (const spec of [a, b]) {
      const info = await docker.getContainer(containerName(spec.uuid)).inspect();
      expect(ours.find((c) => c.uuid === spec.uuid)?.containerId).toBe(info.Id);
    }
    expect(all.every((c) => /^[0-9a-f-]{36}$/.test(c.uuid))).toBe(true);

    await runtime.run(b); // removes the stopped leftover of the same name
    await runtime.waitReady(b.uuid);
    await Promise.all([runtime.stop(a.uuid), runtime.stop(b.uuid)]);
  });

  it('refuses a port the host already holds, and leaves no container behind', async () => {
    const holder = await listen();
    const address = holder.address();
    if (address === null || typeof address === 'string') throw new Error('no port');
    try {
      const spec = await newSpec({ port: address.port, protocol: 'tcp' });
      const err = await runtime.run(spec).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ConvocateError);
      expect((err as ConvocateError).code).toBe('conflict');
      expect((err as ConvocateError).message).toBe(`port ${address.port}/tcp already in use`);
      expect(await runtime.list()).not.toContainEqual(expect.objectContaining({ uuid: spec.uuid }));
    } finally {
      await new Promise((resolve) => holder.close(resolve));
    }
  });

  it('says how to build a missing image', async () => {
    const spec = await newSpec({ image: 'convocate-session:no-such-tag' });
    await expect(runtime.run(spec)).rejects.toThrow(
      'session image "convocate-session:no-such-tag" not found: run `convocate-agent image build --offline`',
    );
    expect(await runtime.imageExists('convocate-session:no-such-tag')).toBe(false);
    expect(await runtime.imageExists(sessionImage())).toBe(true);
  });

  it('rejects waitReady once the container has exited', async () => {
    const spec = await newSpec();
    await startReady(spec);
    await runtime.exec(spec.uuid, ['tmux', 'kill-server'], { user: 'convocate' });
    const container = docker.getContainer(containerName(spec.uuid));
    await waitFor('container exit', async () => ((await container.inspect()).State.Running ? undefined : true));
    await expect(runtime.waitReady(spec.uuid, 2_000)).rejects.toThrow(/exited before it was ready/);
    await runtime.stop(spec.uuid);
  });

  it('treats stopping an absent container as done', async () => {
    await expect(runtime.stop(randomUUID(), 1)).resolves.toBeUndefined();
  });

  it('explains an unreachable daemon', async () => {
    const broken = new DockerRuntime(new Docker({ socketPath: '/nonexistent/docker.sock' }));
    await expect(broken.ping()).rejects.toThrow(
      /^cannot reach Docker at \/nonexistent\/docker\.sock: .*apt-get install -y docker\.io.*dockerd/,
    );
    await expect(runtime.ping()).resolves.toBeUndefined();
  });

  it('does not rebuild an image that is already there', async () => {
    const lines: string[] = [];
    await buildSessionImage({ tag: sessionImage(), offline: true, force: false, docker, onProgress: (l) => lines.push(l) });
    // Nothing but the one line: no context built, no layer sent (its time is in bench/image.mjs).
    expect(lines).toEqual([`image ${sessionImage()} already present`]);
  });
});
