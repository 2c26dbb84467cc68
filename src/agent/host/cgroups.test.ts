// The one cgroup reader on fixture trees laid out as v1 and v2 hosts have them.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { cgroupFiles, detectCgroupLayout, parentGroupPath, readCpuNs, readMemBytes } from './cgroups.js';

let root: string;
afterEach(() => rmSync(root, { recursive: true, force: true }));

function tree(entries: Record<string, string>): void {
  root = mkdtempSync(join(tmpdir(), 'cgroups-'));
  for (const [rel, text] of Object.entries(entries)) {
    mkdirSync(join(root, rel, '..'), { recursive: true });
    writeFileSync(join(root, rel), text);
  }
}

describe('cgroup reader', () => {
  it('reads v2: cpu.stat usage_usec as ns, memory.current with and without the inactive cache', async () => {
    const g = 'convocate.slice/convocate-sessions.slice';
    tree({
      'cgroup.controllers': 'cpu memory\n',
      [`${g}/cpu.stat`]: 'usage_usec 1500\nuser_usec 1000\nsystem_usec 500\n',
      [`${g}/memory.current`]: '10000\n',
      [`${g}/memory.stat`]: 'anon 6000\ninactive_file 3000\n',
      [`${g}/cpuacct.usage`]: '1\n',
    });
    const layout = await detectCgroupLayout(root);
    expect(layout.v2).toBe(true);
    const files = cgroupFiles(layout, parentGroupPath('convocate-sessions.slice'));
    expect(readCpuNs(files)).toBe(1_500_000);
    expect(readMemBytes(files, { withoutInactiveCache: false })).toBe(10_000);
    expect(readMemBytes(files, { withoutInactiveCache: true })).toBe(7_000);
  });

  it('reads v1: cpuacct.usage in ns and memory.usage_in_bytes less total_inactive_file', async () => {
    tree({
      'cpu,cpuacct/docker/x/cpuacct.usage': '42\n',
      'memory/docker/x/memory.usage_in_bytes': '5000\n',
      'memory/docker/x/memory.stat': 'total_inactive_file 1000\n',
    });
    const files = cgroupFiles(await detectCgroupLayout(root), 'docker/x');
    expect(readCpuNs(files)).toBe(42);
    expect(readMemBytes(files, { withoutInactiveCache: true })).toBe(4000);
  });

  it('places a --cgroup-parent by driver: a slice name nests by its dashes, a path stays', () => {
    expect(parentGroupPath('convocate-sessions.slice')).toBe('convocate.slice/convocate-sessions.slice');
    expect(parentGroupPath('/convocate.slice/convocate-sessions.slice')).toBe('convocate.slice/convocate-sessions.slice');
    expect(parentGroupPath('/docker-parent')).toBe('docker-parent');
  });
});
