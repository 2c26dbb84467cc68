import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { utils } from 'ssh2';
import {
  fingerprint,
  generateEd25519,
  loadOrCreateHostKey,
  parseAuthorizedKeys,
  parsePrivateKey,
  parsePublicKey,
  readAuthorizedKeys,
  sameKey,
} from './keys.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'keys-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('host key', () => {
  it('is generated once with 0600/0644 modes and then reused', async () => {
    const path = join(dir, 'sub', 'host_key');
    const first = await loadOrCreateHostKey(path);
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    expect((await stat(`${path}.pub`)).mode & 0o777).toBe(0o644);
    const second = await loadOrCreateHostKey(path);
    expect(second.private).toBe(first.private);
    expect(sameKey(parsePublicKey(second.public), parsePrivateKey(first.private))).toBe(true);
    expect((await readFile(`${path}.pub`, 'utf8')).trim()).toBe(first.public);
  });

  it('recreates a lost .pub and refuses a non-ed25519 key', async () => {
    const path = join(dir, 'host_key');
    await loadOrCreateHostKey(path);
    await rm(`${path}.pub`);
    const again = await loadOrCreateHostKey(path);
    expect((await readFile(`${path}.pub`, 'utf8')).split(' ')[1]).toBe(again.public.split(' ')[1]);
    const rsa = utils.generateKeyPairSync('rsa', { bits: 2048 });
    await writeFile(join(dir, 'rsa'), rsa.private);
    await expect(loadOrCreateHostKey(join(dir, 'rsa'))).rejects.toThrow(/expected an ssh-ed25519 key/);
  });
});

describe('generateEd25519', () => {
  it('only returns pairs that parse back (ssh2 sometimes emits one that does not)', () => {
    for (let i = 0; i < 1500; i++) {
      const pair = generateEd25519(i % 2 ? '' : 'c');
      expect(sameKey(parsePrivateKey(pair.private), parsePublicKey(pair.public))).toBe(true);
    }
  });
});

describe('fingerprint', () => {
  it('matches ssh-keygen -l', async () => {
    const pair = generateEd25519('fp');
    await writeFile(join(dir, 'k.pub'), `${pair.public}\n`);
    const out = execFileSync('ssh-keygen', ['-l', '-f', join(dir, 'k.pub')], { encoding: 'utf8' });
    expect(out).toContain(fingerprint(parsePublicKey(pair.public)));
  });
});

describe('authorized_keys', () => {
  const a = generateEd25519('a@host');
  const b = generateEd25519('b@host');
  const rsa = utils.generateKeyPairSync('rsa', { bits: 2048, comment: 'rsa' }).public;
  const ecdsa = utils.generateKeyPairSync('ecdsa', { bits: 256, comment: 'ec' }).public;

  it('keeps only ed25519 entries and tolerates comments, blanks and options', () => {
    const text = [
      '# header comment',
      '',
      a.public,
      rsa,
      ecdsa,
      `no-pty,command="echo hi there",from="10.0.0.1" ${b.public}`,
      'ssh-ed25519 not-base64!! broken',
      '   ',
    ].join('\n');
    const keys = parseAuthorizedKeys(text);
    expect(keys.map((k) => k.comment)).toEqual(['a@host', 'b@host']);
    expect(keys[1]?.options).toBe('no-pty,command="echo hi there",from="10.0.0.1"');
    expect(sameKey(keys[0]!.blob, parsePrivateKey(a.private))).toBe(true);
    expect(sameKey(keys[0]!.blob, keys[1]!.blob)).toBe(false);
  });

  it('treats a missing file as empty', async () => {
    expect(await readAuthorizedKeys(join(dir, 'nope'))).toEqual([]);
  });
});
