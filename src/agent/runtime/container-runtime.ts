// The agent's only view of a container engine. DockerRuntime implements it on
// the Docker Engine API; unit tests use FakeRuntime.
import type { Duplex } from 'node:stream';
import type { Protocol, ResourceView } from '../../protocol/session.js';

export const SESSION_LABEL = 'convocate.session';
export const AGENT_LABEL = 'convocate.agent';
export const CONTAINER_USER = 'convocate';
export const CONTAINER_HOME = '/home/convocate';
export const TMUX_SESSION = 'claude';

export function containerName(uuid: string): string {
  return `convocate-session-${uuid}`;
}

export function containerHostname(uuid: string): string {
  return `convocate-${uuid.slice(0, 8)}`;
}

/** Everything `docker run --detach` needs for one session (SPEC §3). */
export interface RunSpec {
  uuid: string;
  agentId: string;
  image: string;
  /** Host path bind-mounted at /home/convocate. */
  homeDir: string;
  /** 0 = publish nothing. */
  port: number;
  protocol: Protocol;
  /** `--dns`; omitted when DNS is not configured. */
  dnsServer?: string;
  cgroupParent?: string;
  /** Session environment, `NAME=value`. */
  env?: string[];
  /** Docker network to join instead of the default bridge; empty or absent for the default. */
  network?: string;
}

export interface ContainerInfo {
  /** Session uuid from the `convocate.session` label. */
  uuid: string;
  containerId: string;
  running: boolean;
  image: string;
  /** When the container was created (ms since epoch, whole seconds); a new one is made at every start. */
  createdAt?: number;
}

export interface PtyExec {
  stream: Duplex;
  resize(cols: number, rows: number): Promise<void>;
  /** Resolves with the process's exit code once the stream has ended. */
  exit: Promise<number>;
}

export interface PipeExec {
  stdin: NodeJS.WritableStream;
  stdout: NodeJS.ReadableStream;
  /** Ends stdin and stops reading; the process exits when its stdin closes. */
  close(): void;
}

export interface ExecResult {
  exitCode: number;
  output: string;
}

export interface ContainerRuntime {
  /** Fails with a ConvocateError('unavailable') that says how to reach Docker. */
  ping(): Promise<void>;
  /** Create and start; a leftover stopped container of the same name is removed first. */
  run(spec: RunSpec): Promise<void>;
  /** SIGTERM, then SIGKILL after `graceSeconds`; then remove the container. No-op when absent. */
  stop(uuid: string, graceSeconds?: number): Promise<void>;
  /** One labelled list call for every session container, running or not. */
  list(): Promise<ContainerInfo[]>;
  /** Wait until the tmux session `claude` exists in the container. */
  waitReady(uuid: string, timeoutMs?: number): Promise<void>;
  /** Exec with a TTY as `user`; the stream is raw bytes both ways. */
  execPty(uuid: string, cmd: string[], opts: { user: string; cols: number; rows: number; env?: string[] }): Promise<PtyExec>;
  /** Exec without a TTY; collects output. */
  exec(uuid: string, cmd: string[], opts?: { user?: string }): Promise<ExecResult>;
  imageExists(tag: string): Promise<boolean>;
  /** A long-lived exec without a TTY: stdin in, stdout and stderr merged out; ending stdin ends it. */
  execPipe?(uuid: string, cmd: string[], opts: { user: string }): Promise<PipeExec>;
  /** Docker's one-shot stats of one container: the fallback where its cgroup files cannot be read. */
  oneShotStats?(containerId: string): Promise<ResourceView>;
}
