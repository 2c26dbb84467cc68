// The `convocate-host` commands (SPEC §7): parse, open one multiplexed
// connection per host, build the bundle once, run, and always close.
import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import { DEFAULT_IMAGE } from '../protocol/version.js';
import { checkAgentOptions, initAgent, targetHost } from './commands/init-agent.js';
import { buildBundle, type Bundle } from './steps/bundle.js';
import { openHost, type Host } from './host.js';
import type { Print } from './report.js';
import { initShell } from './commands/init-shell.js';
import { checkNotifyCmd } from './steps/units.js';
import { checkWebOptions } from './steps/web.js';
import { status } from './commands/status.js';
import { update } from './commands/update.js';
import { install } from './commands/install.js';

interface Globals {
  sshConfig?: string;
}

export function addProvisionCommands(program: Command, print: Print): void {
  program.option('--ssh-config <file>', 'OpenSSH client config, passed as ssh -F');
  const image = () => process.env.CONVOCATE_IMAGE || DEFAULT_IMAGE;
  const globals = (): Globals => program.opts<Globals>();

  program
    .command('install <target>')
    .description('packages, the convocate user and the self-contained bundle (TARGET: local or an ssh destination)')
    .action((target: string) => withHosts(globals(), [target], print, true, ([h], b) => install(h!, b!, print).then(() => undefined)));

  program
    .command('init-shell <target>')
    .description('install, then status-serve (tcp/223), its host key, the state dir and the dnsmasq drop-in')
    .option('--listen <addr:port>', 'status-serve listen address', '0.0.0.0:223')
    .option('--dns-domain <domain>', 'also publish <dns_name>.<domain>')
    .option('--notify-cmd <cmd>', 'status-serve runs CMD when a session starts waiting or ends a turn (see convocate status-serve --help)')
    .option('--web <addr:port>', 'also serve the web cockpit there (convocate-web.service)')
    .option('--tls-cert <file>', 'the web cockpit\'s certificate (PEM), shipped to the host')
    .option('--tls-key <file>', 'its private key (PEM), shipped to the host with mode 0600')
    .option('--insecure-http', 'serve the web cockpit without TLS on a non-loopback address')
    .action(async (target: string, o: { listen: string; dnsDomain?: string; notifyCmd?: string; web?: string; tlsCert?: string; tlsKey?: string; insecureHttp?: boolean }) => {
      if (!o.web && (o.tlsCert || o.tlsKey || o.insecureHttp)) throw new Error('--tls-cert, --tls-key and --insecure-http go with --web ADDR:PORT');
      // Checked here, before any host is touched.
      const web = o.web
        ? { listen: o.web, insecureHttp: o.insecureHttp, tls: await checkWebOptions({ listen: o.web, tlsCert: o.tlsCert, tlsKey: o.tlsKey, insecureHttp: o.insecureHttp }) }
        : undefined;
      if (o.notifyCmd !== undefined) checkNotifyCmd(o.notifyCmd);
      return withHosts(globals(), [target], print, true, ([h], b) => initShell(h!, b!, { listen: o.listen, dnsDomain: o.dnsDomain, notifyCmd: o.notifyCmd, web }, print));
    });

  program
    .command('init-agent <target>')
    .description('install, then the agent service (tcp/222), the sessions slice, peering with the shell and the session image')
    .requiredOption('--shell <shell-target>', 'the shell host (already set up with init-shell)')
    .option('--agent-id <id>', 'lowercase letters, digits and "-", starting with a letter, at most 32 (default: the host\'s, or 8 new hex characters)')
    .option('--address <host[:port]>', 'how the shell reaches this agent (default: the target\'s host)')
    .option('--shell-address <host[:port]>', 'how this agent reaches status-serve (default: the shell target\'s host)')
    .option('--build-image', 'build the session image on the host instead of shipping it')
    .action((target: string, o: { shell: string; agentId?: string; address?: string; shellAddress?: string; buildImage?: boolean }) => {
      const opts = {
        agentId: o.agentId,
        address: o.address ?? targetHost(target),
        shellAddress: o.shellAddress ?? targetHost(o.shell),
        image: image(),
        buildImage: Boolean(o.buildImage),
      };
      checkAgentOptions(opts);
      return withHosts(globals(), [target, o.shell], print, true, async ([a, s], b) => {
        await initAgent(a!, s!, b!, opts, print);
      });
    });

  program
    .command('update <targets...>')
    .description('new bundle and image, services restarted, sessions left running; an agent failing its ping is rolled back')
    .option('--build-image', 'build the session image on the host instead of shipping it')
    .action((targets: string[], o: { buildImage?: boolean }) =>
      withHosts(globals(), targets, print, true, async (hosts, b) => {
        const failures: Error[] = [];
        for (const h of hosts) {
          await update(h, b!, { image: image(), buildImage: Boolean(o.buildImage) }, print).catch((err: Error) => {
            failures.push(err);
            print(err.message);
          });
        }
        if (failures.length) throw new Error(`update failed on ${failures.length} of ${hosts.length} hosts`);
      }));

  program
    .command('status <target>')
    .description('what is installed: versions, units, slice limits, peering')
    .action((target: string) => withHosts(globals(), [target], print, false, ([h]) => status(h!, image(), print)));
}

/** The bundle is built while the first remote steps run; steps that need it wait for it. */
async function withHosts(g: Globals, targets: string[], print: Print, needsBundle: boolean, fn: (hosts: Host[], bundle: Promise<Bundle> | undefined) => Promise<void>): Promise<void> {
  if (g.sshConfig && !existsSync(g.sshConfig)) throw new Error(`--ssh-config ${g.sshConfig}: no such file`);
  const hosts = targets.map((t) => openHost(t, { configFile: g.sshConfig }));
  let bundle: Promise<Bundle> | undefined;
  if (needsBundle) {
    print('[local] bundle: building');
    bundle = buildBundle().then((b) => {
      print(`[local] bundle: ${b.id} (${(b.bytes / 1024 ** 2).toFixed(1)} MiB, sha256 ${b.sha256})`);
      return b;
    });
    bundle.catch(() => undefined);
  }
  try {
    await fn(hosts, bundle);
  } finally {
    await bundle?.then((b) => b.cleanup(), () => undefined);
    await Promise.all(hosts.map((h) => h.close()));
  }
}
