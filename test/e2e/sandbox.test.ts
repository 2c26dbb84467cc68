// Session confinement on real Docker and real iptables (SPEC §3, §8): sessions
// cannot reach each other on the agent's network, nor the agent's ports at any
// host address, while an ordinary host service stays reachable; a fork bomb
// stops at the pids limit and a memory hog dies inside its own limit while a
// neighbour keeps answering; sudo and apt-get still work; and the egress
// policy holds against servers on a network this test creates, its rules gone
// at kill and rebuilt at restart.
import { connect, createServer, type Server } from 'node:net';
import { networkInterfaces } from 'node:os';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { randomBytes } from 'node:crypto';
import type Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SESSIONS_NETWORK, containerName } from '../../src/agent/runtime/container-runtime.js';
import { makeTestAgent, type TestAgent } from '../helpers/agent.js';
import { dockerClient, sessionImage, waitFor } from '../helpers/docker.js';

const execFileP = promisify(execFile);
const TAG = `convocate.test.sandbox`;
const suffix = randomBytes(4).toString('hex');
const NET = `convocate-test-sbx-${suffix}`;
const docker = dockerClient();
const MiB = 1024 ** 2;

let agent: TestAgent;
let agentPort: Server;
let hostService: Server;
const servers: Docker.Container[] = [];
let network: Docker.Network | undefined;

function listen(reply: string): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer((sock) => sock.end(`${reply}\n`));
    server.once('error', reject);
    server.listen(0, '0.0.0.0', () => resolve(server));
  });
}
const portOf = (s: Server) => (s.address() as { port: number }).port;

/** A one-line TCP server in perl (the image has perl, not nc). */
const perlServer = (port: number, reply: string) =>
  `perl -MIO::Socket::INET -e '$s=IO::Socket::INET->new(LocalPort=>${port},Listen=>50,ReuseAddr=>1) or die; while($c=$s->accept){print $c "${reply}\\n"; close $c}'`;

/** Connect from inside a session: prints the server's line and rc=0, rc=1 when refused, rc=124 when silently dropped. */
async function connectFrom(uuid: string, ip: string, port: number, secs = 3): Promise<string> {
  const r = await agent.runtime.exec(uuid, ['bash', '-c', `timeout ${secs} bash -c 'exec 3<>/dev/tcp/${ip}/${port} && head -1 <&3' 2>/dev/null; echo "rc=$?"`], { user: 'convocate' });
  return r.output.trim();
}

async function sh(uuid: string, script: string, user = 'convocate'): Promise<{ exitCode: number; output: string }> {
  return agent.runtime.exec(uuid, ['bash', '-c', script], { user });
}

async function addressOn(name: string, net: string): Promise<{ ip: string; gateway: string }> {
  const info = await docker.getContainer(name).inspect();
  const n = info.NetworkSettings.Networks[net];
  if (!n?.IPAddress) throw new Error(`${name} has no address on ${net}`);
  return { ip: n.IPAddress, gateway: n.Gateway };
}

async function ownRules(uuid: string): Promise<string> {
  const out = await Promise.all(['CONVOCATE-INPUT', 'CONVOCATE-FORWARD'].map((c) => execFileP('iptables', ['-w', '-S', c]).then((r) => r.stdout, () => '')));
  return out.join('').split('\n').filter((l) => l.includes(uuid)).join('\n');
}

async function startServer(name: string, reply: string): Promise<string> {
  const c = await docker.createContainer({
    name: `convocate-test-sbx-${name}-${suffix}`,
    Image: sessionImage(),
    Entrypoint: ['bash', '-c', perlServer(8080, reply)],
    Labels: { [TAG]: suffix },
    HostConfig: { NetworkMode: NET },
  });
  servers.push(c);
  await c.start();
  const info = await c.inspect();
  return info.NetworkSettings.Networks[NET]!.IPAddress;
}

beforeAll(async () => {
  agentPort = await listen('agent');
  hostService = await listen('host-service');
  agent = await makeTestAgent('sandbox', {}, { listen: `0.0.0.0:${portOf(agentPort)}` });
  network = await docker.createNetwork({ Name: NET, CheckDuplicate: true, Labels: { [TAG]: suffix } });
}, 60_000);

afterAll(async () => {
  await agent?.cleanup();
  for (const c of servers) await c.remove({ force: true }).catch(() => undefined);
  await network?.remove().catch(() => undefined);
  agentPort?.close();
  hostService?.close();
}, 60_000);

describe('sessions on the agent network', () => {
  it('run with the capabilities the image needs (sudo and apt-get work), and cannot reach each other', async () => {
    const a = await agent.api.call('create', { name: 'sbx-a' });
    const b = await agent.api.call('create', { name: 'sbx-b' });
    await Promise.all([agent.api.call('restart', { id: a.uuid }), agent.api.call('restart', { id: b.uuid })]);
    const net = await agent.runtime.networkInfo!(SESSIONS_NETWORK);
    expect(net).toMatchObject({ driver: 'bridge', icc: false });

    // CapBnd: only CHOWN DAC_OVERRIDE FOWNER FSETID KILL SETGID SETUID AUDIT_WRITE.
    const caps = await sh(a.uuid, 'grep CapBnd /proc/1/status', 'root');
    expect(caps.output.trim()).toBe('CapBnd:\t00000000200000fb');
    expect((await sh(a.uuid, 'cat /sys/fs/cgroup/pids/pids.max 2>/dev/null || cat /sys/fs/cgroup/pids.max')).output.trim()).toBe('4096');
    const deb = [
      'set -e; d=$(mktemp -d); mkdir -p $d/pkg/DEBIAN $d/pkg/usr/share/sbx',
      'printf "Package: convocate-sbx-probe\\nVersion: 1.0\\nArchitecture: all\\nMaintainer: t <t@t>\\nDescription: probe\\n" > $d/pkg/DEBIAN/control',
      'echo hello > $d/pkg/usr/share/sbx/hello; dpkg-deb --build $d/pkg $d/probe.deb >/dev/null',
      'sudo -n apt-get install -y -qq $d/probe.deb >/dev/null 2>&1 || sudo -n apt-get install -y $d/probe.deb',
      'cat /usr/share/sbx/hello; sudo -n chown convocate /usr/share/sbx/hello; sudo -n apt-get remove -y -qq convocate-sbx-probe >/dev/null; echo removed',
    ].join('\n');
    const apt = await sh(a.uuid, deb);
    expect(apt.output, apt.output).toMatch(/hello\nremoved/);
    expect(apt.exitCode).toBe(0);
    // Forged packets need NET_RAW, device nodes MKNOD: both gone even for root.
    expect((await sh(a.uuid, 'mknod /tmp/dev-probe c 1 3 2>&1; echo rc=$?', 'root')).output).toMatch(/rc=1/);

    const bAddr = await addressOn(containerName(b.uuid), SESSIONS_NETWORK);
    await sh(b.uuid, `nohup ${perlServer(7070, 'b')} >/dev/null 2>&1 &`);
    await waitFor('b listens', async () => ((await connectFrom(b.uuid, '127.0.0.1', 7070)).includes('rc=0') ? true : undefined), 10_000);
    // icc off: the packet is dropped, so the connect times out (refused would mean it got through).
    expect(await connectFrom(a.uuid, bAddr.ip, 7070)).toBe('rc=124');
  }, 180_000);
});

describe('on a network the test makes', () => {
  it('a session cannot reach the agent port at any host address, while an ordinary host service answers', async () => {
    await agent.api.call('settings-set', { network: NET });
    const s = await agent.api.call('create', { name: 'sbx-ports' });
    await agent.api.call('restart', { id: s.uuid });
    const { gateway } = await addressOn(containerName(s.uuid), NET);
    const hostAddrs = Object.values(networkInterfaces()).flat().filter((i) => i && i.family === 'IPv4' && !i.internal).map((i) => i!.address);
    expect(await connectFrom(s.uuid, gateway, portOf(hostService))).toBe('host-service\nrc=0');
    for (const ip of new Set([gateway, ...hostAddrs])) {
      expect(`${ip}: ${await connectFrom(s.uuid, ip, portOf(agentPort))}`).toBe(`${ip}: rc=1`);
      expect(`${ip}: ${await connectFrom(s.uuid, ip, 222)}`).toBe(`${ip}: rc=1`);
    }
    // The listener is really there: the host itself reaches it.
    const local = await new Promise<string>((resolve, reject) => {
      const c = connect(portOf(agentPort), '127.0.0.1');
      let got = '';
      c.on('data', (d: Buffer) => (got += d.toString())).on('end', () => resolve(got.trim())).on('error', reject);
    });
    expect(local).toBe('agent');
  }, 120_000);

  it('a fork bomb stops at the pids limit and a memory hog dies in its own limit; the neighbour keeps answering', async () => {
    await agent.api.call('settings-set', { network: NET, pids_limit: 128 });
    const bomb = await agent.api.call('create', { name: 'sbx-bomb', memory_bytes: 64 * MiB });
    const neighbour = await agent.api.call('create', { name: 'sbx-neighbour' });
    await agent.api.call('restart', { id: bomb.uuid });
    await agent.api.call('restart', { id: neighbour.uuid });
    expect((await sh(bomb.uuid, 'cat /sys/fs/cgroup/pids/pids.max')).output.trim()).toBe('128');
    expect((await sh(bomb.uuid, 'cat /sys/fs/cgroup/memory/memory.limit_in_bytes')).output.trim()).toBe(String(64 * MiB));

    // Bounded fork loop in dash: it reports "Cannot fork" at the limit instead of spinning.
    const fork = await sh(bomb.uuid, 'sh -c \'i=0; while [ $i -lt 400 ]; do sleep 120 </dev/null >/dev/null 2>&1 & i=$((i+1)); done\' 2>&1 | tail -1');
    expect(fork.output).toMatch(/fork/i);
    // Read from outside: inside, nothing more can be forked.
    const stats = (await docker.getContainer(containerName(bomb.uuid)).stats({ stream: false })) as { pids_stats?: { current?: number } };
    expect(stats.pids_stats?.current).toBeGreaterThan(100);
    expect(stats.pids_stats?.current).toBeLessThanOrEqual(128);
    expect((await sh(neighbour.uuid, 'echo alive')).output.trim()).toBe('alive');
    await agent.api.call('kill', { id: bomb.uuid });

    await agent.api.call('restart', { id: bomb.uuid });
    // tail keeps a whole line in memory: 300 MiB without a newline is more than the limit.
    const hog = await sh(bomb.uuid, 'head -c 300m /dev/zero | tail > /dev/null; echo "rc=${PIPESTATUS[1]}"; cat /sys/fs/cgroup/memory/memory.failcnt');
    expect(hog.output).toMatch(/rc=137/);
    expect((await sh(neighbour.uuid, 'echo alive')).output.trim()).toBe('alive');
    expect((await agent.api.call('get', { id: bomb.uuid })).running).toBe(true);
  }, 180_000);

  it('egress none and allow hold against servers on the test network; rules go at kill and come back at restart', async () => {
    await agent.api.call('settings-set', { network: NET, pids_limit: 4096 });
    const x = await startServer('x', 'hi-x');
    const y = await startServer('y', 'hi-y');
    const open = await agent.api.call('create', { name: 'sbx-open' });
    const shut = await agent.api.call('create', { name: 'sbx-none', egress: 'none', port: -1 });
    await agent.api.call('restart', { id: open.uuid });
    await agent.api.call('restart', { id: shut.uuid });
    const { gateway } = await addressOn(containerName(shut.uuid), NET);
    await waitFor('server x', async () => ((await connectFrom(open.uuid, x, 8080)).includes('hi-x') ? true : undefined), 15_000);
    expect(await connectFrom(open.uuid, y, 8080)).toBe('hi-y\nrc=0');

    expect(await connectFrom(shut.uuid, x, 8080)).toBe('rc=1');
    expect(await connectFrom(shut.uuid, gateway, portOf(hostService))).toBe('rc=1');
    // Published port still answers from outside.
    await sh(shut.uuid, `nohup ${perlServer(shut.port, 'published')} >/dev/null 2>&1 &`);
    const published = await waitFor('published port', async () => {
      const r = await execFileP('bash', ['-c', `timeout 3 bash -c 'exec 3<>/dev/tcp/127.0.0.1/${shut.port} && head -1 <&3'`]).catch(() => undefined);
      return r?.stdout.trim() || undefined;
    }, 15_000);
    expect(published).toBe('published');

    expect(await ownRules(shut.uuid)).toContain('REJECT');
    await agent.api.call('kill', { id: shut.uuid });
    expect(await ownRules(shut.uuid)).toBe('');

    await agent.api.call('edit', { id: shut.uuid, egress: 'allow', egress_allow: [x] });
    await agent.api.call('restart', { id: shut.uuid });
    expect(await ownRules(shut.uuid)).toContain(`${x}/32`);
    expect(await connectFrom(shut.uuid, x, 8080)).toBe('hi-x\nrc=0');
    expect(await connectFrom(shut.uuid, y, 8080)).toBe('rc=1');
    await agent.api.call('kill', { id: shut.uuid });
    await agent.api.call('kill', { id: open.uuid });
    expect(await ownRules(shut.uuid)).toBe('');
    expect(await ownRules(open.uuid)).toBe('');
  }, 180_000);
});
