// What `convocate-host` installs as text: systemd units, the sessions slice and
// its arithmetic, the dnsmasq drop-in and the PATH wrappers. Pure functions.
import { AGENT_CONFIG_DIR, DEFAULT_CAP_PERCENT, SHELL_CONFIG_DIR, SHELL_STATE_DIR } from '../../protocol/host-files.js';
import { AGENT_PORT, STATUS_PORT } from '../../protocol/subsystems.js';

export const PREFIX = '/opt/convocate';
export const CURRENT = `${PREFIX}/current`;
export const BIN_DIR = '/usr/local/bin';
export const COMMANDS = ['convocate', 'convocate-agent', 'convocate-host'] as const;
export const UNIT_DIR = '/etc/systemd/system';
export const AGENT_UNIT = 'convocate-agent.service';
export const STATUS_UNIT = 'convocate-status.service';
export const WEB_UNIT = 'convocate-web.service';
/** Where init-shell puts the web cockpit's certificate and key (0600). */
export const WEB_TLS_DIR = `${SHELL_CONFIG_DIR}/web-tls`;
/** The status service's notify command, as an environment file (0600): systemd reads it, nothing re-parses it. */
export const NOTIFY_ENV_FILE = `${SHELL_CONFIG_DIR}/notify.env`;
export const SLICE_UNIT = 'convocate-sessions.slice';
export const DNSMASQ_DROPIN = '/etc/dnsmasq.d/convocate.conf';
export { AGENT_CONFIG_DIR, SHELL_CONFIG_DIR, SHELL_STATE_DIR };

/** A command on PATH that always runs the `current` version with its own Node. */
export function renderWrapper(command: (typeof COMMANDS)[number]): string {
  return `#!/bin/sh\n# installed by convocate-host: runs the current convocate with its bundled Node\nexec ${CURRENT}/node ${CURRENT}/dist/bin/${command}.js "$@"\n`;
}

export interface SliceLimits {
  /** systemd CPUQuota, percent of one CPU (200 % = two cores). */
  cpuQuotaPercent: number;
  memoryMaxBytes: number;
}

/** CPUQuota = cap × cores, MemoryMax = cap × RAM (rounded down to a page). */
export function sliceLimits(cores: number, memTotalBytes: number, capPercent = DEFAULT_CAP_PERCENT): SliceLimits {
  if (!Number.isInteger(cores) || cores < 1) throw new Error(`bad core count ${cores}`);
  if (!Number.isFinite(memTotalBytes) || memTotalBytes < 64 * 1024 * 1024) throw new Error(`bad memory size ${memTotalBytes}`);
  const page = 4096;
  return {
    cpuQuotaPercent: Math.floor(capPercent * cores),
    memoryMaxBytes: Math.floor((memTotalBytes * capPercent) / 100 / page) * page,
  };
}

export function renderSlice(limits: SliceLimits): string {
  return [
    '[Unit]',
    'Description=convocate session containers (capped so the host stays usable)',
    'Before=slices.target',
    '',
    '[Slice]',
    'CPUAccounting=yes',
    `CPUQuota=${limits.cpuQuotaPercent}%`,
    'MemoryAccounting=yes',
    `MemoryMax=${limits.memoryMaxBytes}`,
    // A fork bomb that gets past one session's pids limit still stops short of the host's PID space.
    'TasksAccounting=yes',
    `TasksMax=${DEFAULT_CAP_PERCENT}%`,
    '',
  ].join('\n');
}

/** Docker's `--cgroup-parent` for the slice: a path with the cgroupfs driver, the slice name with the systemd driver. */
export function cgroupParentFor(driver: string): string {
  if (driver === 'systemd') return SLICE_UNIT;
  if (driver === 'cgroupfs') return `/convocate.slice/${SLICE_UNIT}`;
  throw new Error(`unknown Docker cgroup driver ${JSON.stringify(driver)}`);
}

export interface AgentUnitOptions {
  cgroupParent: string;
  image: string;
  shellPort?: number;
}

export function renderAgentUnit(o: AgentUnitOptions): string {
  const args = ['serve', '--listen', `0.0.0.0:${AGENT_PORT}`, '--config-dir', AGENT_CONFIG_DIR, '--cgroup-parent', o.cgroupParent, '--image', o.image];
  if (o.shellPort !== undefined) args.push('--shell-port', String(o.shellPort));
  return renderService({
    description: `convocate agent: this host's sessions over SSH (tcp/${AGENT_PORT})`,
    // The slice has no [Install] of its own: the agent brings it up at boot, before any container lands in it.
    wants: `network-online.target docker.service ${SLICE_UNIT}`,
    after: `network-online.target docker.service ${SLICE_UNIT}`,
    exec: `${BIN_DIR}/convocate-agent ${args.join(' ')}`,
    // Session containers belong to Docker, not to this service: stopping the agent must never stop them.
    serviceExtra: ['KillMode=mixed'],
  });
}

export interface StatusUnitOptions {
  listen: string;
  dnsDomain?: string;
  /** Run the command in NOTIFY_ENV_FILE on each notification (`status-serve --notify-cmd`). */
  notify?: boolean;
}

const NOTIFY_VAR = 'CONVOCATE_NOTIFY_CMD';

export function renderStatusUnit(o: StatusUnitOptions): string {
  const args = ['status-serve', '--listen', o.listen, '--dnsmasq-pid-file', '/run/dnsmasq/dnsmasq.pid'];
  if (o.dnsDomain) args.push('--dns-domain', o.dnsDomain);
  // `${VAR}` as a word of its own is one argument, spaces and all, and its value is never expanded again.
  if (o.notify) args.push('--notify-cmd', `\${${NOTIFY_VAR}}`);
  return renderService({
    description: `convocate status-serve: agent events and the dnsmasq hosts file (tcp/${STATUS_PORT})`,
    wants: 'network-online.target',
    after: 'network-online.target dnsmasq.service',
    exec: `${BIN_DIR}/convocate ${args.join(' ')}`,
    environment: `CONVOCATE_CONFIG_DIR=${SHELL_CONFIG_DIR} CONVOCATE_STATE_DIR=${SHELL_STATE_DIR}`,
    ...(o.notify ? { environmentFile: NOTIFY_ENV_FILE } : {}),
    serviceExtra: STATUS_SANDBOX,
  });
}

/** Commands longer than this are refused: a notify command is a one-liner. */
export const MAX_NOTIFY_CMD = 4_096;

/** Refuses what an environment file cannot carry as one line, before any host is touched. */
export function checkNotifyCmd(command: string): void {
  if (!command.trim()) throw new Error('--notify-cmd needs a command');
  // eslint-disable-next-line no-control-regex
  if (/[\x00-\x1f\x7f]/.test(command)) throw new Error('--notify-cmd must be one line, without control characters');
  if (command.length > MAX_NOTIFY_CMD) throw new Error(`--notify-cmd is longer than ${MAX_NOTIFY_CMD} characters`);
}

/**
 * The environment file carrying the notify command, in double quotes with
 * systemd's escapes, so that its `$`, quotes and `%` reach /bin/sh as typed.
 * One line: systemd would read a newline as the end of the assignment.
 */
export function renderNotifyEnv(command: string | undefined): string {
  if (command === undefined) return '# no --notify-cmd given to convocate-host init-shell\n';
  checkNotifyCmd(command);
  return `# installed by convocate-host: status-serve --notify-cmd\n${NOTIFY_VAR}="${command.replace(/[\\"$`]/g, '\\$&')}"\n`;
}

export interface WebUnitOptions {
  listen: string;
  /** Serve HTTPS with the certificate and key under WEB_TLS_DIR. */
  tls: boolean;
  insecureHttp?: boolean;
}

/** `convocate web`'s flags for the installed cockpit: what the unit runs, and what prints its login URL on the host. */
export function webFlags(o: WebUnitOptions): string[] {
  const flags = ['--listen', o.listen];
  if (o.tls) flags.push('--tls-cert', `${WEB_TLS_DIR}/cert.pem`, '--tls-key', `${WEB_TLS_DIR}/key.pem`);
  else if (o.insecureHttp) flags.push('--insecure-http');
  return flags;
}

export function renderWebUnit(o: WebUnitOptions): string {
  const args = ['web', ...webFlags(o)];
  return renderService({
    description: `convocate web: the browser cockpit on ${o.listen}`,
    wants: 'network-online.target',
    after: `network-online.target ${STATUS_UNIT}`,
    exec: `${BIN_DIR}/convocate ${args.join(' ')}`,
    environment: `CONVOCATE_CONFIG_DIR=${SHELL_CONFIG_DIR} CONVOCATE_STATE_DIR=${SHELL_STATE_DIR}`,
    serviceExtra: WEB_SANDBOX,
  });
}

/**
 * The web cockpit faces browsers: it reads the registry, the login token and
 * its TLS files, dials agents, listens on its port, and writes nothing at all
 * (init-shell makes the token beforehand).
 */
export const WEB_SANDBOX = hardening({ capabilities: ['CAP_NET_BIND_SERVICE'] });

export function parseWebUnit(unitText: string): WebUnitOptions | undefined {
  const f = execStartFlags(unitText);
  const listen = f?.get('listen');
  if (!f || !listen) return undefined;
  return { listen, tls: f.has('tls-cert'), ...(/\s--insecure-http\b/.test(unitText) ? { insecureHttp: true } : {}) };
}

/**
 * status-serve takes input from every agent: it gets what it needs and no
 * more of root. It binds tcp/223, reads its keys under /etc/convocate,
 * writes only the state dir (hosts file, fan-out socket) and signals dnsmasq,
 * which runs as another user (CAP_KILL).
 */
export const STATUS_SANDBOX = hardening({ writable: SHELL_STATE_DIR, capabilities: ['CAP_NET_BIND_SERVICE', 'CAP_KILL'] });

/** The shell services' common confinement: read-only system, no home, no devices, no new privileges, only `capabilities`. */
function hardening(o: { writable?: string; capabilities: string[] }): string[] {
  return [
    'NoNewPrivileges=yes',
    'ProtectSystem=strict',
    ...(o.writable ? [`ReadWritePaths=${o.writable}`] : []),
    'ProtectHome=yes',
    'PrivateTmp=yes',
    'PrivateDevices=yes',
    'ProtectKernelTunables=yes',
    'ProtectKernelModules=yes',
    'ProtectControlGroups=yes',
    'RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX',
    `CapabilityBoundingSet=${o.capabilities.join(' ')}`,
  ];
}

/** A long-running service that restarts on failure and logs to the journal. */
function renderService(o: {
  description: string; wants: string; after: string; exec: string; environment?: string; environmentFile?: string; serviceExtra?: string[];
}): string {
  return [
    '[Unit]',
    `Description=${o.description}`,
    `Wants=${o.wants}`,
    `After=${o.after}`,
    '',
    '[Service]',
    ...(o.environment ? [`Environment=${o.environment}`] : []),
    ...(o.environmentFile ? [`EnvironmentFile=${o.environmentFile}`] : []),
    `ExecStart=${o.exec}`,
    'Restart=on-failure',
    'RestartSec=2',
    ...(o.serviceExtra ?? []),
    'StandardOutput=journal',
    'StandardError=journal',
    '',
    '[Install]',
    'WantedBy=multi-user.target',
    '',
  ].join('\n');
}

/** The `--flag value` pairs of a unit's ExecStart line; what update re-renders units from. */
export function execStartFlags(unitText: string): Map<string, string> | undefined {
  const line = /^ExecStart=(.*)$/m.exec(unitText)?.[1];
  if (!line) return undefined;
  const words = line.trim().split(/\s+/);
  const flags = new Map<string, string>();
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    if (w.startsWith('--') && i + 1 < words.length) flags.set(w.slice(2), words[++i]!);
  }
  return flags;
}

/** The options an installed agent unit was rendered with, or undefined when it is not ours. */
export function parseAgentUnit(unitText: string): AgentUnitOptions | undefined {
  const f = execStartFlags(unitText);
  const cgroupParent = f?.get('cgroup-parent');
  const image = f?.get('image');
  if (!f || !cgroupParent || !image) return undefined;
  const port = f.get('shell-port');
  return { cgroupParent, image, ...(port ? { shellPort: Number(port) } : {}) };
}

export function parseStatusUnit(unitText: string): StatusUnitOptions | undefined {
  const f = execStartFlags(unitText);
  const listen = f?.get('listen');
  if (!f || !listen) return undefined;
  const dnsDomain = f.get('dns-domain');
  return { listen, ...(dnsDomain ? { dnsDomain } : {}), ...(f.has('notify-cmd') ? { notify: true } : {}) };
}

export function renderDnsmasqDropin(): string {
  return `# installed by convocate-host: session DNS names kept by convocate status-serve\naddn-hosts=${SHELL_STATE_DIR}/dnsmasq-hosts\n`;
}
