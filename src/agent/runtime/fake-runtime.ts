// An in-memory ContainerRuntime for unit tests and the TUI's fake rig: the
// whole interface, with Docker's observable rules (a missing image, a port
// another container publishes, exec into a stopped container), and PTYs that
// behave like a tiny program in tmux. Not part of the built package.
import { Duplex } from 'node:stream';
import { ConvocateError, errors } from '../../protocol/errors.js';
import type { ResourceView } from '../../protocol/session.js';
import { SESSIONS_NETWORK, type ContainerInfo, type ContainerRuntime, type ExecOptions, type ExecResult, type NetworkInfo, type OneOffSpec, type PtyExec, type RunSpec } from './container-runtime.js';

interface FakeContainer {
  spec: RunSpec;
  running: boolean;
}

/** One PTY exec as the test sees it. */
export interface FakePty {
  uuid: string;
  cmd: string[];
  user: string;
  cols: number;
  rows: number;
  /** Every resize, in order. */
  resizes: Array<[number, number]>;
  /** A watcher (tmux `attach -r`): in echo mode its keys reach nothing, Ctrl-B D still ends it. */
  readonly readOnly: boolean;
  /** Everything typed into the PTY so far. */
  input(): string;
  /** Bytes the program draws for the operator. */
  write(text: string): void;
  /** End the program, as tmux does on Ctrl-B D. */
  hangUp(): void;
  readonly closed: boolean;
}

export interface FakeRuntimeOptions {
  images?: string[];
  /** Answers for `exec`; the default succeeds with no output. */
  onExec?: (uuid: string, cmd: string[]) => ExecResult;
  /** Answers for `runOneOff`; the default succeeds with no output. */
  onOneOff?: (spec: OneOffSpec) => ExecResult;
  /**
   * `echo` (default): a PTY prints its command and size, echoes what is typed,
   * and Ctrl-B D ends it. `silent`: the test drives every byte.
   */
  pty?: 'echo' | 'silent';
  /** The first line an echo PTY draws; default: its command and size. */
  banner?: (pty: FakePty) => string;
}

export class FakeRuntime implements ContainerRuntime {
  readonly containers = new Map<string, FakeContainer>();
  readonly ptys: FakePty[] = [];
  readonly execs: Array<{ uuid: string; cmd: string[]; user?: string }> = [];
  /** Every one-off container run, in order. */
  readonly oneOffs: OneOffSpec[] = [];
  readonly images: Set<string>;
  /** What `oneShotStats` reports per container id; absent means not measurable. */
  readonly usage = new Map<string, ResourceView>();
  reachable = true;
  runs = 0;
  private gate: Promise<void> | undefined;

  constructor(private readonly opts: FakeRuntimeOptions = {}) {
    this.images = new Set(opts.images ?? []);
  }

  /** Hold every `run` until the returned function is called, so that starts overlap. */
  holdRuns(): () => void {
    let release!: () => void;
    this.gate = new Promise<void>((resolve) => (release = resolve));
    return () => {
      this.gate = undefined;
      release();
    };
  }

  async ping(): Promise<void> {
    this.assertReachable();
  }

  async run(spec: RunSpec): Promise<void> {
    this.assertReachable();
    this.runs++;
    await this.gate;
    if (!this.images.has(spec.image)) {
      throw new ConvocateError('unavailable', `session image "${spec.image}" not found: run \`convocate-agent image build --offline\``);
    }
    if (spec.port > 0) {
      for (const [uuid, c] of this.containers) {
        if (uuid !== spec.uuid && c.running && c.spec.port === spec.port && c.spec.protocol === spec.protocol) {
          throw errors.portInUse(spec.port, spec.protocol);
        }
      }
    }
    await spec.beforeStart?.();
    this.containers.set(spec.uuid, { spec, running: true });
  }

  /** Networks a test declares; the agent's own exists once ensured. */
  readonly networks = new Map<string, NetworkInfo>();

  async networkInfo(name: string): Promise<NetworkInfo | undefined> {
    this.assertReachable();
    return this.networks.get(name);
  }

  async ensureSessionsNetwork(): Promise<string> {
    this.assertReachable();
    if (!this.networks.has(SESSIONS_NETWORK)) {
      this.networks.set(SESSIONS_NETWORK, { name: SESSIONS_NETWORK, driver: 'bridge', labels: { 'convocate.network': 'sessions' }, icc: false });
    }
    return SESSIONS_NETWORK;
  }

  async stop(uuid: string): Promise<void> {
    this.assertReachable();
    for (const p of this.ptys) if (p.uuid === uuid) p.hangUp();
    this.containers.delete(uuid);
  }

  /** Sessions paused right now, and every pause/unpause in order. */
  readonly paused = new Set<string>();
  readonly pauseLog: string[] = [];

  async pause(uuid: string): Promise<void> {
    this.assertReachable();
    if (!this.containers.get(uuid)?.running) return;
    this.paused.add(uuid);
    this.pauseLog.push(`pause ${uuid}`);
  }

  async unpause(uuid: string): Promise<void> {
    this.assertReachable();
    if (this.paused.delete(uuid)) this.pauseLog.push(`unpause ${uuid}`);
  }

  async list(): Promise<ContainerInfo[]> {
    this.assertReachable();
    return [...this.containers].map(([uuid, c]) => ({ uuid, containerId: `fake-${uuid}`, running: c.running, image: c.spec.image }));
  }

  async waitReady(uuid: string): Promise<void> {
    this.runningContainer(uuid);
  }

  async execPty(uuid: string, cmd: string[], opts: { user: string; cols: number; rows: number }): Promise<PtyExec> {
    this.runningContainer(uuid);
    const { pty, exec } = fakePty(uuid, cmd, opts, this.opts.pty ?? 'echo', this.opts.banner);
    this.ptys.push(pty);
    return exec;
  }

  async runOneOff(spec: OneOffSpec): Promise<ExecResult> {
    this.assertReachable();
    if (!this.images.has(spec.image)) throw new ConvocateError('unavailable', `image ${spec.image} not found`);
    this.oneOffs.push(spec);
    return this.opts.onOneOff?.(spec) ?? { exitCode: 0, output: '' };
  }

  async exec(uuid: string, cmd: string[], opts: ExecOptions = {}): Promise<ExecResult> {
    this.runningContainer(uuid);
    this.execs.push({ uuid, cmd, user: opts.user });
    if (cmd[0] === 'tmux' && cmd[1] === 'detach-client') {
      const attached = this.ptys.filter((p) => p.uuid === uuid && !p.closed);
      for (const p of attached) p.hangUp();
      return { exitCode: attached.length > 0 ? 0 : 1, output: '' };
    }
    return this.opts.onExec?.(uuid, cmd) ?? { exitCode: 0, output: '' };
  }

  async oneShotStats(containerId: string): Promise<ResourceView> {
    this.assertReachable();
    return this.usage.get(containerId) ?? { cpu_percent: null, mem_bytes: null };
  }

  async imageExists(tag: string): Promise<boolean> {
    this.assertReachable();
    return this.images.has(tag);
  }

  /** A container that exited by itself (crash): listed, not running. */
  crash(uuid: string): void {
    const c = this.containers.get(uuid);
    if (c) c.running = false;
    for (const p of this.ptys) if (p.uuid === uuid) p.hangUp();
  }

  private runningContainer(uuid: string): FakeContainer {
    this.assertReachable();
    const c = this.containers.get(uuid);
    if (!c) throw errors.notFound(uuid);
    if (!c.running) throw new ConvocateError('internal', `session ${uuid} container is not running`);
    return c;
  }

  private assertReachable(): void {
    if (!this.reachable) throw new ConvocateError('unavailable', 'cannot reach Docker at fake: connect ECONNREFUSED');
  }
}

function fakePty(
  uuid: string,
  cmd: string[],
  size: { user: string; cols: number; rows: number },
  mode: 'echo' | 'silent',
  banner: ((pty: FakePty) => string) | undefined,
): { pty: FakePty; exec: PtyExec } {
  let typed = '';
  let closed = false;
  let resolveExit!: (code: number) => void;
  const exit = new Promise<number>((resolve) => (resolveExit = resolve));
  const stream = new Duplex({
    read() {
      // Bytes are pushed by write() below.
    },
    write(chunk: Buffer | string, _enc, cb) {
      const text = chunk.toString();
      typed += text;
      if (mode === 'echo') {
        if (!pty.readOnly) pty.write(text.replace(/\r/g, '\r\n'));
        if (typed.includes('\x02d') || typed.includes('\x02D')) pty.hangUp();
      }
      cb();
    },
  });
  stream.once('close', () => pty.hangUp());
  const pty: FakePty = {
    uuid,
    cmd,
    user: size.user,
    cols: size.cols,
    rows: size.rows,
    resizes: [],
    readOnly: cmd.includes('-r'),
    input: () => typed,
    write: (text) => {
      if (!closed) stream.push(text);
    },
    hangUp: () => {
      if (closed) return;
      closed = true;
      stream.push(null);
      if (!stream.writableEnded) stream.end();
      resolveExit(0);
    },
    get closed() {
      return closed;
    },
  };
  if (mode === 'echo') pty.write(banner?.(pty) ?? `[${cmd.join(' ')}] ${size.cols}x${size.rows}\r\n`);
  const exec: PtyExec = {
    stream,
    exit,
    resize: async (cols, rows) => {
      pty.resizes.push([cols, rows]);
      pty.cols = cols;
      pty.rows = rows;
      if (mode === 'echo') pty.write(`[size ${cols}x${rows}]\r\n`);
    },
  };
  return { pty, exec };
}
