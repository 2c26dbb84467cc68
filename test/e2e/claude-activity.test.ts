// The real Claude Code in a real session, no internet: the session env points
// it at a Messages API stand-in on an internal network this test creates, and
// the walk of issue 9 is seen three ways — `convocate ls --json`, `convocate
// wait`, and the session.activity events the agent pushes.
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildAgent, type BuiltAgent } from '../../src/agent/build-agent.js';
import { resolveAgentConfig } from '../../src/agent/config/config.js';
import { CONTAINER_USER, TMUX_SESSION } from '../../src/agent/runtime/container-runtime.js';
import type { AttachHandle } from '../../src/protocol/agent-api.js';
import type { Activity } from '../../src/protocol/session.js';
import type { StatusEvent } from '../../src/protocol/status.js';
import { cliEnv, cliOk, runCli, type CliEnv } from '../helpers/cli.js';
import { useClaudeSessions } from '../helpers/claude-sessions.js';
import { requireDocker, sessionImage, waitFor } from '../helpers/docker.js';
import { startMessagesApi, TEST_API_KEY, type MessagesApiStandIn } from '../helpers/messages-api.js';

interface LsRow {
  uuid: string;
  name: string;
  created_at: string;
  running: boolean;
  state: string;
  activity: Activity;
  activity_since: string;
  activity_detail: string;
}

let api: MessagesApiStandIn;
let cli: CliEnv;
let agent: BuiltAgent;
const events: StatusEvent<'session.activity'>[] = [];
let uuid = '';
let handle: AttachHandle | undefined;

beforeAll(async () => {
  await requireDocker();
  api = await startMessagesApi(sessionImage());
  cli = await cliEnv('claude', sessionImage());
  // cliEnv gives sessions a shell; this one runs the image's default, Claude.
  await useClaudeSessions(cli.env, api);
  // The production composition root, in this process, so that its pushed events can be seen.
  agent = await buildAgent(resolveAgentConfig({}, cli.env), {
    emit: (e) => {
      if (e.type === 'session.activity') events.push(e as StatusEvent<'session.activity'>);
    },
  });
}, 300_000);

afterAll(async () => {
  handle?.close();
  agent?.engine.close();
  await cli?.cleanup();
  await api?.stop();
});

async function ls(): Promise<LsRow> {
  const rows = JSON.parse(await cliOk(cli.env, 'ls', '--json')) as LsRow[];
  const row = rows.find((r) => r.uuid === uuid);
  if (!row) throw new Error(`session ${uuid} missing from ls --json`);
  return row;
}

async function waitActivity(activity: Activity, timeoutS = 50): Promise<void> {
  const r = await runCli(['wait', uuid.slice(0, 8), '--for', activity, '--timeout', String(timeoutS)], cli.env);
  if (r.code !== 0) {
    const row = await ls().catch((e: Error) => e.message);
    throw new Error(`wait --for ${activity} exited ${r.code}: ${r.stderr}; ls: ${JSON.stringify(row)}; pane:\n${await pane().catch(() => '')}`);
  }
}

function eventsSince(n: number): Activity[] {
  return events.slice(n).filter((e) => e.session_id === uuid).map((e) => e.data.activity);
}

async function pane(): Promise<string> {
  return (await agent.runtime.exec(uuid, ['tmux', 'capture-pane', '-p', '-t', TMUX_SESSION], { user: CONTAINER_USER })).output;
}

/** Types text, waits until Claude's prompt shows it, then presses Enter (a paste would swallow the Enter). */
async function submit(text: string): Promise<void> {
  handle!.stream.write(text);
  await waitFor(`"${text}" on screen`, async () => ((await pane()).includes(text) ? true : undefined), 15_000);
  handle!.stream.write('\r');
}

describe('Claude Code in a session, seen through its activity', () => {
  it('starts at its prompt: idle', async () => {
    const created = JSON.parse(await cliOk(cli.env, 'new', 'claude-walk', '--json')) as LsRow;
    uuid = created.uuid;
    expect(created.activity).toBe('none');
    await agent.api.call('list', null);
    await agent.api.call('restart', { id: uuid });
    await waitActivity('idle');
    const row = await ls();
    expect(row).toMatchObject({ running: true, activity: 'idle', activity_detail: '' });
    expect(Date.parse(row.activity_since)).toBeGreaterThan(Date.parse(created.created_at));
    await waitFor('an idle event', async () => (eventsSince(0).includes('idle') ? true : undefined), 10_000);
    expect(await pane()).toMatch(/Claude Code/);
  });

  it('a prompt goes working, then idle', async () => {
    handle = await agent.api.attach({ id: uuid, cols: 120, rows: 40 });
    const mark = events.length;
    await submit('say hello');
    await waitFor('working then idle', async () => {
      const seen = eventsSince(mark);
      const w = seen.indexOf('working');
      return w >= 0 && seen.indexOf('idle', w) > w ? true : undefined;
    }, 90_000);
    await waitFor('the answer on screen', async () => ((await pane()).includes('Hello from the stand-in') ? true : undefined), 15_000);
    expect((await ls()).activity).toBe('idle');
    const kinds = (await api.requests()).map((r) => r.kind);
    expect(kinds).toContain('stream:text');
  });

  it('a Bash tool use waits for the operator, with the detail shown', async () => {
    await submit('please RUN_BASH: touch /home/convocate/tool-ran');
    await waitActivity('waiting');
    const row = await ls();
    expect(row.activity).toBe('waiting');
    expect(row.activity_detail).toMatch(/permission/i);
    expect(eventsSince(0)).toContain('waiting');
    expect((await api.requests()).map((r) => r.kind)).toContain('stream:tool_use');
  });

  it('approved, the tool runs in the session and activity returns to idle', async () => {
    const mark = events.length;
    handle!.stream.write('\r');
    await waitFor('the tool to run', async () => (await stat(join(agent.store.homeDir(uuid), 'tool-ran')).then(() => true, () => undefined)), 60_000);
    await waitActivity('idle');
    expect(eventsSince(mark)).toContain('idle');
  });

  it('/exit leaves a shell: exited, the container runs on, and `claude` comes back', async () => {
    const mark = events.length;
    await submit('/exit');
    await waitActivity('exited');
    const row = await ls();
    expect(row).toMatchObject({ running: true, activity: 'exited' });
    expect(eventsSince(mark)).toContain('exited');
    await waitFor('a shell prompt', async () => (/\$ *$/m.test(await pane()) ? true : undefined), 15_000);
    const back = events.length;
    handle!.stream.write('claude\r');
    await waitFor('idle again', async () => (eventsSince(back).includes('idle') ? true : undefined), 60_000);
    expect((await ls()).activity).toBe('idle');
    // Every request went to the stand-in: Claude's HEAD / probe, the turns, the tool use, one title side call.
    const kinds = (await api.requests()).map((r) => r.kind);
    expect(kinds).toEqual(expect.arrayContaining(['probe', 'stream:text', 'stream:title', 'stream:tool_use']));
    expect(kinds.filter((k) => k === 'stream:title')).toHaveLength(1);
    const seeded = JSON.parse(await readFile(join(agent.store.homeDir(uuid), '.claude.json'), 'utf8')) as {
      customApiKeyResponses?: { approved?: string[] };
    };
    expect(seeded.customApiKeyResponses?.approved).toContain(TEST_API_KEY.slice(-20));
  });
});
