import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { admissionRefusal, admit, bytes, CgroupResourceProbe, NEW_SESSION_MEM_BYTES, parseCapPercent, parseMeminfo } from './admission.js';

const GiB = 1024 ** 3;
const caps = { cpuPercent: 90, memPercent: 90 };

describe('admissionRefusal', () => {
  it("counts a session's own memory limit whole, and says so", () => {
    const u = { cpuCores: 4, memTotalBytes: 24 * GiB, cpuInUse: 0, memInUse: 10 * GiB };
    const caps = { cpuPercent: 90, memPercent: 90 };
    expect(admissionRefusal(u, caps, { memBytes: 11 * GiB })).toBeUndefined();
    expect(admissionRefusal(u, caps, { memBytes: 12 * GiB })).toMatch(/memory: 10\.0 GiB of 24\.0 GiB in use, cap 90 % \(21\.6 GiB\), this session's memory limit is 12\.0 GiB/);
    // CPU limits are ceilings, not reservations.
    expect(admissionRefusal(u, caps, { cpuCores: 3.5 })).toBeUndefined();
  });

  it('admits a start that fits under both caps', () => {
    expect(admissionRefusal({ cpuCores: 4, memTotalBytes: 24 * GiB, cpuInUse: 1, memInUse: 10 * GiB }, caps)).toBeUndefined();
  });

  it('refuses memory past the cap with the numbers', () => {
    const msg = admissionRefusal({ cpuCores: 4, memTotalBytes: 24 * GiB, cpuInUse: 0, memInUse: 21.7 * GiB }, caps);
    expect(msg).toBe('refusing to start: memory: 21.7 GiB of 24.0 GiB in use, cap 90 % (21.6 GiB), a new session needs about 64.0 MiB');
  });

  it('counts what the new session needs: just under the cap is still refused', () => {
    const memTotalBytes = 10 * GiB;
    const justUnder = memTotalBytes * 0.9 - NEW_SESSION_MEM_BYTES / 2;
    expect(admissionRefusal({ cpuCores: 4, memTotalBytes, cpuInUse: 0, memInUse: justUnder }, caps)).toMatch(/^refusing to start: memory/);
  });

  it('refuses CPU past the cap and names both when both are over', () => {
    const msg = admissionRefusal({ cpuCores: 2, memTotalBytes: GiB, cpuInUse: 1.9, memInUse: GiB }, caps);
    expect(msg).toContain('memory: 1.0 GiB of 1.0 GiB in use');
    expect(msg).toContain('cpu: 1.90 of 2 cores in use, cap 90 % (1.80 cores)');
  });

  it('honours a fractional cap', () => {
    const msg = admissionRefusal({ cpuCores: 2, memTotalBytes: 24 * GiB, cpuInUse: 0, memInUse: 0 }, { cpuPercent: 90, memPercent: 0.1 });
    expect(msg).toContain('cap 0.1 % (24.6 MiB)');
  });
});

describe('admit', () => {
  it('passes a start that fits and refuses one that does not with an error the client can branch on', async () => {
    const asked: string[] = [];
    const probe = {
      usage: async (parent: string) => {
        asked.push(parent);
        return { cpuCores: 2, memTotalBytes: 4 * GiB, cpuInUse: 0.1, memInUse: GiB };
      },
    };
    await expect(admit(probe, '/convocate.slice/convocate-sessions.slice', caps)).resolves.toBeUndefined();
    await expect(admit(probe, 'x.slice', { cpuPercent: 90, memPercent: 20 })).rejects.toMatchObject({
      code: 'unavailable',
      message: expect.stringMatching(/^refusing to start: memory: 1\.0 GiB of 4\.0 GiB in use, cap 20 %/),
    });
    expect(asked).toEqual(['/convocate.slice/convocate-sessions.slice', 'x.slice']);
  });
});

describe('parseCapPercent', () => {
  it('takes (0, 100] and refuses the rest clearly', () => {
    expect(parseCapPercent(90, 'x')).toBe(90);
    expect(parseCapPercent(0.5, 'x')).toBe(0.5);
    for (const bad of [0, -1, 101, Number.NaN, '90']) expect(() => parseCapPercent(bad, 'mem_cap_percent')).toThrow(/mem_cap_percent must be a number above 0 and at most 100/);
  });
});

describe('reading the host', () => {
  it('parses meminfo and formats sizes', () => {
    expect(parseMeminfo('MemTotal:       16384 kB\nMemAvailable:    8192 kB\nHugePages_Total:       0\n')).toEqual({ MemTotal: 16384 * 1024, MemAvailable: 8192 * 1024, HugePages_Total: 0 });
    expect(bytes(512)).toBe('512 B');
    expect(bytes(1536 * 1024)).toBe('1.5 MiB');
  });

  it('reads a cgroup v1 slice and falls back to host memory without one', async () => {
    const root = await mkdtemp(join(tmpdir(), 'admission-'));
    try {
      const proc = join(root, 'proc');
      const cg = join(root, 'cg');
      await mkdir(proc);
      await writeFile(join(proc, 'meminfo'), 'MemTotal: 1000 kB\nMemAvailable: 600 kB\n');
      await mkdir(join(cg, 'memory/convocate.slice/s.slice'), { recursive: true });
      await mkdir(join(cg, 'cpuacct/convocate.slice/s.slice'), { recursive: true });
      await writeFile(join(cg, 'memory/convocate.slice/s.slice/memory.usage_in_bytes'), '4096\n');
      await writeFile(join(cg, 'cpuacct/convocate.slice/s.slice/cpuacct.usage'), '123\n');
      const probe = new CgroupResourceProbe(cg, proc, 1);
      const slice = await probe.usage('/convocate.slice/s.slice');
      expect(slice).toMatchObject({ memTotalBytes: 1000 * 1024, memInUse: 4096, cpuInUse: 0 });
      const host = await probe.usage('');
      expect(host).toMatchObject({ memInUse: 400 * 1024, cpuInUse: 0 });
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });

  // As a stock Debian 12 / Ubuntu host has them: unified hierarchy, Docker's systemd driver,
  // --cgroup-parent convocate-sessions.slice living at convocate.slice/convocate-sessions.slice.
  it('reads a cgroup v2 slice by its systemd name and by a cgroupfs path', async () => {
    const root = await mkdtemp(join(tmpdir(), 'admission-v2-'));
    try {
      const proc = join(root, 'proc');
      const cg = join(root, 'cg');
      const slice = join(cg, 'convocate.slice/convocate-sessions.slice');
      await mkdir(proc);
      await writeFile(join(proc, 'meminfo'), 'MemTotal: 1000 kB\nMemAvailable: 600 kB\n');
      await mkdir(slice, { recursive: true });
      await writeFile(join(cg, 'cgroup.controllers'), 'cpuset cpu io memory pids\n');
      await writeFile(join(slice, 'memory.current'), '8192\n');
      await writeFile(join(slice, 'memory.stat'), 'anon 4096\ninactive_file 4096\n');
      await writeFile(join(slice, 'cpu.stat'), 'usage_usec 5000\nuser_usec 4000\nsystem_usec 1000\n');
      // A v1 file at the v2 path must not be what is read.
      await writeFile(join(slice, 'memory.usage_in_bytes'), '999999\n');
      const probe = new CgroupResourceProbe(cg, proc, 1);
      await expect(probe.usage('convocate-sessions.slice')).resolves.toMatchObject({ memTotalBytes: 1000 * 1024, memInUse: 8192, cpuInUse: 0 });
      await expect(probe.usage('/convocate.slice/convocate-sessions.slice')).resolves.toMatchObject({ memInUse: 8192 });
      // A slice nothing lives in yet: the host's used memory stands in, as without a parent.
      await expect(probe.usage('other.slice')).resolves.toMatchObject({ memInUse: 400 * 1024 });
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
});
