// Every session field's rule (SPEC §2), once: the agent enforces them, the
// TUI form and the CLI check them before a round trip, the DNS keeper filters
// with them. The message texts are part of the protocol contract.
import { ConvocateError, errors, quote } from './errors.js';
import { EGRESS_POLICIES, PROTOCOLS, type EgressPolicy, type Protocol } from './session.js';

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

/** Docker refuses less than 6 MiB; more than 1024 cores is a typo. */
export const MEMORY_MIN_BYTES = 6 * 1024 ** 2;
export const CPUS_MAX = 1024;
export const EGRESS_ALLOW_MAX = 64;

/** null = the agent's default. */
export function cpusProblem(cpus: number | null): string | undefined {
  if (cpus === null) return undefined;
  const ok = typeof cpus === 'number' && Number.isFinite(cpus) && cpus >= 0.01 && cpus <= CPUS_MAX;
  return ok ? undefined : `cpus ${String(cpus)} is invalid: use a number of cores from 0.01 to ${CPUS_MAX}, e.g. 1.5`;
}

export function memoryProblem(bytes: number | null): string | undefined {
  if (bytes === null) return undefined;
  const ok = typeof bytes === 'number' && Number.isInteger(bytes) && bytes >= MEMORY_MIN_BYTES && bytes <= Number.MAX_SAFE_INTEGER;
  return ok ? undefined : `memory ${String(bytes)} is invalid: at least 6 MiB, e.g. 512m or 4g`;
}

/** Dotted quad, each part 0-255 without leading zeros (no node:net here: the protocol runs anywhere). */
export function isIpv4(text: string): boolean {
  const parts = text.split('.');
  return parts.length === 4 && parts.every((p) => /^(0|[1-9]\d{0,2})$/.test(p) && Number(p) <= 255);
}

/** One `egress_allow` entry: an IPv4 address or CIDR, or a host name the agent resolves. */
export function egressEntryProblem(entry: string): string | undefined {
  const cidr = /^([0-9.]+)\/(\d{1,2})$/.exec(entry);
  if (cidr) return isIpv4(cidr[1] ?? '') && Number(cidr[2]) <= 32 ? undefined : `allow entry ${quote(entry)} is not a valid IPv4 CIDR`;
  if (isIpv4(entry)) return undefined;
  if (entry !== '' && !/^[0-9.]+$/.test(entry) && dnsNameProblem(entry) === undefined) return undefined;
  return `allow entry ${quote(entry)} is invalid: use an IPv4 address, a CIDR such as 10.0.0.0/8, or a host name`;
}

export function validateCpus(cpus: number | null): number | null {
  return check(cpus, cpusProblem(cpus));
}

export function validateMemory(bytes: number | null): number | null {
  return check(bytes, memoryProblem(bytes));
}

export function validateEgress(policy: string): EgressPolicy {
  const found = EGRESS_POLICIES.find((p) => p === policy);
  if (!found) throw invalid(`egress ${quote(policy)} is invalid: use "open", "none" or "allow"`);
  return found;
}

export function validateEgressAllow(entries: readonly string[]): string[] {
  if (entries.length > EGRESS_ALLOW_MAX) throw invalid(`allow list has ${entries.length} entries: at most ${EGRESS_ALLOW_MAX}`);
  for (const e of entries) check(e, typeof e === 'string' ? egressEntryProblem(e) : 'allow entries must be strings');
  return [...new Set(entries)];
}

/** `--cpus` as typed: a number of cores, or "default". */
export function parseCpusText(text: string): number | null {
  const t = text.trim();
  if (t === 'default') return null;
  if (!/^\d+(\.\d+)?$/.test(t)) throw invalid(`cpus ${quote(text)} is invalid: use a number of cores such as 1.5, or "default"`);
  return validateCpus(Number(t));
}

const SIZE_UNITS: Record<string, number> = { '': 1, b: 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4 };

/** `--memory SIZE` as typed: `512m`, `4g`, `1.5GiB`, plain bytes, or "default". */
export function parseMemoryText(text: string): number | null {
  const t = text.trim().toLowerCase();
  if (t === 'default') return null;
  const m = /^(\d+(?:\.\d+)?)\s*([bkmgt]?)(?:i?b)?$/.exec(t);
  if (!m) throw invalid(`memory ${quote(text)} is invalid: use a size such as 512m, 4g or 1.5GiB, or "default"`);
  return validateMemory(Math.round(Number(m[1]) * (SIZE_UNITS[m[2] ?? ''] ?? 1)));
}

/** `--allow a,b,c` as typed. */
export function parseAllowText(text: string): string[] {
  return validateEgressAllow(text.split(',').map((e) => e.trim()).filter((e) => e !== ''));
}

export const REPO_URL_MAX = 2048;
export const BRANCH_MAX = 200;
const REPO_SCHEMES = new Set(['https:', 'http:', 'ssh:', 'git:']);
/** `user@host:path`, git's scp-like ssh form. */
const SCP_LIKE_RE = /^[A-Za-z0-9._-]+@[A-Za-z0-9.-]+:[^\s]+$/;
const REF_CHARS_RE = /^[A-Za-z0-9._/-]+$/;

/** What is wrong with a repository URL, or undefined. It reaches `git clone` inside the container, after `--`. */
export function repoProblem(url: string): string | undefined {
  const bad = (reason: string) => `repo ${quote(url.slice(0, 80))} is invalid: ${reason}`;
  if (url.length > REPO_URL_MAX) return bad(`longer than ${REPO_URL_MAX} characters`);
  // eslint-disable-next-line no-control-regex
  if (/[\s\u0000-\u001f\u007f]/.test(url)) return bad('no spaces or control characters');
  if (url.startsWith('-')) return bad('must not start with "-"');
  if (SCP_LIKE_RE.test(url) && !url.includes('://')) return undefined;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return bad('use https://, http://, ssh://, git:// or user@host:path');
  }
  if (!REPO_SCHEMES.has(parsed.protocol)) return bad('use https://, http://, ssh://, git:// or user@host:path');
  if (!parsed.hostname) return bad('it names no host');
  if (parsed.password) return bad('credentials go in the session env (GH_TOKEN, GIT_TOKEN, GIT_SSH_KEY), never in the URL');
  return undefined;
}

/** A branch name git accepts (a subset of check-ref-format), or the reason it is refused. */
export function branchProblem(branch: string): string | undefined {
  const bad = (reason: string) => `branch ${quote(branch.slice(0, 80))} is invalid: ${reason}`;
  if (branch === '') return bad('it is empty');
  if (branch.length > BRANCH_MAX) return bad(`longer than ${BRANCH_MAX} characters`);
  if (!REF_CHARS_RE.test(branch)) return bad('use letters, digits, ".", "_", "-" and "/"');
  if (branch.startsWith('-') || branch.startsWith('/') || branch.endsWith('/') || branch.endsWith('.')) {
    return bad('must not start with "-" or "/", nor end with "/" or "."');
  }
  if (branch.includes('..') || branch.includes('//') || branch.split('/').some((c) => c.startsWith('.') || c.endsWith('.lock'))) {
    return bad('no "..", "//", components starting with "." or ending in ".lock"');
  }
  return undefined;
}

/** "" or undefined: none. */
export function validateRepo(url: string | undefined): string | null {
  if (url === undefined || url === '') return null;
  return check(url, repoProblem(url));
}

export function validateBranch(branch: string): string {
  return check(branch, branchProblem(branch));
}

/** A diff base: a branch-like name, optionally with `~N` or `^` suffixes (e.g. `origin/main~3`). */
export function validateDiffBase(base: string): string {
  const bare = base.replace(/(?:[~^]\d*)+$/, '');
  const problem = branchProblem(bare);
  return check(base, problem?.replace(/^branch/, 'base'));
}
