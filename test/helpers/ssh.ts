// Small promise wrappers over ssh2's client and OpenSSH's `ssh` for transport tests.
import { spawn } from 'node:child_process';
import { Client, type ClientChannel, type ConnectConfig } from 'ssh2';

export function connect(port: number, config: Omit<ConnectConfig, 'host' | 'port'>): Promise<Client> {
  return new Promise((resolve, reject) => {
    const client = new Client();
    client.once('ready', () => resolve(client));
    // `on`, not `once`: a server that refuses us may also reset the socket, and a second error must not go unhandled.
    client.on('error', reject);
    client.connect({ host: '127.0.0.1', port, username: 'test', readyTimeout: 10_000, ...config });
  });
}

export function subsys(client: Client, name: string): Promise<ClientChannel> {
  return new Promise((resolve, reject) => client.subsys(name, (err, ch) => (err ? reject(err) : resolve(ch))));
}

/** Open a channel, send `input`, close our write half, and collect everything until the channel closes. */
export async function roundTrip(
  client: Client,
  name: string,
  input: string | Buffer,
  opts: { end?: boolean; timeoutMs?: number } = {},
): Promise<{ out: string; exit: number | undefined }> {
  const ch = await subsys(client, name);
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    let exit: number | undefined;
    const timer = setTimeout(() => reject(new Error(`no close within ${opts.timeoutMs ?? 10_000} ms`)), opts.timeoutMs ?? 10_000);
    ch.on('data', (b: Buffer) => parts.push(b));
    ch.on('exit', (code: number) => (exit = code));
    ch.on('close', () => {
      clearTimeout(timer);
      resolve({ out: Buffer.concat(parts).toString('utf8'), exit });
    });
    ch.on('error', reject);
    if (opts.end === false) ch.write(input);
    else ch.end(input);
  });
}

export interface SshResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function runSsh(args: string[], input: string, timeoutMs = 20_000): Promise<SshResult> {
  return new Promise((resolve, reject) => {
    const child = spawn('ssh', args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`ssh did not finish within ${timeoutMs} ms: ${stderr}`));
    }, timeoutMs);
    child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    child.stdin.end(input);
  });
}

/** Wait until `check()` is true, polling; fails with `what` after the deadline. */
export async function waitFor(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (let delay = 10; ; delay = Math.min(delay * 2, 200)) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, delay));
  }
}
