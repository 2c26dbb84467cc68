// A fake remote host for provisioning refusals: a private OpenSSH sshd on a
// loopback port whose forced command logs every command it is asked to run
// and answers `cat …/agent-id` with whatever the test plants. Nothing the
// provisioning asks for is ever executed, so the log shows exactly what it tried.
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from './measure.mjs';

const execFileP = promisify(execFile);

export interface FakeRemote {
  /** ssh config naming the hosts `fake-agent` and `fake-shell`, both this sshd. */
  sshConfig: string;
  /** What `cat /etc/convocate-agent/agent-id` prints. */
  plantAgentId(text: string): Promise<void>;
  /** Every command the remote was asked to run, in order. */
  commands(): Promise<string[]>;
  close(): Promise<void>;
}

export async function startFakeRemote(): Promise<FakeRemote> {
  const dir = await mkdtemp(join(tmpdir(), 'convocate-fake-remote-'));
  const port = await freePort();
  await execFileP('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(dir, 'host_key')]);
  await execFileP('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(dir, 'client_key')]);
  await writeFile(join(dir, 'authorized_keys'), await readFile(join(dir, 'client_key.pub')));
  await writeFile(join(dir, 'answer'), '');
  const script = join(dir, 'remote.sh');
  await writeFile(script, [
    '#!/bin/sh',
    `printf '%s\\n---\\n' "$SSH_ORIGINAL_COMMAND" >> ${join(dir, 'commands.log')}`,
    'case "$SSH_ORIGINAL_COMMAND" in',
    `  *convocate-agent/agent-id*) cat ${join(dir, 'answer')} ;;`,
    'esac',
    'exit 0',
    '',
  ].join('\n'));
  await chmod(script, 0o755);
  await writeFile(join(dir, 'sshd_config'), [
    `Port ${port}`,
    'ListenAddress 127.0.0.1',
    `HostKey ${join(dir, 'host_key')}`,
    `AuthorizedKeysFile ${join(dir, 'authorized_keys')}`,
    'PermitRootLogin prohibit-password',
    'PasswordAuthentication no',
    'KbdInteractiveAuthentication no',
    'UsePAM no',
    'StrictModes no',
    `PidFile ${join(dir, 'sshd.pid')}`,
    `ForceCommand ${script}`,
    '',
  ].join('\n'));
  await mkdir('/run/sshd', { recursive: true });
  const sshd: ChildProcess = spawn('/usr/sbin/sshd', ['-D', '-e', '-f', join(dir, 'sshd_config')], { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  sshd.stderr?.on('data', (b: Buffer) => (log = (log + b.toString()).slice(-4000)));
  const hostEntry = (alias: string) => [
    `Host ${alias}`,
    '  HostName 127.0.0.1',
    `  Port ${port}`,
    '  User root',
    `  IdentityFile ${join(dir, 'client_key')}`,
    '  IdentitiesOnly yes',
    `  UserKnownHostsFile ${join(dir, 'known_hosts')}`,
    '  StrictHostKeyChecking accept-new',
    '  ConnectTimeout 10',
  ].join('\n');
  const sshConfig = join(dir, 'ssh_config');
  await writeFile(sshConfig, `${hostEntry('fake-agent')}\n${hostEntry('fake-shell')}\n`);
  // Ready when it answers a command (bounded polling).
  const deadline = Date.now() + 15_000;
  for (let attempt = 0; ; attempt++) {
    const ok = await execFileP('ssh', ['-F', sshConfig, '-o', 'BatchMode=yes', 'fake-agent', 'true']).then(() => true, () => false);
    if (ok) break;
    if (Date.now() > deadline || attempt > 150 || sshd.exitCode !== null) throw new Error(`fake sshd did not come up: ${log}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  await writeFile(join(dir, 'commands.log'), '');
  return {
    sshConfig,
    plantAgentId: (text) => writeFile(join(dir, 'answer'), text),
    commands: async () => (await readFile(join(dir, 'commands.log'), 'utf8').catch(() => '')).split('\n---\n').filter((c) => c.trim() !== ''),
    close: async () => {
      sshd.kill('SIGTERM');
      await rm(dir, { recursive: true, force: true });
    },
  };
}
