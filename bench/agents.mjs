// A fleet of real `convocate-agent serve` processes on loopback for benchmarks,
// each with its own temp dirs, pre-made sessions, and an SSH client for it.
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SessionStore } from '../dist/agent/sessions/store.js';
import { generateEd25519 } from '../dist/lib/keys.js';
import { SshAgentClient } from '../dist/shell/client/ssh-agent-client.js';
import { image, useShellSessions } from './lib.mjs';
import { spawnAgentServe, stopChild } from '../test/helpers/agent-serve.mjs';
import { freePort } from '../test/helpers/measure.mjs';

export async function startAgent(name, sessions = 0) {
  const root = await mkdtemp(join(tmpdir(), `convocate-bench-${name}-`));
  const configDir = join(root, 'config');
  const sessionsDir = join(root, 'sessions');
  await mkdir(configDir, { recursive: true });
  const store = new SessionStore({ dir: sessionsDir });
  await store.init();
  for (let i = 0; i < sessions; i++) await store.create({ name: `${name}-${i}`, port: 0 });
  const key = generateEd25519('bench');
  await writeFile(join(configDir, 'authorized_keys'), `${key.public}\n`);
  // Key echo and previews are timed against a shell, as the raw baselines are, not Claude's screen.
  await useShellSessions(configDir);
  const port = await freePort();
  const args = ['--listen', `127.0.0.1:${port}`, '--config-dir', configDir, '--sessions-dir', sessionsDir, '--image', image];
  const { child } = await spawnAgentServe(args);
  const agentId = (await readFile(join(configDir, 'agent-id'), 'utf8')).trim();
  const hostKeyPub = await readFile(join(configDir, 'host_key.pub'), 'utf8');
  return {
    agentId,
    pid: child.pid,
    port,
    privateKey: key.private,
    hostKeyPub,
    sessionsDir,
    client: () =>
      new SshAgentClient({ info: { id: agentId, host: `127.0.0.1:${port}` }, host: '127.0.0.1', port, privateKey: key.private, hostKeyPub }),
    async stop() {
      await stopChild(child);
      await rm(root, { recursive: true, force: true });
    },
  };
}

export async function startAgents(count, sessionsEach) {
  const agents = [];
  for (let i = 0; i < count; i++) agents.push(await startAgent(`a${i}`, sessionsEach));
  return {
    agents,
    clients: () => agents.map((a) => a.client()),
    stop: () => Promise.all(agents.map((a) => a.stop())),
  };
}
