// `convocate status-serve`: the shell's listener for agent status events. It
// keeps `<state-dir>/dnsmasq-hosts` current from events and from a periodic
// full resync over every registered agent, and fans events out to local TUIs.
import { lookup } from 'node:dns/promises';
import { mkdir, readdir, readFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import { join } from 'node:path';
import { STATUS_PORT } from '../../protocol/subsystems.js';
import { loadOrCreateHostKey, parsePublicKey } from '../../lib/keys.js';
import { loadRegistry, parseHostPort } from '../client/registry.js';
import { SshAgentClient, type SshAgentTarget } from '../client/ssh-agent-client.js';
import type { ShellConfig } from '../config.js';
import { startStatusServer, type StatusServer } from './status-serve.js';

export interface StatusServeFlags {
  listen?: string;
  hostKey?: string;
  authKeys?: string;
  dnsDomain?: string;
  dnsmasqPidFile?: string;
  resync?: string;
}

const DEFAULT_RESYNC_SECONDS = 60;

export async function startStatusService(
  flags: StatusServeFlags,
  config: ShellConfig,
  log: (msg: string) => void,
): Promise<StatusServer> {
  const listen = parseHostPort(flags.listen ?? `0.0.0.0:${STATUS_PORT}`, STATUS_PORT);
  const resyncSeconds = flags.resync === undefined ? DEFAULT_RESYNC_SECONDS : Number(flags.resync);
  if (!Number.isFinite(resyncSeconds) || resyncSeconds < 1) throw new Error(`bad --resync ${JSON.stringify(flags.resync)}: want seconds >= 1`);
  await mkdir(config.stateDir, { recursive: true, mode: 0o755 });
  const hostKey = await loadOrCreateHostKey(flags.hostKey ?? join(config.configDir, 'status_host_key'));
  const agentIps = new Map<string, string>();
  let agentKeys = await registeredAgentKeys(config.configDir);

  // One SSH client per registered agent, kept across resyncs (a new handshake
  // per agent per minute is waste); re-made only when its registry entry changes.
  const clients = new Map<string, { entry: string; client: SshAgentClient }>();
  const clientFor = (a: SshAgentTarget): SshAgentClient => {
    const entry = `${a.info.host}\n${a.hostKeyPub.trim()}\n${a.privateKey.toString()}`;
    const known = clients.get(a.info.id);
    if (known?.entry === entry) return known.client;
    void known?.client.close();
    const client = new SshAgentClient(a);
    clients.set(a.info.id, { entry, client });
    return client;
  };

  const resync = async (keeper: { replaceAgent(id: string, ip: string, s: Iterable<{ uuid: string; dns_name: string }>): Promise<boolean> }) => {
    const { agents } = await loadRegistry(config.configDir);
    agentKeys = await registeredAgentKeys(config.configDir);
    const registered = new Set(agents.map((a) => a.info.id));
    for (const [id, { client }] of clients) {
      if (!registered.has(id)) {
        clients.delete(id);
        void client.close();
      }
    }
    // One unreachable agent must not keep the others' records from being repaired.
    const results = await Promise.allSettled(
      agents.map(async (a) => {
        agentIps.set(a.info.id, isIP(a.host) ? a.host : (await lookup(a.host)).address);
        const { sessions } = await clientFor(a).call('list', null, { timeoutMs: 10_000 });
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
    authorizedKeysPath: flags.authKeys ?? join(config.configDir, 'status_authorized_keys'),
    stateDir: config.stateDir,
    log,
    agentIdForKey: (key) => agentKeys.find((k) => k.blob.equals(key))?.agentId,
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

/** Each registered agent's status key (`agent_to_shell_ed25519_key.pub`), so its link may only speak for it. */
async function registeredAgentKeys(configDir: string): Promise<Array<{ agentId: string; blob: Buffer }>> {
  const root = join(configDir, 'agent-keys');
  const ids = await readdir(root).catch(() => [] as string[]);
  const keys = await Promise.all(
    ids.map(async (agentId) => {
      const line = await readFile(join(root, agentId, 'agent_to_shell_ed25519_key.pub'), 'utf8').catch(() => undefined);
      if (!line) return undefined;
      try {
        return { agentId, blob: parsePublicKey(line.trim()).getPublicSSH() };
      } catch {
        return undefined;
      }
    }),
  );
  return keys.filter((k): k is { agentId: string; blob: Buffer } => k !== undefined);
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
