// Peering an agent with a shell: public halves read from where their pairs
// were minted, and host-key pins compared before anything is written. A pin
// that differs from what the host now presents is refused loudly.
import { fingerprint, parsePublicKey, sameKey } from '../../lib/keys.js';
import { shellQuote, type Host } from '../host.js';
import { StepFailure } from '../report.js';

/** The `ssh-ed25519 AAAA…` line at `path`, or undefined when absent. */
export async function readOptionalPublicKey(host: Host, path: string, what: string): Promise<string | undefined> {
  const r = await host.run(`cat ${shellQuote(path)} 2>/dev/null`, { allowFail: true });
  const line = r.stdout.trim();
  if (r.code !== 0 || line === '') return undefined;
  try {
    parsePublicKey(line, `${what} (${path})`);
  } catch (err) {
    throw new StepFailure(host.name, what, (err as Error).message, `remove ${path} on ${host.name} and run again`);
  }
  return line;
}

export async function readPublicKey(host: Host, path: string, what: string): Promise<string> {
  const line = await readOptionalPublicKey(host, path, what);
  if (!line) throw new StepFailure(host.name, what, `${path} is missing`, 'run the same command again: the key is minted on the way');
  return line;
}

export function fingerprintOfLine(line: string): string {
  return fingerprint(parsePublicKey(line));
}

/** Just the key type and base64, so a comment never makes two equal keys differ. */
export function bareKey(line: string): string {
  return line.trim().split(/\s+/).slice(0, 2).join(' ');
}

export interface PinCheck {
  /** Where the pin lives, and on which host. */
  pinHost: string;
  pinPath: string;
  pinned: string | undefined;
  /** The key the peer presents now, and which host it is. */
  presented: string;
  peer: string;
  what: string;
}

/** 'first' when nothing is pinned yet, 'same' when the pin matches; throws when it differs. */
export function comparePin(c: PinCheck): 'first' | 'same' {
  if (!c.pinned) return 'first';
  if (sameKey(parsePublicKey(c.pinned), parsePublicKey(c.presented))) return 'same';
  throw new StepFailure(
    c.pinHost,
    `pin ${c.what}`,
    `HOST KEY CHANGED: ${c.peer} now presents ${fingerprintOfLine(c.presented)} but ${c.pinHost} pinned ${fingerprintOfLine(c.pinned)} in ${c.pinPath}. ` +
      'Someone may be impersonating it, or it was reinstalled. Nothing was changed.',
    `if ${c.peer} was reinstalled and you trust its new key, remove ${c.pinPath} on ${c.pinHost} and run again`,
  );
}
