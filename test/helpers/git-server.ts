// A real git server for workspace tests: `git daemon` serving bare
// repositories the test makes, listening on an address session containers
// reach (the gateway of their network) and on a port the test owns.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import Docker from 'dockerode';
import { waitFor } from './docker.js';
import { freePort } from './measure.mjs';

const run = promisify(execFile);
const GIT_ENV = { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@t', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@t' };

export interface GitServer {
  /** `git://ADDRESS:PORT/` + a repository name. */
  url(repo: string): string;
  /** A bare repository `name` with branch main (files as given) and branch `feature` one commit ahead. */
  makeRepo(name: string, files: Record<string, string>): Promise<void>;
  stop(): Promise<void>;
}

export async function git(cwd: string, ...args: string[]): Promise<string> {
  return (await run('git', args, { cwd, env: GIT_ENV })).stdout.trim();
}

/** The gateway of a Docker network: how its containers reach this host. */
export async function networkGateway(network: string, docker = new Docker()): Promise<string> {
  const info = (await docker.getNetwork(network).inspect()) as { IPAM?: { Config?: Array<{ Gateway?: string }> } };
  const gw = info.IPAM?.Config?.find((c) => c.Gateway)?.Gateway;
  if (!gw) throw new Error(`network ${network} has no gateway`);
  return gw;
}

export async function startGitServer(address: string): Promise<GitServer> {
  const base = await mkdtemp(join(tmpdir(), 'convocate-git-'));
  const port = await freePort(address);
  let daemon: ChildProcess | undefined = spawn(
    'git',
    ['daemon', '--reuseaddr', '--export-all', `--base-path=${base}`, `--listen=${address}`, `--port=${port}`, base],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let log = '';
  daemon.stderr?.on('data', (b: Buffer) => (log += b.toString()));
  const url = (repo: string) => `git://${address}:${port}/${repo}`;
  const stop = async (): Promise<void> => {
    daemon?.kill('SIGTERM');
    daemon = undefined;
    await rm(base, { recursive: true, force: true });
  };
  try {
    await waitFor(`git daemon on ${address}:${port} (${log.trim()})`, async () => {
      const ok = await new Promise<boolean>((resolve) => {
        const sock = connect({ host: address, port }, () => {
          sock.end();
          resolve(true);
        });
        sock.on('error', () => resolve(false));
      });
      return ok ? true : undefined;
    }, 10_000);
  } catch (err) {
    await stop();
    throw err;
  }
  return {
    url,
    async makeRepo(name, files) {
      const work = await mkdtemp(join(tmpdir(), 'convocate-git-work-'));
      try {
        await git(work, 'init', '--quiet', '--initial-branch=main');
        for (const [path, text] of Object.entries(files)) await writeFile(join(work, path), text);
        await git(work, 'add', '-A');
        await git(work, 'commit', '--quiet', '-m', 'first');
        await git(work, 'checkout', '--quiet', '-b', 'feature');
        await writeFile(join(work, 'feature.txt'), 'on the feature branch\n');
        await git(work, 'add', '-A');
        await git(work, 'commit', '--quiet', '-m', 'feature');
        await git(work, 'checkout', '--quiet', 'main');
        await git(base, 'clone', '--quiet', '--bare', work, join(base, name));
      } finally {
        await rm(work, { recursive: true, force: true });
      }
    },
    stop,
  };
}
