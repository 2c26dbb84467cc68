// `convocate env` and `convocate wait` as processes against the embedded agent:
// values go in through stdin and never come out again; bad input changes nothing.
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliEnv, cliFails, cliOk, runCli, type CliEnv } from '../helpers/cli.js';
import { runCliWithInput } from '../helpers/cli-input.js';
import { sessionImage } from '../helpers/docker.js';

let ctx: CliEnv;
const SECRET = 'sk-ant-cli-secret-value-0123456789';
const envFile = () => join(ctx.env.CONVOCATE_AGENT_CONFIG_DIR!, 'session.env');

beforeAll(async () => {
  ctx = await cliEnv('env', sessionImage());
});
afterAll(async () => {
  await ctx?.cleanup();
});

async function set(name: string, input: string) {
  return runCliWithInput(['env', 'set', name], ctx.env, input);
}

describe('convocate env', () => {
  it('set reads stdin, drops one newline; ls shows names only', async () => {
    const r = await set('ANTHROPIC_API_KEY', `${SECRET}\n`);
    expect(r).toMatchObject({ code: 0, stdout: 'set ANTHROPIC_API_KEY on local\n', stderr: '' });
    expect(await readFile(envFile(), 'utf8')).toContain(`ANTHROPIC_API_KEY=${SECRET}\n`);
    expect((await stat(envFile())).mode & 0o777).toBe(0o600);
    const table = await cliOk(ctx.env, 'env', 'ls');
    expect(table).toMatch(/^AGENT\s+NAME\n/);
    expect(table).toMatch(/local\s+ANTHROPIC_API_KEY/);
    const json = JSON.parse(await cliOk(ctx.env, 'env', 'ls', '--json')) as { agent_id: string; names: string[] }[];
    expect(json).toEqual([{ agent_id: 'local', names: ['ANTHROPIC_API_KEY', 'CONVOCATE_SESSION_COMMAND'] }]);
    expect(table + JSON.stringify(json)).not.toContain(SECRET);
  });

  it('bad names and values are one clear line, never echo the value, and change nothing', async () => {
    const before = await readFile(envFile(), 'utf8');
    for (const [name, input, message] of [
      ['lower', 'x', /^convocate: env name "lower" is invalid/],
      ['GOOD', `${SECRET}\nsecond line\n`, /^convocate: env GOOD: value must not contain a line break \(only GIT_SSH_KEY may\)\n$/],
      ['GOOD', `${SECRET}${'x'.repeat(9000)}`, /longer than 8192 bytes\n$/],
    ] as const) {
      const r = await set(name, input);
      expect(r.code).toBe(1);
      expect(r.stdout).toBe('');
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(message);
      expect(r.stderr).not.toContain(SECRET);
    }
    await cliFails(ctx.env, ['env', 'unset', 'NOT_SET'], /^convocate: env "NOT_SET" is not set$/);
    expect(await readFile(envFile(), 'utf8')).toBe(before);
  });

  it('unset removes it', async () => {
    expect(await cliOk(ctx.env, 'env', 'unset', 'ANTHROPIC_API_KEY')).toBe('unset ANTHROPIC_API_KEY on local\n');
    expect(await readFile(envFile(), 'utf8')).not.toContain('ANTHROPIC_API_KEY');
  });
});

describe('convocate wait', () => {
  it('exits 1 on timeout, saying what the activity is', async () => {
    await cliOk(ctx.env, 'new', 'sleepy');
    const r = await runCli(['wait', 'sleepy', '--for', 'idle', '--timeout', '0.5'], ctx.env);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^convocate: timed out after 0.5 s waiting for sleepy to be idle: it is none\n$/);
  });

  it('refuses an activity it cannot wait for and a bad timeout', async () => {
    await cliFails(ctx.env, ['wait', 'sleepy', '--for', 'working'], /^convocate: --for must be one of waiting, idle, exited, not "working"$/);
    await cliFails(ctx.env, ['wait', 'sleepy', '--for', 'idle', '--timeout', 'soon'], /^convocate: --timeout "soon" is invalid/);
  });
});
