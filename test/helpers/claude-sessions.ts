// Sessions of a test's embedded agent that run the real Claude Code against
// the Messages API stand-in: Claude instead of the shell other tests use, the
// stand-in's internal network (they reach it and nothing else), and its URL
// and a test key in the session env, set the way an operator sets them.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect } from 'vitest';
import { cliOk, runCli } from './cli.js';
import { dockerClient, waitFor } from './docker.js';
import { sessionNamed } from './tui-e2e.js';
import { runCliWithInput } from './cli-input.js';
import { TEST_API_KEY, type MessagesApiStandIn } from './messages-api.js';

export async function useClaudeSessions(env: NodeJS.ProcessEnv, api: MessagesApiStandIn): Promise<void> {
  expect(await cliOk(env, 'env', 'unset', 'CONVOCATE_SESSION_COMMAND')).toMatch(/^unset/);
  await mkdir(env.CONVOCATE_AGENT_CONFIG_DIR!, { recursive: true });
  await writeFile(join(env.CONVOCATE_AGENT_CONFIG_DIR!, 'settings.json'), JSON.stringify({ network: api.network }));
  for (const [name, value] of [
    ['ANTHROPIC_BASE_URL', api.url],
    ['ANTHROPIC_API_KEY', TEST_API_KEY],
    ['CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC', '1'],
  ] as const) {
    const r = await runCliWithInput(['env', 'set', name], env, `${value}\n`);
    expect(r.code, r.stderr).toBe(0);
  }
}

/** Keys typed into a session's tmux pane from outside, as a second operator would type them. */
export async function sendKeys(env: NodeJS.ProcessEnv, name: string, ...keys: string[]): Promise<void> {
  const s = await sessionNamed(env, name);
  const exec = await dockerClient().getContainer(`convocate-session-${s.uuid}`).exec({
    Cmd: ['tmux', 'send-keys', '-t', 'claude', ...keys],
    User: 'convocate',
    AttachStdout: true,
    AttachStderr: true,
  });
  const stream = await exec.start({ hijack: true, stdin: false });
  stream.resume();
  await new Promise<void>((resolve, reject) => {
    stream.once('end', resolve);
    stream.once('close', resolve);
    stream.once('error', reject);
  });
}

/** Types a prompt into Claude's input, waits until the pane shows it, then submits it. */
export async function prompt(env: NodeJS.ProcessEnv, name: string, text: string): Promise<void> {
  await sendKeys(env, name, '-l', text);
  await waitFor(`"${text}" in ${name}'s pane`, async () => ((await cliOk(env, 'peek', name)).includes(text) ? true : undefined), 15_000);
  await sendKeys(env, name, 'Enter');
}

/** `convocate wait NAME --for ACTIVITY`, which must succeed within `timeoutS`. */
export async function waitActivity(env: NodeJS.ProcessEnv, name: string, activity: string, timeoutS = 60): Promise<void> {
  const r = await runCli(['wait', name, '--for', activity, '--timeout', String(timeoutS)], env);
  expect(r.code, `wait ${name} --for ${activity}: ${r.stderr}`).toBe(0);
}
