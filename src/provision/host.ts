// A provisioning target: `local` or an OpenSSH destination reached through the
// system `ssh`, one multiplexed (ControlMaster) connection per host. Scripts go
// on the command line and never carry secrets; data travels on stdin.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  /** Bytes or a stream for the script's stdin (a secret, a file, a tarball). */
  input?: string | Buffer | Readable;
  /** A non-zero exit is returned instead of thrown. */
  allowFail?: boolean;
  timeoutMs?: number;
}

export interface Host {
  /** What the operator typed: `local` or the ssh destination. */
  readonly name: string;
  /** Run a bash script as root on the host. */
  run(script: string, opts?: RunOptions): Promise<RunResult>;
  close(): Promise<void>;
}

export interface SshOptions {
  /** Passed as `ssh -F FILE`. */
  configFile?: string;
}

const DEFAULT_TIMEOUT_MS = 10 * 60_000;

export class HostError extends Error {
  constructor(
    readonly host: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export function openHost(target: string, ssh: SshOptions = {}): Host {
  // ssh would read a leading "-" as an option (-oProxyCommand=…).
  if (target.startsWith('-') || target.trim() === '') throw new HostError(target, `bad target ${JSON.stringify(target)}: want local or an ssh destination`);
  return target === 'local' ? new LocalHost() : new SshHost(target, ssh);
}

export class LocalHost implements Host {
  readonly name = 'local';
  run(script: string, opts: RunOptions = {}): Promise<RunResult> {
    const root = process.getuid?.() === 0;
    const [cmd, args] = root ? ['bash', ['-c', script]] : ['sudo', ['-n', 'bash', '-c', script]];
    return spawnRun(this.name, cmd, args as string[], opts);
  }
  async close(): Promise<void> {}
}

/** `ssh [-F cfg] -o ControlMaster=auto -o ControlPath=… dest -- bash -c '<script>'`, as root or through `sudo -n`. */
export class SshHost implements Host {
  private readonly controlDir = mkdtempSync(join(tmpdir(), 'convocate-host-ssh-'));
  private sudo: Promise<boolean> | undefined;

  constructor(
    readonly name: string,
    private readonly ssh: SshOptions,
  ) {}

  sshArgs(): string[] {
    const args = ['-o', 'ControlMaster=auto', '-o', `ControlPath=${join(this.controlDir, 'c')}`, '-o', 'ControlPersist=120', '-o', 'BatchMode=yes'];
    if (this.ssh.configFile) args.unshift('-F', this.ssh.configFile);
    return args;
  }

  async run(script: string, opts: RunOptions = {}): Promise<RunResult> {
    this.sudo ??= this.raw('id -u', {}).then((r) => r.stdout.trim() !== '0');
    const needsSudo = await this.sudo;
    return this.raw(needsSudo ? `sudo -n bash -c ${shellQuote(script)}` : script, opts);
  }

  private raw(script: string, opts: RunOptions): Promise<RunResult> {
    return spawnRun(this.name, 'ssh', [...this.sshArgs(), this.name, '--', 'bash', '-c', shellQuote(script)], opts);
  }

  async close(): Promise<void> {
    await spawnRun(this.name, 'ssh', [...this.sshArgs(), '-O', 'exit', this.name], { allowFail: true, timeoutMs: 10_000 }).catch(() => undefined);
    rmSync(this.controlDir, { recursive: true, force: true });
  }
}

export function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

function spawnRun(host: string, cmd: string, args: string[], opts: RunOptions): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.stdin.on('error', () => undefined); // the script may exit before reading all of stdin
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(new HostError(host, `cannot run ${cmd}: ${e.message}`, { cause: e }));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const result = { code: code ?? 128, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() };
      if (signal === 'SIGKILL') return reject(new HostError(host, `no answer within ${Math.round(timeoutMs / 1000)} s`));
      if (code === 255 && cmd === 'ssh') {
        return reject(new HostError(host, `ssh failed: ${lastLines(result.stderr)}`));
      }
      if (code !== 0 && !opts.allowFail) return reject(new HostError(host, `exit ${code}: ${lastLines(result.stderr || result.stdout)}`));
      resolve(result);
    });
    const input = opts.input;
    if (input === undefined) child.stdin.end();
    else if (typeof input === 'string' || Buffer.isBuffer(input)) child.stdin.end(input);
    else {
      input.on('error', (e) => child.stdin.destroy(e));
      input.pipe(child.stdin);
    }
  });
}

function lastLines(text: string, n = 4): string {
  // OpenSSH ends its warnings with \r\n.
  const lines = text.split(/\r?\n|\r/).map((l) => l.trim()).filter(Boolean);
  return lines.slice(-n).join(' | ') || '(no output)';
}
