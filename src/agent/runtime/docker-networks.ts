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

export async function ensureSessionsNetwork(docker: Docker, within: Within): Promise<void> {
  if (await inspectNetwork(docker, within, SESSIONS_NETWORK)) return;
  try {
    await within(`create network ${SESSIONS_NETWORK}`, docker.createNetwork({
      Name: SESSIONS_NETWORK,
      Driver: 'bridge',
      // Without it Docker 20.10 makes a second network of the same name when two agents race.
      CheckDuplicate: true,
      Labels: { [SESSIONS_NETWORK_LABEL]: 'sessions' },
      Options: { 'com.docker.network.bridge.enable_icc': 'false' },
    }));
  } catch (err) {
    if (err instanceof ConvocateError) throw err;
    // Another agent on this daemon made it first.
    if (statusOf(err) === 409) return;
    throw wrap(`create network ${SESSIONS_NETWORK}`, err);
  }
}
