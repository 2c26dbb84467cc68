// DNS names are unique across ALL agents (SPEC §2), but each agent only knows
// its own sessions; the shell checks the others before a create or an edit.
import { errors } from '../../protocol/errors.js';
import { sameDnsName } from '../../protocol/validation.js';

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
  for (const sessions of sessionsByAgent.values()) {
    for (const s of sessions) {
      if (s.uuid !== exceptUuid && sameDnsName(s.dns_name, name)) throw errors.dnsInUse(name);
    }
  }
}

