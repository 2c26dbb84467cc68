// ContainerRuntime on the Docker Engine API (dockerode over the daemon socket):
// one API call per operation, never the `docker` CLI (SPEC §3). Every call has a
// deadline (a hung daemon fails the op `unavailable` and so releases its lock),
// exec output is capped, and container text in errors is sanitised.
import { randomUUID } from 'node:crypto';
import { PassThrough, type Duplex } from 'node:stream';
import type Docker from 'dockerode';
import { DockerClient } from './dockerode.js';
import { ConvocateError, errors } from '../../protocol/errors.js';
import { sanitizeText } from '../../protocol/sanitise.js';
import type { ResourceView } from '../../protocol/session.js';
import { createOptions } from './container-options.js';
import { runOneOff } from './docker-one-off.js';
import { sizedCommand } from './sized-command.js';
import { ensureSessionsNetwork, inspectNetwork } from './docker-networks.js';
import { causeText, ignoreStatus, imageMissing, lastLines, notRunning, statusOf, wrap } from './docker-errors.js';
import {
  CONTAINER_HOME,
  SESSION_LABEL,
  TMUX_SESSION,
  containerName,
  type ContainerInfo,
  type ContainerRuntime,
  type ExecOptions,
  type ExecResult,
  type OneOffSpec,
  type NetworkInfo,
  type PipeExec,
  type PtyExec,
  type RunSpec,
} from './container-runtime.js';

/** The entrypoint prints this once tmux session `claude` exists. */
export const READY_LINE = 'convocate: ready';
// Docker swallows its detach sequence from a hijacked stdin and holds back each
// byte that starts it (ctrl-p by default, shell history); pick one nobody types.
const DETACH_KEYS = 'ctrl-^,ctrl-@,ctrl-^,ctrl-@';
// Tags every process of one PTY exec so that it can be hung up by marker.
const PTY_MARKER = 'CONVOCATE_PTY';
const HANGUP_SCRIPT =
  'for d in /proc/[0-9]*; do { tr "\\0" "\\n" <"$d/environ"; } 2>/dev/null | grep -qxF "$1" && kill -HUP "${d#/proc/}"; done; true';

export interface DockerRuntimeLimits {
  /** Deadline of one Engine API call (a stop adds its grace period). */
  callTimeoutMs: number;
  /** Deadline of a whole non-TTY exec. */
  execTimeoutMs: number;
  /** Output kept from a non-TTY exec; the rest is dropped and the exec hung up. */
  execOutputMaxBytes: number;
}

export const DEFAULT_DOCKER_LIMITS: DockerRuntimeLimits = {
  callTimeoutMs: 20_000,
  execTimeoutMs: 30_000,
  execOutputMaxBytes: 1024 * 1024,
};

export class DockerRuntime implements ContainerRuntime {
  private readonly docker: Docker;
  private readonly limits: DockerRuntimeLimits;

  constructor(docker?: Docker, limits: Partial<DockerRuntimeLimits> = {}) {
    // dockerode reads DOCKER_HOST itself and falls back to /var/run/docker.sock.
    this.docker = docker ?? new DockerClient();
    this.limits = { ...DEFAULT_DOCKER_LIMITS, ...limits };
  }

  /** Fail with `unavailable` when Docker does not answer `what` in time; the call itself is abandoned. */
  private within<T>(what: string, p: Promise<T>, extraMs = 0): Promise<T> {
    const ms = this.limits.callTimeoutMs + extraMs;
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new ConvocateError('unavailable', `Docker at ${this.where()} did not answer ${what} within ${ms} ms`)), ms);
    });
    // A late rejection of the abandoned call must not surface as unhandled.
    p.catch(() => undefined);
    return Promise.race([p, late]).finally(() => clearTimeout(timer));
  }

  async ping(): Promise<void> {
    try {
      await this.within('ping', this.docker.ping());
    } catch (err) {
      throw new ConvocateError(
        'unavailable',
        `cannot reach Docker at ${this.where()}: ${causeText(err)}. Install it with \`apt-get install -y docker.io\` and start \`dockerd\``,
        { cause: err },
      );
    }
  }

  networkInfo(name: string): Promise<NetworkInfo | undefined> {
    return inspectNetwork(this.docker, (what, p) => this.within(what, p), name);
  }

  /** In flight once per runtime: concurrent starts must not each create the network. */
  private networkPending: Promise<string> | undefined;

  ensureSessionsNetwork(): Promise<string> {
    this.networkPending ??= ensureSessionsNetwork(this.docker, (what, p) => this.within(what, p)).finally(() => {
      this.networkPending = undefined;
    });
    return this.networkPending;
  }

  async run(spec: RunSpec): Promise<void> {
    const name = containerName(spec.uuid);
    await ignoreStatus(this.within(`remove ${name}`, this.docker.getContainer(name).remove({ force: true })), 404);
    const publish = spec.port > 0;
    let container: Docker.Container;
    try {
      container = await this.within(`create ${name}`, this.docker.createContainer(createOptions(spec)));
    } catch (err) {
      if (err instanceof ConvocateError) throw err;
      if (statusOf(err) === 404 && /image/i.test(causeText(err))) throw imageMissing(spec.image, err);
      throw wrap(`create container ${name}`, err);
    }
    try {
      await spec.beforeStart?.();
      await this.within(`start ${name}`, container.start());
    } catch (err) {
      // A container that never started is useless and would show as stopped in list().
      await ignoreStatus(this.within(`remove ${name}`, container.remove({ force: true })), 404).catch(() => undefined);
      if (err instanceof ConvocateError) throw err;
      if (publish && /port is already allocated|address already in use|bind for/i.test(causeText(err))) {
        throw errors.portInUse(spec.port, spec.protocol);
      }
      throw wrap(`start container ${name}`, err);
    }
  }

  async stop(uuid: string, graceSeconds = 10): Promise<void> {
    const name = containerName(uuid);
    const container = this.docker.getContainer(name);
    await ignoreStatus(this.within(`stop ${name}`, container.stop({ t: graceSeconds }), graceSeconds * 1000), 304, 404);
    // 409: Docker is already removing it, which is what we want.
    await ignoreStatus(this.within(`remove ${name}`, container.remove({ force: true })), 404, 409);
  }

  async pause(uuid: string): Promise<void> {
    const name = containerName(uuid);
    // 404: gone; 409: not running (nothing to freeze) or already paused.
    await ignoreStatus(this.within(`pause ${name}`, this.docker.getContainer(name).pause()), 404, 409);
  }

  async unpause(uuid: string): Promise<void> {
    const name = containerName(uuid);
    await ignoreStatus(this.within(`unpause ${name}`, this.docker.getContainer(name).unpause()), 404, 409);
  }

  async list(): Promise<ContainerInfo[]> {
    const rows = await this.within('list containers', this.docker.listContainers({ all: true, filters: { label: [SESSION_LABEL] } }));
    return rows.map((row) => ({
      uuid: row.Labels[SESSION_LABEL] ?? '',
      containerId: row.Id,
      running: row.State === 'running',
      image: row.Image,
      createdAt: typeof row.Created === 'number' ? row.Created * 1000 : undefined,
    }));
  }

  async waitReady(uuid: string, timeoutMs = 15_000): Promise<void> {
    const container = this.docker.getContainer(containerName(uuid));
    const info = await this.within(`inspect ${containerName(uuid)}`, container.inspect()).catch((err: unknown) => {
      if (err instanceof ConvocateError) throw err;
      throw statusOf(err) === 404 ? errors.notFound(uuid) : wrap(`inspect ${containerName(uuid)}`, err);
    });
    if (!info.State.Running) throw notRunning(uuid, info.State.ExitCode);
    let logs: NodeJS.ReadableStream;
    try {
      logs = await this.within(`logs of ${containerName(uuid)}`, container.logs({ follow: true, stdout: true, stderr: true }));
    } catch (err) {
      if (err instanceof ConvocateError) throw err;
      // A logging driver that cannot be read (e.g. "none"): ask tmux instead.
      return this.pollReady(uuid, Date.now() + timeoutMs);
    }
    return new Promise<void>((resolve, reject) => {
      const lines = new PassThrough();
      let seen = '';
      const finish = (err?: Error): void => {
        clearTimeout(timer);
        (logs as unknown as Duplex).destroy();
        if (err) reject(err);
        else resolve();
      };
      const timer = setTimeout(
        () => finish(new ConvocateError('internal', `session ${uuid} not ready after ${timeoutMs} ms: ${lastLines(seen)}`)),
        timeoutMs,
      );
      lines.on('data', (b: Buffer) => {
        seen = (seen + b.toString()).slice(-4000);
        if (seen.split('\n').some((l) => l.trim() === READY_LINE)) finish();
      });
      logs.on('end', () => finish(notRunning(uuid, undefined, seen)));
      logs.on('error', (err: Error) => finish(wrap(`follow logs of ${containerName(uuid)}`, err)));
      this.docker.modem.demuxStream(logs, lines, lines);
    });
  }

  async execPty(uuid: string, cmd: string[], opts: { user: string; cols: number; rows: number; env?: string[] }): Promise<PtyExec> {
    const marker = `${PTY_MARKER}=${randomUUID()}`;
    const exec = await this.within(`exec in ${containerName(uuid)}`, this.container(uuid).exec({
      Cmd: sizedCommand(cmd, opts.cols, opts.rows),
      User: opts.user,
      Tty: true,
      AttachStdin: true,
      AttachStdout: true,
      AttachStderr: true,
      DetachKeys: DETACH_KEYS,
      // Honoured from API 1.42; older daemons rely on the resize below.
      ConsoleSize: [opts.rows, opts.cols],
      Env: [...(opts.env ?? []), marker],
      WorkingDir: CONTAINER_HOME,
    })).catch((err: unknown) => {
      if (err instanceof ConvocateError) throw err;
      throw statusOf(err) === 404 ? errors.notFound(uuid) : wrap(`exec in ${containerName(uuid)}`, err);
    });
    const stream = (await this.within(`start exec in ${containerName(uuid)}`, exec.start({ hijack: true, stdin: true, Tty: true }))) as Duplex;
    const resize = async (cols: number, rows: number): Promise<void> => {
      await ignoreStatus(this.within('resize', exec.resize({ h: rows, w: cols })), 404, 409, 500);
    };
    await resize(opts.cols, opts.rows);
    const exit = new Promise<number>((resolve) => {
      stream.once('close', () => {
        this.reap(uuid, exec, opts.user, marker).then(resolve, () => resolve(-1));
      });
    });
    return { stream, resize, exit };
  }

  async exec(uuid: string, cmd: string[], opts: ExecOptions = {}): Promise<ExecResult> {
    const name = containerName(uuid);
    const exec = await this.within(`exec in ${name}`, this.container(uuid).exec({ Cmd: cmd, User: opts.user ?? '', Env: opts.env, AttachStdout: true, AttachStderr: true })).catch(
      (err: unknown) => {
        if (err instanceof ConvocateError) throw err;
        throw statusOf(err) === 404 ? errors.notFound(uuid) : wrap(`exec in ${name}`, err);
      },
    );
    const stream = await this.within(`start exec in ${name}`, exec.start({ hijack: true, stdin: false }));
    const max = opts.maxBytes ?? this.limits.execOutputMaxBytes;
    const sink = new PassThrough();
    const chunks: Buffer[] = [];
    let kept = 0;
    let truncated = false;
    sink.on('data', (b: Buffer) => {
      if (kept >= max) return;
      const part = b.subarray(0, max - kept);
      chunks.push(part);
      kept += part.length;
      if (kept >= max && !truncated) {
        // Enough: hang up rather than buffer what a container may stream forever.
        truncated = true;
        (stream as unknown as Duplex).destroy();
      }
    });
    this.docker.modem.demuxStream(stream, sink, sink);
    const ended = new Promise<void>((resolve, reject) => {
      stream.once('end', resolve);
      stream.once('close', resolve);
      stream.once('error', (err: Error) => (truncated ? resolve() : reject(err)));
    });
    const ms = this.limits.execTimeoutMs;
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        (stream as unknown as Duplex).destroy();
        reject(new ConvocateError('unavailable', `exec ${sanitizeText(cmd.join(' '), { max: 80 })} in ${name} did not finish within ${ms} ms`));
      }, ms);
    });
    try {
      await Promise.race([ended, late]);
    } finally {
      clearTimeout(timer);
    }
    sink.end();
    const exitCode = truncated ? undefined : await waitExit(exec, Date.now() + 5_000, this.limits.callTimeoutMs);
    return { exitCode: exitCode ?? -1, output: Buffer.concat(chunks).toString('utf8'), truncated };
  }

  runOneOff(spec: OneOffSpec): Promise<ExecResult> {
    return runOneOff(this.docker, spec, { within: (what, p, extraMs) => this.within(what, p, extraMs), limits: this.limits });
  }


  async execPipe(uuid: string, cmd: string[], opts: { user: string }): Promise<PipeExec> {
    const name = containerName(uuid);
    const exec = await this.within(`exec in ${name}`, this.container(uuid).exec({ Cmd: cmd, User: opts.user, AttachStdin: true, AttachStdout: true, AttachStderr: true })).catch(
      (err: unknown) => {
        throw statusOf(err) === 404 ? errors.notFound(uuid) : err instanceof ConvocateError ? err : wrap(`exec in ${name}`, err);
      },
    );
    const stream = (await this.within(`start exec in ${name}`, exec.start({ hijack: true, stdin: true }))) as Duplex;
    const stdout = new PassThrough();
    this.docker.modem.demuxStream(stream, stdout, stdout);
    stream.once('end', () => stdout.end());
    stream.once('close', () => stdout.end());
    stream.once('error', () => stdout.end());
    return {
      stdin: stream,
      stdout,
      close: () => {
        stream.end();
        stream.destroy();
      },
    };
  }

  async imageExists(tag: string): Promise<boolean> {
    try {
      await this.within(`inspect image ${tag}`, this.docker.getImage(tag).inspect());
      return true;
    } catch (err) {
      if (err instanceof ConvocateError) throw err;
      if (statusOf(err) === 404) return false;
      throw wrap(`inspect image ${tag}`, err);
    }
  }

  async oneShotStats(containerId: string): Promise<ResourceView> {
    const stats = this.docker.getContainer(containerId).stats({ stream: false, 'one-shot': true } as { stream: false });
    const s = (await this.within('container stats', stats)) as unknown as OneShot;
    const cpuDelta = (s.cpu_stats?.cpu_usage?.total_usage ?? 0) - (s.precpu_stats?.cpu_usage?.total_usage ?? 0);
    const sysDelta = (s.cpu_stats?.system_cpu_usage ?? 0) - (s.precpu_stats?.system_cpu_usage ?? 0);
    const cpus = s.cpu_stats?.online_cpus ?? 1;
    const usage = s.memory_stats?.usage;
    const inactive = s.memory_stats?.stats?.total_inactive_file ?? s.memory_stats?.stats?.inactive_file ?? 0;
    return {
      // One-shot stats carry no previous sample on some daemons: then the CPU is not measurable.
      cpu_percent: sysDelta > 0 && cpuDelta >= 0 ? Math.round((cpuDelta / sysDelta) * cpus * 1000) / 10 : null,
      mem_bytes: typeof usage === 'number' ? Math.max(0, usage - inactive) : null,
    };
  }

  private where(): string {
    const modem = this.docker.modem as { socketPath?: unknown; host?: unknown; port?: unknown };
    if (typeof modem.socketPath === 'string') return modem.socketPath;
    if (typeof modem.host === 'string') return `${modem.host}:${String(modem.port ?? '')}`;
    return process.env.DOCKER_HOST ?? '/var/run/docker.sock';
  }

  private container(uuid: string): Docker.Container {
    return this.docker.getContainer(containerName(uuid));
  }

  private async pollReady(uuid: string, deadline: number): Promise<void> {
    for (let attempt = 0; attempt < 200 && Date.now() < deadline; attempt++) {
      const r = await this.exec(uuid, ['tmux', 'has-session', '-t', TMUX_SESSION], { user: 'convocate' }).catch(() => undefined);
      if (r?.exitCode === 0) return;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new ConvocateError('internal', `session ${uuid} not ready: tmux session ${TMUX_SESSION} never appeared`);
  }

  /**
   * Docker keeps an exec running after its client hangs up (there is no exec
   * kill call), so a closed stream is turned into SIGHUP for the processes
   * carrying this exec's marker, like a terminal hangup would. It runs as the
   * exec's own user: without CAP_SYS_PTRACE even root cannot read another
   * uid's environment.
   */
  private async reap(uuid: string, exec: Docker.Exec, user: string, marker: string): Promise<number> {
    const early = await waitExit(exec, Date.now() + 200, this.limits.callTimeoutMs);
    if (early !== undefined) return early;
    await this.exec(uuid, ['sh', '-c', HANGUP_SCRIPT, 'sh', marker], { user }).catch(() => undefined);
    return (await waitExit(exec, Date.now() + 3_000, this.limits.callTimeoutMs)) ?? -1;
  }
}

interface OneShot {
  cpu_stats?: { cpu_usage?: { total_usage?: number }; system_cpu_usage?: number; online_cpus?: number };
  precpu_stats?: { cpu_usage?: { total_usage?: number }; system_cpu_usage?: number };
  memory_stats?: { usage?: number; stats?: { total_inactive_file?: number; inactive_file?: number } };
}

/** Poll an exec until it stops running; undefined when the deadline passes first. */
async function waitExit(exec: Docker.Exec, deadline: number, callTimeoutMs: number): Promise<number | undefined> {
  for (let attempt = 0; attempt < 100; attempt++) {
    const left = Math.max(0, Math.min(callTimeoutMs, deadline - Date.now()) + 100);
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), left)));
    const info = await Promise.race([exec.inspect().catch(() => undefined), late]).finally(() => clearTimeout(timer));
    if (!info) return undefined;
    if (!info.Running) return info.ExitCode ?? -1;
    if (Date.now() >= deadline) return undefined;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  return undefined;
}

