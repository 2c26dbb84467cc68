// The "fresh host" image for provisioning tests: Debian 12 booting real
// systemd with sshd and its own dockerd, made offline with debootstrap and
// imported through the Engine API, cached by a tag derived from the recipe.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmod, mkdtemp, rm, writeFile, mkdir, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type Docker from 'dockerode';

// Everything the e2e walk uses, so that no test ever needs apt at run time.
const PACKAGES = [
  'systemd', 'systemd-sysv', 'dbus', 'openssh-server', 'docker.io', 'iproute2', 'iptables',
  'tmux', 'dnsmasq', 'dnsutils', 'ca-certificates', 'procps', 'sudo', 'xz-utils',
];
const EXCLUDES = ['./var/cache/apt/archives/*.deb', './usr/share/doc/*', './usr/share/man/*', './usr/share/locale/*'];
// Units that have no business in a container (no consoles, no udev, no clock).
const MASKED = [
  'getty@tty1.service', 'console-getty.service', 'systemd-udevd.service', 'systemd-udev-trigger.service',
  'systemd-timesyncd.service', 'apt-daily.timer', 'apt-daily-upgrade.timer',
];
const RECIPE = JSON.stringify({ PACKAGES, EXCLUDES, MASKED, v: 5 });
export const HOST_IMAGE = `convocate-test-host:${createHash('sha256').update(RECIPE).digest('hex').slice(0, 12)}`;

export async function ensureHostImage(docker: Docker, log: (line: string) => void = () => undefined): Promise<string> {
  try {
    await docker.getImage(HOST_IMAGE).inspect();
    return HOST_IMAGE;
  } catch (err) {
    if ((err as { statusCode?: number }).statusCode !== 404) throw err;
  }
  const root = await mkdtemp(join(tmpdir(), 'convocate-testhost-'));
  try {
    log(`debootstrap ${HOST_IMAGE} into ${root}`);
    await run('debootstrap', ['--variant=minbase', `--include=${PACKAGES.join(',')}`, 'bookworm', root], log);
    await prepare(root);
    const tar = spawn('tar', ['--numeric-owner', ...EXCLUDES.map((e) => `--exclude=${e}`), '-C', root, '-c', '.'], { stdio: ['ignore', 'pipe', 'inherit'] });
    const [repo, tag] = HOST_IMAGE.split(':');
    // `changes` is a list the Engine API takes as repeated query keys; dockerode's types omit it.
    const opts = { repo, tag, changes: ['CMD ["/sbin/init"]', 'ENV container=docker'] } as { repo: string };
    const stream = await docker.importImage(tar.stdout, opts);
    await new Promise<void>((resolve, reject) => docker.modem.followProgress(stream, (e: Error | null) => (e ? reject(e) : resolve())));
    return HOST_IMAGE;
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

/** Mask container-hostile units; sshd takes keys only; each host mints its own sshd host keys at boot. */
async function prepare(root: string): Promise<void> {
  // mkdtemp made the root 0700; as `/` that would lock out every unprivileged daemon (dnsmasq, sshd's privsep).
  await chmod(root, 0o755);
  for (const unit of MASKED) await symlink('/dev/null', join(root, 'etc/systemd/system', unit)).catch(() => undefined);
  await writeFile(join(root, 'etc/ssh/sshd_config.d/test.conf'), 'PasswordAuthentication no\nPermitRootLogin prohibit-password\nUseDNS no\n');
  await run('sh', ['-c', `rm -f ${root}/etc/ssh/ssh_host_*`], () => undefined);
  await mkdir(join(root, 'etc/systemd/system/ssh.service.d'), { recursive: true });
  await writeFile(join(root, 'etc/systemd/system/ssh.service.d/keys.conf'), '[Service]\nExecStartPre=\nExecStartPre=/usr/bin/ssh-keygen -A\nExecStartPre=/usr/sbin/sshd -t\n');
  await writeFile(join(root, 'etc/hostname'), 'fresh-host\n');
  await mkdir(join(root, 'root/.ssh'), { recursive: true, mode: 0o700 });
}

function run(cmd: string, args: string[], log: (line: string) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let tail = '';
    const onData = (b: Buffer) => {
      tail = (tail + b.toString()).slice(-2000);
      for (const line of b.toString().split('\n')) if (line.trim()) log(line);
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`${cmd} exited ${code}: ${tail}`))));
  });
}
