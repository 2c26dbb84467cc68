import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { applyScript, factsAfter, keyOf, parseFacts, plan, probeScript, sha256, type Resource } from './desired-state.js';

const desired: Resource[] = [
  { kind: 'packages', names: ['docker.io', 'tmux'] },
  { kind: 'user', name: 'convocate', uid: 1337, home: '/home/convocate' },
  { kind: 'dir', path: '/etc/convocate', mode: 0o755 },
  { kind: 'file', path: '/etc/systemd/system/x.service', content: '[Unit]\n', mode: 0o644 },
  { kind: 'line', path: '/etc/convocate/status_authorized_keys', line: 'ssh-ed25519 AAAA x', mode: 0o600 },
  { kind: 'keypair', path: '/etc/convocate/status_host_key', comment: 'k' },
  { kind: 'link', path: '/opt/convocate/current', target: '/opt/convocate/1.0.0-abcdef12' },
];

describe('the step planner', () => {
  it('plans every resource on a fresh host', () => {
    const fresh = new Map([[keyOf(desired[0]!), 'docker.io tmux'], [keyOf(desired[4]!), 'no']]);
    const p = plan(desired, fresh);
    expect(p.map((s) => s.state)).toEqual(['create', 'create', 'create', 'create', 'create', 'create', 'create']);
    expect(p[0]!.detail).toBe('installing docker.io tmux');
  });

  it('is idempotent: after applying, a second run plans nothing but "already"', () => {
    const after = factsAfter(desired, new Map([[keyOf(desired[0]!), 'tmux']]));
    const second = plan(desired, after);
    expect(second.every((s) => s.state === 'already')).toBe(true);
    expect(second.map((s) => s.detail)).toEqual([
      'already installed: docker.io tmux',
      'already present: user convocate (uid 1337)',
      'already up to date: /etc/convocate',
      'already up to date: /etc/systemd/system/x.service',
      'already listed in /etc/convocate/status_authorized_keys',
      'already minted: /etc/convocate/status_host_key',
      'already /opt/convocate/current -> /opt/convocate/1.0.0-abcdef12',
    ]);
  });

  it('is idempotent for real: the scripts applied by bash leave the probe with nothing to do', () => {
    const root = mkdtempSync(join(tmpdir(), 'desired-state-'));
    try {
      const onDisk: Resource[] = [
        { kind: 'dir', path: join(root, 'etc'), mode: 0o750 },
        { kind: 'file', path: join(root, 'etc/x.service'), content: '[Unit]\nDescription=x\n', mode: 0o640 },
        { kind: 'line', path: join(root, 'etc/keys'), line: 'ssh-ed25519 AAAA x', mode: 0o600 },
        { kind: 'keypair', path: join(root, 'etc/host_key'), comment: 'k' },
        { kind: 'link', path: join(root, 'current'), target: join(root, 'v1') },
      ];
      const probe = () => plan(onDisk, parseFacts(execFileSync('bash', ['-c', probeScript(onDisk)], { encoding: 'utf8' })));
      const first = probe();
      expect(first.map((p) => p.state)).toEqual(['create', 'create', 'create', 'create', 'create']);
      for (const p of first) {
        const { script, input } = applyScript(p);
        execFileSync('bash', ['-c', script], { input: input ?? '', stdio: ['pipe', 'ignore', 'pipe'] });
      }
      const second = probe();
      expect(second.filter((p) => p.state !== 'already').map((p) => p.detail)).toEqual([]);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('sees a changed file, mode, link or uid as a change, not as done', () => {
    const after = factsAfter(desired);
    after.set('file:/etc/systemd/system/x.service', `${sha256('[Unit]\n')} 0600`);
    after.set('link:/opt/convocate/current', '/opt/convocate/0.9.0-00000000');
    after.set('user:convocate', '1000');
    const p = plan(desired, after);
    expect(p.filter((s) => s.state === 'change').map((s) => s.key)).toEqual(['user:convocate', 'file:/etc/systemd/system/x.service', 'link:/opt/convocate/current']);
    expect(p[6]!.detail).toBe('/opt/convocate/current -> /opt/convocate/1.0.0-abcdef12 (was /opt/convocate/0.9.0-00000000)');
    // A user with another uid is not silently changed: its script fails with the remedy.
    expect(applyScript(p[1]!).script).toContain('usermod -u 1337 convocate');
  });

  it('probes every resource in one script and reads its answer back', () => {
    const script = probeScript(desired);
    for (const r of desired) expect(script).toContain(`'${keyOf(r)}'`);
    expect(parseFacts('user:convocate\t1337\npackages:docker.io,tmux\t\nnoise\n')).toEqual(new Map([['user:convocate', '1337'], ['packages:docker.io,tmux', '']]));
  });

  it('sends file contents and lines on stdin, never on the command line', () => {
    const secretish = { kind: 'file', path: '/etc/x', content: 'SECRET-CONTENT', mode: 0o600 } as const;
    const p = plan([secretish], new Map())[0]!;
    const { script, input } = applyScript(p);
    expect(script).not.toContain('SECRET-CONTENT');
    expect(input).toBe('SECRET-CONTENT');
    const line = applyScript(plan([desired[4]!], new Map())[0]!);
    expect(line.script).not.toContain('AAAA');
    expect(line.input).toBe('ssh-ed25519 AAAA x');
  });
});
