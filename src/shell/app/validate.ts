// Client-side pre-checks of session fields, the same rules the agent applies
// (SPEC §2), so that the form can point at the wrong field before a round trip.
import { PROTOCOLS, type Protocol } from '../../protocol/session.js';

export const NAME_MAX = 64;
const NAME_RE = /^[A-Za-z0-9_-]+$/;
const DNS_LABEL_RE = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

export function checkName(name: string): string | undefined {
  if (name.length === 0) return 'name is required';
  if (name.length > NAME_MAX) return `name is longer than ${NAME_MAX} characters`;
  if (!NAME_RE.test(name)) return 'name may contain only letters, digits, "-" and "_"';
  return undefined;
}

/** Parses the Port field: empty means 0 (none), -1 means auto-pick. */
export function parsePort(text: string): { port: number } | { error: string } {
  const t = text.trim();
  if (t === '') return { port: 0 };
  if (!/^-?\d+$/.test(t)) return { error: 'port must be a number: 0 for none, -1 for auto, or 1-65535' };
  const port = Number(t);
  if (port === -1 || port === 0 || (port >= 1 && port <= 65535)) return { port };
  return { error: 'port must be 0 for none, -1 for auto, or 1-65535' };
}

export function checkDnsName(dns: string): string | undefined {
  if (dns === '') return undefined;
  if (dns.length > 253) return 'dns name is longer than 253 characters';
  if (dns !== dns.toLowerCase()) return 'dns name must be lowercase';
  for (const label of dns.split('.')) {
    if (!DNS_LABEL_RE.test(label)) {
      return 'dns name: lowercase letters, digits, "-" and "."; labels 1-63 chars, not starting or ending in "-"';
    }
  }
  return undefined;
}

export function isProtocol(p: string): p is Protocol {
  return (PROTOCOLS as readonly string[]).includes(p);
}
