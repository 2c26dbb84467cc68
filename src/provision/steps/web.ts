// The web cockpit on a shell host: its TLS files shipped (0600), its login
// token made once (the service itself writes nothing), and
// `convocate-web.service` beside status-serve. The flags are checked by
// `convocate web`'s own rules, and the files read, once, before anything
// reaches the host.
import { readFile } from 'node:fs/promises';
import { ConvocateError, quote } from '../../protocol/errors.js';
import { checkFlags } from '../../web/run.js';
import { TOKEN_FILE } from '../../web/token.js';
import type { Host } from '../host.js';
import { step, type Print } from '../report.js';
import { converge } from './converge.js';
import type { Resource } from './desired-state.js';
import { daemonReload, ensureService } from './services.js';
import { BIN_DIR, renderWebUnit, SHELL_CONFIG_DIR, UNIT_DIR, WEB_TLS_DIR, WEB_UNIT, webFlags } from './units.js';

export interface WebOptions {
  listen: string;
  tlsCert?: string;
  tlsKey?: string;
  insecureHttp?: boolean;
}

/** The same checks `convocate web` makes, before any host is touched; returns the TLS files' text. */
export async function checkWebOptions(o: WebOptions): Promise<{ cert: string; key: string } | undefined> {
  const { tls } = checkFlags({ listen: o.listen, tlsCert: o.tlsCert, tlsKey: o.tlsKey, insecureHttp: o.insecureHttp });
  if (!tls) return undefined;
  const read = (path: string, flag: string) =>
    readFile(path, 'utf8').catch((err: NodeJS.ErrnoException) => {
      throw new ConvocateError('invalid_argument', `${flag} ${quote(path)}: ${err.code === 'ENOENT' ? 'no such file' : err.message}`);
    });
  const [cert, key] = [await read(o.tlsCert!, '--tls-cert'), await read(o.tlsKey!, '--tls-key')];
  if (!cert.includes('-----BEGIN CERTIFICATE-----')) throw new ConvocateError('invalid_argument', `--tls-cert ${quote(o.tlsCert!)} is not a PEM certificate`);
  if (!/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(key)) throw new ConvocateError('invalid_argument', `--tls-key ${quote(o.tlsKey!)} is not a PEM private key`);
  return { cert, key };
}

/** The cockpit as init-shell installs it, checked on the operator's machine: the TLS files' text travels, not their paths. */
export interface WebPlan {
  listen: string;
  insecureHttp?: boolean;
  tls?: { cert: string; key: string };
}

export async function initWeb(host: Host, o: WebPlan, switched: boolean, print: Print): Promise<void> {
  const { tls } = o;
  const resources: Resource[] = [];
  if (tls) {
    resources.push(
      { kind: 'dir', path: WEB_TLS_DIR, mode: 0o700 },
      { kind: 'file', path: `${WEB_TLS_DIR}/cert.pem`, content: tls.cert, mode: 0o600 },
      { kind: 'file', path: `${WEB_TLS_DIR}/key.pem`, content: tls.key, mode: 0o600 },
    );
  }
  const unit = { listen: o.listen, tls: Boolean(tls), insecureHttp: o.insecureHttp };
  resources.push({ kind: 'file', path: `${UNIT_DIR}/${WEB_UNIT}`, content: renderWebUnit(unit), mode: 0o644 });
  const changed = await converge(host, 'web', resources, print);
  await step(host.name, 'web token', print, async () => {
    const r = await host.run(
      `[ -e ${SHELL_CONFIG_DIR}/${TOKEN_FILE} ] && echo kept || { CONVOCATE_CONFIG_DIR=${SHELL_CONFIG_DIR} ${BIN_DIR}/convocate web --rotate-token >/dev/null && echo made; }`,
    );
    print(`[${host.name}] web token: ${r.stdout.trim() === 'kept' ? 'already there' : 'made'}`);
  });
  if (changed.has(`file:${UNIT_DIR}/${WEB_UNIT}`)) await daemonReload(host, print);
  await ensureService(host, WEB_UNIT, switched || changed.size > 0, print);
  print(`[${host.name}] web cockpit on ${tls ? 'https' : 'http'}://${o.listen}/: the login URL is \`convocate web --print-url ${webFlags(unit).join(' ')}\` on the host`);
}
