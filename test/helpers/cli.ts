// Runs the built `convocate` binary as a process, the way an operator or a
// script would, with every path pointed at a temp dir.
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import { removeAgentContainers } from './docker.js';
import { useShellSessions } from './shell-sessions.js';

export const CONVOCATE_BIN = fileURLToPath(new URL('../../dist/bin/convocate.js', import.meta.url));
export { AGENT_BIN } from './agent-serve.mjs';

/** The documented `--json` keys, in order: new keys are only ever appended. */
export const JSON_KEYS = [
  'uuid', 'name', 'port', 'protocol', 'dns_name', 'created_at', 'last_accessed',
  'running', 'attached', 'agent_id', 'agent_host', 'state',
  'activity', 'activity_since', 'activity_detail', 'cpu_percent', 'mem_bytes',
  'repo', 'branch', 'cpus', 'memory_bytes', 'egress', 'egress_allow',
  'changes_files', 'changes_added', 'changes_removed',
  'tokens_in', 'tokens_out', 'cost_usd', 'context_percent',
];

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

/** Temp config/state/sessions dirs for the embedded local agent and the shell; sessions run a login shell. */
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
  await useShellSessions(env.CONVOCATE_AGENT_CONFIG_DIR);
  return {
    root,
    env,
    // The embedded agent labels its containers with the id it minted under root.
    cleanup: async () => {
      const agentId = (await readFile(join(root, 'agent', 'agent-id'), 'utf8').catch(() => '')).trim();
      if (agentId) await removeAgentContainers(agentId);
      await rm(root, { recursive: true, force: true });
    },
  };
}

/** Runs the CLI and returns its stdout; any non-zero exit is a test failure with its stderr. */
export async function cliOk(env: NodeJS.ProcessEnv, ...args: string[]): Promise<string> {
  const r = await runCli(args, env);
  if (r.code !== 0) throw new Error(`convocate ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
  return r.stdout;
}

/** Expects a failure: non-zero exit, nothing on stdout, exactly one stderr line matching `message`. */
export async function cliFails(env: NodeJS.ProcessEnv, args: string[], message: RegExp): Promise<string> {
  const r = await runCli(args, env);
  expect(r.code).not.toBe(0);
  expect(r.stdout).toBe('');
  const lines = r.stderr.trim().split('\n');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(message);
  return lines[0]!;
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
