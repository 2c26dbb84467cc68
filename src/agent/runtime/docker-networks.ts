// The networks session containers join, on the Docker Engine API: the agent's
// own `convocate-sessions` (inter-container traffic off) and what is known of
// any other network a setting names.
import type Docker from 'dockerode';
import { ConvocateError } from '../../protocol/errors.js';
import { statusOf, wrap } from './docker-errors.js';
import { SESSIONS_NETWORK, SESSIONS_NETWORK_LABEL, type NetworkInfo } from './container-runtime.js';

/** A Docker call with the runtime's deadline. */
export type Within = <T>(what: string, p: Promise<T>) => Promise<T>;

export async function inspectNetwork(docker: Docker, within: Within, name: string): Promise<NetworkInfo | undefined> {
  try {
    const n = (await within(`inspect network ${name}`, docker.getNetwork(name).inspect())) as {
      Name: string;
      Driver: string;
      Labels?: Record<string, string> | null;
      Options?: Record<string, string> | null;
    };
    return { name: n.Name, driver: n.Driver, labels: n.Labels ?? {}, icc: n.Options?.['com.docker.network.bridge.enable_icc'] !== 'false' };
  } catch (err) {
    if (err instanceof ConvocateError) throw err;
    if (statusOf(err) === 404) return undefined;
    throw wrap(`inspect network ${name}`, err);
  }
}

/** Networks named exactly `convocate-sessions`, oldest first (ids break ties): every agent picks the same one. */
async function sessionsNetworks(docker: Docker, within: Within): Promise<Array<{ Id: string; Labels?: Record<string, string> }>> {
  const rows = await within('list networks', docker.listNetworks({ filters: { name: [SESSIONS_NETWORK] } }));
  return rows
    .filter((n) => n.Name === SESSIONS_NETWORK)
    .sort((a, b) => (a.Created === b.Created ? a.Id.localeCompare(b.Id) : a.Created < b.Created ? -1 : 1));
}

/**
 * Make the agent's own network unless it exists, and answer the id to join.
 * Docker 20.10 can make two networks of one name when two agents race (its
 * duplicate check is not atomic): all agents join the oldest, and the extra
 * empty ones of ours are removed.
 */
export async function ensureSessionsNetwork(docker: Docker, within: Within): Promise<string> {
  let found = await sessionsNetworks(docker, within);
  if (found.length === 0) {
    try {
      await within(`create network ${SESSIONS_NETWORK}`, docker.createNetwork({
        Name: SESSIONS_NETWORK,
        Driver: 'bridge',
        CheckDuplicate: true,
        Labels: { [SESSIONS_NETWORK_LABEL]: 'sessions' },
        Options: { 'com.docker.network.bridge.enable_icc': 'false' },
      }));
    } catch (err) {
      if (err instanceof ConvocateError) throw err;
      // 409: another agent on this daemon made it first.
      if (statusOf(err) !== 409) throw wrap(`create network ${SESSIONS_NETWORK}`, err);
    }
    found = await sessionsNetworks(docker, within);
  }
  const [keep, ...extra] = found;
  if (!keep) throw new ConvocateError('internal', `network ${SESSIONS_NETWORK} vanished right after it was made`);
  for (const n of extra) {
    // In use (409) or already gone: leave it.
    if (n.Labels?.[SESSIONS_NETWORK_LABEL]) await within(`remove network ${n.Id}`, docker.getNetwork(n.Id).remove()).catch(() => undefined);
  }
  return keep.Id;
}
