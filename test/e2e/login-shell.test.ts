// The TUI as a user's login shell under a real OpenSSH sshd on loopback,
// reached with `ssh -tt` from a real pty: the menu comes up, keys work, and Q
// ends the SSH session. The user is a throwaway system account whose login
// shell is a small script; it needs no Docker access because its shell talks
// to a `convocate-agent serve` over SSH.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { VERSION } from '../../src/protocol/version.js';
import { freePort } from '../helpers/measure.mjs';
import { startAgentProcess, type AgentProcess } from '../helpers/agent-process.js';
import { CONVOCATE_BIN, runCli } from '../helpers/cli.js';
import { requireDocker, waitFor } from '../helpers/docker.js';
import { rowOf, shellQuote } from '../helpers/tui-e2e.js';
import { TuiPty } from '../helpers/tui-pty.js';

const run = promisify(execFile);

const user = `convocate-e2e-${randomBytes(3).toString('hex')}`;
let root: string;
let agent: AgentProcess | undefined;
let sshd: ChildProcess | undefined;
let sshdLog = '';
let sshPort: number;
let userCreated = false;
let pty: TuiPty | undefined;
let shellEnv: NodeJS.ProcessEnv;

async function userPids(): Promise<number[]> {
  const r = await run('pgrep', ['-u', user]).catch(() => ({ stdout: '' }));
  return r.stdout.split('\n').filter(Boolean).map(Number);
}

function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1');
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

beforeAll(async () => {
  await requireDocker();
  root = await mkdtemp(join(tmpdir(), 'convocate-login-'));
  // mkdtemp makes 0700 dirs; the login user must reach its script and config.
  await chmod(root, 0o755);
  agent = await startAgentProcess('login');
  const shellDir = join(root, 'shell');
  const stateDir = join(root, 'state');
  await agent.registerIn(shellDir);
  await mkdir(stateDir, { recursive: true });
  shellEnv = {
    CONVOCATE_CONFIG_DIR: shellDir,
    CONVOCATE_STATE_DIR: stateDir,
    // Never used while an agent is registered, but never the production default either.
    CONVOCATE_SESSIONS_DIR: join(root, 'sessions'),
    CONVOCATE_AGENT_CONFIG_DIR: join(root, 'agent'),
  };

  const script = join(root, 'login-shell');
  const exports = Object.entries(shellEnv).map(([k, v]) => `export ${k}=${shellQuote(v!)}`);
  await writeFile(
    script,
    ['#!/bin/sh', ...exports, `exec ${shellQuote(process.execPath)} ${shellQuote(CONVOCATE_BIN)}`, ''].join('\n'),
    { mode: 0o755 },
  );
  await chmod(script, 0o755);

  await run('useradd', ['--system', '--create-home', '--home-dir', join(root, 'home'), '--shell', script, user]);
  userCreated = true;
  // useradd leaves the password `!`, which sshd without PAM takes as a locked account.
  await run('usermod', ['-p', '*', user]);
  // The shell reads its agent key (0600), so the registry belongs to the user.
  await run('chown', ['-R', user, shellDir, stateDir]);

  await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(root, 'host_key')]);
  await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(root, 'client_key')]);
  await writeFile(join(root, 'authorized_keys'), await readFile(join(root, 'client_key.pub')), { mode: 0o644 });
  sshPort = await freePort();
  const config = join(root, 'sshd_config');
  await writeFile(
    config,
    [
      `Port ${sshPort}`,
      'ListenAddress 127.0.0.1',
      `HostKey ${join(root, 'host_key')}`,
      `PidFile ${join(root, 'sshd.pid')}`,
      `AuthorizedKeysFile ${join(root, 'authorized_keys')}`,
      'UsePAM no',
      'StrictModes no',
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      'PubkeyAuthentication yes',
      `AllowUsers ${user}`,
      'PrintMotd no',
      'PrintLastLog no',
      '',
    ].join('\n'),
  );
  // Privilege separation needs this directory; a fresh container may not have it.
  await mkdir('/run/sshd', { recursive: true, mode: 0o755 });
  const child = spawn('/usr/sbin/sshd', ['-D', '-e', '-f', config], { stdio: ['ignore', 'pipe', 'pipe'] });
  sshd = child;
  child.stdout.on('data', (b: Buffer) => (sshdLog += b.toString()));
  child.stderr.on('data', (b: Buffer) => (sshdLog += b.toString()));
  await waitFor(
    `sshd listening on ${sshPort}`,
    async () => {
      if (child.exitCode !== null) throw new Error(`sshd exited with ${child.exitCode}:\n${sshdLog}`);
      return (await listening(sshPort)) ? true : undefined;
    },
    15_000,
  );
});

afterEach(async (t) => {
  if (t.task.result?.state !== 'fail') return;
  if (pty) console.error(`screen at failure:\n${await pty.screen().catch(() => '')}`);
  console.error(`sshd log:\n${sshdLog}\nagent log:\n${agent?.log()}`);
});

afterAll(async () => {
  await pty?.close();
  if (sshd && sshd.exitCode === null) {
    const exited = new Promise((resolve) => sshd!.once('exit', resolve));
    sshd.kill('SIGTERM');
    await exited;
  }
  if (userCreated) {
    // Whatever the test started as that user (its login shell) goes first: userdel refuses a user with processes.
    for (const pid of await userPids()) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // Already gone.
      }
    }
    await waitFor('the test user to have no processes', async () => ((await userPids()).length === 0 ? true : undefined), 10_000);
    await run('userdel', ['-r', user]).catch((err: Error) => console.error(`userdel ${user}: ${err.message}`));
  }
  await agent?.cleanup();
  if (root) await rm(root, { recursive: true, force: true });
});

describe('convocate as a login shell over OpenSSH', () => {
  it('ssh -tt brings up the menu, S works, and Q ends the SSH session', async () => {
    const created = await runCli(['new', 'over-ssh'], { ...process.env, ...shellEnv });
    expect(created.code, created.stderr).toBe(0);

    const ssh = [
      'ssh', '-tt', '-F', '/dev/null', '-p', String(sshPort), '-i', join(root, 'client_key'), '-o', 'IdentitiesOnly=yes',
      '-o', 'StrictHostKeyChecking=no', '-o', 'UserKnownHostsFile=/dev/null', '-o', 'LogLevel=ERROR', `${user}@127.0.0.1`,
    ];
    pty = await TuiPty.start(ssh.map(shellQuote).join(' '), { cols: 120, rows: 40 });
    const screen = await pty.waitFor((s) => rowOf(s, 'over-ssh') !== undefined, 'the menu with the session', 30_000);
    expect(screen).toMatch(/^convocate\s/m);
    expect(screen).toContain('Enter attach');
    expect(rowOf(screen, 'over-ssh')!.line).toContain(agent!.agentId);
    // The TUI really is the user's login shell, not something root runs.
    expect((await userPids()).length).toBeGreaterThan(0);

    await pty.type('S');
    const settings = await pty.waitForText('│ Settings');
    expect(settings).toContain(`convocate ${VERSION}`);
    expect(settings).toMatch(new RegExp(`${agent!.agentId}\\s.*\\breachable`));
    await pty.keys('Escape');
    await pty.waitForNoText('│ Settings');

    await pty.type('Q');
    // ssh exits with the remote shell's status.
    await pty.waitForText('[exit 0]', 15_000);
    await waitFor('the login shell to end', async () => ((await userPids()).length === 0 ? true : undefined), 15_000);
  });
});
