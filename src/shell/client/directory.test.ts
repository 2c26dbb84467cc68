import { describe, expect, it } from 'vitest';
import { DEFAULT_LIMITS, NO_WORKSPACE, NO_CHANGES, NO_USAGE, NO_ACTIVITY, NO_RESOURCES, type Session } from '../../protocol/session.js';
import type { AgentClient } from './agent-client.js';
import { MultiAgentDirectory, resolveSession } from './directory.js';
import { parseHostPort } from './registry.js';
import { Backoff } from './backoff.js';

const base = { port: 0, protocol: 'tcp' as const, dns_name: '', created_at: '', last_accessed: '', running: false, attached: false, state: '-' as const, ...DEFAULT_LIMITS, ...NO_WORKSPACE, ...NO_CHANGES, ...NO_USAGE, ...NO_ACTIVITY, ...NO_RESOURCES };
const sessions: Session[] = [
  { ...base, uuid: 'aaaa1111-0000-4000-8000-000000000001', name: 'web', agent_id: 'a1' },
  { ...base, uuid: 'aaaa2222-0000-4000-8000-000000000002', name: 'api', agent_id: 'a1' },
  { ...base, uuid: 'bbbb3333-0000-4000-8000-000000000003', name: 'web', agent_id: 'a2' },
  { ...base, uuid: 'cccc4444-0000-4000-8000-000000000004', name: 'aaaa', agent_id: 'a2' },
];

describe('resolveSession', () => {
  it('prefers exact uuid, then exact name, then uuid prefix', () => {
    expect(resolveSession(sessions, 'api').uuid).toBe(sessions[1]!.uuid);
    expect(resolveSession(sessions, 'bbbb').uuid).toBe(sessions[2]!.uuid);
    expect(resolveSession(sessions, 'aaaa').uuid).toBe(sessions[3]!.uuid);
    expect(resolveSession(sessions, sessions[0]!.uuid).name).toBe('web');
  });

  it('lists the candidates of an ambiguous id', () => {
    expect(() => resolveSession(sessions, 'web')).toThrow('"web" is ambiguous: matches aaaa1111 (web on a1), bbbb3333 (web on a2)');
    expect(() => resolveSession(sessions, 'aaaa2')).not.toThrow();
  });

  it('says not found for unknown ids', () => {
    expect(() => resolveSession(sessions, 'zzz')).toThrow('session "zzz" not found');
  });
});

describe('parseHostPort', () => {
  it('defaults to port 222 and accepts bracketed IPv6', () => {
    expect(parseHostPort('10.1.2.3')).toEqual({ host: '10.1.2.3', port: 222 });
    expect(parseHostPort('h.example:2222\n')).toEqual({ host: 'h.example', port: 2222 });
    expect(parseHostPort('[::1]:2200')).toEqual({ host: '::1', port: 2200 });
    expect(() => parseHostPort('h:99999')).toThrow(/bad port/);
    expect(() => parseHostPort('')).toThrow(/bad agent-host/);
  });
});

describe('Backoff', () => {
  it('doubles from 1 s to 30 s and resets on success', () => {
    let now = 0;
    const b = new Backoff(1000, 30_000, () => now);
    expect(b.ready()).toBe(true);
    expect([b.fail(), b.fail(), b.fail(), b.fail(), b.fail(), b.fail()]).toEqual([1000, 2000, 4000, 8000, 16000, 30000]);
    expect(b.ready()).toBe(false);
    now += 30_000;
    expect(b.ready()).toBe(true);
    b.reset();
    expect(b.fail()).toBe(1000);
  });
});

describe('MultiAgentDirectory DNS guard', () => {
  function memClient(id: string, held: Session[]): AgentClient {
    return {
      info: { id, host: id },
      call: (async (op: string) => {
        if (op === 'list') return { sessions: held, broken: [] };
        if (op === 'ping') return { agent_id: id, version: 't', server_time: '' };
        if (op === 'create') return { ...base, uuid: 'new', name: 'n' };
        throw new Error(`unexpected ${op}`);
      }) as AgentClient['call'],
      attach: async () => {
        throw new Error('no attach');
      },
      close: async () => {},
    };
  }

  it('refuses a DNS name another agent holds, whatever its case or trailing dot', async () => {
    const dir = new MultiAgentDirectory([
      memClient('a1', [{ ...base, uuid: 'u1', name: 'web', dns_name: 'web.team' }]),
      memClient('a2', []),
    ]);
    await expect(dir.client('a2').call('create', { name: 'x', dns_name: 'WEB.team.' })).rejects.toThrow(
      'dns name "WEB.team." already in use',
    );
    await expect(dir.client('a2').call('create', { name: 'x', dns_name: 'api.team' })).resolves.toMatchObject({ uuid: 'new' });
  });
});
