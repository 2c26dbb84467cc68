// `status-serve --notify-cmd`: the status service as the CLI builds it, an
// agent speaking over real SSH, and a real /bin/sh command that writes what it
// was given. Once per change, the facts in the environment only (a hostile
// detail is never run), a flood held to the rate limit, and a command that
// hangs neither delays the next news nor outlives its timeout.
import { randomUUID } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ClientChannel } from 'ssh2';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { generateEd25519, type KeyPair } from '../../src/lib/keys.js';
import type { Activity } from '../../src/protocol/session.js';
import { makeEvent } from '../../src/protocol/status.js';
import { STATUS_SUBSYSTEM } from '../../src/protocol/subsystems.js';
import { startStatusService } from '../../src/shell/status/run.js';
import type { StatusServer } from '../../src/shell/status/status-serve.js';
import { freePort } from '../helpers/measure.mjs';
import { connect, subsys, waitFor } from '../helpers/ssh.js';

const AGENT = 'a0a0a0a0';
let dir: string;
let agentKey: KeyPair;
const cleanups: (() => unknown)[] = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'notify-cmd-'));
  agentKey = generateEd25519('agent');
  await mkdir(join(dir, 'shell'), { recursive: true });
  await writeFile(join(dir, 'shell', 'status_authorized_keys'), `${agentKey.public}\n`);
});
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});
afterAll(() => rm(dir, { recursive: true, force: true }));

/** The service whose command is made from `out`, a directory of its own. */
async function serve(command: (out: string) => string): Promise<{ server: StatusServer; out: string; logs: string[] }> {
  const out = await mkdtemp(join(dir, 'out-'));
  const logs: string[] = [];
  const server = await startStatusService(
    { listen: `127.0.0.1:${await freePort()}`, notifyCmd: command(out), resync: '3600' },
    { configDir: join(dir, 'shell'), stateDir: await mkdtemp(join(dir, 'state-')) },
    (m) => logs.push(m),
  );
  cleanups.push(() => server.close());
  return { server, out, logs };
}

/** Writes the facts it was given, one per line, to a new file named after the session. */
const record = (out: string) =>
  `printf '%s\\n' "$CONVOCATE_SESSION" "$CONVOCATE_NAME" "$CONVOCATE_AGENT" "$CONVOCATE_ACTIVITY" "$CONVOCATE_DETAIL" > "$(mktemp -p '${out}' "$CONVOCATE_SESSION.XXXXXX")"`;

async function agentChannel(server: StatusServer): Promise<ClientChannel> {
  const client = await connect(server.port, { privateKey: agentKey.private });
  cleanups.push(() => client.end());
  return subsys(client, STATUS_SUBSYSTEM);
}

let clock = Date.parse('2026-12-01T00:00:00Z');
const nextSince = () => new Date((clock += 1000)).toISOString();
const line = (ev: unknown) => `${JSON.stringify(ev)}\n`;
const activity = (uuid: string, act: Activity, detail = '', since = nextSince()) =>
  line(makeEvent('session.activity', AGENT, { activity: act, activity_since: since, activity_detail: detail }, uuid));
const created = (uuid: string, name: string) =>
  line(makeEvent('container.created', AGENT, { uuid, name, port: 0, protocol: 'tcp', dns_name: '', created_at: '2026-12-01T00:00:00Z', last_accessed: '2026-12-01T00:00:00Z' } as never, uuid));

const runsOf = async (out: string, uuid = '') => (await readdir(out)).filter((f) => f.startsWith(uuid)).sort();
const factsIn = async (out: string, file: string) => (await readFile(join(out, file), 'utf8')).split('\n').slice(0, 5);

describe('status-serve --notify-cmd', () => {
  it('runs once when a session starts waiting, the facts only in its environment; a repeat runs nothing; a hostile detail is never run', async () => {
    const { server, out } = await serve(record);
    const ch = await agentChannel(server);
    const uuid = randomUUID();
    const canary = join(dir, 'pwned');
    const hostile = `$(touch ${canary}) \`touch ${canary}\` ; touch ${canary}`;
    const since = nextSince();
    const marker = randomUUID();
    ch.write(created(uuid, 'fixer') + activity(uuid, 'working') + activity(uuid, 'waiting', hostile, since) + activity(uuid, 'waiting', hostile, since));
    // A later session's news proves the repeat was handled before it.
    ch.write(created(marker, 'marker') + activity(marker, 'working') + activity(marker, 'waiting'));
    await waitFor(async () => (await runsOf(out, marker)).length === 1, 'the marker run', 10_000);
    const runs = await runsOf(out, uuid);
    expect(runs).toHaveLength(1);
    expect(await factsIn(out, runs[0]!)).toEqual([uuid, 'fixer', AGENT, 'waiting', hostile]);
    expect(existsSync(canary)).toBe(false);
  });

  it('a finished turn (working, then idle) runs it with activity idle; idle from nowhere does not', async () => {
    const { server, out } = await serve(record);
    const ch = await agentChannel(server);
    const [a, b] = [randomUUID(), randomUUID()];
    ch.write(activity(b, 'unknown') + activity(b, 'idle'));
    ch.write(activity(a, 'working') + activity(a, 'idle', 'done'));
    await waitFor(async () => (await runsOf(out, a)).length === 1, 'the run for a', 10_000);
    expect((await factsIn(out, (await runsOf(out, a))[0]!)).slice(3)).toEqual(['idle', 'done']);
    expect(await runsOf(out, b)).toEqual([]);
  });

  it('after a restart, a session first heard of runs it if it started waiting since, not for a wait from before', async () => {
    const { server, out } = await serve(record);
    const ch = await agentChannel(server);
    const [fresh, old, marker] = [randomUUID(), randomUUID(), randomUUID()];
    ch.write(activity(old, 'waiting', 'from before the restart'));
    ch.write(activity(fresh, 'waiting', 'since the restart', new Date().toISOString()));
    ch.write(activity(marker, 'working') + activity(marker, 'waiting'));
    await waitFor(async () => (await runsOf(out, marker)).length === 1 && (await runsOf(out, fresh)).length === 1, 'the runs of fresh and marker', 10_000);
    expect((await factsIn(out, (await runsOf(out, fresh))[0]!)).slice(3)).toEqual(['waiting', 'since the restart']);
    expect(await runsOf(out, old)).toEqual([]);
  });

  it('a flood of news is held to the rate limit, and says so', async () => {
    const { server, out, logs } = await serve(record);
    const ch = await agentChannel(server);
    // 40 sessions turning waiting one after another, faster than anyone wants to be told.
    for (let i = 0; i < 40; i++) {
      const id = randomUUID();
      ch.write(activity(id, 'working') + activity(id, 'waiting'));
      await new Promise((r) => setTimeout(r, 25));
    }
    await waitFor(() => logs.some((l) => l.startsWith('notify-cmd: rate limit: ')), 'the rate limit logged', 10_000);
    // The burst of 10 (a slow run may have dropped a few more), plus what 0.5/s adds while they arrived.
    const ran = (await runsOf(out)).length;
    expect(ran).toBeGreaterThanOrEqual(4);
    expect(ran).toBeLessThanOrEqual(12);
  });

  it('a command that hangs does not hold up the next news, and is killed at its timeout', async () => {
    const { server, out, logs } = await serve((o) => `if [ "$CONVOCATE_NAME" = stuck ]; then exec sleep 600; fi; ${record(o)}`);
    const ch = await agentChannel(server);
    const [stuck, next] = [randomUUID(), randomUUID()];
    ch.write(created(stuck, 'stuck') + activity(stuck, 'working') + activity(stuck, 'waiting'));
    ch.write(created(next, 'next') + activity(next, 'working') + activity(next, 'waiting'));
    await waitFor(async () => (await runsOf(out, next)).length === 1, 'the next news run while the first hangs', 10_000);
    await waitFor(() => logs.some((l) => l === `notify-cmd for session ${stuck}: killed by SIGKILL`), 'the hung run killed', 20_000);
  });

  it('refuses an empty command', async () => {
    await expect(serve(() => '  ')).rejects.toThrow(/--notify-cmd needs a command/);
  });
});
