// `install`: the packages a host lacks, the `convocate` user, and the bundle
// unpacked into its own versioned directory with `current` switched by rename
// and stable wrappers on PATH.
import { SESSION_USER } from '../../protocol/host-files.js';
import { createReadStream } from 'node:fs';
import type { Bundle } from '../steps/bundle.js';
import { converge } from '../steps/converge.js';
import { shellQuote, type Host } from '../host.js';
import { step, type Print } from '../report.js';
import type { Resource } from '../steps/desired-state.js';
import { BIN_DIR, COMMANDS, CURRENT, PREFIX, renderWrapper } from '../steps/units.js';

export const PACKAGES = ['docker.io', 'tmux', 'dnsmasq', 'openssh-server'];

export interface InstallResult {
  /** The bundle `current` pointed at before, if any (what a rollback returns to). */
  previous: string | undefined;
  switched: boolean;
}

/** The bundle is a promise so that it can be built here while the host is being prepared. */
export async function install(host: Host, bundle: Bundle | Promise<Bundle>, print: Print): Promise<InstallResult> {
  await prepareHost(host, print);
  return installBundle(host, bundle, print);
}

/** Packages, the session user and a running Docker daemon. */
export async function prepareHost(host: Host, print: Print): Promise<void> {
  await converge(host, 'packages', [{ kind: 'packages', names: PACKAGES }], print,
    'the host needs Debian/Ubuntu apt sources it can reach; fix them (`apt-get update` on the host) and run again');
  await converge(host, 'user', [{ kind: 'user', ...SESSION_USER }], print);
  await dockerRunning(host, print);
}

export async function installBundle(host: Host, bundle: Bundle | Promise<Bundle>, print: Print): Promise<InstallResult> {
  const b = await bundle;
  await shipBundle(host, b, print);
  return switchCurrent(host, `${PREFIX}/${b.id}`, print);
}

async function dockerRunning(host: Host, print: Print): Promise<void> {
  await step(host.name, 'docker daemon', print, async () => {
    const r = await host.run(
      `if docker info >/dev/null 2>&1; then echo already; exit 0; fi
       systemctl enable --now docker.service >&2 || exit 1
       for i in $(seq 120); do docker info >/dev/null 2>&1 && { echo started; exit 0; }; sleep 0.5; done
       echo 'dockerd did not answer within 60 s' >&2; exit 1`,
    );
    print(`[${host.name}] docker daemon: ${r.stdout.trim() === 'already' ? 'already running' : 'started'}`);
  }, 'see `journalctl -u docker` on the host');
}

async function shipBundle(host: Host, bundle: Bundle, print: Print): Promise<void> {
  const dir = `${PREFIX}/${bundle.id}`;
  await step(host.name, 'bundle', print, async () => {
    const have = await host.run(`cat ${shellQuote(`${dir}/.sha256`)} 2>/dev/null`, { allowFail: true });
    if (have.stdout.trim() === bundle.sha256) {
      print(`[${host.name}] bundle: already unpacked: ${dir}`);
      return;
    }
    print(`[${host.name}] bundle: sending ${bundle.id} (${(bundle.bytes / 1024 ** 2).toFixed(1)} MiB: convocate, its dependencies, Node ${process.version})`);
    const incoming = `${PREFIX}/.incoming`;
    const r = await host.run(
      `mkdir -p ${incoming} && f=${incoming}/${bundle.id}.tar.gz && cat > "$f" && sha256sum < "$f" | cut -c1-64`,
      { input: createReadStream(bundle.path) },
    );
    const got = r.stdout.trim();
    if (got !== bundle.sha256) {
      await host.run(`rm -f ${incoming}/${bundle.id}.tar.gz`, { allowFail: true });
      throw new Error(`checksum mismatch: sent sha256 ${bundle.sha256}, the host has ${got || 'nothing'}; the copy was removed`);
    }
    print(`[${host.name}] bundle: checksum verified (sha256 ${bundle.sha256.slice(0, 12)}…); unpacking into ${dir}`);
    // A bundle that cannot even print its version on this host is dropped before anything points at it.
    await host.run(
      `u=${incoming}/${bundle.id}; rm -rf "$u" ${shellQuote(dir)}; mkdir "$u" && tar -xzf "$u.tar.gz" -C "$u" && echo ${bundle.sha256} > "$u/.sha256" || { rm -rf "$u" "$u.tar.gz"; exit 1; }
       out=$("$u/node" "$u/dist/bin/convocate-agent.js" version 2>&1) || { echo "the new bundle does not run here, so it was removed: $out" >&2; rm -rf "$u" "$u.tar.gz"; exit 1; }
       mv -T "$u" ${shellQuote(dir)} && rm -f "$u.tar.gz"`,
    );
  }, 'make sure the host has disk space under /opt and runs on x86_64/glibc like this machine, then run again');
}

/** `current` (and `previous`) are symlinks replaced by rename: a reader sees the old or the new version, never none. */
export async function switchCurrent(host: Host, target: string, print: Print): Promise<InstallResult> {
  const before = (await host.run(`readlink ${CURRENT} 2>/dev/null`, { allowFail: true })).stdout.trim() || undefined;
  const links: Resource[] = [];
  if (before && before !== target) links.push({ kind: 'link', path: `${PREFIX}/previous`, target: before });
  links.push({ kind: 'link', path: CURRENT, target });
  const wrappers: Resource[] = COMMANDS.map((c) => ({ kind: 'file', path: `${BIN_DIR}/${c}`, content: renderWrapper(c), mode: 0o755 }));
  await converge(host, 'current version', links, print);
  await converge(host, 'commands on PATH', wrappers, print);
  return { previous: before, switched: before !== target };
}
