// init-agent against a remote whose existing agent id is hostile (a path, an
// embedded newline): refused by the one agent-id rule before anything is
// written on either host. The remote is a real OpenSSH server that only logs.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeRemote, type FakeRemote } from '../helpers/fake-remote.js';

const BIN = fileURLToPath(new URL('../../dist/bin/convocate-host.js', import.meta.url));
let remote: FakeRemote;

function host(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = execFile(process.execPath, [BIN, ...args], { timeout: 240_000 }, (err, stdout, stderr) =>
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr }));
    child.stdin?.end();
  });
}

beforeAll(async () => {
  remote = await startFakeRemote();
}, 60_000);
afterAll(async () => {
  await remote?.close();
});

describe('init-agent and the remote agent id', () => {
  for (const [label, planted] of [
    ['a path', '../../../etc\n'],
    ['an embedded newline', 'gpu-1\nssh-ed25519 AAAA evil\n'],
    ['capitals and a slash', 'GPU/1\n'],
  ] as const) {
    it(`refuses an id that is ${label}, and writes nothing on either host`, async () => {
      await remote.plantAgentId(planted);
      const before = (await remote.commands()).length;
      const r = await host(['--ssh-config', remote.sshConfig, 'init-agent', 'fake-agent', '--shell', 'fake-shell']);
      expect(r.code, r.stdout + r.stderr).toBe(1);
      expect(r.stdout).toContain('[fake-agent] agent id: FAILED');
      expect(r.stderr).toContain('/etc/convocate-agent/agent-id on this host is refused: agent id ');
      expect(r.stderr).toContain('is invalid: use lowercase letters, digits and "-"');
      // The control characters of the planted id are shown escaped, never raw.
      expect(r.stderr).not.toContain('ssh-ed25519 AAAA evil\n');
      // Only reads reached the remote: who am I, and the id itself.
      const asked = (await remote.commands()).slice(before).filter((c) => c !== "bash -c 'id -u'");
      expect(asked).toHaveLength(1);
      expect(asked[0]).toContain('cat /etc/convocate-agent/agent-id');
    }, 300_000);
  }

  it('status shows what the host says only after the sanitiser', async () => {
    await remote.plantAgentId('agent id: gpu-1\u001b]52;c;cm0gLXJmIH4=\u0007 reports to x\n');
    const r = await host(['--ssh-config', remote.sshConfig, 'status', 'fake-agent']);
    expect(r.stdout).toContain('[fake-agent] agent id: gpu-1 reports to x');
    expect(r.stdout).not.toContain('\u001b');
  }, 120_000);
});
