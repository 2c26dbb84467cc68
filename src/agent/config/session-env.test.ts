import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MAX_VALUE_BYTES, SESSION_ENV_FILE, SessionEnvStore } from './session-env.js';

let dir = '';
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'convocate-env-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const SECRET = 'sk-ant-very-secret-value-1234567890';

async function failure(p: Promise<unknown>): Promise<Error> {
  const err = await p.then(() => undefined, (e: unknown) => e as Error);
  if (!err) throw new Error('expected a failure');
  return err;
}

describe('SessionEnvStore', () => {
  it('sets, lists names, unsets; the file is 0600 and holds NAME=value', async () => {
    const env = new SessionEnvStore(dir);
    expect(await env.set('ANTHROPIC_API_KEY', SECRET)).toEqual(['ANTHROPIC_API_KEY']);
    expect(await env.set('HTTPS_PROXY', 'http://proxy:3128')).toEqual(['ANTHROPIC_API_KEY', 'HTTPS_PROXY']);
    expect((await stat(join(dir, SESSION_ENV_FILE))).mode & 0o777).toBe(0o600);
    expect([...(await new SessionEnvStore(dir).read())]).toEqual([['ANTHROPIC_API_KEY', SECRET], ['HTTPS_PROXY', 'http://proxy:3128']]);
    expect(await env.unset('HTTPS_PROXY')).toEqual(['ANTHROPIC_API_KEY']);
    expect(await new SessionEnvStore(dir).names()).toEqual(['ANTHROPIC_API_KEY']);
  });

  it('keeps a deploy key (GIT_SSH_KEY) whole across its lines, one line of the file; other names stay one-line', async () => {
    const key = '-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\nQ==\n-----END OPENSSH PRIVATE KEY-----';
    const env = new SessionEnvStore(dir);
    expect(await env.set('GIT_SSH_KEY', key)).toEqual(['GIT_SSH_KEY']);
    expect((await new SessionEnvStore(dir).read()).get('GIT_SSH_KEY')).toBe(key);
    const file = await readFile(join(dir, SESSION_ENV_FILE), 'utf8');
    expect(file.trimEnd().split('\n')).toHaveLength(1);
    expect(file).not.toContain('PRIVATE KEY');
    expect((await failure(env.set('GH_TOKEN', 'a\nb'))).message).toMatch(/GH_TOKEN: value must not contain a line break \(only GIT_SSH_KEY may\)/);
    expect(await env.names()).toEqual(['GIT_SSH_KEY']);
  });

  it('keeps = and spaces inside a value', async () => {
    const env = new SessionEnvStore(dir);
    await env.set('CONVOCATE_SESSION_COMMAND', 'bash -lc "a=b c"');
    expect((await new SessionEnvStore(dir).read()).get('CONVOCATE_SESSION_COMMAND')).toBe('bash -lc "a=b c"');
  });

  it.each(['', 'lower', '1ABC', 'A-B', 'A B', 'A=B', 'É', 'A'.repeat(129)])('refuses the name %j and changes nothing', async (name) => {
    const env = new SessionEnvStore(dir);
    await env.set('KEEP', 'x');
    const before = await readFile(join(dir, SESSION_ENV_FILE), 'utf8');
    expect((await failure(env.set(name, SECRET))).message).toMatch(/env name .* is invalid/);
    expect(await readFile(join(dir, SESSION_ENV_FILE), 'utf8')).toBe(before);
  });

  it.each([
    ['a newline', `${SECRET}\nEVIL=1`],
    ['a carriage return', `${SECRET}\r`],
    ['a NUL', `${SECRET}\0`],
    ['more than 8 KiB', `${SECRET}${'x'.repeat(MAX_VALUE_BYTES)}`],
  ])('refuses a value with %s, and the error never shows it', async (_what, value) => {
    const env = new SessionEnvStore(dir);
    const err = await failure(env.set('ANTHROPIC_API_KEY', value));
    expect(err.message).toMatch(/^env ANTHROPIC_API_KEY: /);
    expect(err.message).not.toContain('secret');
    expect(await env.names()).toEqual([]);
  });

  it('unsetting a name that is not set is an error that changes nothing', async () => {
    const env = new SessionEnvStore(dir);
    await env.set('A', '1');
    await expect(env.unset('B')).rejects.toThrow('env "B" is not set');
    expect(await env.names()).toEqual(['A']);
  });

  it('concurrent sets lose nothing', async () => {
    const env = new SessionEnvStore(dir);
    await Promise.all(Array.from({ length: 20 }, (_, i) => env.set(`V${i}`, String(i))));
    expect(await new SessionEnvStore(dir).names()).toHaveLength(20);
  });

  it('a damaged file is reported by line number, never by content', async () => {
    await writeFile(join(dir, SESSION_ENV_FILE), `A=1\n${SECRET}\n`);
    const err = await failure(new SessionEnvStore(dir).names());
    expect(err.message).toMatch(/line 2 is not NAME=value/);
    expect(err.message).not.toContain('secret');
  });
});
