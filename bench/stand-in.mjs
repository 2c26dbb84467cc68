// For the benchmarks that start the real Claude: an internal Docker network
// with the Messages API stand-in on it (as the e2e tests run it) and a
// `git daemon` container serving a host directory, so sessions on that
// network reach both and nothing else.
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { docker, image } from './lib.mjs';

const SERVER = fileURLToPath(new URL('../test/helpers/messages-api-server.mjs', import.meta.url));
const LABEL = 'convocate.bench.stand-in';
/** A key of the shape Claude Code accepts; it never leaves the bench network. */
export const BENCH_API_KEY = `sk-ant-api03-standin-${'x'.repeat(60)}-${'0123456789abcdefghij'}`;

async function addressOn(container, network, what) {
  for (let i = 0; i < 300; i++) {
    const info = await container.inspect();
    const ip = info.NetworkSettings.Networks[network]?.IPAddress;
    if (!info.State.Running) throw new Error(`${what} exited`);
    if (ip) return ip;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${what} has no address on ${network}`);
}

/** Waits (bounded) until `host:port` accepts a connection, probed from inside `container`. */
async function waitListening(container, host, port, what) {
  for (let i = 0; i < 300; i++) {
    const exec = await container.exec({ Cmd: ['bash', '-c', `exec 3<>/dev/tcp/${host}/${port}`], User: 'root' });
    await exec.start({ Detach: true });
    for (let j = 0; j < 50; j++) {
      const r = await exec.inspect();
      if (!r.Running) {
        if (r.ExitCode === 0) return;
        break;
      }
      await new Promise((res) => setTimeout(res, 20));
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${what} does not listen on ${port}`);
}

/** The stand-in and a git daemon serving `gitBase` (read-only) on a network of their own. */
export async function startStandInAndGit(gitBase) {
  const suffix = `${process.pid}-${randomBytes(3).toString('hex')}`;
  const network = `convocate-bench-api-${suffix}`;
  const labels = { [LABEL]: suffix };
  const net = await docker.createNetwork({ Name: network, Internal: true, Labels: labels });
  const started = [];
  const stop = async () => {
    await Promise.all(started.map((c) => c.remove({ force: true }).catch(() => undefined)));
    await net.remove().catch(() => undefined);
  };
  try {
    const api = await docker.createContainer({
      name: `convocate-bench-api-${suffix}`,
      Image: image,
      Entrypoint: ['/usr/local/bin/node', '/stand-in/server.mjs'],
      Env: ['PORT=8080'],
      User: 'nobody',
      Labels: labels,
      HostConfig: {
        NetworkMode: network,
        Mounts: [
          { Type: 'bind', Source: process.execPath, Target: '/usr/local/bin/node', ReadOnly: true },
          { Type: 'bind', Source: SERVER, Target: '/stand-in/server.mjs', ReadOnly: true },
        ],
      },
    });
    started.push(api);
    // Root in its own container: the served repository is root's, and git refuses another owner's.
    const git = await docker.createContainer({
      name: `convocate-bench-git-${suffix}`,
      Image: image,
      Entrypoint: ['git', 'daemon', '--reuseaddr', '--export-all', '--base-path=/srv', '--listen=0.0.0.0', '--port=9418', '/srv'],
      User: 'root',
      Labels: labels,
      HostConfig: { NetworkMode: network, Mounts: [{ Type: 'bind', Source: gitBase, Target: '/srv', ReadOnly: true }] },
    });
    started.push(git);
    await Promise.all([api.start(), git.start()]);
    const [apiIp, gitIp] = await Promise.all([addressOn(api, network, 'the stand-in'), addressOn(git, network, 'git daemon')]);
    // Both probed from the git container (the stand-in runs as nobody with no shell of its own).
    await waitListening(git, '127.0.0.1', 9418, 'git daemon');
    await waitListening(git, apiIp, 8080, 'the stand-in');
    return { network, url: `http://${apiIp}:8080`, key: BENCH_API_KEY, gitUrl: (repo) => `git://${gitIp}:9418/${repo}`, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
