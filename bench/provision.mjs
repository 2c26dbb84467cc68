// `convocate-host init-agent` of a fresh host (bundle and image shipping
// included) beside the same steps typed by hand with ssh, scp and docker load,
// on fresh hosts booted for the run (systemd + sshd + nested dockerd).
// The host lab is TypeScript shared with the e2e tests, so this re-runs itself under vite-node.
import { execFile, spawn, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { timed } from '../test/helpers/measure.mjs';

const ROOT = fileURLToPath(new URL('../', import.meta.url));

if (!process.env.CONVOCATE_BENCH_VITE) {
  const r = spawnSync(`${ROOT}node_modules/.bin/vite-node`, [fileURLToPath(import.meta.url)], {
    stdio: 'inherit',
    env: { ...process.env, CONVOCATE_BENCH_VITE: '1' },
  });
  process.exit(r.status ?? 1);
}

const { startLab } = await import('../test/helpers/systemd-host.ts');
const { buildBundle } = await import('../src/provision/steps/bundle.ts');
const { DEFAULT_IMAGE } = await import('../src/protocol/version.ts');
const image = process.env.CONVOCATE_IMAGE || DEFAULT_IMAGE;
const HOST_BIN = `${ROOT}dist/bin/convocate-host.js`;

const seconds = (ms) => `${(ms / 1000).toFixed(1)} s`;

function sh(command, input) {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', ['-o', 'pipefail', '-c', command], { stdio: ['pipe', 'pipe', 'pipe'] });
    let err = '';
    let out = '';
    child.stdout.on('data', (b) => (out += b));
    child.stderr.on('data', (b) => (err += b));
    child.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`${command.slice(0, 120)}: exit ${code}: ${err.slice(-400)}`))));
    child.stdin.end(input ?? '');
  });
}

function convocateHost(lab, args) {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [HOST_BIN, '--ssh-config', lab.sshConfig, ...args], { env: { ...process.env, CONVOCATE_IMAGE: image }, maxBuffer: 16 << 20 }, (err, stdout, stderr) =>
      err ? reject(new Error(`${args.join(' ')}: ${stdout}${stderr}`)) : resolve(stdout));
  });
}

/** The steps init-agent takes, typed by hand: one ssh/scp per step, no multiplexing, no checks. */
async function byHand(lab, S, B, id) {
  const q = (text) => `'${text.replace(/'/g, `'\\''`)}'`;
  const ssh = (h, cmd) => `ssh -F ${lab.sshConfig} ${h} ${q(cmd)}`;
  const bundle = await buildBundle();
  try {
    const dir = `/opt/convocate/${bundle.id}`;
    await sh(`scp -q -F ${lab.sshConfig} ${bundle.path} ${B.name}:/tmp/bundle.tar.gz`);
    await sh(ssh(B.name, `mkdir -p ${dir} && tar -xzf /tmp/bundle.tar.gz -C ${dir} && ln -sfn ${dir} /opt/convocate/current && rm /tmp/bundle.tar.gz`));
    await sh(ssh(B.name, 'printf "#!/bin/sh\\nexec /opt/convocate/current/node /opt/convocate/current/dist/bin/convocate-agent.js \\"\\$@\\"\\n" > /usr/local/bin/convocate-agent && chmod 755 /usr/local/bin/convocate-agent'));
    await sh(ssh(B.name, `id convocate || useradd -u 1337 -M -d /home/convocate convocate; mkdir -p /etc/convocate-agent; cd /etc/convocate-agent; echo ${id} > agent-id; ssh-keygen -q -t ed25519 -N "" -f host_key; ssh-keygen -q -t ed25519 -N "" -f agent_to_shell_ed25519_key`));
    await sh(ssh(S.name, `d=/etc/convocate/agent-keys/${id}; mkdir -p $d; ssh-keygen -q -t ed25519 -N "" -f $d/shell_to_agent_ed25519_key`));
    const shellPub = await sh(ssh(S.name, `cat /etc/convocate/agent-keys/${id}/shell_to_agent_ed25519_key.pub`));
    const statusPub = await sh(ssh(S.name, 'cat /etc/convocate/status_host_key.pub'));
    await sh(ssh(B.name, 'cat >> /etc/convocate-agent/authorized_keys'), shellPub);
    await sh(ssh(B.name, 'cat > /etc/convocate-agent/shell_host_key.pub'), statusPub);
    await sh(ssh(B.name, `echo ${S.ip} > /etc/convocate-agent/shell-host`));
    const hostPub = await sh(ssh(B.name, 'cat /etc/convocate-agent/host_key.pub'));
    const statusKey = await sh(ssh(B.name, 'cat /etc/convocate-agent/agent_to_shell_ed25519_key.pub'));
    await sh(ssh(S.name, `cat > /etc/convocate/agent-keys/${id}/host_key.pub`), hostPub);
    await sh(ssh(S.name, `cat > /etc/convocate/agent-keys/${id}/agent_to_shell_ed25519_key.pub`), statusKey);
    await sh(ssh(S.name, 'cat >> /etc/convocate/status_authorized_keys'), statusKey);
    await sh(ssh(S.name, `echo ${B.ip} > /etc/convocate/agent-keys/${id}/agent-host`));
    await sh(`docker save ${image} | ${ssh(B.name, 'docker load -q')}`);
    await sh(ssh(B.name, 'printf "[Slice]\\nCPUQuota=180%%\\nMemoryMax=90%%\\n" > /etc/systemd/system/convocate-sessions.slice'));
    await sh(ssh(B.name, 'printf "[Unit]\\nWants=convocate-sessions.slice docker.service\\n[Service]\\nExecStart=/usr/local/bin/convocate-agent serve --cgroup-parent /convocate.slice/convocate-sessions.slice\\nRestart=on-failure\\n[Install]\\nWantedBy=multi-user.target\\n" > /etc/systemd/system/convocate-agent.service'));
    await sh(ssh(B.name, 'systemctl daemon-reload && systemctl enable --now convocate-agent && systemctl restart convocate-status 2>/dev/null; true'));
    await sh(ssh(S.name, 'systemctl restart convocate-status'));
    await sh(ssh(B.name, 'for i in $(seq 60); do ss -ltn | grep -q ":222 " && exit 0; sleep 0.5; done; exit 1'));
  } finally {
    await bundle.cleanup();
  }
}

// Four fresh hosts, taken in the order tool, hand, hand, tool, so that a machine
// getting busier during the run weighs on both sides alike.
const lab = await startLab(['shell', 'agent1', 'hand1', 'hand2', 'agent2']);
try {
  const [S, A1, B1, B2, A2] = lab.hosts;
  process.stderr.write('booted 5 fresh hosts; init-shell on the shell host\n');
  await convocateHost(lab, ['init-shell', S.name]);
  const ms = async (fn) => (await timed(fn)).ms;
  const initAgent = (A) => ms(() => convocateHost(lab, ['init-agent', A.name, '--shell', S.name, '--address', A.ip, '--shell-address', S.ip]));
  const tool = [await initAgent(A1)];
  const hand = [await ms(() => byHand(lab, S, B1, 'b0b0b0b1')), await ms(() => byHand(lab, S, B2, 'b0b0b0b2'))];
  tool.push(await initAgent(A2));
  const again = await initAgent(A2);
  const size = (await sh(`docker image inspect -f '{{.Size}}' ${image}`)).trim();
  const both = (xs) => xs.map(seconds).join(' / ');
  console.log(`\nprovisioning (image ${image}, ${(Number(size) / 1024 ** 2).toFixed(0)} MiB; fresh hosts are systemd containers on this machine)`);
  console.log('| what | convocate-host | by hand (ssh/scp/docker load) |');
  console.log('|---|---|---|');
  console.log(`| init-agent of a fresh host, bundle and image shipped (two runs each) | ${both(tool)} | ${both(hand)} |`);
  console.log(`| the same again (nothing to do) | ${seconds(again)} | n/a |`);
} finally {
  await lab.cleanup();
}
