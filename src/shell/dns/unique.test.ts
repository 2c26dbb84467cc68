import { describe, expect, it } from 'vitest';
import { checkDnsUnique } from './unique.js';

const byAgent = new Map([
  ['agent-a', [{ uuid: 'u1', dns_name: 'web' }, { uuid: 'u2', dns_name: '' }]],
  ['agent-b', [{ uuid: 'u3', dns_name: 'api.team' }]],
]);

describe('checkDnsUnique', () => {
  it('refuses a name another session holds, on any agent', () => {
    expect(() => checkDnsUnique('api.team', byAgent)).toThrow('dns name "api.team" already in use');
    expect(() => checkDnsUnique('WEB.', byAgent)).toThrow(/already in use/);
  });

  it('lets a session keep its own name and allows empty or free names', () => {
    expect(() => checkDnsUnique('web', byAgent, 'u1')).not.toThrow();
    expect(() => checkDnsUnique('', byAgent)).not.toThrow();
    expect(() => checkDnsUnique('free', byAgent)).not.toThrow();
  });
});
