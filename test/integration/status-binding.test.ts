// A registered agent's status key may only speak for that agent: a link that
// proves agent A's key cannot delete or rename agent B's DNS records; a key
// bound to no agent may not claim a registered agent's id either.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { StatusEmitter } from '../../src/agent/status/emitter.js';
import { generateEd25519, parsePublicKey } from '../../src/lib/keys.js';
import { makeEvent, type StatusEvent } from '../../src/protocol/status.js';
import { startStatusServer, type StatusServer } from '../../src/shell/status/status-serve.js';
import { waitFor } from '../helpers/ssh.js';

let dir: string;
let server: StatusServer;
const received: StatusEvent[] = [];
const logs: string[] = [];
const agentKey = generateEd25519('agent-a');
const unboundKey = generateEd25519('unbound');
const shellKey = generateEd25519('shell');
const REGISTERED = new Set(['aaaa0001', 'bbbb0002']);

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'status-binding-'));
  await writeFile(join(dir, 'status_authorized_keys'), `${agentKey.public}\n${unboundKey.public}\n`);
  const boundBlob = parsePublicKey(agentKey.public).getPublicSSH();
  server = await startStatusServer({
    listen: { host: '127.0.0.1', port: 0 },
    hostKey: shellKey.private,
    authorizedKeysPath: join(dir, 'status_authorized_keys'),
    stateDir: dir,
    log: (m) => logs.push(m),
    onEvent: (ev) => received.push(ev),
    agentIdForKey: (key) => (key.equals(boundBlob) ? 'aaaa0001' : undefined),
    isRegisteredAgent: (id) => REGISTERED.has(id),
  });
});
afterAll(async () => {
  await server?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

it('drops events a bound key sends for another agent, even as its first line', async () => {
  const emitter = new StatusEmitter({
    agentId: 'aaaa0001',
    host: '127.0.0.1',
    port: server.port,
    privateKey: agentKey.private,
    knownHostKey: shellKey.public,
    log: () => undefined,
    backoffInitialMs: 20,
    backoffMaxMs: 100,
  });
  emitter.emit(makeEvent('container.deleted', 'bbbb0002', null, 'victim'));
  emitter.emit(makeEvent('container.stopped', 'aaaa0001', null, 'own'));
  emitter.start();
  try {
    await waitFor(() => received.some((e) => e.session_id === 'own'), 'the agent\u2019s own event');
    expect(received.filter((e) => e.agent_id === 'bbbb0002')).toEqual([]);
    expect(logs.some((l) => /agent aaaa0001 sent an event for bbbb0002: ignored/.test(l))).toBe(true);
  } finally {
    await emitter.close('test over');
  }
});

function emitterAs(agentId: string, key: { private: string }): StatusEmitter {
  return new StatusEmitter({
    agentId,
    host: '127.0.0.1',
    port: server.port,
    privateKey: key.private,
    knownHostKey: shellKey.public,
    log: () => undefined,
    backoffInitialMs: 20,
    backoffMaxMs: 100,
  });
}

it('an unbound key may not claim a registered agent, and speaks only for the unregistered id it named first', async () => {
  const impostor = emitterAs('bbbb0002', unboundKey);
  impostor.emit(makeEvent('container.deleted', 'bbbb0002', null, 'stolen'));
  impostor.start();
  const newcomer = emitterAs('cccc0003', unboundKey);
  newcomer.emit(makeEvent('container.stopped', 'cccc0003', null, 'fresh'));
  newcomer.emit(makeEvent('container.deleted', 'bbbb0002', null, 'second-try'));
  newcomer.start();
  try {
    await waitFor(() => received.some((e) => e.session_id === 'fresh'), 'the unregistered agent\u2019s event');
    await waitFor(() => logs.some((l) => /a key not bound to agent bbbb0002 claimed its id: ignored/.test(l)), 'the refusal logged');
    await waitFor(() => logs.some((l) => /agent cccc0003 sent an event for bbbb0002: ignored/.test(l)), 'the second refusal logged');
    expect(received.filter((e) => e.agent_id === 'bbbb0002')).toEqual([]);
  } finally {
    await Promise.all([impostor.close('test over'), newcomer.close('test over')]);
  }
});
