// The web cockpit's login secret: a 256-bit token in <shell-config>/web-token
// (0600), and session cookies signed with it, so rotating the token voids every cookie.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { mkdir, readFile, writeFile, rename } from 'node:fs/promises';
import { join } from 'node:path';

export const TOKEN_FILE = 'web-token';
export const COOKIE_NAME = 'convocate_web';

export function tokenPath(configDir: string): string {
  return join(configDir, TOKEN_FILE);
}

/** Reads the token, creating it on first use; `created` says whether it is new. */
export async function ensureToken(configDir: string): Promise<{ token: string; created: boolean }> {
  const existing = await readToken(configDir);
  if (existing) return { token: existing, created: false };
  return { token: await rotateToken(configDir), created: true };
}

export async function readToken(configDir: string): Promise<string | undefined> {
  const text = await readFile(tokenPath(configDir), 'utf8').catch(() => '');
  const token = text.trim();
  return /^[0-9a-f]{64}$/.test(token) ? token : undefined;
}

/** A new token, written atomically with mode 0600; every cookie signed with the old one stops working. */
export async function rotateToken(configDir: string): Promise<string> {
  await mkdir(configDir, { recursive: true, mode: 0o700 });
  const token = randomBytes(32).toString('hex');
  const tmp = `${tokenPath(configDir)}.${process.pid}.tmp`;
  await writeFile(tmp, `${token}\n`, { mode: 0o600 });
  await rename(tmp, tokenPath(configDir));
  return token;
}

export function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export function signCookie(token: string): string {
  const nonce = randomBytes(16).toString('hex');
  return `${nonce}.${mac(token, nonce)}`;
}

export function verifyCookie(token: string, value: string | undefined): boolean {
  if (!value) return false;
  const [nonce, sig, extra] = value.split('.');
  if (!nonce || !sig || extra !== undefined) return false;
  return sameSecret(sig, mac(token, nonce));
}

export function cookieFrom(header: string | undefined): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === COOKIE_NAME) return part.slice(eq + 1).trim();
  }
  return undefined;
}

function mac(token: string, nonce: string): string {
  return createHmac('sha256', token).update(`cookie:${nonce}`).digest('hex');
}
