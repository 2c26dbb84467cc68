// The host's Claude CLI and ~/.claude are shared into every session when the
// agent host has them: the CLI on PATH, the config read-only at ~/.claude-shared.
import { access, constants, realpath, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';
import { CONTAINER_HOME, type BindMount } from './runtime/container-runtime.js';

export async function detectHostMounts(env: NodeJS.ProcessEnv = process.env): Promise<BindMount[]> {
  const mounts: BindMount[] = [];
  const cli = await findOnPath('claude', env.PATH ?? '');
  if (cli) mounts.push({ source: await realpath(cli), target: '/usr/local/bin/claude', readOnly: true });
  const config = join(env.HOME || homedir(), '.claude');
  if (await isDir(config)) mounts.push({ source: config, target: `${CONTAINER_HOME}/.claude-shared`, readOnly: true });
  return mounts;
}

async function findOnPath(name: string, path: string): Promise<string | undefined> {
  for (const dir of path.split(delimiter).filter(Boolean)) {
    const candidate = join(dir, name);
    try {
      await access(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here; keep looking
    }
  }
  return undefined;
}

async function isDir(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch {
    return false;
  }
}
