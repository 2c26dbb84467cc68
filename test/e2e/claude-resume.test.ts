// The conversation survives the container: the real Claude Code against the
// Messages API stand-in. A prompt, kill, restart: Claude resumes exactly the
// recorded conversation and the next request carries the earlier turns;
// `restart --fresh` starts anew; a clone resumes a fork (its own id); an id
// that cannot be resumed starts fresh and says so. What the conversation
// used is read from Claude's own transcript and priced from the one table.
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildAgent, type BuiltAgent } from '../../src/agent/build-agent.js';
import { resolveAgentConfig } from '../../src/agent/config/config.js';
import { CONTAINER_USER, TMUX_SESSION } from '../../src/agent/runtime/container-runtime.js';
import type { AttachHandle } from '../../src/protocol/agent-api.js';
import { cliEnv, cliOk, type CliEnv } from '../helpers/cli.js';
import { useClaudeSessions } from '../helpers/claude-sessions.js';
import { requireDocker, sessionImage, waitFor } from '../helpers/docker.js';
import { STAND_IN_USAGE, startMessagesApi, type MessagesApiStandIn } from '../helpers/messages-api.js';
import { CONTEXT_WINDOW_TOKENS, costOf, PRICES_DATE } from '../../src/protocol/prices.js';

let api: MessagesApiStandIn;
let cli: CliEnv;
let agent: BuiltAgent;
let handle: AttachHandle | undefined;
let uuid = '';

beforeAll(async () => {
  await requireDocker();
  api = await startMessagesApi(sessionImage());
  cli = await cliEnv('resume', sessionImage());
  await useClaudeSessions(cli.env, api);
  agent = await buildAgent(resolveAgentConfig({}, cli.env), {});
}, 300_000);

afterAll(async () => {
  handle?.close();
  agent?.engine.close();
  await cli?.cleanup();
  await api?.stop();
});

async function pane(id = uuid): Promise<string> {
  return (await agent.runtime.exec(id, ['tmux', 'capture-pane', '-p', '-t', TMUX_SESSION], { user: CONTAINER_USER })).output;
}

async function conversation(id = uuid): Promise<string> {
  return (await readFile(join(agent.store.homeDir(id), '.convocate-conversation'), 'utf8')).trim();
}

/** Start (restart) the session, attach, and wait for Claude's prompt to be idle. */
async function startAndAttach(id: string, fresh = false): Promise<void> {
  handle?.close();
  await cliOk(cli.env, 'restart', id.slice(0, 8), ...(fresh ? ['--fresh'] : []));
  await waitFor('Claude idle', async () => ((await agent.api.call('get', { id })).activity === 'idle' ? true : undefined), 60_000);
  handle = await agent.api.attach({ id, cols: 120, rows: 40 });
}

/** Types a prompt, waits for it on screen, sends it, and returns the request that carried it. */
async function ask(id: string, text: string): Promise<string[]> {
  handle!.stream.write(text);
  await waitFor(`"${text}" on screen`, async () => ((await pane(id)).includes(text) ? true : undefined), 15_000);
  handle!.stream.write('\r');
  const req = await waitFor(`a request carrying ${text}`, async () => (await api.requests()).find((r) => r.kind === 'stream:text' && r.user.some((u) => u.includes(text))), 60_000);
  await waitFor('Claude idle after the turn', async () => ((await agent.api.call('get', { id })).activity === 'idle' ? true : undefined), 60_000);
  return req.user;
}

describe("Claude's conversation across container restarts", () => {
  it('records the conversation id its SessionStart hook reports', async () => {
    uuid = (JSON.parse(await cliOk(cli.env, 'new', 'resume-me', '--json')) as { uuid: string }).uuid;
    await startAndAttach(uuid);
    const user = await ask(uuid, 'remember MARKER-ONE');
    expect(user.join('\n')).toContain('MARKER-ONE');
    expect(await conversation()).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('kill and restart: the same conversation, and the next request carries the earlier turn', async () => {
    const before = await conversation();
    await cliOk(cli.env, 'kill', uuid.slice(0, 8));
    await startAndAttach(uuid);
    await waitFor('the earlier turn on screen', async () => ((await pane()).includes('MARKER-ONE') ? true : undefined), 20_000);
    const user = await ask(uuid, 'and MARKER-TWO');
    expect(user.join('\n')).toContain('MARKER-ONE');
    expect(await conversation()).toBe(before);
  });

  it("shows what the conversation used, from Claude's transcript: tokens as the API reported them, cost from the table", async () => {
    const model = (await api.requests()).find((r) => r.kind === 'stream:text' && r.user.some((u) => u.includes('MARKER-TWO')))!.model;
    const u = STAND_IN_USAGE;
    const perIn = u.input_tokens + u.cache_creation_input_tokens + u.cache_read_input_tokens;
    const row = await waitFor('usage figures', async () => {
      const rows = JSON.parse(await cliOk(cli.env, 'ls', '--json')) as Array<{ uuid: string; tokens_in: number | null; tokens_out: number | null; cost_usd: number | null; context_percent: number | null }>;
      const r = rows.find((x) => x.uuid === uuid);
      return r && r.tokens_out !== null && r.tokens_out >= 2 * u.output_tokens ? r : undefined;
    }, 20_000);
    // Both turns of this conversation (before and after the restart), each reply counted once.
    const replies = row.tokens_out! / u.output_tokens;
    expect(Number.isInteger(replies) && replies >= 2).toBe(true);
    expect(row.tokens_in).toBe(replies * perIn);
    const each = costOf(model, { input: u.input_tokens, output: u.output_tokens, cacheWrite: u.cache_creation_input_tokens, cacheRead: u.cache_read_input_tokens });
    expect(row.cost_usd).toBeCloseTo(replies * each, 6);
    expect(row.context_percent).toBe(Math.round((perIn / CONTEXT_WINDOW_TOKENS) * 1000) / 10);
    const usage = JSON.parse(await cliOk(cli.env, 'usage', '--json')) as { total: { tokens_in: number }; prices_date: string };
    expect(usage.total.tokens_in).toBeGreaterThanOrEqual(row.tokens_in!);
    expect(usage.prices_date).toBe(PRICES_DATE);
    expect(await cliOk(cli.env, 'usage')).toMatch(/resume-me\s+local\s+\d+\s+\d+\s+\$[\d.]+[\s\S]*as of \d{4}-\d{2}-\d{2}/);
  });

  it('restart --fresh starts a new conversation that carries nothing earlier', async () => {
    const before = await conversation();
    await cliOk(cli.env, 'kill', uuid.slice(0, 8));
    await startAndAttach(uuid, true);
    const user = await ask(uuid, 'fresh MARKER-THREE');
    expect(user.join('\n')).not.toContain('MARKER-ONE');
    expect(await conversation()).not.toBe(before);
  });

  it('a clone resumes a fork of the conversation: the earlier turns, under an id of its own', async () => {
    const source = await conversation();
    const clone = (JSON.parse(await cliOk(cli.env, 'clone', uuid.slice(0, 8), 'resume-clone', '--json')) as { uuid: string }).uuid;
    await startAndAttach(clone);
    const user = await ask(clone, 'clone MARKER-FOUR');
    expect(user.join('\n')).toContain('MARKER-THREE');
    const forked = await conversation(clone);
    expect(forked).not.toBe(source);
    expect(await conversation()).toBe(source);
  });

  it('an id that cannot be resumed starts fresh, and the activity says so', async () => {
    await cliOk(cli.env, 'kill', uuid.slice(0, 8));
    // As the container could: a well-formed id with no transcript behind it.
    await writeFile(join(agent.store.homeDir(uuid), '.convocate-conversation'), '00000000-0000-4000-8000-000000000000\n');
    await startAndAttach(uuid);
    const s = await agent.api.call('get', { id: uuid });
    expect(s.activity_detail).toMatch(/could not be resumed: started a new one/);
    expect(await conversation()).not.toBe('00000000-0000-4000-8000-000000000000');
  });
});
