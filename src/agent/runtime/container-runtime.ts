// The agent's only view of a container engine. DockerRuntime implements it on
// the Docker Engine API; unit tests use FakeRuntime.
import { createHash } from 'node:crypto';
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

/** The agent's own network: inter-container traffic off, so sessions reach each other only through published ports. */
export const SESSIONS_NETWORK = 'convocate-sessions';
/** Networks carrying a label with this prefix are convocate's (its own, or marked so by an operator). */
export const NETWORK_LABEL_PREFIX = 'convocate.';
export const SESSIONS_NETWORK_LABEL = 'convocate.network';

/**
 * What the image needs after `--cap-drop ALL`: the entrypoint fits the user to
 * the home (CHOWN, FOWNER, DAC_OVERRIDE), runuser and sudo switch users
 * (SETUID, SETGID, AUDIT_WRITE), apt-get drops to `_apt` and sets modes
 * (FSETID), and sudo's user may signal its own processes (KILL). Gone: MKNOD
 * (device nodes in a host-backed home), NET_RAW (forged packets, ARP
 * spoofing), SETFCAP, SETPCAP, SYS_CHROOT, NET_BIND_SERVICE.
 */
export const SESSION_CAPABILITIES = ['CHOWN', 'DAC_OVERRIDE', 'FOWNER', 'FSETID', 'SETUID', 'SETGID', 'AUDIT_WRITE', 'KILL'] as const;

/**
 * A fixed, locally administered MAC per session: the host firewall matches the
 * container by it, so its rules are in place before the container first runs
 * (an address is only known after the start). Without NET_ADMIN a session
 * cannot change it.
 */
export function sessionMac(uuid: string): string {
  const h = createHash('sha256').update(uuid).digest();
  return ['02', ...[...h.subarray(0, 5)].map((b) => b.toString(16).padStart(2, '0'))].join(':');
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
  /** Docker network to join; absent only for runtimes without networks (tests). */
  network?: string;
  /** Confinement (SPEC §3): the pids limit, and cores / bytes when limited. */
  pidsLimit?: number;
  cpus?: number;
  memoryBytes?: number;
  /** See sessionMac(). */
  macAddress?: string;
  /** Runs after the container is created and before it starts (the firewall goes in here); a failure removes it. */
  beforeStart?: () => Promise<void>;
}

export interface NetworkInfo {
  name: string;
  driver: string;
  labels: Record<string, string>;
  /** `com.docker.network.bridge.enable_icc` as Docker reports it. */
  icc: boolean;
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
  /** stdout and stderr as they came, cut at the output cap. */
  output: string;
  /** The cap cut the output (the process was hung up on). */
  truncated?: boolean;
}

export interface ExecOptions {
  user?: string;
  /** Added to the container's environment for this process. */
  env?: string[];
  /** The output cap; the runtime's default when absent. */
  maxBytes?: number;
}

/** A one-off command in a throwaway container over a session's home, mounted read-only, with no network. */
export interface OneOffSpec {
  image: string;
  homeDir: string;
  /** `uid:gid` to run as: the home's owner. */
  user: string;
  cmd: string[];
  env?: string[];
  maxBytes?: number;
}

export interface ContainerRuntime {
  /** Fails with a ConvocateError('unavailable') that says how to reach Docker. */
  ping(): Promise<void>;
  /** Create and start; a leftover stopped container of the same name is removed first. */
  run(spec: RunSpec): Promise<void>;
  /** SIGTERM, then SIGKILL after `graceSeconds`; then remove the container. No-op when absent. */
  stop(uuid: string, graceSeconds?: number): Promise<void>;
  /** Freeze every process of the container (cgroup freezer); no-op when it does not run. */
  pause(uuid: string): Promise<void>;
  /** Thaw it again; no-op when it is not paused or gone. */
  unpause(uuid: string): Promise<void>;
  /** One labelled list call for every session container, running or not. */
  list(): Promise<ContainerInfo[]>;
  /** Wait until the tmux session `claude` exists in the container. */
  waitReady(uuid: string, timeoutMs?: number): Promise<void>;
  /** Exec with a TTY as `user`; the stream is raw bytes both ways. */
  execPty(uuid: string, cmd: string[], opts: { user: string; cols: number; rows: number; env?: string[] }): Promise<PtyExec>;
  /** Exec without a TTY; collects output. */
  exec(uuid: string, cmd: string[], opts?: ExecOptions): Promise<ExecResult>;
  /** Run `cmd` once in a throwaway container (never listed as a session's), then remove it. */
  runOneOff(spec: OneOffSpec): Promise<ExecResult>;
  imageExists(tag: string): Promise<boolean>;
  /** The network of that name, or undefined when Docker has none. */
  networkInfo?(name: string): Promise<NetworkInfo | undefined>;
  /** Create the agent's own sessions network (icc off) unless it exists; answers the network id to join. */
  ensureSessionsNetwork?(): Promise<string>;
  /** A long-lived exec without a TTY: stdin in, stdout and stderr merged out; ending stdin ends it. */
  execPipe?(uuid: string, cmd: string[], opts: { user: string }): Promise<PipeExec>;
  /** Docker's one-shot stats of one container: the fallback where its cgroup files cannot be read. */
  oneShotStats?(containerId: string): Promise<ResourceView>;
}
