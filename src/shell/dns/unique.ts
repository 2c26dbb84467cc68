// DNS names are unique across ALL agents (SPEC §2), but each agent only knows
// its own sessions; the shell checks the others before a create or an edit.
import { errors } from '../../protocol/errors.js';

export interface NamedSession {
  uuid: string;
  dns_name: string;
}

/** Throws `errors.dnsInUse(name)` when a session other than `exceptUuid` already holds `name`. */
export function checkDnsUnique(
  name: string,
  sessionsByAgent: ReadonlyMap<string, Iterable<NamedSession>>,
  exceptUuid?: string,
): void {
  const wanted = normalise(name);
  if (wanted === '') return;
  for (const sessions of sessionsByAgent.values()) {
    for (const s of sessions) {
      if (s.uuid !== exceptUuid && normalise(s.dns_name) === wanted) throw errors.dnsInUse(name);
    }
  }
}

/** DNS compares case-insensitively and a trailing dot names the same host. */
function normalise(name: string): string {
  return name.trim().toLowerCase().replace(/\.$/, '');
}
