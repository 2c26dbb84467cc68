import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_IMAGE } from '../../protocol/version.js';
import { loadOrCreateAgentId, parseListen, resolveAgentConfig } from './config.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'agent-config-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('resolveAgentConfig', () => {
  it('uses production defaults as root', () => {
    const c = resolveAgentConfig({}, {}, { isRoot: true });
    expect(c).toMatchObject({
      configDir: '/etc/convocate-agent',
      sessionsDir: '/home/convocate',
      image: DEFAULT_IMAGE,
      listen: { host: '0.0.0.0', port: 222 },
      hostKey: '/etc/convocate-agent/host_key',
      authKeys: '/etc/convocate-agent/authorized_keys',
      shellPort: 223,
      shellKey: '/etc/convocate-agent/agent_to_shell_ed25519_key',
      shellKnownHost: '/etc/convocate-agent/shell_host_key.pub',
      heartbeatMs: 30_000,
      dnsServer: undefined,
      cgroupParent: undefined,
    });
  });

  it('moves defaults under home when not root', () => {
    const c = resolveAgentConfig({}, {}, { isRoot: false, home: '/home/op' });
    expect(c.configDir).toBe('/home/op/.config/convocate-agent');
    expect(c.sessionsDir).toBe('/home/op/.local/share/convocate/sessions');
    expect(c.hostKey).toBe('/home/op/.config/convocate-agent/host_key');
  });

  it('lets a flag beat the environment, which beats the default', () => {
    const env = { CONVOCATE_AGENT_CONFIG_DIR: join(dir, 'env'), CONVOCATE_SESSIONS_DIR: '/s-env', CONVOCATE_IMAGE: 'img:env' };
    const fromEnv = resolveAgentConfig({}, env, { isRoot: true });
    expect(fromEnv).toMatchObject({ configDir: join(dir, 'env'), sessionsDir: '/s-env', image: 'img:env' });
    expect(fromEnv.authKeys).toBe(join(dir, 'env', 'authorized_keys'));
    const fromFlags = resolveAgentConfig(
      { configDir: dir, sessionsDir: '/s-flag', image: 'img:flag', listen: '127.0.0.1:2222', shellPort: '2223', heartbeat: '500', dnsServer: '10.0.0.1', cgroupParent: 'x.slice' },
      env,
      { isRoot: true },
    );
    expect(fromFlags).toMatchObject({
      configDir: dir, sessionsDir: '/s-flag', image: 'img:flag', listen: { host: '127.0.0.1', port: 2222 },
      shellPort: 2223, heartbeatMs: 500, dnsServer: '10.0.0.1', cgroupParent: 'x.slice',
    });
  });

  it('reads the shell host from <configDir>/shell-host unless given', () => {
    expect(resolveAgentConfig({ configDir: dir }, {}).shellHost).toBeUndefined();
    writeFileSync(join(dir, 'shell-host'), 'shell.example\n');
    expect(resolveAgentConfig({ configDir: dir }, {}).shellHost).toBe('shell.example');
    expect(resolveAgentConfig({ configDir: dir, shellHost: '10.1.1.1' }, {}).shellHost).toBe('10.1.1.1');
  });

  it('refuses bad ports and listen addresses with one clear line', () => {
    expect(() => resolveAgentConfig({ shellPort: '70000' }, {})).toThrow('bad --shell-port "70000": must be 1-65535');
    expect(() => resolveAgentConfig({ listen: 'localhost:x' }, {})).toThrow('bad listen address "localhost:x": port must be 0-65535');
    expect(() => resolveAgentConfig({ heartbeat: 'soon' }, {})).toThrow(/bad --heartbeat/);
    expect(() => parseListen('::1:22')).toThrow(/brackets/);
    expect(() => parseListen('bad host!:22')).toThrow(/invalid host/);
  });

  it('parses listen forms', () => {
    expect(parseListen('222')).toEqual({ host: '0.0.0.0', port: 222 });
    expect(parseListen(':0')).toEqual({ host: '0.0.0.0', port: 0 });
    expect(parseListen('[::1]:2222')).toEqual({ host: '::1', port: 2222 });
    expect(parseListen('agent.local:222')).toEqual({ host: 'agent.local', port: 222 });
  });
});

describe('loadOrCreateAgentId', () => {
  it('mints a stable 8-char hex id', () => {
    const id = loadOrCreateAgentId(join(dir, 'cfg'));
    expect(id).toMatch(/^[0-9a-f]{8}$/);
    expect(loadOrCreateAgentId(join(dir, 'cfg'))).toBe(id);
    expect(readFileSync(join(dir, 'cfg', 'agent-id'), 'utf8').trim()).toBe(id);
  });

  it('refuses a corrupt id file', () => {
    writeFileSync(join(dir, 'agent-id'), 'NOT-HEX\n');
    expect(() => loadOrCreateAgentId(dir)).toThrow(/agent id "NOT-HEX" is invalid: use lowercase letters/);
  });
});
