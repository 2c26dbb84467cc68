// The provisioning walk on two fresh hosts (systemd + sshd + nested dockerd,
// reached with real OpenSSH): init-shell, init-agent, sessions through the
// chain, DNS, the slice, update with and without rollback, a reboot, a second
// run that changes nothing, a changed host key, and admission control.
import { execFile } from 'node:child_process';
import { request as httpsRequest } from 'node:https';
import { promisify } from 'node:util';
import { cp, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sessionImage, waitFor } from '../helpers/docker.js';
import { startLab, type FreshHost, type HostLab } from '../helpers/systemd-host.js';
import { TuiPty } from '../helpers/tui-pty.js';
import { sliceLimits } from '../../src/provision/steps/units.js';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const AGENT_ID = 'a9e11e01';

let lab: HostLab;
let S: FreshHost;
let A: FreshHost;
let scratch: string;
let sessionUuid: string;
/** The package the fleet was last updated to; later runs use it, as an operator would. */
let newer = ROOT;

interface Run {
  code: number;
  out: string;
}

function host(args: string[], root = ROOT, timeoutMs = 600_000): Promise<Run> {
  return new Promise((resolve) => {
    const child = execFile(process.execPath, [join(root, 'dist/bin/convocate-host.js'), '--ssh-config', lab.sshConfig, ...args], {
      env: { ...process.env, CONVOCATE_IMAGE: sessionImage() },
      timeout: timeoutMs,
      maxBuffer: 16 * 1024 * 1024,
    }, (err, stdout, stderr) => resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, out: stdout + stderr }));
    child.stdin?.end();
  });
}

/** One HTTPS request trusting only `certPath` (a self-signed certificate for an address, so no name check). */
function httpsGet(base: string, path: string, certPath: string, opts: { method?: string; body?: string; cookie?: string } = {}) {
  return readFile(certPath).then(
    (ca) =>
      new Promise<{ status: number; body: string; headers: Record<string, string | string[] | undefined> }>((resolve, reject) => {
        const req = httpsRequest(`${base}${path}`, {
          method: opts.method ?? 'GET', ca, checkServerIdentity: () => undefined, timeout: 5_000,
          headers: { ...(opts.body ? { 'Content-Type': 'application/json' } : {}), ...(opts.cookie ? { cookie: opts.cookie } : {}) },
        }, (res) => {
          let body = '';
          res.on('data', (b: Buffer) => (body += b.toString()));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }));
        });
        req.on('timeout', () => req.destroy(new Error('no answer within 5 s')));
        req.on('error', reject);
        req.end(opts.body);
      }),
  );
}

/** `convocate` on the shell host, as the operator would run it there. */
async function onShell(command: string, allowFail = false) {
  return lab.ssh(S.name, command, { allowFail });
}

async function listed(): Promise<Array<{ uuid: string; name: string; agent_id: string; running: boolean; state: string }>> {
  return JSON.parse((await onShell('convocate ls --json')).stdout) as never;
}

/** One RPC to the agent from the shell host with OpenSSH and the shell's registered key. */
async function rpcFromShell(op: string, params: unknown): Promise<string> {
  const reg = `/etc/convocate/agent-keys/${AGENT_ID}`;
  const r = await onShell(
    `kh=$(mktemp); echo "[${A.ip}]:222 $(cat ${reg}/host_key.pub)" > $kh; ` +
      `echo '${JSON.stringify({ op, params })}' | ssh -F /dev/null -i ${reg}/shell_to_agent_ed25519_key -o IdentitiesOnly=yes -o BatchMode=yes ` +
      `-o UserKnownHostsFile=$kh -o StrictHostKeyChecking=yes -p 222 convocate@${A.ip} -s convocate-agent-rpc; rm -f $kh`,
  );
  return r.stdout;
}

async function attachReachesTmux(): Promise<void> {
  const pty = await TuiPty.start(`ssh -F ${lab.sshConfig} -tt ${S.name} convocate attach x`, { cols: 100, rows: 30 });
  try {
    await pty.waitForText(/convocate@convocate-[0-9a-f]{8}/, 60_000);
    await pty.type('echo chain-$((6*7))\r');
    await pty.waitForText('chain-42', 15_000);
    await pty.keys('C-b', 'd');
    await pty.waitForText('[exit 0]', 20_000);
  } finally {
    await pty.close();
  }
}

/** A copy of this package that differs from it, as a newer release would. */
async function packageCopy(name: string, edit: (dir: string) => Promise<void>): Promise<string> {
  const dir = join(scratch, name);
  await cp(join(ROOT, 'dist'), join(dir, 'dist'), { recursive: true });
  await cp(join(ROOT, 'image'), join(dir, 'image'), { recursive: true });
  for (const f of ['package.json', 'package-lock.json']) await cp(join(ROOT, f), join(dir, f));
  await symlink(join(ROOT, 'node_modules'), join(dir, 'node_modules'));
  await edit(dir);
  return dir;
}

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'convocate-provision-'));
  lab = await startLab(['shell', 'agent']);
  [S, A] = lab.hosts as [FreshHost, FreshHost];
}, 600_000);

afterAll(async () => {
  await lab?.cleanup();
  if (scratch) await rm(scratch, { recursive: true, force: true });
}, 120_000);

describe('convocate-host on fresh hosts', () => {
  it('1. init-shell sets up status-serve, its key and dnsmasq', async () => {
    const r = await host(['init-shell', S.name]);
    expect(r.code, r.out).toBe(0);
    expect(r.out).toContain('[shell] packages: already installed: docker.io tmux dnsmasq openssh-server');
    expect(r.out).toMatch(/\[shell\] bundle: checksum verified/);
    expect(r.out).toMatch(/\[shell\] convocate-status.service: started/);
    expect(r.out).toMatch(/\[shell\] status host key: SHA256:/);
    expect((await onShell('systemctl is-active convocate-status dnsmasq')).stdout.trim().split('\n')).toEqual(['active', 'active']);
    expect((await onShell('readlink /opt/convocate/current')).stdout.trim()).toMatch(/^\/opt\/convocate\/0\.\d+\.\d+-[0-9a-f]{8}$/);
    // Least privilege: the running status-serve holds only the capabilities it needs, and no new ones.
    const pid = (await onShell('systemctl show -p MainPID --value convocate-status')).stdout.trim();
    const status = (await onShell(`grep -E '^(CapBnd|NoNewPrivs):' /proc/${pid}/status`)).stdout;
    expect(status).toContain('NoNewPrivs:\t1');
    expect(status).toContain('CapBnd:\t0000000000000420'); // CAP_KILL (5) and CAP_NET_BIND_SERVICE (10)
    expect((await onShell('systemctl show -p ProtectSystem -p ReadWritePaths convocate-status')).stdout).toContain('ProtectSystem=strict');
  });

  it('2. init-agent peers A with S, ships the image and answers ping', async () => {
    const r = await host(['init-agent', A.name, '--shell', S.name, '--agent-id', AGENT_ID, '--address', A.ip, '--shell-address', S.ip]);
    expect(r.code, r.out).toBe(0);
    expect(r.out).toMatch(/\[shell\] pin agent host key: first contact, pinning SHA256:/);
    expect(r.out).toMatch(/\[agent\] session image: shipping/);
    expect(r.out).toMatch(/matches; loading/);
    expect(r.out).toContain(`[agent] ping: agent ${AGENT_ID} `);
    // Only public halves travelled: each private key exists on one host only.
    expect((await lab.ssh(A.name, `ls /etc/convocate-agent/`)).stdout).not.toContain('shell_to_agent_ed25519_key');
    expect((await onShell(`ls /etc/convocate/agent-keys/${AGENT_ID}/`)).stdout.split('\n').sort().filter(Boolean)).toEqual([
      'agent-host', 'agent_to_shell_ed25519_key.pub', 'host_key.pub', 'shell_to_agent_ed25519_key', 'shell_to_agent_ed25519_key.pub',
    ]);
  });

  it('3-4. the shell lists the agent\'s sessions; new and restart start a container inside A', async () => {
    // The walk types shell commands, so x runs a login shell: set the operator's way, through A's session env.
    await onShell(`printf 'bash -l\\n' | convocate env set CONVOCATE_SESSION_COMMAND --agent ${AGENT_ID}`);
    expect((await onShell(`convocate env ls --agent ${AGENT_ID}`)).stdout).toMatch(/\sCONVOCATE_SESSION_COMMAND$/m);
    const made = JSON.parse((await onShell(`convocate new x --agent ${AGENT_ID} --dns x-lab --json`)).stdout) as { uuid: string; agent_id: string };
    expect(made.agent_id).toBe(AGENT_ID);
    sessionUuid = made.uuid;
    expect((await listed()).map((s) => [s.name, s.agent_id])).toEqual([['x', AGENT_ID]]);
    await onShell('convocate restart x');
    const ps = await lab.ssh(A.name, `docker ps --filter label=convocate.session=${sessionUuid} --format '{{.Names}}'`);
    expect(ps.stdout.trim()).toBe(`convocate-session-${sessionUuid}`);
  });

  it('5. an attach over the chain reaches tmux', async () => {
    await attachReachesTmux();
  });

  it('6. status-serve hears A\'s heartbeat and S\'s dnsmasq resolves the session\'s name', async () => {
    const heard = await onShell(
      `timeout 45 /opt/convocate/current/node -e '
        const s = require("net").createConnection("/var/lib/convocate/status.sock"); let buf = "";
        s.on("data", (b) => { buf += b; for (const l of buf.split("\\n")) { try { const e = JSON.parse(l);
          if (e.agent_id === "${AGENT_ID}" && e.type === "agent.heartbeat") { console.log(l); process.exit(0); } } catch {} } });'`,
    );
    expect(heard.stdout).toContain('"type":"agent.heartbeat"');
    const ip = await waitFor('x-lab in S\'s dnsmasq', async () => {
      const r = await onShell('dig +short +time=1 +tries=1 @127.0.0.1 x-lab', true);
      return r.stdout.trim() || undefined;
    }, 60_000);
    expect(ip).toBe(A.ip);
  });

  it('6b. init-shell --web serves the cockpit over TLS as a least-privilege service, reported by status', async () => {
    // Refused before anything is written: a non-loopback address without TLS.
    const refused = await host(['init-shell', S.name, '--web', '0.0.0.0:7681']);
    expect(refused.code).not.toBe(0);
    expect(refused.out).toMatch(/refusing to serve 0\.0\.0\.0 without TLS/);
    expect((await onShell('ls /etc/systemd/system/convocate-web.service', true)).code).not.toBe(0);

    const cert = join(scratch, 'web-cert.pem');
    const key = join(scratch, 'web-key.pem');
    await run('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '2', '-subj', '/CN=shell', '-keyout', key, '-out', cert]);
    const r = await host(['init-shell', S.name, '--web', '0.0.0.0:7681', '--tls-cert', cert, '--tls-key', key]);
    expect(r.code, r.out).toBe(0);
    expect(r.out).toMatch(/\[shell\] convocate-web\.service: started/);
    expect(r.out).toContain('[shell] web token: made');
    expect(r.out).toContain('the login URL is `convocate web --print-url --listen 0.0.0.0:7681 --tls-cert /etc/convocate/web-tls/cert.pem --tls-key /etc/convocate/web-tls/key.pem` on the host');
    expect((await onShell('stat -c %a /etc/convocate/web-tls/key.pem')).stdout.trim()).toBe('600');
    const pid = (await onShell('systemctl show -p MainPID --value convocate-web')).stdout.trim();
    expect((await onShell(`grep -E '^CapBnd:' /proc/${pid}/status`)).stdout).toContain('CapBnd:\t0000000000000400'); // CAP_NET_BIND_SERVICE only

    // Over HTTPS from here: the page is public, the API needs the login the host's printed URL gives.
    const base = `https://${S.ip}:7681`;
    const page = await waitFor('the cockpit over TLS', async () => (await httpsGet(base, '/', cert).catch(() => undefined)) ?? undefined, 30_000);
    expect(page.status).toBe(200);
    expect(page.body).toContain('<div id="app">');
    expect((await httpsGet(base, '/api/sessions', cert)).status).toBe(401);
    const url = (await onShell('convocate web --print-url --listen 0.0.0.0:7681 --tls-cert /etc/convocate/web-tls/cert.pem --tls-key /etc/convocate/web-tls/key.pem')).stdout.trim();
    const token = /^https:\/\/[^/]+:7681\/#token=([0-9a-f]{64})$/.exec(url)?.[1];
    expect(token, url).toBeDefined();
    const login = await httpsGet(base, '/api/login', cert, { method: 'POST', body: JSON.stringify({ token }) });
    expect(login.status).toBe(204);
    const cookie = String(login.headers['set-cookie']).split(';')[0]!;
    expect(String(login.headers['set-cookie'])).toMatch(/HttpOnly; SameSite=Strict; Secure/);
    const sessions = await httpsGet(base, '/api/sessions', cert, { cookie });
    expect(sessions.status).toBe(200);
    expect((JSON.parse(sessions.body) as Array<{ name: string; agent_id: string }>).find((s) => s.name === 'x')).toMatchObject({ agent_id: AGENT_ID });

    const again = await host(['init-shell', S.name, '--web', '0.0.0.0:7681', '--tls-cert', cert, '--tls-key', key]);
    expect(again.code, again.out).toBe(0);
    expect(again.out).toContain('[shell] web token: already there');
    expect(again.out).toContain('[shell] convocate-web.service: already running');
    const st = await host(['status', S.name]);
    expect(st.out).toContain('[shell] unit convocate-web.service: enabled active');
    expect(st.out).toContain('[shell] web cockpit: https on 0.0.0.0:7681');
  });

  it('6c. init-shell --notify-cmd: status-serve runs the command, as typed, when a session starts waiting', async () => {
    // Quotes, `$` and `%` must reach /bin/sh as typed, through the unit and its environment file.
    const cmd = `printf '%s is %s (%s)\\n' "$CONVOCATE_NAME" "$CONVOCATE_ACTIVITY" "$CONVOCATE_DETAIL" >> /var/lib/convocate/notified`;
    const webFlags = ['--web', '0.0.0.0:7681', '--tls-cert', join(scratch, 'web-cert.pem'), '--tls-key', join(scratch, 'web-key.pem')];
    const r = await host(['init-shell', S.name, '--notify-cmd', cmd, ...webFlags]);
    expect(r.code, r.out).toBe(0);
    expect(r.out).toMatch(/\[shell\] convocate-status\.service: restarted/);
    expect((await onShell('stat -c %a /etc/convocate/notify.env')).stdout.trim()).toBe('600');
    const pid = (await onShell('systemctl show -p MainPID --value convocate-status')).stdout.trim();
    const argv = (await onShell(`tr '\\0' '\\n' < /proc/${pid}/cmdline`)).stdout.split('\n');
    expect(argv[argv.indexOf('--notify-cmd') + 1]).toBe(cmd);
    expect((await host(['status', S.name])).out).toContain('[shell] notify command: on');

    // The session's own hook reports it waiting; the agent tells status-serve, which runs the command once.
    await lab.ssh(A.name, `docker exec -u convocate convocate-session-${sessionUuid} convocate-activity waiting 'needs "you" $HOME'`);
    const notified = await waitFor('the notify command to run', async () => {
      const out = (await onShell('cat /var/lib/convocate/notified', true)).stdout;
      return out.trim() ? out : undefined;
    }, 60_000);
    expect(notified).toBe('x is waiting (needs "you" $HOME)\n');

    // Without the flag, notifications are off and the file keeps no old command.
    const off = await host(['init-shell', S.name, ...webFlags]);
    expect(off.code, off.out).toBe(0);
    expect((await onShell('cat /etc/convocate/notify.env')).stdout).not.toContain('notified');
    expect((await host(['status', S.name])).out).toContain('[shell] notify command: off');
  });

  it('7. A\'s sessions slice carries the caps and holds the session container', async () => {
    const facts = (await lab.ssh(A.name, `nproc; awk '/^MemTotal:/{print $2 * 1024}' /proc/meminfo`)).stdout.trim().split('\n').map(Number);
    const limits = sliceLimits(facts[0]!, facts[1]!);
    const show = (await lab.ssh(A.name, 'systemctl show convocate-sessions.slice -p CPUQuotaPerSecUSec -p MemoryMax -p ActiveState -p TasksMax')).stdout;
    expect(show).toContain(`MemoryMax=${limits.memoryMaxBytes}\n`);
    expect(Number(/TasksMax=(\d+)\n/.exec(show)?.[1])).toBeGreaterThan(0);
    expect(Number(/CPUQuotaPerSecUSec=([\d.]+)s\n/.exec(show)?.[1])).toBe(limits.cpuQuotaPercent / 100);
    expect(show).toContain('ActiveState=active');
    const cg = await lab.ssh(A.name, `cat /proc/$(docker inspect -f '{{.State.Pid}}' convocate-session-${sessionUuid})/cgroup`);
    expect(cg.stdout).toMatch(/:memory:\/convocate\.slice\/convocate-sessions\.slice\/[0-9a-f]{64}\n/);
    const limit = await lab.ssh(A.name, 'cat /sys/fs/cgroup/memory/convocate.slice/convocate-sessions.slice/memory.limit_in_bytes');
    expect(Number(limit.stdout)).toBe(limits.memoryMaxBytes);
  });

  it('8. update of A and S while x runs: x keeps running and stays attachable; a failing agent is rolled back', async () => {
    const before = (await lab.ssh(A.name, 'readlink /opt/convocate/current')).stdout.trim();
    newer = await packageCopy('newer', (dir) => writeFile(join(dir, 'dist', 'RELEASE'), 'newer\n'));
    // As if A's unit came from an older release: update renders it as this version does.
    const unit = '/etc/systemd/system/convocate-agent.service';
    await lab.ssh(A.name, `sed -i '/^Wants=/s/ convocate-sessions.slice//' ${unit} && systemctl daemon-reload`);
    const r = await host(['update', A.name, S.name], newer);
    expect(r.code, r.out).toBe(0);
    expect(r.out).toContain(`[agent] units: updating ${unit}`);
    expect(r.out).toContain('[shell] units: already up to date: /etc/systemd/system/convocate-status.service');
    expect((await lab.ssh(A.name, `grep ^Wants= ${unit}`)).stdout).toBe('Wants=network-online.target docker.service convocate-sessions.slice\n');
    expect(r.out).toContain('[shell] convocate-status.service: restarted');
    // The web cockpit from 6b runs the same bundle, so it moves onto the new one too.
    expect(r.out).toContain('[shell] convocate-web.service: restarted');
    expect((await onShell('readlink /opt/convocate/current')).stdout.trim()).toBe((await lab.ssh(A.name, 'readlink /opt/convocate/current')).stdout.trim());
    const after = (await lab.ssh(A.name, 'readlink /opt/convocate/current')).stdout.trim();
    expect(after).not.toBe(before);
    expect(r.out).toContain(`[agent] ping: agent ${AGENT_ID} `);
    expect((await listed()).find((s) => s.name === 'x')?.running).toBe(true);
    await attachReachesTmux();

    // A bundle whose agent cannot run at all never becomes current.
    const unrunnable = await packageCopy('unrunnable', (dir) => writeFile(join(dir, 'dist', 'bin', 'convocate-agent.js'), 'process.exit(3);\n'));
    const refused = await host(['update', A.name], unrunnable);
    expect(refused.code).not.toBe(0);
    expect(refused.out).toMatch(/agent: step "bundle" failed: .*the new bundle does not run here, so it was removed/);
    expect((await lab.ssh(A.name, 'readlink /opt/convocate/current')).stdout.trim()).toBe(after);

    // One that runs but whose agent never answers is rolled back after the switch.
    const broken = await packageCopy('broken', (dir) =>
      writeFile(join(dir, 'dist', 'bin', 'convocate-agent.js'), "if (process.argv.includes('serve')) process.exit(3);\nconsole.log('convocate-agent broken');\n"));
    const bad = await host(['update', A.name], broken);
    expect(bad.code).not.toBe(0);
    expect(bad.out).toContain(`[agent] rollback: switching back to ${after}`);
    expect(bad.out).toMatch(/failed its health check: .*ROLLED BACK to/);
    expect((await lab.ssh(A.name, 'readlink /opt/convocate/current')).stdout.trim()).toBe(after);
    expect((await listed()).find((s) => s.name === 'x')?.running).toBe(true);
  });

  it('9. after a reboot the agent comes back by itself and x is listed', async () => {
    await lab.reboot(A);
    const x = await waitFor('x listed after A rebooted', async () => {
      const r = await onShell('convocate ls --json', true);
      if (r.code !== 0) return undefined;
      return (JSON.parse(r.stdout) as Array<{ name: string; agent_id: string }>).find((s) => s.name === 'x' && s.agent_id === AGENT_ID);
    }, 120_000);
    expect(x.name).toBe('x');
    expect((await lab.ssh(A.name, 'systemctl is-active convocate-agent')).stdout.trim()).toBe('active');
  });

  it('10. a second init-agent changes nothing and says so', async () => {
    const since = (await lab.ssh(A.name, 'systemctl show convocate-agent -p ActiveEnterTimestampMonotonic')).stdout;
    const r = await host(['init-agent', A.name, '--shell', S.name, '--agent-id', AGENT_ID, '--address', A.ip, '--shell-address', S.ip], newer);
    expect(r.code, r.out).toBe(0);
    const steps = r.out.split('\n').filter((l) => /^\[(agent|shell)\] /.test(l));
    const changing = steps.filter((l) => !/: already |: already$|pin .*: already pinned|host resources:|ping: |^\[shell\] shell ready/.test(l));
    expect(changing).toEqual([]);
    expect(r.out).toContain('[agent] convocate-agent.service: already running');
    expect((await lab.ssh(A.name, 'systemctl show convocate-agent -p ActiveEnterTimestampMonotonic')).stdout).toBe(since);
  });

  it('11. a changed agent host key is refused loudly and nothing is written', async () => {
    const pin = `/etc/convocate/agent-keys/${AGENT_ID}/host_key.pub`;
    await onShell(`cp ${pin} /root/pin.bak && ssh-keygen -q -t ed25519 -N '' -f /root/other && cut -d' ' -f1,2 /root/other.pub > ${pin}`);
    try {
      const r = await host(['init-agent', A.name, '--shell', S.name, '--agent-id', AGENT_ID, '--address', A.ip, '--shell-address', S.ip], newer);
      expect(r.code).not.toBe(0);
      expect(r.out).toMatch(/shell: step "pin agent host key" failed: HOST KEY CHANGED: agent a9e11e01 on agent now presents SHA256:\S+ but shell pinned SHA256:\S+/);
      expect(r.out).toContain(`remedy: if agent ${AGENT_ID} on agent was reinstalled and you trust its new key, remove ${pin} on shell and run again`);
      expect((await onShell(`cut -d' ' -f2 ${pin}`)).stdout).toBe((await onShell("cut -d' ' -f2 /root/other.pub")).stdout);
      // The shell's own client refuses the agent as well.
      const ls = await onShell('convocate ls --json', true);
      const names = (JSON.parse(ls.stdout) as Array<{ name: string }>).map((s) => s.name);
      expect(names).not.toContain('x');
      expect(ls.stderr).toContain(`agent ${AGENT_ID} unreachable`);
    } finally {
      await onShell(`cp /root/pin.bak ${pin}`);
    }
  });

  it('11b. a changed ssh host key in the operator\'s known_hosts is refused by OpenSSH, named by host and step', async () => {
    const original = await readFile(lab.knownHosts, 'utf8');
    const other = (await onShell("cut -d' ' -f1,2 /etc/ssh/ssh_host_ed25519_key.pub")).stdout.trim();
    const forged = original.split('\n').map((l) => (l.startsWith('agent ssh-ed25519 ') ? `agent ${other}` : l)).join('\n');
    expect(forged).not.toBe(original);
    await writeFile(lab.knownHosts, forged);
    try {
      const r = await host(['status', A.name], newer);
      expect(r.code).toBe(1);
      expect(r.out).toMatch(/agent: step "status" failed: ssh failed: .*Host key verification failed/);
    } finally {
      await writeFile(lab.knownHosts, original);
    }
  });

  it('12. admission: with the memory cap lowered, a start is refused with the numbers', async () => {
    expect(await rpcFromShell('settings-set', { mem_cap_percent: 0.1 })).toContain('"mem_cap_percent":0.1');
    try {
      await onShell('convocate kill x');
      const r = await onShell('convocate restart x', true);
      expect(r.code).not.toBe(0);
      expect(r.stderr).toMatch(/refusing to start: memory: [\d.]+ (B|KiB|MiB|GiB) of [\d.]+ GiB in use, cap 0\.1 % \([\d.]+ MiB\)/);
      expect((await listed()).find((s) => s.name === 'x')?.running).toBe(false);
    } finally {
      await rpcFromShell('settings-set', { mem_cap_percent: 90 });
    }
    await onShell('convocate restart x');
    expect((await listed()).find((s) => s.name === 'x')?.running).toBe(true);
  });

  it('status reports versions, units, slice limits and peering', async () => {
    const r = await host(['status', A.name], newer);
    expect(r.code, r.out).toBe(0);
    expect(r.out).toMatch(/\[agent\] current: \/opt\/convocate\/0\.\d+\.\d+-[0-9a-f]{8}/);
    expect(r.out).toContain('[agent] unit convocate-agent.service: enabled active');
    expect(r.out).toMatch(/\[agent\] slice limits: CPUQuotaPerSecUSec=\S+ MemoryMax=\d+/);
    expect(r.out).toContain(`[agent] agent id: ${AGENT_ID}, reports to ${S.ip}`);
    expect(r.out).toMatch(new RegExp(`\\[agent\\] session image ${sessionImage()}: sha256:[0-9a-f]{12}`));
    const s = await host(['status', S.name]);
    expect(s.out).toContain(`[shell] registered agent: ${AGENT_ID} at ${A.ip}`);
  });
});
