// convocate-host's refusals that need no host: bad flags and targets are
// refused before anything is touched, and an unreachable host fails with the
// host, the step and a remedy.
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const BIN = fileURLToPath(new URL('../../dist/bin/convocate-host.js', import.meta.url));
let dir: string;

function host(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = execFile(process.execPath, [BIN, ...args], { timeout: 60_000 }, (err, stdout, stderr) =>
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr }));
    child.stdin?.end();
  });
}

/** A loopback port with nothing listening on it. */
function closedPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'convocate-host-cli-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('convocate-host refuses bad input clearly', () => {
  it('a bad agent id or address, before building or connecting anything', async () => {
    const id = await host(['init-agent', 'a', '--shell', 's', '--agent-id', 'XYZ']);
    expect(id.code).toBe(1);
    expect(id.stdout).toBe('');
    expect(id.stderr).toBe(
      'convocate-host: bad --agent-id: agent id "XYZ" is invalid: use lowercase letters, digits and "-", starting with a letter, at most 32 characters (or 8 hex characters)\n',
    );
    const path = await host(['init-agent', 'a', '--shell', 's', '--agent-id', '../etc']);
    expect(path.stderr).toContain('bad --agent-id: agent id "../etc" is invalid');
    const addr = await host(['init-agent', 'a', '--shell', 's', '--address', 'a:b:c']);
    expect(addr.stderr).toBe('convocate-host: bad --address "a:b:c": want HOST or HOST:PORT\n');
  });

  it('a target that ssh would read as an option, and a missing ssh config', async () => {
    const r = await host(['status', '--', '-oProxyCommand=touch /tmp/x']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('bad target "-oProxyCommand=touch /tmp/x": want local or an ssh destination');
    const cfg = await host(['--ssh-config', join(dir, 'nope'), 'status', 'h']);
    expect(cfg.stderr).toBe(`convocate-host: --ssh-config ${join(dir, 'nope')}: no such file\n`);
  });

  it('an unreachable host names the host, the step and the remedy', async () => {
    const cfg = join(dir, 'ssh_config');
    await writeFile(cfg, `Host deadhost\n  HostName 127.0.0.1\n  Port ${await closedPort()}\n  ConnectTimeout 5\n`);
    const r = await host(['--ssh-config', cfg, 'status', 'deadhost']);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('[deadhost] status: FAILED');
    expect(r.stderr).toMatch(/^convocate-host: deadhost: step "status" failed: ssh failed: .*Connection refused/);
    expect(r.stderr).toContain('remedy: fix the cause above, then run the same command again');
  });
});
