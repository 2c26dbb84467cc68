// `convocate status-serve`: the shell's listener for agent status events. It
// keeps `<state-dir>/dnsmasq-hosts` current from events and from a periodic
// full resync over every registered agent (dropping the records of agents that
// left the registry), and fans events out to local TUIs.
import { SHELL_FILES } from '../../protocol/host-files.js';
import { parseHostPort } from '../../protocol/host-port.js';
import { lookup } from 'node:dns/promises';
import { mkdir } from 'node:fs/promises';
import { isIP } from 'node:net';
import { join } from 'node:path';
import { STATUS_PORT } from '../../protocol/subsystems.js';
import { loadOrCreateHostKey } from '../../lib/keys.js';
import { agentClient, loadRegistry, type RegisteredAgent, type Registry } from '../client/registry.js';
import type { AgentClient } from '../client/agent-client.js';
import type { ShellConfig } from '../config.js';
import type { HostsFileKeeper } from '../dns/hosts-file.js';
import { NotifyCommand } from './notify-command.js';
import { startStatusServer, type StatusServer } from './status-serve.js';

export interface StatusServeFlags {
  listen?: string;
  hostKey?: string;
  authKeys?: string;
  dnsDomain?: string;
  dnsmasqPidFile?: string;
  resync?: string;
  notifyCmd?: string;
}

const DEFAULT_RESYNC_SECONDS = 60;

export async function startStatusService(
  flags: StatusServeFlags,
  config: ShellConfig,
  log: (msg: string) => void,
): Promise<StatusServer> {
  if (flags.notifyCmd !== undefined && !flags.notifyCmd.trim()) throw new Error('--notify-cmd needs a command, e.g. \'curl -d "$CONVOCATE_NAME is $CONVOCATE_ACTIVITY" https://ntfy.sh/TOPIC\'');
  const listen = parseHostPort(flags.listen ?? `0.0.0.0:${STATUS_PORT}`, { what: '--listen', defaultPort: STATUS_PORT });
  const resyncSeconds = flags.resync === undefined ? DEFAULT_RESYNC_SECONDS : Number(flags.resync);
  if (!Number.isFinite(resyncSeconds) || resyncSeconds < 1) throw new Error(`bad --resync ${JSON.stringify(flags.resync)}: want seconds >= 1`);
  await mkdir(config.stateDir, { recursive: true, mode: 0o755 });
  const hostKey = await loadOrCreateHostKey(flags.hostKey ?? join(config.configDir, SHELL_FILES.statusHostKey));
  const agentIps = new Map<string, string>();
  const notifier = flags.notifyCmd ? new NotifyCommand({ command: flags.notifyCmd, log }) : undefined;
  let registry: Registry = await loadRegistry(config.configDir);
  const registeredIds = () => new Set([...registry.agents.map((a) => a.info.id), ...registry.problems.map((p) => p.agentId)]);

  // One SSH client per registered agent, kept across resyncs (a new handshake
  // per agent per minute is waste); re-made only when its registry entry changes.
  const clients = new Map<string, { entry: string; client: AgentClient }>();
  const clientFor = (a: RegisteredAgent): AgentClient => {
    const entry = `${a.info.host}\n${a.hostKeyPub.trim()}\n${a.privateKey.toString()}`;
    const known = clients.get(a.info.id);
    if (known?.entry === entry) return known.client;
    void known?.client.close();
    const client = agentClient(a);
    clients.set(a.info.id, { entry, client });
    return client;
  };

  const resync = async (keeper: HostsFileKeeper) => {
    registry = await loadRegistry(config.configDir);
    const { agents } = registry;
    const registered = registeredIds();
    for (const [id, { client }] of clients) {
      if (!registered.has(id)) {
        clients.delete(id);
        void client.close();
      }
    }
    // An agent that left the registry takes its names with it.
    for (const id of keeper.agentIds()) {
      if (!registered.has(id)) {
        agentIps.delete(id);
        log(`dns: removed the records of agent ${id}: no longer registered`);
        await keeper.removeAgent(id);
      }
    }
    for (const p of registry.problems) log(`dns resync of agent ${p.agentId}: cannot load it: ${p.error}`);
    // One unreachable agent must not keep the others' records from being repaired.
    const results = await Promise.allSettled(
      agents.map(async (a) => {
        agentIps.set(a.info.id, isIP(a.host) ? a.host : (await lookup(a.host)).address);
        const { sessions } = await clientFor(a).call('list', null, { timeoutMs: 10_000 });
        notifier?.noteSessions(a.info.id, sessions);
        await keeper.replaceAgent(a.info.id, agentIps.get(a.info.id)!, sessions);
      }),
    );
    results.forEach((r, i) => {
      if (r.status === 'rejected') log(`dns resync of agent ${agents[i]!.info.id}: ${(r.reason as Error).message}`);
    });
  };

  const server = await startStatusServer({
    listen,
    hostKey: hostKey.private,
    authorizedKeysPath: flags.authKeys ?? join(config.configDir, SHELL_FILES.statusAuthorizedKeys),
    stateDir: config.stateDir,
    log,
    agentIdForKey: (key) => registry.agents.find((a) => a.statusKey?.equals(key))?.info.id,
    isRegisteredAgent: (id) => registeredIds().has(id),
    onEvent: notifier ? (ev) => notifier.onEvent(ev) : undefined,
    dns: {
      hostsFile: join(config.stateDir, 'dnsmasq-hosts'),
      pidFile: flags.dnsmasqPidFile,
      domain: flags.dnsDomain,
      // A registered agent answers on its registered address; others on where they dialled from.
      resolveIp: (agentId, remote) => agentIps.get(agentId) ?? remote.replace(/^::ffff:/, ''),
      resync: { intervalMs: resyncSeconds * 1000, run: resync },
    },
  });
  if (server.keeper) await resync(server.keeper).catch((err: unknown) => log(`dns resync: ${(err as Error).message}`));
  log(`status-serve listening on ${listen.host}:${server.port}`);
  return {
    ...server,
    close: async () => {
      await server.close();
      await Promise.all([...clients.values()].map(({ client }) => client.close()));
    },
  };
}

/** Runs until SIGTERM/SIGINT. */
export async function runStatusServe(flags: StatusServeFlags, config: ShellConfig, log: (msg: string) => void): Promise<void> {
  const server = await startStatusService(flags, config, log);
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
  });
  await server.close();
}
