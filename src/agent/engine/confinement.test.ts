// Confinement over the production wiring with a FakeRuntime and a recording
// firewall: limits and egress reach the container spec and the firewall, the
// caps hold, and settings-set checks every field before saving anything.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildAgent, type BuiltAgent } from '../build-agent.js';
import { resolveAgentConfig } from '../config/config.js';
import { MemorySettingsStore } from '../config/settings.js';
import type { SessionFirewall, SessionRules } from '../host/firewall.js';
import { SESSION_CAPABILITIES, SESSIONS_NETWORK, sessionMac } from '../runtime/container-runtime.js';
import { FakeRuntime } from '../runtime/fake-runtime.js';
import { ruleSpecs } from '../host/firewall.js';
import { sessionRules } from './confinement.js';

const IMAGE = 'convocate-session:test';
const GiB = 1024 ** 3;

class RecordingFirewall implements SessionFirewall {
  readonly rules = new Map<string, SessionRules>();
  readonly log: string[] = [];
  async ensure(): Promise<void> {
    this.log.push('ensure');
  }
  async apply(uuid: string, rules: SessionRules): Promise<void> {
    this.log.push(`apply ${uuid}`);
    this.rules.set(uuid, rules);
  }
  async remove(uuid: string): Promise<void> {
    this.log.push(`remove ${uuid}`);
    this.rules.delete(uuid);
  }
  async sweep(): Promise<number> {
    return 0;
  }
}

let root: string;
let runtime: FakeRuntime;
let firewall: RecordingFirewall;
let agent: BuiltAgent;

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'convocate-confine-'));
  runtime = new FakeRuntime({ images: [IMAGE] });
  firewall = new RecordingFirewall();
  const config = resolveAgentConfig({ configDir: join(root, 'agent'), sessionsDir: join(root, 'sessions'), image: IMAGE, listen: '0.0.0.0:2222' }, {});
  agent = await buildAgent(config, { runtime, firewall, agentId: 'unit', settingsStore: new MemorySettingsStore() });
});

afterEach(async () => {
  agent.engine.close();
  await rm(root, { recursive: true, force: true });
});

describe('session confinement', () => {
  it('starts on the agent network with the pids limit, its own limits, its MAC, and the firewall in place first', async () => {
    const s = await agent.engine.create({ name: 'web', cpus: 0.5, memory_bytes: GiB, egress: 'allow', egress_allow: ['10.1.2.0/24', '10.9.9.9'] });
    expect(s).toMatchObject({ cpus: 0.5, memory_bytes: GiB, egress: 'allow', egress_allow: ['10.1.2.0/24', '10.9.9.9'] });
    await agent.engine.restart(s.uuid);
    const spec = runtime.containers.get(s.uuid)!.spec;
    expect(spec).toMatchObject({ network: SESSIONS_NETWORK, pidsLimit: 4096, cpus: 0.5, memoryBytes: GiB, macAddress: sessionMac(s.uuid) });
    expect(runtime.networks.get(SESSIONS_NETWORK)?.icc).toBe(false);
    expect(firewall.rules.get(s.uuid)).toMatchObject({ egress: 'allow', allow: ['10.1.2.0/24', '10.9.9.9/32'], mac: sessionMac(s.uuid) });
    expect(firewall.rules.get(s.uuid)?.blockedPorts).toEqual(expect.arrayContaining([222, 223, 2222]));
    await agent.engine.kill(s.uuid);
    expect(firewall.rules.has(s.uuid)).toBe(false);
    expect(firewall.log.slice(-2)).toEqual([`apply ${s.uuid}`, `remove ${s.uuid}`]);
  });

  it('a session without limits of its own gets the agent defaults; edit changes them and "null" goes back', async () => {
    await agent.engine.setSettings({ cpus: 1, memory_bytes: 2 * GiB, pids_limit: 512, egress: 'none' });
    const s = await agent.engine.create({ name: 'web' });
    expect(s).toMatchObject({ cpus: null, memory_bytes: null, egress: 'none', egress_allow: [] });
    await agent.engine.restart(s.uuid);
    expect(runtime.containers.get(s.uuid)!.spec).toMatchObject({ cpus: 1, memoryBytes: 2 * GiB, pidsLimit: 512 });
    const edited = await agent.engine.edit({ id: s.uuid, memory_bytes: GiB, egress_allow: ['example.org'] });
    expect(edited).toMatchObject({ memory_bytes: GiB, egress: 'allow', egress_allow: ['example.org'] });
    expect((await agent.engine.edit({ id: s.uuid, memory_bytes: null })).memory_bytes).toBeNull();
  });

  it('refuses limits above the caps and bad values, and changes nothing', async () => {
    const s = await agent.engine.create({ name: 'web' });
    await expect(agent.engine.create({ name: 'big', cpus: 10_000 })).rejects.toThrow(/cpus 10000 is invalid/);
    await expect(agent.engine.edit({ id: s.uuid, memory_bytes: 1e15 })).rejects.toThrow(/above this agent's cap/);
    await expect(agent.engine.edit({ id: s.uuid, memory_bytes: 1000 })).rejects.toThrow(/at least 6 MiB/);
    await expect(agent.engine.edit({ id: s.uuid, egress_allow: ['bad host!'] })).rejects.toThrow(/allow entry "bad host!" is invalid/);
    await expect(agent.engine.edit({ id: s.uuid, egress_allow: ['300.1.1.1'] })).rejects.toThrow(/invalid/);
    expect(await agent.engine.get(s.uuid)).toMatchObject({ cpus: null, memory_bytes: null, egress: 'open', egress_allow: [] });
  });

  it('settings-set refuses the host network, another container, unlabelled networks, bad images, paths and addresses', async () => {
    runtime.networks.set('convocate-test-x', { name: 'convocate-test-x', driver: 'bridge', labels: { 'convocate.test.x': '1' }, icc: true });
    runtime.networks.set('plain', { name: 'plain', driver: 'bridge', labels: {}, icc: true });
    const bad: Array<[Record<string, unknown>, RegExp]> = [
      [{ network: 'host' }, /network "host" is refused/],
      [{ network: 'container:abc' }, /network "container:abc" is refused/],
      [{ network: 'none' }, /refused/],
      [{ network: 'plain' }, /only bridge networks labelled convocate\./],
      [{ network: 'nope' }, /does not exist/],
      [{ image: 'x; rm -rf /' }, /not an image reference/],
      [{ cgroup_parent: '../../etc' }, /cgroup_parent "..\/..\/etc" is invalid/],
      [{ dns_server: 'evil\n1.2.3.4' }, /is not an IP address/],
      [{ pids_limit: 1 }, /pids_limit 1 is invalid/],
      [{ egress: 'everything' }, /egress "everything" is invalid/],
    ];
    for (const [p, re] of bad) await expect(agent.engine.setSettings(p as never), JSON.stringify(p)).rejects.toThrow(re);
    expect(agent.engine.settingsView()).toMatchObject({ network: '', image: IMAGE, cgroup_parent: '', dns_server: '', pids_limit: 4096, egress: 'open' });
    expect((await agent.engine.setSettings({ network: 'convocate-test-x' })).network).toBe('convocate-test-x');
    expect((await agent.engine.setSettings({ network: '' })).network).toBe('');
  });

  it('an egress policy cannot start without a firewall to enforce it', async () => {
    const config = resolveAgentConfig({ configDir: join(root, 'agent2'), sessionsDir: join(root, 'sessions2'), image: IMAGE }, {});
    const bare = await buildAgent(config, { runtime, firewall: null, agentId: 'bare', settingsStore: new MemorySettingsStore() });
    const s = await bare.engine.create({ name: 'shut', egress: 'none' });
    await expect(bare.engine.restart(s.uuid)).rejects.toThrow(/egress "none" needs the host firewall/);
    bare.engine.close();
  });

  it('a clone of a running session copies it frozen and always thaws it; a stopped one is a plain copy', async () => {
    const s = await agent.engine.create({ name: 'src', cpus: 0.5, egress: 'none' });
    const stopped = await agent.engine.clone({ source_id: s.uuid, name: 'copy1' });
    expect(stopped).toMatchObject({ cpus: 0.5, egress: 'none', port: 0 });
    expect(runtime.pauseLog).toEqual([]);
    await agent.engine.restart(s.uuid);
    await agent.engine.clone({ source_id: s.uuid, name: 'copy2' });
    expect(runtime.pauseLog).toEqual([`pause ${s.uuid}`, `unpause ${s.uuid}`]);
    // A failing copy (the source home is gone) still thaws the session.
    await rm(agent.store.homeDir(s.uuid), { recursive: true });
    await expect(agent.engine.clone({ source_id: s.uuid, name: 'copy3' })).rejects.toThrow(/copy failed/);
    expect(runtime.paused.size).toBe(0);
  });

  it('the capabilities kept are only those the image needs', () => {
    expect([...SESSION_CAPABILITIES].sort()).toEqual(['AUDIT_WRITE', 'CHOWN', 'DAC_OVERRIDE', 'FOWNER', 'FSETID', 'KILL', 'SETGID', 'SETUID']);
  });
});

describe('firewall rules', () => {
  it('open blocks only the agent ports; none allows DNS then rejects; replies always pass first', async () => {
    const mac = '02:00:00:00:00:01';
    const open = ruleSpecs('u', await sessionRules({ cpus: null, memory_bytes: null, egress: 'open', egress_allow: [] }, { mac, blockedPorts: [222, 223, 222] }));
    expect(open.forward).toEqual([]);
    expect(open.input).toHaveLength(2);
    expect(open.input[1]).toContain('--dports 222,223');
    const none = ruleSpecs('u', await sessionRules({ cpus: null, memory_bytes: null, egress: 'none', egress_allow: [] }, { mac, blockedPorts: [222], dnsServer: '10.0.0.53' }));
    expect(none.forward[0]).toContain('ESTABLISHED,RELATED');
    expect(none.forward.filter((r) => r.includes('--dport 53'))).toHaveLength(2);
    expect(none.forward.at(-1)).toContain('-j REJECT');
    const allow = await sessionRules(
      { cpus: null, memory_bytes: null, egress: 'allow', egress_allow: ['host.example', '10.0.0.0/8'] },
      { mac, blockedPorts: [] },
      async () => ['192.0.2.7', '192.0.2.8'],
    );
    expect(allow.allow).toEqual(['192.0.2.7/32', '192.0.2.8/32', '10.0.0.0/8']);
    await expect(
      sessionRules({ cpus: null, memory_bytes: null, egress: 'allow', egress_allow: ['gone.example'] }, { mac, blockedPorts: [] }, async () => {
        throw new Error('ENOTFOUND');
      }),
    ).rejects.toThrow(/egress allow entry "gone.example" does not resolve/);
  });
});
