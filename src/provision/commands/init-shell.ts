// `init-shell`: install, then status-serve as a service with its own host key,
// the state dir, its notify command and the dnsmasq drop-in pointing at the
// shell's hosts file.
import { REGISTRY_DIR, SHELL_FILES } from '../../protocol/host-files.js';
import type { Bundle } from '../steps/bundle.js';
import { converge } from '../steps/converge.js';
import type { Host } from '../host.js';
import { install } from './install.js';
import { fingerprintOfLine, readPublicKey } from '../steps/peering.js';
import type { Print } from '../report.js';
import { step } from '../report.js';
import { daemonReload, ensureService } from '../steps/services.js';
import { initWeb, type WebPlan } from '../steps/web.js';
import {
  DNSMASQ_DROPIN, NOTIFY_ENV_FILE, renderDnsmasqDropin, renderNotifyEnv, renderStatusUnit, SHELL_CONFIG_DIR, SHELL_STATE_DIR, STATUS_UNIT, UNIT_DIR,
} from '../steps/units.js';

export interface ShellOptions {
  listen: string;
  dnsDomain?: string;
  /** status-serve's --notify-cmd; without it, notifications are off (the file keeps no old command). */
  notifyCmd?: string;
  /** The web cockpit, when asked for. */
  web?: WebPlan;
}

export async function initShell(host: Host, bundle: Bundle | Promise<Bundle>, opts: ShellOptions, print: Print): Promise<void> {
  const installed = await install(host, bundle, print);
  const keyPath = `${SHELL_CONFIG_DIR}/${SHELL_FILES.statusHostKey}`;
  const config = await converge(host, 'shell config', [
    { kind: 'dir', path: SHELL_CONFIG_DIR, mode: 0o755 },
    { kind: 'dir', path: `${SHELL_CONFIG_DIR}/${REGISTRY_DIR}`, mode: 0o700 },
    { kind: 'dir', path: SHELL_STATE_DIR, mode: 0o755 },
    { kind: 'keypair', path: keyPath, comment: 'convocate-status-host-key' },
    { kind: 'file', path: NOTIFY_ENV_FILE, content: renderNotifyEnv(opts.notifyCmd), mode: 0o600 },
  ], print);
  await step(host.name, 'dns hosts file', print, () => host.run(`f=${SHELL_STATE_DIR}/dnsmasq-hosts; [ -e "$f" ] || : > "$f"`));
  const units = await converge(host, 'units', [
    { kind: 'file', path: `${UNIT_DIR}/${STATUS_UNIT}`, content: renderStatusUnit({ listen: opts.listen, dnsDomain: opts.dnsDomain, notify: opts.notifyCmd !== undefined }), mode: 0o644 },
    { kind: 'file', path: DNSMASQ_DROPIN, content: renderDnsmasqDropin(), mode: 0o644 },
  ], print);
  if (units.size > 0) await daemonReload(host, print);
  await ensureService(host, 'dnsmasq.service', units.has(`file:${DNSMASQ_DROPIN}`), print);
  await ensureService(host, STATUS_UNIT, installed.switched || units.size > 0 || config.size > 0, print);
  const pub = await readPublicKey(host, `${keyPath}.pub`, 'status host key');
  print(`[${host.name}] status host key: ${fingerprintOfLine(pub)} (agents pin this key)`);
  if (opts.web) await initWeb(host, opts.web, installed.switched, print);
}
