import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_LIMITS, NO_WORKSPACE, type SessionMeta } from '../../protocol/session.js';
import { makeEvent } from '../../protocol/status.js';
import { HostsFileKeeper, renderHosts } from './hosts-file.js';

const meta = (uuid: string, dns_name: string): SessionMeta => ({
  uuid, name: 'n', port: 0, protocol: 'tcp', dns_name, created_at: '', last_accessed: '', ...DEFAULT_LIMITS, ...NO_WORKSPACE,
});

describe('renderHosts', () => {
  it('sorts by name, removes duplicates, one line each', () => {
    expect(renderHosts([
      { ip: '10.0.0.2', dns_name: 'web' },
      { ip: '10.0.0.1', dns_name: 'api' },
      { ip: '10.0.0.2', dns_name: 'web' },
    ])).toBe('10.0.0.1 api\n10.0.0.2 web\n');
    expect(renderHosts([])).toBe('');
    expect(renderHosts([{ ip: '10.0.0.1', dns_name: 'api.team' }], 'conv.test.')).toBe('10.0.0.1 api.team api.team.conv.test\n');
  });
});

describe('HostsFileKeeper', () => {
  let dir: string;
  let path: string;
  let reloads: number;
  let keeper: HostsFileKeeper;
  const logs: string[] = [];
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'hosts-'));
    path = join(dir, 'dnsmasq-hosts');
    reloads = 0;
    keeper = new HostsFileKeeper({ path, reload: async () => void reloads++, log: (m) => logs.push(m) });
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('follows create, edit, clear and delete, rewriting only on change', async () => {
    expect(await keeper.apply(makeEvent('container.created', 'a', meta('u1', 'web'), 'u1'), '10.0.0.2')).toBe(true);
    expect(await readFile(path, 'utf8')).toBe('10.0.0.2 web\n');
    expect((await stat(path)).mode & 0o777).toBe(0o644);
    expect(await keeper.apply(makeEvent('container.started', 'a', meta('u1', 'web'), 'u1'), '10.0.0.2')).toBe(false);
    await keeper.apply(makeEvent('container.edited', 'a', meta('u1', 'www'), 'u1'), '10.0.0.2');
    await keeper.apply(makeEvent('container.created', 'b', meta('u2', 'db'), 'u2'), '10.0.0.3');
    expect(await readFile(path, 'utf8')).toBe('10.0.0.3 db\n10.0.0.2 www\n');
    await keeper.apply(makeEvent('container.edited', 'a', meta('u1', ''), 'u1'), '10.0.0.2');
    await keeper.apply(makeEvent('container.deleted', 'b', null, 'u2'), '10.0.0.3');
    expect(await readFile(path, 'utf8')).toBe('');
    expect(reloads).toBe(5);
  });

  it('replaces an agent wholesale on resync and refuses names that could inject lines', async () => {
    await keeper.apply(makeEvent('container.created', 'a', meta('u1', 'old'), 'u1'), '10.0.0.2');
    await keeper.replaceAgent('a', '10.0.0.9', [{ uuid: 'u5', dns_name: 'new' }, { uuid: 'u6', dns_name: 'evil\n1.2.3.4 bank' }]);
    expect(await readFile(path, 'utf8')).toBe('10.0.0.9 new\n');
    expect(logs.some((l) => l.includes('invalid'))).toBe(true);
    expect(keeper.sessionsByAgent()).toEqual(new Map([['a', [{ uuid: 'u5', dns_name: 'new' }]]]));
  });

  it('does not rewrite a file that already holds the right content', async () => {
    await keeper.replaceAgent('a', '10.0.0.2', [{ uuid: 'u1', dns_name: 'web' }]);
    const again = new HostsFileKeeper({ path, reload: async () => void reloads++ });
    expect(await again.replaceAgent('a', '10.0.0.2', [{ uuid: 'u1', dns_name: 'web' }])).toBe(false);
    expect(reloads).toBe(1);
  });
});
