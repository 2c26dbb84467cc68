// A real dnsmasq on 127.0.0.1 for e2e tests, authoritative for one domain and
// serving names from an `addn-hosts` file, plus `dig` against it.
//
// dnsmasq flags: `--addn-hosts` points at the keeper's file; `--domain` with
// `--local=/<domain>/` makes dnsmasq authoritative for the domain (no upstream is
// asked, unknown names are NXDOMAIN at once).
import { execFile, spawn } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { createServer } from 'node:net';
import { promisify } from 'node:util';
import { waitFor } from './ssh.js';

const run = promisify(execFile);

export interface Dnsmasq {
  port: number;
  /** `dig +short`; rejects when dnsmasq does not answer at all. */
  dig(name: string): Promise<string>;
  stop(): Promise<void>;
}

/** `port` reuses a port (a restart on the same address); by default a free one is picked. */
export async function startDnsmasq(opts: { hostsFile: string; pidFile: string; domain: string; port?: number }): Promise<Dnsmasq> {
  await run('dnsmasq', ['--version']).catch((err: unknown) => {
    throw new Error('e2e DNS tests need dnsmasq: `apt-get install -y dnsmasq-base`', { cause: err });
  });
  const port = opts.port ?? (await freeUdpTcpPort());
  const child = spawn('dnsmasq', [
    '--keep-in-foreground', '--no-resolv', '--no-hosts', `--port=${port}`, '--listen-address=127.0.0.1',
    '--bind-interfaces', `--addn-hosts=${opts.hostsFile}`, `--domain=${opts.domain}`, `--local=/${opts.domain}/`,
    `--pid-file=${opts.pidFile}`, '--user=root', '--log-facility=-',
  ], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (b: Buffer) => (stderr += b.toString()));

  const dig = async (name: string): Promise<string> => {
    const { stdout } = await run('dig', ['@127.0.0.1', '-p', String(port), '+short', '+time=1', '+tries=1', name], { timeout: 5_000 });
    return stdout.trim();
  };
  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
  };

  try {
    await waitFor(async () => {
      if (child.exitCode !== null) throw new Error(`dnsmasq exited: ${stderr}`);
      return dig(`probe.${opts.domain}`).then(() => true, () => false);
    }, 'dnsmasq to answer');
  } catch (err) {
    await stop();
    throw err;
  }
  return { port, dig, stop };
}

/** A port free for both UDP and TCP on 127.0.0.1 (dnsmasq binds both). */
export async function freeUdpTcpPort(): Promise<number> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const port = await new Promise<number>((resolve, reject) => {
      const s = createSocket('udp4');
      s.once('error', reject);
      s.bind(0, '127.0.0.1', () => {
        const p = s.address().port;
        s.close(() => resolve(p));
      });
    });
    const tcpFree = await new Promise<boolean>((resolve) => {
      const srv = createServer();
      srv.once('error', () => resolve(false));
      srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
    });
    if (tcpFree) return port;
  }
  throw new Error('no free port for dnsmasq');
}
