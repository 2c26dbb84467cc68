// Pure checks for every session field (SPEC §2). The message texts are part of
// the protocol contract: clients show them as they are.
import { ConvocateError, errors, quote } from '../../protocol/errors.js';
import type { Protocol } from '../../protocol/session.js';

const UUID_RE = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
const NAME_RE = /^[A-Za-z0-9_-]+$/;
const DNS_CHARS_RE = /^[a-z0-9.-]+$/;
const NAME_MAX = 64;
const DNS_MAX = 253;
const LABEL_MAX = 63;

export function isUuid(id: unknown): id is string {
  return typeof id === 'string' && UUID_RE.test(id);
}

/** Ids become path components: anything but a UUID (`../x`, NUL, huge strings) stops here. */
export function assertUuid(id: string): void {
  if (!isUuid(id)) throw errors.invalidId(typeof id === 'string' ? id : String(id));
}

function invalid(message: string): ConvocateError {
  return new ConvocateError('invalid_argument', message);
}

export function validateName(name: string | undefined): string {
  if (name === undefined || name === '') throw invalid('name is required');
  // Length first, so that an overlong name gets the more useful of the two answers.
  if (name.length > NAME_MAX) throw invalid(`name is longer than ${NAME_MAX} characters`);
  if (!NAME_RE.test(name)) throw invalid(`name ${quote(name)} is invalid: use letters, digits, "-" and "_"`);
  return name;
}

/** -1 means "pick one for me", 0 means none. */
export function validatePort(port: number): number {
  const ok = Number.isInteger(port) && (port === -1 || (port >= 0 && port <= 65535));
  if (!ok) throw invalid(`port ${port} is invalid: use -1 (auto), 0 (none) or 1-65535`);
  return port;
}

export function validateProtocol(p: string | undefined): Protocol {
  if (p === undefined || p === '') return 'tcp';
  if (p === 'tcp' || p === 'udp') return p;
  throw invalid(`protocol ${quote(p)} is invalid: use "tcp" or "udp"`);
}

/** "" means no DNS name. */
export function validateDnsName(n: string | undefined): string {
  if (n === undefined || n === '') return '';
  const bad = (reason: string) => invalid(`dns name ${quote(n)} is invalid: ${reason}`);
  if (!DNS_CHARS_RE.test(n)) throw bad('use lowercase letters, digits, "-" and "."');
  if (n.length > DNS_MAX) throw bad(`longer than ${DNS_MAX} characters`);
  const labels = n.split('.');
  if (labels.some((l) => l.length < 1 || l.length > LABEL_MAX)) throw bad(`labels must be 1-${LABEL_MAX} characters`);
  if (labels.some((l) => l.startsWith('-') || l.endsWith('-'))) throw bad('labels must not start or end with "-"');
  return n;
}
