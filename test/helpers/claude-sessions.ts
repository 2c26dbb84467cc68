// Sessions of a test's embedded agent that run the real Claude Code against
// the Messages API stand-in: Claude instead of the shell other tests use, the
// stand-in's internal network (they reach it and nothing else), and its URL
// and a test key in the session env, set the way an operator sets them.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect } from 'vitest';
import { cliOk } from './cli.js';
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
