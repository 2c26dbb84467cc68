// Session DNS end to end: status events from two agents travel over SSH to
// status-serve, whose keeper rewrites the hosts file and SIGHUPs a real dnsmasq,
// and `dig` sees names appear, follow a rename and disappear.
//
// dnsmasq flags: `--addn-hosts` points at the keeper's file; `--domain` with
// `--local=/<domain>/` makes dnsmasq authoritative for the domain (no upstream is
// asked, unknown names are NXDOMAIN at once). The keeper is given the same domain
// so each `<agent-ip> <dns_name>` line also carries `<dns_name>.<domain>`: that
// works for dotted names too, which `--expand-hosts` would leave unqualified.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StatusEmitter } from '../../src/agent/status/emitter.js';
import { generateEd25519, type KeyPair } from '../../src/lib/keys.js';
import { DEFAULT_LIMITS, NO_WORKSPACE, type SessionMeta } from '../../src/protocol/session.js';
import { makeEvent } from '../../src/protocol/status.js';
import { checkDnsUnique } from '../../src/shell/dns/unique.js';
import { startStatusServer, type StatusServer } from '../../src/shell/status/status-serve.js';
import { startDnsmasq, type Dnsmasq } from '../helpers/dnsmasq.js';
import { waitFor } from '../helpers/ssh.js';

const DOMAIN = 'conv.test';
const AGENTS = { aaaa0002: '127.0.0.2', aaaa0003: '127.0.0.3' } as const;
type AgentId = keyof typeof AGENTS;

let dir: string;
let dnsmasq: Dnsmasq | undefined;
let status: StatusServer;
const emitters = new Map<AgentId, StatusEmitter>();

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'dns-e2e-'));
  const hostsFile = join(dir, 'dnsmasq-hosts');
  const pidFile = join(dir, 'dnsmasq.pid');
  await writeFile(hostsFile, '');
  dnsmasq = await startDnsmasq({ hostsFile, pidFile, domain: DOMAIN });

  const shellHost = generateEd25519('shell');
  const keys = new Map<AgentId, KeyPair>((Object.keys(AGENTS) as AgentId[]).map((id) => [id, generateEd25519(id)]));
  await writeFile(join(dir, 'status_authorized_keys'), [...keys.values()].map((k) => k.public).join('\n'));
  status = await startStatusServer({
    listen: { host: '127.0.0.1', port: 0 },
    hostKey: shellHost.private,
    authorizedKeysPath: join(dir, 'status_authorized_keys'),
    stateDir: dir,
    log: () => undefined,
    // In production the address comes from the agent registry; here each agent id has its loopback address.
    dns: { hostsFile, pidFile, domain: DOMAIN, resolveIp: (agentId) => AGENTS[agentId as AgentId] },
  });
  for (const [id, key] of keys) {
    const e = new StatusEmitter({
      agentId: id, host: '127.0.0.1', port: status.port, privateKey: key.private, knownHostKey: shellHost.public,
      log: () => undefined, backoffInitialMs: 20, backoffMaxMs: 200,
    });
    e.start();
    emitters.set(id, e);
  }
}, 60_000);

afterAll(async () => {
  for (const e of emitters.values()) await e.close('test over');
  await status?.close();
  await dnsmasq?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** `dig +short`; rejects when dnsmasq does not answer at all. */
async function dig(name: string): Promise<string> {
  if (!dnsmasq) throw new Error('dnsmasq is not running');
  return dnsmasq.dig(name);
}

const resolvesTo = (name: string, want: string) =>
  waitFor(async () => (await dig(name)) === want, `${name} → ${JSON.stringify(want)}`, 15_000);

function send(agent: AgentId, type: 'container.created' | 'container.edited', uuid: string, dns_name: string): void {
  const meta: SessionMeta = { uuid, name: 'n', port: 0, protocol: 'tcp', dns_name, created_at: '', last_accessed: '', ...DEFAULT_LIMITS, ...NO_WORKSPACE };
  emitters.get(agent)?.emit(makeEvent(type, agent, meta, uuid));
}

describe('session DNS through dnsmasq', () => {
  const webUuid = '11111111-1111-4111-8111-111111111111';
  const apiUuid = '22222222-2222-4222-8222-222222222222';

  it('resolves a name after create, on the right agent address', async () => {
    send('aaaa0002', 'container.created', webUuid, 'web');
    send('aaaa0003', 'container.created', apiUuid, 'api.team');
    await resolvesTo(`web.${DOMAIN}`, '127.0.0.2');
    await resolvesTo(`api.team.${DOMAIN}`, '127.0.0.3');
  });

  it('follows a rename', async () => {
    send('aaaa0002', 'container.edited', webUuid, 'www');
    await resolvesTo(`www.${DOMAIN}`, '127.0.0.2');
    await resolvesTo(`web.${DOMAIN}`, '');
  });

  it('refuses a name held on the other agent', () => {
    const byAgent = status.keeper?.sessionsByAgent() ?? new Map();
    expect(() => checkDnsUnique('api.team', byAgent)).toThrow('dns name "api.team" already in use');
    expect(() => checkDnsUnique('api.team', byAgent, apiUuid)).not.toThrow();
    expect(() => checkDnsUnique('web', byAgent)).not.toThrow();
  });

  it('stops resolving after delete', async () => {
    emitters.get('aaaa0003')?.emit(makeEvent('container.deleted', 'aaaa0003', null, apiUuid));
    await resolvesTo(`api.team.${DOMAIN}`, '');
    expect(await dig(`www.${DOMAIN}`)).toBe('127.0.0.2');
  });
});
