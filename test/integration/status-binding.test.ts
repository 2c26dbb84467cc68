// A registered agent's status key may only speak for that agent: a link that
// proves agent A's key cannot delete or rename agent B's DNS records.
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
const shellKey = generateEd25519('shell');

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'status-binding-'));
  await writeFile(join(dir, 'status_authorized_keys'), `${agentKey.public}\n`);
  const boundBlob = parsePublicKey(agentKey.public).getPublicSSH();
  server = await startStatusServer({
    listen: { host: '127.0.0.1', port: 0 },
    hostKey: shellKey.private,
    authorizedKeysPath: join(dir, 'status_authorized_keys'),
    stateDir: dir,
    log: (m) => logs.push(m),
    onEvent: (ev) => received.push(ev),
    agentIdForKey: (key) => (key.equals(boundBlob) ? 'aaaa0001' : undefined),
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
