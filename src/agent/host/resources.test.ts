// Cgroup layouts as Docker makes them (v1/v2 × cgroupfs/systemd, with and
// without a --cgroup-parent), written under a temp dir standing in for /sys/fs/cgroup.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { cgroupCandidates, expandSlice } from './cgroups.js';
import { ResourceSampler } from './resources.js';

const ID = 'c0ffee'.padEnd(64, '0');
let root: string;
afterEach(() => rmSync(root, { recursive: true, force: true }));

function files(entries: Record<string, string>): void {
  root = mkdtempSync(join(tmpdir(), 'cgroup-'));
  for (const [rel, text] of Object.entries(entries)) {
    mkdirSync(join(root, rel, '..'), { recursive: true });
    writeFileSync(join(root, rel), text);
  }
}

function clock(start: number) {
  let t = start;
  return { now: () => t, advance: (ms: number) => (t += ms) };
}

describe('ResourceSampler', () => {
  it('reads cgroup v1 with the cgroupfs driver: CPU from the delta between two lists, memory without inactive cache', async () => {
    files(rename({
      'cpuacct/docker/ID/cpuacct.usage': '1000000000\n',
      'memory/docker/ID/memory.usage_in_bytes': '50000000\n',
      'memory/docker/ID/memory.stat': 'cache 1\ntotal_inactive_file 10000000\n',
    }));
    const c = clock(10_000);
    const sampler = new ResourceSampler({ root, now: c.now });
    // The first reading averages since creation: 1 s of CPU over 10 s.
    const first = await sampler.sample([{ uuid: 'u', containerId: ID, createdAt: 0 }]);
    expect(first.get('u')).toEqual({ cpu_percent: 10, mem_bytes: 40_000_000 });
    writeFileSync(join(root, 'cpuacct/docker', ID, 'cpuacct.usage'), '1500000000\n');
    c.advance(1000);
    const second = await sampler.sample([{ uuid: 'u', containerId: ID, createdAt: 0 }]);
    expect(second.get('u')?.cpu_percent).toBe(50);
  });

  it('reads cgroup v1 with the systemd driver (cpu,cpuacct hierarchy)', async () => {
    files(rename({
      'cpu,cpuacct/system.slice/docker-ID.scope/cpuacct.usage': '0\n',
      'memory/system.slice/docker-ID.scope/memory.usage_in_bytes': '4096\n',
      'memory/system.slice/docker-ID.scope/memory.stat': 'total_inactive_file 0\n',
    }));
    const sampler = new ResourceSampler({ root });
    const got = await sampler.sample([{ uuid: 'u', containerId: ID }]);
    // No earlier reading and no creation time: CPU not measurable yet, memory is.
    expect(got.get('u')).toEqual({ cpu_percent: null, mem_bytes: 4096 });
  });

  it('reads cgroup v2 with the systemd driver under a nested --cgroup-parent slice', async () => {
    const dir = 'convocate.slice/convocate-sessions.slice/docker-ID.scope';
    files(rename({
      'cgroup.controllers': 'cpu memory\n',
      [`${dir}/cpu.stat`]: 'usage_usec 2000000\nuser_usec 1\n',
      [`${dir}/memory.current`]: '8192\n',
      [`${dir}/memory.stat`]: 'anon 1\ninactive_file 4096\n',
    }));
    const c = clock(4_000);
    const sampler = new ResourceSampler({ root, now: c.now, cgroupParent: () => 'convocate-sessions.slice' });
    const got = await sampler.sample([{ uuid: 'u', containerId: ID, createdAt: 0 }]);
    expect(got.get('u')).toEqual({ cpu_percent: 50, mem_bytes: 4096 });
  });

  it('reads cgroup v2 with the cgroupfs driver', async () => {
    files(rename({
      'cgroup.controllers': 'cpu memory\n',
      'docker/ID/cpu.stat': 'usage_usec 0\n',
      'docker/ID/memory.current': '100\n',
      'docker/ID/memory.stat': 'inactive_file 0\n',
    }));
    const got = await new ResourceSampler({ root }).sample([{ uuid: 'u', containerId: ID }]);
    expect(got.get('u')?.mem_bytes).toBe(100);
  });

  it('leaves a container it cannot find out, and garbage in a file yields null, never 0', async () => {
    files(rename({
      'cpuacct/docker/ID/cpuacct.usage': 'garbage\n',
      'memory/docker/ID/memory.usage_in_bytes': '-5\n',
    }));
    const sampler = new ResourceSampler({ root });
    const got = await sampler.sample([
      { uuid: 'u', containerId: ID, createdAt: 0 },
      { uuid: 'gone', containerId: 'f'.repeat(64) },
    ]);
    expect(got.get('u')).toEqual({ cpu_percent: null, mem_bytes: null });
    expect(got.has('gone')).toBe(false);
  });

  it('falls back to one-shot stats in the background, never waiting on them in a list', async () => {
    files({ 'cpuacct/.keep': '' });
    let calls = 0;
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const sampler = new ResourceSampler({
      root,
      oneShot: async () => {
        calls++;
        await gate;
        return { cpu_percent: 3, mem_bytes: 7 };
      },
    });
    const c = [{ uuid: 'u', containerId: ID }];
    expect((await sampler.sample(c)).has('u')).toBe(false);
    expect((await sampler.sample(c)).has('u')).toBe(false);
    expect(calls).toBe(1);
    release();
    const deadline = Date.now() + 2000;
    let got = await sampler.sample(c);
    while (!got.has('u') && Date.now() < deadline) got = await sampler.sample(c);
    expect(got.get('u')).toEqual({ cpu_percent: 3, mem_bytes: 7 });
  });
});

describe('cgroup paths', () => {
  it('expands systemd slices by their dashes', () => {
    expect(expandSlice('convocate-sessions.slice')).toBe('convocate.slice/convocate-sessions.slice');
    expect(expandSlice('system.slice')).toBe('system.slice');
  });

  it('tries the configured parent before Docker’s defaults', () => {
    expect(cgroupCandidates('abc', '/my-parent')).toEqual(['my-parent/abc', 'docker/abc', 'system.slice/docker-abc.scope']);
  });
});

function rename(entries: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(entries).map(([k, v]) => [k.replace('ID', ID), v]));
}
