// Ed25519 key pairs in OpenSSH format, `authorized_keys` parsing and key
// comparison. Both peers of every SSH link in convocate use only ed25519.
import { createHash } from 'node:crypto';
import { mkdir, readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { ParsedKey } from 'ssh2';
import ssh2 from './ssh2.js';
import { writeFileAtomic } from './atomic-write.js';
// ssh2 is CommonJS: under Node's ESM loader its named exports live on the default export.
const { utils } = ssh2;

export const ED25519 = 'ssh-ed25519';

export interface KeyPair {
  /** OpenSSH private key (`-----BEGIN OPENSSH PRIVATE KEY-----`). */
  private: string;
  /** One `ssh-ed25519 AAAA… comment` line, no newline. */
  public: string;
}

export interface AuthorizedKey {
  /** The SSH wire-format public key blob; what two keys are compared by. */
  blob: Buffer;
  comment: string;
  /** The options prefix, if any: not enforced, so the auth layer refuses keys that carry one. */
  options: string;
  parsed: ParsedKey;
}

export function generateEd25519(comment = ''): KeyPair {
  // ssh2 1.17 now and then (~1 in 300) emits a private key that it cannot parse
  // back itself; such a key would brick a server on its next start, so only a
  // pair that round-trips is returned.
  for (let attempt = 0; attempt < 20; attempt++) {
    const pair = utils.generateKeyPairSync('ed25519', { comment });
    const parsed = utils.parseKey(pair.private);
    if (parsed instanceof Error || parsed.type !== ED25519) continue;
    const pub = utils.parseKey(pair.public);
    if (pub instanceof Error || !sameKey(parsed, pub)) continue;
    return { private: pair.private, public: pair.public.trim() };
  }
  throw new Error('could not generate a usable ed25519 key pair');
}

/** Write `<path>` 0600 and `<path>.pub` 0644, each atomically so a crash never leaves half a key. */
export async function writeKeyPair(path: string, pair: KeyPair): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFileAtomic(path, pair.private.endsWith('\n') ? pair.private : `${pair.private}\n`, 0o600);
  await writeFileAtomic(`${path}.pub`, `${pair.public}\n`, 0o644);
}

/** The host key at `path`, generated (with its `.pub`) on first start. */
export async function loadOrCreateHostKey(path: string, comment = 'convocate-host-key'): Promise<KeyPair> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw new Error(`read host key ${path}`, { cause: err });
    const pair = generateEd25519(comment);
    await writeKeyPair(path, pair);
    return pair;
  }
  const parsed = parsePrivateKey(text, path);
  const pub = publicLine(parsed);
  // A lost .pub is harmless to recreate; provisioning copies it to pin the key.
  await readFile(`${path}.pub`).catch(() => writeFileAtomic(`${path}.pub`, `${pub}\n`, 0o644));
  return { private: text, public: pub };
}

export function parsePrivateKey(text: string | Buffer, source = 'private key'): ParsedKey {
  const parsed = utils.parseKey(text);
  if (parsed instanceof Error) throw new Error(`${source}: ${parsed.message}`, { cause: parsed });
  if (!parsed.isPrivateKey()) throw new Error(`${source}: not a private key`);
  if (parsed.type !== ED25519) throw new Error(`${source}: expected an ${ED25519} key, got ${parsed.type}`);
  return parsed;
}

/** Parse one OpenSSH public key line (`ssh-ed25519 AAAA… [comment]`); ed25519 only. */
export function parsePublicKey(line: string, source = 'public key'): ParsedKey {
  const parsed = utils.parseKey(line.trim());
  if (parsed instanceof Error) throw new Error(`${source}: ${parsed.message}`, { cause: parsed });
  if (parsed.type !== ED25519) throw new Error(`${source}: expected an ${ED25519} key, got ${parsed.type}`);
  return parsed;
}

export function publicLine(key: ParsedKey): string {
  const line = `${key.type} ${key.getPublicSSH().toString('base64')}`;
  return key.comment ? `${line} ${key.comment}` : line;
}

/** True when both describe the same public key (private keys compare by their public half). */
export function sameKey(a: ParsedKey | Buffer, b: ParsedKey | Buffer): boolean {
  const blobA = Buffer.isBuffer(a) ? a : a.getPublicSSH();
  const blobB = Buffer.isBuffer(b) ? b : b.getPublicSSH();
  return blobA.equals(blobB);
}

/** `SHA256:…` as `ssh-keygen -l` prints it. */
export function fingerprint(key: ParsedKey | Buffer): string {
  const blob = Buffer.isBuffer(key) ? key : key.getPublicSSH();
  return `SHA256:${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`;
}

/**
 * Parse `authorized_keys` text. Comments, blank lines and an options prefix are
 * tolerated; only `ssh-ed25519` entries are returned, the rest are skipped.
 */
export function parseAuthorizedKeys(text: string): AuthorizedKey[] {
  const keys: AuthorizedKey[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const entry = splitEntry(line);
    if (!entry || entry.type !== ED25519) continue;
    const parsed = utils.parseKey(`${entry.type} ${entry.base64}`);
    if (parsed instanceof Error || parsed.type !== ED25519) continue;
    keys.push({ blob: parsed.getPublicSSH(), comment: entry.comment, options: entry.options, parsed });
  }
  return keys;
}

/** A missing file means nobody is authorized, not an error. */
export async function readAuthorizedKeys(path: string): Promise<AuthorizedKey[]> {
  try {
    return parseAuthorizedKeys(await readFile(path, 'utf8'));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
}

interface Entry {
  options: string;
  type: string;
  base64: string;
  comment: string;
}

const KEY_TYPE = /^(ssh-(ed25519|rsa|dss)|ecdsa-sha2-nistp\d+|sk-[a-z0-9-]+@openssh\.com)$/;

/** sshd(8) AUTHORIZED_KEYS FILE FORMAT: `[options] keytype base64 [comment]`; options may quote spaces. */
function splitEntry(line: string): Entry | undefined {
  let options = '';
  let rest = line;
  const first = rest.split(/\s+/, 1)[0] ?? '';
  if (!KEY_TYPE.test(first)) {
    const end = endOfOptions(rest);
    options = rest.slice(0, end);
    rest = rest.slice(end).trimStart();
  }
  const [type, base64, ...comment] = rest.split(/\s+/);
  if (!type || !base64) return undefined;
  return { options, type, base64, comment: comment.join(' ') };
}

function endOfOptions(line: string): number {
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (c === '\\' && quoted) i++;
    else if (c === '"') quoted = !quoted;
    else if (!quoted && (c === ' ' || c === '\t')) return i;
  }
  return line.length;
}
