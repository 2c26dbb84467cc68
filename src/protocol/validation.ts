// Every session field's rule (SPEC §2), once: the agent enforces them, the
// TUI form and the CLI check them before a round trip, the DNS keeper filters
// with them. The message texts are part of the protocol contract.
import { ConvocateError, errors, quote } from './errors.js';
import { PROTOCOLS, type Protocol } from './session.js';

const UUID_RE = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
const NAME_RE = /^[A-Za-z0-9_-]+$/;
const DNS_CHARS_RE = /^[a-z0-9.-]+$/;
export const NAME_MAX = 64;
const DNS_MAX = 253;
const LABEL_MAX = 63;
const PORT_HELP = 'use -1 (auto), 0 (none) or 1-65535';

export function isUuid(id: unknown): id is string {
  return typeof id === 'string' && UUID_RE.test(id);
}

/** Ids become path components: anything but a UUID (`../x`, NUL, huge strings) stops here. */
export function assertUuid(id: string): void {
  if (!isUuid(id)) throw errors.invalidId(typeof id === 'string' ? id : String(id));
}

/** What is wrong with a name, or undefined. */
export function nameProblem(name: string): string | undefined {
  if (name === '') return 'name is required';
  // Length first, so that an overlong name gets the more useful of the two answers.
  if (name.length > NAME_MAX) return `name is longer than ${NAME_MAX} characters`;
  if (!NAME_RE.test(name)) return `name ${quote(name)} is invalid: use letters, digits, "-" and "_"`;
  return undefined;
}

/** -1 means "pick one for me", 0 means none. */
export function portProblem(port: number): string | undefined {
  const ok = Number.isInteger(port) && (port === -1 || (port >= 0 && port <= 65535));
  return ok ? undefined : `port ${port} is invalid: ${PORT_HELP}`;
}

/** "" means no DNS name. */
export function dnsNameProblem(n: string): string | undefined {
  if (n === '') return undefined;
  const bad = (reason: string) => `dns name ${quote(n)} is invalid: ${reason}`;
  if (!DNS_CHARS_RE.test(n)) return bad('use lowercase letters, digits, "-" and "."');
  if (n.length > DNS_MAX) return bad(`longer than ${DNS_MAX} characters`);
  const labels = n.split('.');
  if (labels.some((l) => l.length < 1 || l.length > LABEL_MAX)) return bad(`labels must be 1-${LABEL_MAX} characters`);
  if (labels.some((l) => l.startsWith('-') || l.endsWith('-'))) return bad('labels must not start or end with "-"');
  return undefined;
}

/** DNS compares case-insensitively and a trailing dot names the same host. */
export function normaliseDnsName(name: string): string {
  return name.trim().toLowerCase().replace(/\.$/, '');
}

/** Whether two DNS names name the same host ("" names none, so never the same). */
export function sameDnsName(a: string, b: string): boolean {
  const na = normaliseDnsName(a);
  return na !== '' && na === normaliseDnsName(b);
}

function isProtocol(p: string): p is Protocol {
  return (PROTOCOLS as readonly string[]).includes(p);
}

function invalid(message: string): ConvocateError {
  return new ConvocateError('invalid_argument', message);
}

function check<T>(value: T, problem: string | undefined): T {
  if (problem !== undefined) throw invalid(problem);
  return value;
}

export function validateName(name: string | undefined): string {
  return check(name ?? '', nameProblem(name ?? ''));
}

export function validatePort(port: number): number {
  return check(port, portProblem(port));
}

export function validateDnsName(n: string | undefined): string {
  return check(n ?? '', dnsNameProblem(n ?? ''));
}

/** "" or undefined means the default, tcp. */
export function validateProtocol(p: string | undefined): Protocol {
  if (p === undefined || p === '') return 'tcp';
  if (isProtocol(p)) return p;
  throw invalid(`protocol ${quote(p)} is invalid: use "tcp" or "udp"`);
}

/** A port typed by a person (form field, `--port`): "" is 0 (none). */
export function parsePortText(text: string): number {
  const t = text.trim();
  if (t === '') return 0;
  if (!/^-?\d+$/.test(t)) throw invalid(`port ${quote(text)} is invalid: ${PORT_HELP}`);
  return validatePort(Number(t));
}
