// The host firewall for session containers (SPEC §3, §8), on iptables: no
// session reaches the agent's or status-serve's ports at any host address, and
// a session's egress policy holds, enforced here, never inside the container.
// Rules match the session's fixed MAC (sessionMac) and carry the comment
// `convocate-session:<uuid>`, in two chains of convocate's own: one jumped to
// from INPUT (traffic to the host itself), one from DOCKER-USER (traffic routed
// on). Every change to one session is a single atomic iptables-restore.
import { execFile } from 'node:child_process';
import { ConvocateError } from '../../protocol/errors.js';
import type { EgressPolicy } from '../../protocol/session.js';

export const INPUT_CHAIN = 'CONVOCATE-INPUT';
export const FORWARD_CHAIN = 'CONVOCATE-FORWARD';
const COMMENT_PREFIX = 'convocate-session:';
const TIMEOUT_MS = 15_000;

export interface SessionRules {
  mac: string;
  /** Host ports no session may reach (the agent's, status-serve's). */
  blockedPorts: number[];
  egress: EgressPolicy;
  /** Resolved IPv4 addresses or CIDRs reachable under `allow`. */
  allow: string[];
  /** DNS server reachable under `none` and `allow` (udp and tcp 53). */
  dnsServer?: string;
}

export interface SessionFirewall {
  /** The chains and their jumps exist; fails with a clear error when iptables cannot be used. */
  ensure(): Promise<void>;
  /** Replace the session's rules with these. */
  apply(uuid: string, rules: SessionRules): Promise<void>;
  remove(uuid: string): Promise<void>;
  /** Drop the rules of sessions whose container is gone (asked after the rules are read); returns how many sessions were swept. */
  sweep(existingUuids: () => Promise<ReadonlySet<string>>): Promise<number>;
}

type Run = (cmd: string, args: string[], input?: string) => Promise<{ code: number; stdout: string; stderr: string }>;

function runProcess(cmd: string, args: string[], input?: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = execFile(cmd, args, { timeout: TIMEOUT_MS, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? Number((err as { code: number }).code) : 127) : 0;
      resolve({ code, stdout: String(stdout), stderr: String(stderr || (err && !stderr ? err.message : '')) });
    });
    if (input !== undefined) child.stdin?.end(input);
  });
}

/** The rule lines (without `-A CHAIN`) of one session, in the order they must match. */
export function ruleSpecs(uuid: string, r: SessionRules): { input: string[]; forward: string[] } {
  const me = `-m mac --mac-source ${r.mac}`;
  const tag = `-m comment --comment ${COMMENT_PREFIX}${uuid}`;
  const established = `${me} -m conntrack --ctstate ESTABLISHED,RELATED ${tag} -j RETURN`;
  const input = [established];
  if (r.blockedPorts.length > 0) {
    input.push(`-p tcp ${me} -m multiport --dports ${[...new Set(r.blockedPorts)].join(',')} ${tag} -j REJECT --reject-with tcp-reset`);
  }
  const egress: string[] = [];
  if (r.egress !== 'open') {
    if (r.dnsServer) for (const proto of ['udp', 'tcp']) egress.push(`-d ${r.dnsServer}/32 -p ${proto} ${me} --dport 53 ${tag} -j RETURN`);
    if (r.egress === 'allow') for (const cidr of r.allow) egress.push(`-d ${cidr} ${me} ${tag} -j RETURN`);
    egress.push(`-p tcp ${me} ${tag} -j REJECT --reject-with tcp-reset`, `${me} ${tag} -j REJECT --reject-with icmp-port-unreachable`);
  }
  return { input: [...input, ...egress], forward: r.egress === 'open' ? [] : [established, ...egress] };
}

export class IptablesFirewall implements SessionFirewall {
  /** Chains and jumps checked by this process; checked again whenever a change fails. */
  private ensured = false;

  constructor(private readonly run: Run = runProcess) {}

  async ensure(): Promise<void> {
    await this.ensureChains();
    this.ensured = true;
  }

  private async ensureChains(): Promise<void> {
    const dockerUser = (await this.iptables(['-S', 'DOCKER-USER'], true)).code === 0;
    for (const [chain, from] of [[INPUT_CHAIN, 'INPUT'], [FORWARD_CHAIN, dockerUser ? 'DOCKER-USER' : 'FORWARD']] as const) {
      const made = await this.iptables(['-N', chain], true);
      if (made.code !== 0 && !/exists/i.test(made.stderr)) throw this.failure(`create chain ${chain}`, made.stderr);
      if ((await this.iptables(['-C', from, '-j', chain], true)).code !== 0) await this.iptables(['-I', from, '1', '-j', chain]);
    }
  }

  async apply(uuid: string, rules: SessionRules): Promise<void> {
    if (!this.ensured) await this.ensure();
    const specs = ruleSpecs(uuid, rules);
    const additions = [...specs.input.map((s) => `-A ${INPUT_CHAIN} ${s}`), ...specs.forward.map((s) => `-A ${FORWARD_CHAIN} ${s}`)];
    await this.withFreshRules(`set the firewall of session ${uuid}`, async () => [...(await this.deletions(uuid)), ...additions]);
  }

  async remove(uuid: string): Promise<void> {
    await this.withFreshRules(`remove the firewall of session ${uuid}`, () => this.deletions(uuid));
  }

  async sweep(existingUuids: () => Promise<ReadonlySet<string>>): Promise<number> {
    const stale = new Set<string>();
    await this.withFreshRules('sweep firewall rules of removed sessions', async () => {
      stale.clear();
      const lines: string[] = [];
      // Rules first, containers second: a container is created before its rules, so every rule read here
      // whose container is missing from the later list belongs to a container that is gone.
      const rules = await this.ownRules();
      const existing = await existingUuids();
      for (const rule of rules) {
        if (existing.has(rule.uuid)) continue;
        stale.add(rule.uuid);
        lines.push(rule.deletion);
      }
      return lines;
    });
    return stale.size;
  }

  /**
   * Another agent on this host may delete a rule between our read and our
   * restore (its sweep): the batch then fails as a whole, and is made again
   * from a fresh read. Bounded: three tries.
   */
  private async withFreshRules(what: string, batch: () => Promise<string[]>): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      const lines = await batch();
      if (lines.length === 0) return;
      try {
        await this.restore(lines, what);
        return;
      } catch (err) {
        if (attempt >= 3) throw err;
        // A chain or jump may have gone (a firewall reload): put them back before the next try.
        await this.ensure().catch(() => undefined);
      }
    }
  }

  /** Every rule of ours, with its session and the line that deletes it. */
  private async ownRules(): Promise<Array<{ uuid: string; deletion: string }>> {
    const out: Array<{ uuid: string; deletion: string }> = [];
    // One listing of the filter table: a process spawn per chain costs more than the parse.
    const listed = await this.iptables(['-S'], true);
    for (const line of listed.stdout.split('\n')) {
      const m = new RegExp(`--comment "?${COMMENT_PREFIX}([0-9a-f-]{36})"?`).exec(line);
      const ours = line.startsWith(`-A ${INPUT_CHAIN} `) || line.startsWith(`-A ${FORWARD_CHAIN} `);
      if (m?.[1] && ours) out.push({ uuid: m[1], deletion: `-D${line.slice(2)}` });
    }
    return out;
  }

  private async deletions(uuid: string): Promise<string[]> {
    return (await this.ownRules()).filter((r) => r.uuid === uuid).map((r) => r.deletion);
  }

  private async restore(lines: string[], what: string): Promise<void> {
    const r = await this.run('iptables-restore', ['-w', '--noflush'], `*filter\n${lines.join('\n')}\nCOMMIT\n`);
    if (r.code !== 0) throw this.failure(what, r.stderr);
  }

  private async iptables(args: string[], allowFail = false): Promise<{ code: number; stdout: string; stderr: string }> {
    const r = await this.run('iptables', ['-w', ...args]);
    if (r.code !== 0 && !allowFail) throw this.failure(`iptables ${args.join(' ')}`, r.stderr);
    return r;
  }

  private failure(what: string, stderr: string): ConvocateError {
    const detail = stderr.trim().split('\n').slice(0, 3).join('; ') || 'no output';
    return new ConvocateError('unavailable', `firewall: cannot ${what}: ${detail} (the agent needs root and iptables)`);
  }
}
