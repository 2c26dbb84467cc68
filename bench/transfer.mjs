// clone --to of a 1 GiB home between two `convocate-agent serve` processes on
// this machine, beside raw `ssh host tar c | ssh other tar x` through a private
// OpenSSH sshd on loopback (the same path: two SSH hops through this host).
import { execFile, spawn } from 'node:child_process';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { randomBytes } from 'node:crypto';
import { transferSession } from '../dist/shell/client/ssh-transfer.js';
import { startAgent } from './agents.mjs';
import { row } from './lib.mjs';
import { freePort } from '../test/helpers/measure.mjs';

const execFileP = promisify(execFile);
const GIB = 1024 ** 3;
const FILES = 16;
const ROUNDS = 3;

async function startSshd(dir) {
  const port = await freePort();
  await execFileP('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(dir, 'host_key')]);
  await execFileP('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(dir, 'client_key')]);
  await execFileP('cp', [join(dir, 'client_key.pub'), join(dir, 'authorized_keys')]);
  await writeFile(join(dir, 'sshd_config'), [`Port ${port}`, 'ListenAddress 127.0.0.1', `HostKey ${join(dir, 'host_key')}`,
    `AuthorizedKeysFile ${join(dir, 'authorized_keys')}`, 'PermitRootLogin prohibit-password', 'PasswordAuthentication no',
    'KbdInteractiveAuthentication no', 'UsePAM no', 'StrictModes no', `PidFile ${join(dir, 'sshd.pid')}`, ''].join('\n'));
  await mkdir('/run/sshd', { recursive: true });
  const sshd = spawn('/usr/sbin/sshd', ['-D', '-e', '-f', join(dir, 'sshd_config')], { stdio: 'ignore' });
  await writeFile(join(dir, 'ssh_config'), ['Host bench', '  HostName 127.0.0.1', `  Port ${port}`, '  User root',
    `  IdentityFile ${join(dir, 'client_key')}`, '  IdentitiesOnly yes', `  UserKnownHostsFile ${join(dir, 'known_hosts')}`,
    '  StrictHostKeyChecking accept-new', ''].join('\n'));
  await chmod(join(dir, 'ssh_config'), 0o600);
  // Bounded wait for the listener.
  for (let i = 0; i < 100; i++) {
    const r = await execFileP('ssh', ['-F', join(dir, 'ssh_config'), 'bench', 'true']).then(() => true, () => false);
    if (r) break;
    await new Promise((res) => setTimeout(res, 100));
  }
  return { config: join(dir, 'ssh_config'), stop: () => sshd.kill('SIGTERM') };
}

const dir = await mkdtemp(join(tmpdir(), 'convocate-bench-transfer-'));
const a = await startAgent('xfer-a', 1);
const b = await startAgent('xfer-b', 0);
const sshd = await startSshd(dir);
try {
  const ca = a.client();
  const cb = b.client();
  const [src] = (await ca.call('list', null)).sessions;
  const home = join(a.sessionsDir, src.uuid, 'home');
  const chunk = randomBytes(1024 * 1024);
  await mkdir(join(home, 'work'), { recursive: true });
  for (let f = 0; f < FILES; f++) {
    const parts = Array.from({ length: GIB / FILES / chunk.length }, () => chunk);
    await writeFile(join(home, 'work', `blob-${f}.bin`), Buffer.concat(parts));
  }
  const raws = [];
  const ours = [];
  for (let r = 0; r < ROUNDS; r++) {
    const dst = join(dir, `raw-${r}`);
    let t = performance.now();
    await execFileP('sh', ['-c', `ssh -F ${sshd.config} bench "tar -C ${home} -cf - ." | ssh -F ${sshd.config} bench "mkdir -p ${dst} && tar -C ${dst} -xf -"`], { maxBuffer: 1024 * 1024 });
    raws.push((performance.now() - t) / 1000);
    await rm(dst, { recursive: true, force: true });
    t = performance.now();
    const copy = await transferSession(ca, cb, src.uuid, { name: `copy-${r}`, move: false });
    ours.push((performance.now() - t) / 1000);
    await cb.call('delete', { id: copy.uuid });
  }
  const med = (v) => [...v].sort((x, y) => x - y)[Math.floor(v.length / 2)];
  const rate = (s) => `${(GIB / 1024 / 1024 / s).toFixed(0)} MiB/s`;
  console.log(`1 GiB home (${FILES} files), ${ROUNDS} rounds interleaved, median:`);
  row('raw ssh tar c | ssh tar x', `${med(raws).toFixed(2)} s`, rate(med(raws)));
  row('convocate clone --to', `${med(ours).toFixed(2)} s`, rate(med(ours)));
  console.log(`clone --to throughput: ${((med(raws) / med(ours)) * 100).toFixed(0)} % of raw (budget >= 80 %)`);
  await ca.close();
  await cb.close();
} finally {
  sshd.stop();
  await a.stop();
  await b.stop();
  await rm(dir, { recursive: true, force: true });
}
