// The built `convocate` against two `convocate-agent serve` processes on
// loopback, over SSH: the scripting CLI across agents (agent stamps, --agent,
// ids by name and uuid prefix, ambiguity across agents), then the TUI in a
// real pty (agent picker, attach over SSH, and one agent dying mid-session).
import { SHELL_PROMPT } from '../helpers/shell-sessions.js';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Session } from '../../src/protocol/session.js';
import { freePort } from '../helpers/measure.mjs';
import { startAgentProcess, type AgentProcess } from '../helpers/agent-process.js';
import { JSON_KEYS, cliEnv, cliFails, cliOk, type CliEnv } from '../helpers/cli.js';
import { requireDocker, sessionImage } from '../helpers/docker.js';
import { fits, lsJson, ptyEnv, rowOf, select, tuiCommand, waitForState } from '../helpers/tui-e2e.js';
import { TuiPty } from '../helpers/tui-pty.js';

const run = promisify(execFile);
const PROMPT = SHELL_PROMPT;

let ctx: CliEnv;
let agentA: AgentProcess;
let agentB: AgentProcess;
let pty: TuiPty | undefined;

const hostOf = (a: AgentProcess) => `${a.host}:${a.port}`;

/** The agent process's pid, found by its own temp config dir (unique to it). */
async function pidOf(a: AgentProcess): Promise<number> {
  const { stdout } = await run('pgrep', ['-f', '--', `--config-dir ${a.configDir}`]);
  const pids = stdout.split('\n').filter(Boolean).map(Number);
  expect(pids).toHaveLength(1);
  return pids[0]!;
}

const ok = (...args: string[]) => cliOk(ctx.env, ...args);

async function okJson(...args: string[]): Promise<Session> {
  const s = JSON.parse(await ok(...args, '--json')) as Session;
  expect(Object.keys(s)).toEqual(JSON_KEYS);
  return s;
}

const fails = (args: string[], message: RegExp) => cliFails(ctx.env, args, message);

beforeAll(async () => {
  await requireDocker();
  ctx = await cliEnv('tui-ssh', sessionImage());
  const [x, y] = await Promise.all([
    startAgentProcess('tui-a', { host: '127.0.0.2' }),
    startAgentProcess('tui-b', { host: '127.0.0.3' }),
  ]);
  // The shell lists agents by id; A is the one listed first.
  [agentA, agentB] = x.agentId < y.agentId ? [x, y] : [y, x];
  await agentA.registerIn(ctx.env.CONVOCATE_CONFIG_DIR!);
  await agentB.registerIn(ctx.env.CONVOCATE_CONFIG_DIR!);
});
afterEach(async (t) => {
  if (t.task.result?.state !== 'fail') return;
  if (pty) console.error(`screen at failure:\n${await pty.screen().catch(() => '')}`);
  console.error(`agent A log:\n${agentA?.log()}\nagent B log:\n${agentB?.log()}`);
});
afterAll(async () => {
  await pty?.close();
  await Promise.all([agentA?.cleanup(), agentB?.cleanup()]);
  await ctx?.cleanup();
});

describe('the scripting CLI over SSH to two agents', () => {
  it('new --agent creates there; ls --json stamps agent_id and agent_host', async () => {
    expect(await lsJson(ctx.env)).toEqual([]);
    const s = await okJson('new', 'first', '--agent', agentA.agentId);
    expect(s).toMatchObject({ name: 'first', state: '-', agent_id: agentA.agentId, agent_host: hostOf(agentA) });
    const t = await okJson('new', 'second', '--agent', agentB.agentId, '--port', '-1');
    expect(t).toMatchObject({ name: 'second', agent_id: agentB.agentId, agent_host: hostOf(agentB) });
    expect(t.port).toBeGreaterThanOrEqual(1001);

    const list = await lsJson(ctx.env);
    for (const row of list) expect(Object.keys(row)).toEqual(JSON_KEYS);
    const byName = Object.fromEntries(list.map((r) => [r.name, r]));
    expect(byName.first).toMatchObject({ uuid: s.uuid, agent_id: agentA.agentId, agent_host: hostOf(agentA) });
    expect(byName.second).toMatchObject({ uuid: t.uuid, agent_id: agentB.agentId, agent_host: hostOf(agentB) });
    expect(await ok('ls')).toMatch(new RegExp(`first\\s+${agentA.agentId}`));
  });

  it('new without --agent names the agents to choose from', async () => {
    await fails(
      ['new', 'nowhere'],
      new RegExp(`^convocate: several agents registered: pick one with --agent \\(${agentA.agentId}, ${agentB.agentId}\\)$`),
    );
    await fails(['new', 'nowhere', '--agent', 'elsewhere'], /^convocate: agent "elsewhere" not found/);
  });

  it('restart, bg, kill, override, clone, edit and rm work by name and by uuid prefix on the right agent', async () => {
    const s = await okJson('new', 'ops', '--agent', agentB.agentId);
    const prefix = s.uuid.slice(0, 8);
    expect(await ok('restart', 'ops')).toBe(`restart: ops (${prefix}) R\n`);
    await fails(['restart', prefix], /^convocate: session is already running$/);
    expect(await ok('bg', prefix)).toBe(`background: ops (${prefix}) R\n`);
    expect(await ok('kill', prefix)).toBe(`kill: ops (${prefix}) -\n`);
    expect(await ok('override', 'ops')).toBe(`override: ops (${prefix}) -\n`);

    const clone = await okJson('clone', prefix, 'ops-copy');
    expect(clone).toMatchObject({ name: 'ops-copy', port: 0, state: '-', agent_id: agentB.agentId, agent_host: hostOf(agentB) });
    const port = await freePort();
    const edited = await okJson('edit', prefix, '--name', 'ops-renamed', '--port', String(port), '--proto', 'udp');
    expect(edited).toMatchObject({ uuid: s.uuid, name: 'ops-renamed', port, protocol: 'udp', agent_id: agentB.agentId });

    expect(await ok('rm', 'ops-renamed', '--yes')).toBe(`deleted: ops-renamed (${s.uuid})\n`);
    expect(await ok('rm', clone.uuid.slice(0, 8), '--yes')).toBe(`deleted: ops-copy (${clone.uuid})\n`);
    const left = (await lsJson(ctx.env)).map((r) => r.uuid);
    expect(left).not.toContain(s.uuid);
    expect(left).not.toContain(clone.uuid);
  });

  it('the same name on both agents is ambiguous and lists both; an unknown id is not found', async () => {
    const a = await okJson('new', 'twin', '--agent', agentA.agentId);
    const b = await okJson('new', 'twin', '--agent', agentB.agentId);
    const line = await fails(['kill', 'twin'], /^convocate: "twin" is ambiguous: matches /);
    expect(line).toContain(`${a.uuid.slice(0, 8)} (twin on ${agentA.agentId})`);
    expect(line).toContain(`${b.uuid.slice(0, 8)} (twin on ${agentB.agentId})`);
    await fails(['kill', 'no-such-session'], /^convocate: session "no-such-session" not found$/);
    await fails(['rm', 'twin', '--yes'], /is ambiguous/);
    // Each is still reachable by its own uuid prefix.
    await ok('rm', a.uuid.slice(0, 8), '--yes');
    await ok('rm', b.uuid.slice(0, 8), '--yes');
  });
});

describe('the TUI over SSH to two agents', () => {
  it('N asks for the agent first; the session is created on the one picked', async () => {
    pty = await TuiPty.start(tuiCommand(), { cols: 120, rows: 40, env: ptyEnv(ctx.env) });
    await pty.waitFor((s) => rowOf(s, 'first') !== undefined && rowOf(s, 'second') !== undefined, 'the CLI sessions', 30_000);
    await pty.type('N');
    await pty.waitForText('New session on which agent?');
    await pty.waitForText(new RegExp(`> ${agentA.agentId}\\s+${hostOf(agentA)}`));
    await pty.keys('Down');
    await pty.waitForText(new RegExp(`> ${agentB.agentId}\\s+${hostOf(agentB)}`));
    await pty.keys('Enter');
    await pty.waitForText(`New session on agent ${agentB.agentId}`);
    await pty.type('remote');
    await pty.keys('Enter');
    const screen = await waitForState(pty, 'remote', '-', 15_000);
    expect(rowOf(screen, 'remote')!.line).toMatch(new RegExp(`remote\\s+${agentB.agentId}(\\s|$)`));
    const made = (await lsJson(ctx.env)).find((s) => s.name === 'remote');
    expect(made).toMatchObject({ agent_id: agentB.agentId, agent_host: hostOf(agentB) });
  });

  it('C offers where the copy goes: Space picks the other agent, and the clone lands there', async () => {
    const p = pty!;
    await select(p, 'remote');
    await p.type('C');
    await p.waitForText('Clone remote');
    await p.waitForText(new RegExp(`To agent\\s.*\\[${agentB.agentId}\\]`));
    await p.keys('Tab');
    await p.type(' ');
    await p.waitForText(new RegExp(`To agent\\s.*\\[${agentA.agentId}\\]`));
    await p.keys('Enter');
    const screen = await waitForState(p, 'remote-clone', '-', 30_000);
    expect(rowOf(screen, 'remote-clone')!.line).toMatch(new RegExp(`remote-clone\\s+${agentA.agentId}(\\s|$)`));
    const made = (await lsJson(ctx.env)).find((s) => s.name === 'remote-clone');
    expect(made).toMatchObject({ agent_id: agentA.agentId, agent_host: hostOf(agentA) });
    // The source stays where it was.
    expect((await lsJson(ctx.env)).find((s) => s.name === 'remote')).toMatchObject({ agent_id: agentB.agentId });
  });

  it('attach, type and detach work over SSH', async () => {
    const p = pty!;
    await select(p, 'remote');
    await p.keys('Enter');
    await p.waitForText(PROMPT, 60_000);
    await p.type('echo hello-$((6*7))');
    await p.keys('Enter');
    await p.waitForText(/^hello-42$/m, 15_000);
    await p.keys('C-b', 'd');
    await p.waitFor((s) => fits(s, 120), 'the menu again', 15_000);
    await waitForState(p, 'remote', 'R', 15_000);
  });

  it('a hung agent (SIGSTOP) does not freeze the TUI either, and it comes back after SIGCONT', async () => {
    const p = pty!;
    const pid = await pidOf(agentA);
    process.kill(pid, 'SIGSTOP');
    try {
      await p.type('S');
      await p.waitForText('│ Settings', 5_000);
      // A reload gives up on a silent agent after its list timeout.
      await p.waitForText(new RegExp(`${agentA.agentId}\\s+${hostOf(agentA)}.*unreachable`), 30_000);
      await p.keys('Escape');
      await p.waitFor((s) => rowOf(s, 'first')?.state === '?', 'first marked ?', 15_000);
      await select(p, 'remote');
      await p.keys('Enter');
      await p.waitForText(PROMPT, 30_000);
      await p.keys('C-b', 'd');
      await p.waitFor((s) => fits(s, 120), 'the menu again', 15_000);
    } finally {
      process.kill(pid, 'SIGCONT');
    }
    await p.waitFor((s) => rowOf(s, 'first')?.state === '-' && !s.includes('unreachable'), 'agent A back', 40_000);
  });

  it('a killed agent does not freeze the TUI: its sessions stay listed, marked, and the other agent still works', async () => {
    const p = pty!;
    await agentA.kill('SIGKILL');
    // Keys are answered at once, whatever the dead agent's reload is doing.
    await p.type('S');
    await p.waitForText('│ Settings', 5_000);
    const settings = await p.waitForText(new RegExp(`${agentA.agentId}\\s+${hostOf(agentA)}.*unreachable`), 30_000);
    expect(settings).toMatch(new RegExp(`${agentB.agentId}\\s+${hostOf(agentB)}.*\\breachable`));
    expect(settings).not.toMatch(new RegExp(`${agentB.agentId}.*unreachable`));
    await p.keys('Escape');

    const list = await p.waitFor((s) => rowOf(s, 'first')?.state === '?', 'first marked ?', 30_000);
    expect(list).toContain('1 agent unreachable');
    expect(rowOf(list, 'second')!.state).toBe('-');

    await select(p, 'first');
    await p.keys('Enter');
    await p.waitForText(`agent ${agentA.agentId} is unreachable`);

    await select(p, 'remote');
    await p.keys('Enter');
    await p.waitForText(PROMPT, 60_000);
    await p.type('echo still-$((40+2))');
    await p.keys('Enter');
    await p.waitForText(/^still-42$/m, 15_000);
    await p.keys('C-b', 'd');
    await p.waitFor((s) => fits(s, 120) && rowOf(s, 'remote')?.state === 'R', 'the menu with remote running', 15_000);

    await p.type('q');
    await p.waitForText('[exit 0]', 15_000);
  });
});
