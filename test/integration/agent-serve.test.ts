// runServe end to end on loopback over the production composition root (a fake
// container runtime): first start mints id and host key, the SSH server
// answers, status reaches a real status-serve, and a signal shuts down.
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveAgentConfig } from '../../src/agent/config/config.js';
import { buildAgent } from '../../src/agent/build-agent.js';
import { FakeRuntime } from '../../src/agent/runtime/fake-runtime.js';
import { runServe } from '../../src/agent/serve.js';
import { generateEd25519, writeKeyPair } from '../../src/lib/keys.js';
import type { StatusEvent } from '../../src/protocol/status.js';
import { RPC_SUBSYSTEM } from '../../src/protocol/subsystems.js';
import { startStatusServer, type StatusServer } from '../../src/shell/status/status-serve.js';
import { connect, roundTrip, waitFor } from '../helpers/ssh.js';

let dir: string;
let status: StatusServer;
const received: StatusEvent[] = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'agent-serve-'));
  const shellHost = generateEd25519('shell');
  const agentToShell = generateEd25519('agent');
  await writeKeyPair(join(dir, 'cfg', 'agent_to_shell_ed25519_key'), agentToShell);
  await writeFile(join(dir, 'cfg', 'shell_host_key.pub'), `${shellHost.public}\n`);
  await writeFile(join(dir, 'status_authorized_keys'), `${agentToShell.public}\n`);
  status = await startStatusServer({
    listen: { host: '127.0.0.1', port: 0 },
    hostKey: shellHost.private,
    authorizedKeysPath: join(dir, 'status_authorized_keys'),
    stateDir: dir,
    log: () => undefined,
    onEvent: (ev) => received.push(ev),
  });
});
afterAll(async () => {
  await status?.close();
  await rm(dir, { recursive: true, force: true });
});

describe('runServe', () => {
  it('starts, serves, reports status and stops on a signal', async () => {
    const shell = generateEd25519('shell-client');
    await writeFile(join(dir, 'cfg', 'authorized_keys'), `${shell.public}\n`);
    const config = resolveAgentConfig(
      { configDir: join(dir, 'cfg'), sessionsDir: join(dir, 'sessions'), listen: '127.0.0.1:0', shellHost: '127.0.0.1', shellPort: status.port, image: 'convocate-session:test' },
      {},
    );
    let signal: ((s: string) => void) | undefined;
    let exitCode: number | undefined;
    const logs: string[] = [];
    const agent = await runServe(config, {
      build: (c, emit) => buildAgent(c, { runtime: new FakeRuntime({ images: ['convocate-session:test'] }), emit }),
      log: (m) => logs.push(m),
      onSignals: (stop) => {
        signal = stop;
        return () => (signal = undefined);
      },
      exit: (code) => (exitCode = code),
    });
    expect(agent.agentId).toBe((await readFile(join(dir, 'cfg', 'agent-id'), 'utf8')).trim());
    expect((await stat(join(dir, 'cfg', 'host_key'))).mode & 0o777).toBe(0o600);

    const client = await connect(agent.port, { privateKey: shell.private });
    const { out } = await roundTrip(client, RPC_SUBSYSTEM, '{"op":"ping"}\n');
    client.end();
    expect(JSON.parse(out)).toMatchObject({ ok: true, result: { agent_id: agent.agentId } });

    await waitFor(() => received.some((e) => e.type === 'agent.started'), 'agent.started');
    expect(received.find((e) => e.type === 'agent.started')).toMatchObject({
      agent_id: agent.agentId,
      data: { image_tag: 'convocate-session:test' },
    });

    signal?.('SIGTERM');
    await waitFor(() => exitCode !== undefined, 'exit after SIGTERM');
    expect(exitCode).toBe(0);
    expect(received.at(-1)).toMatchObject({ type: 'agent.shutdown', data: { reason: 'received SIGTERM' } });
    await expect(connect(agent.port, { privateKey: shell.private })).rejects.toThrow();
  });
});
