// SSH server-side authentication shared by every convocate listener: public key
// only, ed25519 only, the key must be listed in authorized_keys (re-read on each
// attempt so a provisioning change applies without a restart) and, when the
// client signs, the signature must verify. Everything else is refused.
import type { AuthContext, Connection } from 'ssh2';
import { ED25519, fingerprint, readAuthorizedKeys } from './keys.js';

/** Past this many failed attempts on one connection the peer is cut off. */
const MAX_FAILED_ATTEMPTS = 6;

/** The grace time to authenticate is the caller's (ssh-guard.ts), counted from the TCP accept. */
export function requireEd25519PublicKey(
  conn: Connection,
  authorizedKeysPath: string,
  log: (msg: string) => void,
  peer: string,
  /** Told which authorized key the peer proved it holds. */
  onAccepted?: (key: Buffer) => void,
): void {
  let failures = 0;
  let nones = 0;
  const refuse = (ctx: AuthContext, why?: string) => {
    if (why) log(`auth refused for ${peer}: ${why}`);
    ctx.reject(['publickey']);
    if (++failures >= MAX_FAILED_ATTEMPTS) conn.end();
  };
  conn.on('authentication', (ctx) => {
    // Clients open with `none` to learn the methods; like sshd, that is not a failed try.
    if (ctx.method === 'none') return ++nones === 1 ? ctx.reject(['publickey']) : refuse(ctx);
    if (ctx.method !== 'publickey') return refuse(ctx);
    if (ctx.key.algo !== ED25519) return refuse(ctx, `key type ${ctx.key.algo} not accepted`);
    readAuthorizedKeys(authorizedKeysPath).then(
      (keys) => {
        const match = keys.find((k) => k.blob.equals(ctx.key.data));
        if (!match) return refuse(ctx, `key ${fingerprint(ctx.key.data)} not in authorized_keys`);
        // Options such as from="…" would narrow who may use the key; unenforced, they must not silently widen it.
        if (match.options) {
          return refuse(ctx, `key ${fingerprint(ctx.key.data)} has options (${match.options.slice(0, 80)}) that are not supported: remove them`);
        }
        // Without a signature this is only the "would you accept this key?" query.
        if (ctx.signature !== undefined) {
          if (!ctx.blob || !match.parsed.verify(ctx.blob, ctx.signature, ctx.hashAlgo)) {
            return refuse(ctx, `bad signature for ${fingerprint(ctx.key.data)}`);
          }
          onAccepted?.(ctx.key.data);
        }
        ctx.accept();
      },
      (err: unknown) => refuse(ctx, `cannot read ${authorizedKeysPath}: ${(err as Error).message}`),
    );
  });
}
