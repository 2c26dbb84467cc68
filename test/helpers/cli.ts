// Runs the built `convocate` binary as a process, the way an operator or a
// script would, with every path pointed at a temp dir.
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const CONVOCATE_BIN = fileURLToPath(new URL('../../dist/bin/convocate.js', import.meta.url));
export const AGENT_BIN = fileURLToPath(new URL('../../dist/bin/convocate-agent.js', import.meta.url));

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface CliEnv {
  root: string;
  env: NodeJS.ProcessEnv;
  cleanup(): Promise<void>;
}

/** Temp config/state/sessions dirs for the embedded local agent and the shell. */
export async function cliEnv(name: string, image: string): Promise<CliEnv> {
  const root = await mkdtemp(join(tmpdir(), `convocate-cli-${name}-`));
  const env = {
    ...process.env,
    CONVOCATE_SESSIONS_DIR: join(root, 'sessions'),
    CONVOCATE_AGENT_CONFIG_DIR: join(root, 'agent'),
    CONVOCATE_CONFIG_DIR: join(root, 'shell'),
    CONVOCATE_STATE_DIR: join(root, 'state'),
    CONVOCATE_IMAGE: image,
  };
  return { root, env, cleanup: () => rm(root, { recursive: true, force: true }) };
}

export function runCli(args: string[], env: NodeJS.ProcessEnv, bin = CONVOCATE_BIN): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = execFile(process.execPath, [bin, ...args], { env, timeout: 60_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
    child.stdin?.end();
  });
}
