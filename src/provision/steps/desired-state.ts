// The declarative half of provisioning: what a host should have (packages, a
// user, dirs, files, lines in files, key pairs, links), the one probe script
// that reads what it has, and the pure planner that compares the two. A second
// run over a provisioned host plans nothing but "already".
import { createHash } from 'node:crypto';
import { shellQuote } from '../host.js';

export type Resource =
  | { kind: 'packages'; names: string[] }
  | { kind: 'user'; name: string; uid: number; home: string }
  | { kind: 'dir'; path: string; mode: number }
  | { kind: 'file'; path: string; content: string; mode: number }
  | { kind: 'line'; path: string; line: string; mode: number }
  | { kind: 'keypair'; path: string; comment: string }
  | { kind: 'link'; path: string; target: string };

/** What the probe found, per resource key. */
export type Facts = ReadonlyMap<string, string>;

export type PlanState = 'already' | 'create' | 'change';

export interface Planned {
  resource: Resource;
  key: string;
  state: PlanState;
  /** One line for the operator: what is there, or what will change. */
  detail: string;
}

export function keyOf(r: Resource): string {
  switch (r.kind) {
    case 'packages':
      return `packages:${r.names.join(',')}`;
    case 'user':
      return `user:${r.name}`;
    default:
      return `${r.kind}:${r.path}`;
  }
}

export function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

const octal = (mode: number) => mode.toString(8).padStart(4, '0');

/** What a host that has `r` reports for it in the probe. */
export function satisfiedFact(r: Resource): string {
  switch (r.kind) {
    case 'packages':
      return '';
    case 'user':
      return String(r.uid);
    case 'dir':
      return octal(r.mode);
    case 'file':
      return `${sha256(r.content)} ${octal(r.mode)}`;
    case 'line':
    case 'keypair':
      return 'yes';
    case 'link':
      return r.target;
  }
}

export function plan(resources: readonly Resource[], facts: Facts): Planned[] {
  return resources.map((resource) => {
    const key = keyOf(resource);
    const have = facts.get(key) ?? '';
    const want = satisfiedFact(resource);
    if (resource.kind === 'packages') {
      return have === ''
        ? { resource, key, state: 'already', detail: `already installed: ${resource.names.join(' ')}` }
        : { resource, key, state: 'create', detail: `installing ${have}` };
    }
    if (have === want) return { resource, key, state: 'already', detail: alreadyText(resource) };
    const state: PlanState = have === '' || have === 'no' ? 'create' : 'change';
    return { resource, key, state, detail: changeText(resource, state, have) };
  });
}

/** The facts a host reports once every resource is applied: what a second run's probe sees. */
export function factsAfter(resources: readonly Resource[], before: Facts = new Map()): Map<string, string> {
  const after = new Map(before);
  for (const r of resources) after.set(keyOf(r), satisfiedFact(r));
  return after;
}

function alreadyText(r: Resource): string {
  switch (r.kind) {
    case 'user':
      return `already present: user ${r.name} (uid ${r.uid})`;
    case 'line':
      return `already listed in ${r.path}`;
    case 'keypair':
      return `already minted: ${r.path}`;
    case 'link':
      return `already ${r.path} -> ${r.target}`;
    default:
      return `already up to date: ${'path' in r ? r.path : keyOf(r)}`;
  }
}

function changeText(r: Resource, state: PlanState, have: string): string {
  switch (r.kind) {
    case 'user':
      return state === 'create' ? `adding user ${r.name} (uid ${r.uid})` : `user ${r.name} has uid ${have}, want ${r.uid}`;
    case 'line':
      return `adding a line to ${r.path}`;
    case 'keypair':
      return `minting ${r.path} (ed25519; the private half stays on this host)`;
    case 'link':
      return `${r.path} -> ${r.target}${have ? ` (was ${have})` : ''}`;
    case 'dir':
      return `${state === 'create' ? 'making' : 'fixing mode of'} ${r.path}`;
    case 'file':
      return `${state === 'create' ? 'writing' : 'updating'} ${r.path}`;
    default:
      return state;
  }
}

/** One bash script printing `<key>\t<fact>` per resource. */
export function probeScript(resources: readonly Resource[]): string {
  const lines = resources.map((r) => {
    const k = shellQuote(keyOf(r));
    switch (r.kind) {
      case 'packages': {
        const names = r.names.map(shellQuote).join(' ');
        return `m=''; for p in ${names}; do dpkg-query -W -f='\${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || m="$m $p"; done; printf '%s\\t%s\\n' ${k} "\${m# }"`;
      }
      case 'user':
        return `printf '%s\\t%s\\n' ${k} "$(id -u ${shellQuote(r.name)} 2>/dev/null)"`;
      case 'dir':
        return `printf '%s\\t%s\\n' ${k} "$([ -d ${shellQuote(r.path)} ] && stat -c %04a ${shellQuote(r.path)})"`;
      case 'file':
        return `printf '%s\\t%s\\n' ${k} "$([ -f ${shellQuote(r.path)} ] && [ ! -L ${shellQuote(r.path)} ] && echo "$(sha256sum < ${shellQuote(r.path)} | cut -c1-64) $(stat -c %04a ${shellQuote(r.path)})")"`;
      case 'line':
        return `printf '%s\\t%s\\n' ${k} "$(grep -qxF -- ${shellQuote(r.line)} ${shellQuote(r.path)} 2>/dev/null && echo yes || echo no)"`;
      case 'keypair':
        return `printf '%s\\t%s\\n' ${k} "$([ -s ${shellQuote(r.path)} ] && [ -s ${shellQuote(`${r.path}.pub`)} ] && echo yes)"`;
      case 'link':
        return `printf '%s\\t%s\\n' ${k} "$(readlink ${shellQuote(r.path)} 2>/dev/null)"`;
    }
  });
  return lines.join('\n');
}

export function parseFacts(stdout: string): Map<string, string> {
  const facts = new Map<string, string>();
  for (const line of stdout.split('\n')) {
    const i = line.indexOf('\t');
    if (i > 0) facts.set(line.slice(0, i), line.slice(i + 1));
  }
  return facts;
}

/** The script that brings one resource about, and what it reads on stdin. */
export function applyScript(p: Planned): { script: string; input?: string } {
  const r = p.resource;
  switch (r.kind) {
    case 'packages':
      return {
        script: `export DEBIAN_FRONTEND=noninteractive; apt-get update -q >&2 && apt-get install -y -q --no-install-recommends ${p.detail.replace(/^installing /, '').split(' ').map(shellQuote).join(' ')} >&2`,
      };
    case 'user':
      if (p.state === 'change') {
        return { script: `echo ${shellQuote(`${p.detail}: change it with usermod -u ${r.uid} ${r.name} and run again`)} >&2; exit 1` };
      }
      return {
        script: `getent group ${r.name} >/dev/null || groupadd -g ${r.uid} ${r.name}; useradd -u ${r.uid} -g ${r.name} -M -d ${shellQuote(r.home)} -s /usr/sbin/nologin ${r.name}`,
      };
    case 'dir':
      return { script: `mkdir -p ${shellQuote(r.path)} && chmod ${octal(r.mode)} ${shellQuote(r.path)}` };
    case 'file': {
      const path = shellQuote(r.path);
      return {
        script: `mkdir -p "$(dirname ${path})" && t=$(mktemp ${shellQuote(`${r.path}.XXXXXX`)}) && cat > "$t" && chmod ${octal(r.mode)} "$t" && mv -f "$t" ${path}`,
        input: r.content,
      };
    }
    case 'line': {
      const path = shellQuote(r.path);
      return {
        script: `mkdir -p "$(dirname ${path})" && l=$(cat) && touch ${path} && chmod ${octal(r.mode)} ${path} && { grep -qxF -- "$l" ${path} || printf '%s\\n' "$l" >> ${path}; }`,
        input: r.line,
      };
    }
    case 'keypair': {
      const path = shellQuote(r.path);
      return {
        script: `mkdir -p "$(dirname ${path})" && rm -f ${path} ${shellQuote(`${r.path}.pub`)} && ssh-keygen -q -t ed25519 -N '' -C ${shellQuote(r.comment)} -f ${path} && chmod 0600 ${path}`,
      };
    }
    case 'link': {
      const tmp = shellQuote(`${r.path}.new`);
      return { script: `ln -sfn ${shellQuote(r.target)} ${tmp} && mv -Tf ${tmp} ${shellQuote(r.path)}` };
    }
  }
}
