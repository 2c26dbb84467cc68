// The built scripting CLI, run as a process against the embedded local agent
// on real Docker: every command, its --json shape and its exit codes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JSON_KEYS, cliEnv, cliFails, cliOk, type CliEnv } from '../helpers/cli.js';
import { sessionImage } from '../helpers/docker.js';

let ctx: CliEnv;

const ok = (...args: string[]) => cliOk(ctx.env, ...args);
const fails = async (args: string[], message: RegExp) => void (await cliFails(ctx.env, args, message));

beforeAll(async () => {
  ctx = await cliEnv('cmds', sessionImage());
});
afterAll(async () => {
  if (!ctx) return;
  await ctx.cleanup();
});

describe('convocate scripting CLI (embedded local agent)', () => {
  it('answers version and help', async () => {
    expect(await ok('version')).toMatch(/^convocate \d+\.\d+\.\d+\n$/);
    expect(await ok('--help')).toContain('convocate [command] [options]');
    expect(await ok('help')).toContain('ls [options]');
    await fails(['frobnicate'], /^convocate: unknown command "frobnicate"/);
  });

  it('new and edit take limits and an egress policy; bad ones are refused with the reason', async () => {
    const s = JSON.parse(await ok('new', 'limited', '--cpus', '0.5', '--memory', '512m', '--allow', '10.0.0.0/8,example.org', '--json'));
    expect(s).toMatchObject({ cpus: 0.5, memory_bytes: 512 * 1024 ** 2, egress: 'allow', egress_allow: ['10.0.0.0/8', 'example.org'] });
    const e = JSON.parse(await ok('edit', 'limited', '--memory', 'default', '--egress', 'none', '--json'));
    expect(e).toMatchObject({ cpus: 0.5, memory_bytes: null, egress: 'none' });
    await fails(['edit', 'limited', '--memory', 'lots'], /^convocate: memory "lots" is invalid: use a size such as 512m/);
    await fails(['new', 'x', '--egress', 'everything'], /^convocate: egress "everything" is invalid/);
    await fails(['new', 'x', '--allow', '10.0.0.0/40'], /^convocate: allow entry "10.0.0.0\/40" is not a valid IPv4 CIDR/);
    await ok('rm', 'limited', '--yes');
  });

  it('new / ls / edit / clone print the documented JSON shape', async () => {
    const created = JSON.parse(await ok('new', 'web', '--port', '-1', '--dns', 'web.test', '--json'));
    expect(Object.keys(created)).toEqual(JSON_KEYS);
    expect(created).toMatchObject({ name: 'web', protocol: 'tcp', dns_name: 'web.test', state: '-', agent_id: 'local', running: false });
    expect(created.port).toBeGreaterThanOrEqual(1001);

    const list = JSON.parse(await ok('ls', '--json'));
    expect(Array.isArray(list)).toBe(true);
    expect(list.map((s: { uuid: string }) => s.uuid)).toContain(created.uuid);
    expect(Object.keys(list[0])).toEqual(JSON_KEYS);

    const edited = JSON.parse(await ok('edit', 'web', '--name', 'web2', '--proto', 'udp', '--json'));
    expect(edited).toMatchObject({ uuid: created.uuid, name: 'web2', protocol: 'udp', dns_name: 'web.test' });

    const clone = JSON.parse(await ok('clone', created.uuid.slice(0, 8), 'web3', '--json'));
    expect(clone).toMatchObject({ name: 'web3', port: 0, dns_name: '', state: '-' });

    const table = await ok('ls');
    expect(table.split('\n')[0]).toMatch(/^S\s+UUID\s+NAME\s+AGENT\s+PORT\s+DNS/);
    expect(table).toContain('web2');
  });

  it('restart, bg, kill and override change state and print it', async () => {
    await ok('new', 'life');
    expect(await ok('restart', 'life')).toMatch(/^restart: life \([0-9a-f]{8}\) R\n$/);
    await fails(['restart', 'life'], /^convocate: session is already running$/);
    expect(await ok('bg', 'life')).toMatch(/^background: life .* R\n$/);
    expect(await ok('kill', 'life')).toMatch(/^kill: life .* -\n$/);
    await fails(['bg', 'life'], /not running/);
    expect(await ok('override', 'life')).toMatch(/^override: life .* -\n$/);
  });

  it('rm needs --yes without a terminal and then deletes', async () => {
    await ok('new', 'gone');
    await fails(['rm', 'gone'], /^convocate: refusing to delete without a terminal to confirm on: pass --yes$/);
    expect(await ok('rm', 'gone', '--yes')).toMatch(/^deleted: gone /);
    await fails(['rm', 'gone', '--yes'], /^convocate: session "gone" not found$/);
  });

  it('bad input gets one clear line and a non-zero exit', async () => {
    await fails(['new', 'bad name'], /^convocate: name "bad name" is invalid/);
    await fails(['new', 'x', '--port', '70000'], /^convocate: port 70000 is invalid/);
    await fails(['new', 'x', '--port', 'ten'], /^convocate: port "ten" is invalid/);
    await fails(['new', 'x', '--proto', 'sctp'], /^convocate: protocol "sctp" is invalid/);
    await fails(['new', 'x', '--dns', 'Bad_Name'], /^convocate: dns name "Bad_Name" is invalid/);
    await fails(['new', 'x', '--dns', 'web.test'], /^convocate: dns name "web.test" already in use$/);
    await fails(['kill', 'no-such-session'], /^convocate: session "no-such-session" not found$/);
    await fails(['new', 'x', '--agent', 'elsewhere'], /^convocate: agent "elsewhere" not found/);
  });

  it('an ambiguous id lists its candidates', async () => {
    await ok('new', 'twin');
    await ok('new', 'twin');
    await fails(['kill', 'twin'], /^convocate: "twin" is ambiguous: matches [0-9a-f]{8} \(twin on local\), [0-9a-f]{8} \(twin on local\)$/);
  });
});
