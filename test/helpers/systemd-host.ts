// Fresh hosts for provisioning tests: containers booting real systemd with
// sshd (published on 127.0.0.1 only) and a nested dockerd on their own volume,
// joined to a network the test creates. The operator side gets an ssh config,
// a test key and a known_hosts file it controls.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import Docker from 'dockerode';
import { ensureHostImage } from './systemd-host-image.js';

const run = promisify(execFile);
export const TEST_LABEL = 'convocate.test.provision';

export interface FreshHost {
  name: string;
  container: Docker.Container;
  /** Its address on the test network. */
  ip: string;
  sshPort: number;
}

export interface HostLab {
  network: string;
  hosts: FreshHost[];
  dir: string;
  sshConfig: string;
  knownHosts: string;
  /** `ssh -F cfg <host> -- cmd` with the lab's config. */
  ssh(host: string, command: string, opts?: { input?: string; allowFail?: boolean; timeoutMs?: number }): Promise<{ code: number; stdout: string; stderr: string }>;
  /** Restart a host's container (a reboot) and wait for systemd and sshd. */
  reboot(host: FreshHost): Promise<void>;
  cleanup(): Promise<void>;
}

export async function startLab(names: string[], docker = new Docker(), log: (l: string) => void = () => undefined): Promise<HostLab> {
  const image = await ensureHostImage(docker, log);
  const tag = randomBytes(4).toString('hex');
  const dir = await mkdtemp(join(tmpdir(), 'convocate-lab-'));
  const network = `convocate-lab-${tag}`;
  const created: { containers: Docker.Container[]; volumes: string[]; network?: Docker.Network } = { containers: [], volumes: [] };
  const cleanup = async () => {
    await Promise.all(created.containers.map((c) => c.remove({ force: true, v: true }).catch(() => undefined)));
    await Promise.all(created.volumes.map((v) => docker.getVolume(v).remove().catch(() => undefined)));
    await created.network?.remove().catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(dir, 'id_ed25519')]);
    await writeFile(join(dir, 'authorized_keys'), await readFile(join(dir, 'id_ed25519.pub'), 'utf8'), { mode: 0o600 });
    created.network = await docker.createNetwork({ Name: network, Labels: { [TEST_LABEL]: tag } });
    const hosts: FreshHost[] = [];
    for (const name of names) {
      const volume = `convocate-lab-${tag}-${name}-docker`;
      await docker.createVolume({ Name: volume, Labels: { [TEST_LABEL]: tag } });
      created.volumes.push(volume);
      const container = await docker.createContainer({
        Image: image,
        name: `convocate-lab-${tag}-${name}`,
        Hostname: name,
        Labels: { [TEST_LABEL]: tag },
        StopSignal: 'SIGRTMIN+3',
        ExposedPorts: { '22/tcp': {} },
        // CgroupnsMode is Engine API 1.41; @types/dockerode does not list it yet.
        HostConfig: {
          ...({ CgroupnsMode: 'private' } as Docker.HostConfig),
          CapAdd: ['SYS_ADMIN', 'NET_ADMIN'],
          SecurityOpt: ['seccomp=unconfined', 'apparmor=unconfined'],
          Tmpfs: { '/sys/fs/cgroup': '', '/run': '', '/run/lock': '' },
          Binds: [`${volume}:/var/lib/docker`, `${join(dir, 'authorized_keys')}:/root/.ssh/authorized_keys:ro`],
          PortBindings: { '22/tcp': [{ HostIp: '127.0.0.1', HostPort: '' }] },
          NetworkMode: network,
        },
      });
      created.containers.push(container);
      await container.start();
      hosts.push({ name, container, ip: '', sshPort: 0 });
    }
    for (const h of hosts) await refresh(h, network);
    const sshConfig = join(dir, 'ssh_config');
    const knownHosts = join(dir, 'known_hosts');
    const writeConfig = () =>
      writeFile(
        sshConfig,
        hosts
          .map((h) => `Host ${h.name}\n  HostName 127.0.0.1\n  Port ${h.sshPort}\n  User root\n  IdentityFile ${join(dir, 'id_ed25519')}\n  IdentitiesOnly yes\n  UserKnownHostsFile ${knownHosts}\n  StrictHostKeyChecking accept-new\n  HostKeyAlias ${h.name}\n  LogLevel ERROR\n`)
          .join('\n'),
      );
    await writeConfig();
    const ssh: HostLab['ssh'] = async (host, command, opts = {}) => {
      const child = execFile('ssh', ['-F', sshConfig, '-o', 'BatchMode=yes', host, '--', command], { timeout: opts.timeoutMs ?? 120_000, maxBuffer: 64 * 1024 * 1024 });
      if (opts.input !== undefined) child.stdin?.end(opts.input);
      else child.stdin?.end();
      let stdout = '';
      let stderr = '';
      child.stdout?.on('data', (b: Buffer) => (stdout += b.toString()));
      child.stderr?.on('data', (b: Buffer) => (stderr += b.toString()));
      const code = await new Promise<number>((resolve) => child.on('close', (c) => resolve(c ?? 128)));
      if (code !== 0 && !opts.allowFail) throw new Error(`ssh ${host} ${command}: exit ${code}: ${stderr.trim()}`);
      return { code, stdout, stderr };
    };
    const ready = async (h: FreshHost) => {
      await waitFor(`${h.name}: systemd running and sshd answering`, async () => {
        const r = await ssh(h.name, 'systemctl is-system-running', { allowFail: true, timeoutMs: 10_000 }).catch(() => undefined);
        const state = r?.stdout.trim();
        return state === 'running' || state === 'degraded' ? state : undefined;
      }, 120_000);
    };
    for (const h of hosts) await ready(h);
    return {
      network,
      hosts,
      dir,
      sshConfig,
      knownHosts,
      ssh,
      reboot: async (h) => {
        await h.container.restart({ t: 20 });
        await refresh(h, network);
        await writeConfig();
        await ready(h);
      },
      cleanup,
    };
  } catch (err) {
    await cleanup();
    throw err;
  }
}

/** Like docker.ts's waitFor, without vitest, so the bench can boot hosts too. */
async function waitFor<T>(what: string, check: () => Promise<T | undefined>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (let attempt = 0; attempt < 100_000 && Date.now() < deadline; attempt++) {
    const value = await check();
    if (value !== undefined) return value;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}

async function refresh(h: FreshHost, network: string): Promise<void> {
  const info = await h.container.inspect();
  h.ip = info.NetworkSettings.Networks[network]?.IPAddress ?? '';
  h.sshPort = Number(info.NetworkSettings.Ports['22/tcp']?.[0]?.HostPort ?? 0);
  if (!h.ip || !h.sshPort) throw new Error(`${h.name}: no address on ${network} or no published ssh port`);
}
