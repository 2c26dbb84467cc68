// The session env over SSH: `convocate env` against two real `convocate-agent
// serve` processes. The value lands in the right agent's session.env and is
// seen nowhere else: not in answers, not in the agent's log.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAgentProcess, type AgentProcess } from '../helpers/agent-process.js';
import { cliEnv, cliFails, cliOk, type CliEnv } from '../helpers/cli.js';
import { runCliWithInput } from '../helpers/cli-input.js';
import { requireDocker, sessionImage } from '../helpers/docker.js';

const SECRET = 'sk-ant-over-ssh-secret-0123456789';
let ctx: CliEnv;
let a: AgentProcess;
let b: AgentProcess;

beforeAll(async () => {
  await requireDocker();
  ctx = await cliEnv('env-ssh', sessionImage());
  [a, b] = await Promise.all([startAgentProcess('env-a'), startAgentProcess('env-b')]);
  await a.registerIn(ctx.env.CONVOCATE_CONFIG_DIR!);
  await b.registerIn(ctx.env.CONVOCATE_CONFIG_DIR!);
});
afterAll(async () => {
  await Promise.all([a?.cleanup(), b?.cleanup()]);
  await ctx?.cleanup();
});

describe('convocate env over SSH', () => {
  it('set needs --agent when several are registered, then lands on that agent only', async () => {
    const refused = await runCliWithInput(['env', 'set', 'ANTHROPIC_API_KEY'], ctx.env, SECRET);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/^convocate: several agents registered: pick one with --agent/);
    const r = await runCliWithInput(['env', 'set', 'ANTHROPIC_API_KEY', '--agent', a.agentId], ctx.env, `${SECRET}\n`);
    expect(r).toMatchObject({ code: 0, stdout: `set ANTHROPIC_API_KEY on ${a.agentId}\n` });
    expect(await readFile(join(a.configDir, 'session.env'), 'utf8')).toContain(`ANTHROPIC_API_KEY=${SECRET}\n`);
    expect(await readFile(join(b.configDir, 'session.env'), 'utf8')).not.toContain('ANTHROPIC_API_KEY');
  });

  it('ls lists names per agent; no answer or log line carries the value', async () => {
    const rows = JSON.parse(await cliOk(ctx.env, 'env', 'ls', '--json')) as { agent_id: string; names: string[] }[];
    const byAgent = Object.fromEntries(rows.map((r) => [r.agent_id, r.names]));
    expect(byAgent[a.agentId]).toEqual(['ANTHROPIC_API_KEY', 'CONVOCATE_SESSION_COMMAND']);
    expect(byAgent[b.agentId]).toEqual(['CONVOCATE_SESSION_COMMAND']);
    const bad = await runCliWithInput(['env', 'set', 'BAD', '--agent', a.agentId], ctx.env, `${SECRET}\nmore\n`);
    expect(bad.code).toBe(1);
    expect(bad.stderr).not.toContain(SECRET);
    await cliFails(ctx.env, ['env', 'unset', 'NOPE', '--agent', b.agentId], /^convocate: env "NOPE" is not set$/);
    expect(a.log() + b.log()).not.toContain(SECRET);
  });
});
